package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Role is a person's one role in this installation. Being a volunteer is a profile, not a role.
type Role string

// The roles, from least to most rights.
const (
	RoleResident    Role = "resident"
	RoleWorker      Role = "worker"
	RoleCoordinator Role = "coordinator"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleResident || r == RoleWorker || r == RoleCoordinator }

// User is an account. Email and username are private: others only ever see the display name.
type User struct {
	ID                  int64
	DisplayName         *string
	Email               *string
	Username            *string
	PasswordHash        *string `json:"-"`
	Role                Role
	Language            string
	Initials            *string
	HomeNeighbourhoodID *int64
	RegisteredBy        *int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
	DeletedAt           *time.Time
}

// Name is what others see: the display name, or "" for a deleted account (shown as "former
// neighbour" in the person's language).
func (u *User) Name() string {
	if u == nil || u.DisplayName == nil {
		return ""
	}
	return *u.DisplayName
}

// AvatarInitials are the chosen initials, or the first letters of the display name.
func (u *User) AvatarInitials() string {
	if u.Initials != nil && *u.Initials != "" {
		return *u.Initials
	}
	var out []rune
	for _, w := range strings.Fields(u.Name()) {
		r, _ := utf8.DecodeRuneInString(w)
		out = append(out, []rune(strings.ToUpper(string(r)))...)
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

// Registration is what a person (or a worker on their behalf) fills in to create an account.
type Registration struct {
	DisplayName     string `json:"display_name" form:"display_name"`
	Email           string `json:"email" form:"email"`
	Username        string `json:"username" form:"username"`
	Password        string `json:"password" form:"password"`
	NeighbourhoodID int64  `json:"neighbourhood_id" form:"neighbourhood_id"`
	JoinCode        string `json:"join_code" form:"join_code"`
	Language        string `json:"language" form:"language"`
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,29}$`)

// normalize trims what people type by accident and lower-cases the identifiers.
func (r *Registration) normalize() {
	r.DisplayName = strings.Join(strings.Fields(r.DisplayName), " ")
	r.Email = strings.TrimSpace(r.Email)
	r.Username = strings.ToLower(strings.TrimSpace(r.Username))
	r.JoinCode = NormalizeCode(r.JoinCode)
	if r.Language != "en" {
		r.Language = "nl"
	}
}

// validate checks the form; proxy says a worker registers someone who gets a sign-in code
// instead of a password.
func (r *Registration) validate(proxy bool) FieldErrors {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(r.DisplayName); n == 0 {
		fe["display_name"] = "user.display_name.required"
	} else if n > 60 {
		fe["display_name"] = "user.display_name.too_long"
	}
	if r.Email != "" {
		if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || !strings.Contains(r.Email[strings.LastIndex(r.Email, "@"):], ".") || len(r.Email) > 254 {
			fe["email"] = "user.email.invalid"
		}
	}
	if r.Username != "" && !usernamePattern.MatchString(r.Username) {
		fe["username"] = "user.username.invalid"
	}
	if r.Email == "" && r.Username == "" && !proxy {
		fe["username"] = "user.identifier.required"
	}
	if !proxy {
		if msg := CheckPassword(r.Password); msg != "" {
			fe["password"] = msg
		}
	}
	return fe
}

// Register creates an account in the neighbourhood chosen or named by its join code. The caller
// starts a session for it. Nothing is stored when anything is invalid.
func Register(ctx context.Context, db *gorm.DB, r Registration) (*User, error) {
	r.normalize()
	fe := r.validate(false)
	hood, err := r.neighbourhood(ctx, db, fe)
	if err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	u := &User{DisplayName: &r.DisplayName, PasswordHash: &hash, Role: RoleResident, Language: r.Language, HomeNeighbourhoodID: hood}
	u.Email, u.Username = optional(r.Email), optional(r.Username)
	return u, insertUser(ctx, db, u)
}

// neighbourhood resolves the chosen neighbourhood or join code; both are optional.
func (r *Registration) neighbourhood(ctx context.Context, db *gorm.DB, fe FieldErrors) (*int64, error) {
	if r.JoinCode != "" {
		var n Neighbourhood
		err := db.WithContext(ctx).Where("join_code = ?", r.JoinCode).Take(&n).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			fe["join_code"] = "neighbourhood.code.unknown"
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("look up join code: %w", err)
		}
		return &n.ID, nil
	}
	if r.NeighbourhoodID == 0 {
		return nil, nil
	}
	var n int64
	if err := db.WithContext(ctx).Model(&Neighbourhood{}).Where("id = ?", r.NeighbourhoodID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("look up neighbourhood: %w", err)
	}
	if n == 0 {
		fe["neighbourhood_id"] = "neighbourhood.unknown"
		return nil, nil
	}
	return &r.NeighbourhoodID, nil
}

func insertUser(ctx context.Context, db *gorm.DB, u *User) error {
	err := db.WithContext(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		if strings.Contains(err.Error(), "email") {
			return Conflict("email", "user.email.taken")
		}
		return Conflict("username", "user.username.taken")
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ErrBadCredentials is the one answer to a failed sign-in, whether or not the account exists.
var ErrBadCredentials = errors.New("unknown account or wrong password")

// Authenticate finds the account by email or username and checks the password. It takes as
// long for an unknown account as for a wrong password.
func Authenticate(ctx context.Context, db *gorm.DB, identifier, password string) (*User, error) {
	identifier = strings.TrimSpace(identifier)
	var u User
	err := db.WithContext(ctx).
		Where("deleted_at IS NULL AND (lower(email) = lower(?) OR username = lower(?))", identifier, identifier).
		Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && u.PasswordHash == nil) {
		_, _ = VerifyPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("look up account: %w", err)
	}
	ok, err := VerifyPassword(*u.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("verify password of user %d: %w", u.ID, err)
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	return &u, nil
}

// UserByID returns a live (not deleted) account.
func UserByID(ctx context.Context, db *gorm.DB, id int64) (*User, error) {
	var u User
	err := db.WithContext(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return &u, nil
}

// SetPassword replaces a person's password after checking the policy.
func SetPassword(ctx context.Context, db *gorm.DB, userID int64, pw string) error {
	if msg := CheckPassword(pw); msg != "" {
		return FieldErrors{"password": msg}
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	if err := db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"password_hash": hash, "updated_at": time.Now()}).Error; err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}
