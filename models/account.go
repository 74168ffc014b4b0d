package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// RegisterOnBehalf is proxy registration: a worker creates an account for a resident, who gets
// a one-time sign-in code instead of choosing a password now. When no username is given, one is
// made from the display name, so the person can later sign in with a password too.
func RegisterOnBehalf(ctx context.Context, db *gorm.DB, worker *User, r Registration) (*User, string, time.Time, error) {
	if !CanRegisterOnBehalf(worker) {
		return nil, "", time.Time{}, ErrForbidden
	}
	r.normalize()
	fe := r.validate(true)
	hood, err := r.neighbourhood(ctx, db, fe)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	if err := fe.Err(); err != nil {
		return nil, "", time.Time{}, err
	}
	u := &User{DisplayName: &r.DisplayName, Role: RoleResident, Language: r.Language, HomeNeighbourhoodID: hood, RegisteredBy: &worker.ID}
	u.Email = optional(r.Email)
	for attempt := 0; ; attempt++ {
		u.Username = optional(r.Username)
		if r.Username == "" {
			name := usernameFrom(r.DisplayName)
			u.Username = &name
		}
		err = insertUser(ctx, db, u)
		var fe FieldErrors
		if errors.As(err, &fe) && fe["username"] != "" && r.Username == "" && attempt < 5 {
			u.ID = 0
			continue // generated name taken: draw another number
		}
		break
	}
	if err != nil {
		return nil, "", time.Time{}, err
	}
	code, expires, err := IssueSigninCode(ctx, db, u.ID, worker.ID)
	return u, code, expires, err
}

// usernameFrom makes "fatima.4821" from "Fátima El Idrissi": plain letters of the first name and
// four random digits.
func usernameFrom(displayName string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(displayName)) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else if unicode.IsSpace(r) && b.Len() >= 3 {
			break
		}
		if b.Len() == 20 {
			break
		}
	}
	base := b.String()
	if len(base) < 3 {
		base = "buur"
	}
	digits := []byte(newCode(8))
	num := make([]byte, 0, 4)
	for _, d := range digits {
		if d >= '2' && d <= '9' && len(num) < 4 {
			num = append(num, d)
		}
	}
	for len(num) < 4 {
		num = append(num, '7')
	}
	return base + "." + string(num)
}

// CreateCoordinator makes a coordinator account from the command line (the first one, or more).
func CreateCoordinator(ctx context.Context, db *gorm.DB, name, email, password string) (*User, error) {
	r := Registration{DisplayName: name, Email: email, Password: password}
	r.normalize()
	fe := r.validate(false)
	if r.Email == "" {
		fe["email"] = "user.email.required"
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	u := &User{DisplayName: &r.DisplayName, Email: &r.Email, PasswordHash: &hash, Role: RoleCoordinator, Language: "nl"}
	return u, insertUser(ctx, db, u)
}

// ErrLastCoordinator protects an installation from losing its last coordinator.
var ErrLastCoordinator = errors.New("the last coordinator cannot stop being one")

// SetRole changes someone's role. Only coordinators may, and the last coordinator stays one.
func SetRole(ctx context.Context, db *gorm.DB, actor *User, targetID int64, role Role) (*User, error) {
	if !CanChangeRoles(actor) {
		return nil, ErrForbidden
	}
	if !role.Valid() {
		return nil, FieldErrors{"role": "user.role.invalid"}
	}
	var out *User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var target User
		err := tx.Clauses(lockForUpdate).Where("id = ? AND deleted_at IS NULL", targetID).Take(&target).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if target.Role == RoleCoordinator && role != RoleCoordinator {
			var others int64
			if err := tx.Model(&User{}).Where("role = 'coordinator' AND deleted_at IS NULL AND id <> ?", target.ID).Count(&others).Error; err != nil {
				return err
			}
			if others == 0 {
				return ErrLastCoordinator
			}
		}
		if err := tx.Model(&target).Updates(map[string]any{"role": role, "updated_at": time.Now()}).Error; err != nil {
			return err
		}
		if role == RoleResident {
			if err := tx.Exec("DELETE FROM neighbourhood_workers WHERE user_id = ?", target.ID).Error; err != nil {
				return err
			}
		}
		target.Role = role
		out = &target
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrLastCoordinator) {
		return nil, fmt.Errorf("set role: %w", err)
	}
	return out, err
}

// ProfileInput changes what a person says about themselves. Nil fields stay as they are.
type ProfileInput struct {
	DisplayName         *string `json:"display_name" form:"display_name"`
	Initials            *string `json:"initials" form:"initials"`
	Language            *string `json:"language" form:"language"`
	HomeNeighbourhoodID *int64  `json:"home_neighbourhood_id" form:"home_neighbourhood_id"`
}

// UpdateProfile validates and stores a profile change.
func UpdateProfile(ctx context.Context, db *gorm.DB, u *User, in ProfileInput) error {
	fe := FieldErrors{}
	changes := map[string]any{"updated_at": time.Now()}
	if in.DisplayName != nil {
		name := strings.Join(strings.Fields(*in.DisplayName), " ")
		if n := utf8.RuneCountInString(name); n == 0 || n > 60 {
			fe["display_name"] = "user.display_name.required"
		}
		changes["display_name"] = name
	}
	if in.Initials != nil {
		ini := strings.ToUpper(strings.TrimSpace(*in.Initials))
		if utf8.RuneCountInString(ini) > 3 {
			fe["initials"] = "user.initials.invalid"
		}
		changes["initials"] = optional(ini)
	}
	if in.Language != nil {
		if *in.Language != "nl" && *in.Language != "en" {
			fe["language"] = "user.language.invalid"
		}
		changes["language"] = *in.Language
	}
	if in.HomeNeighbourhoodID != nil {
		if *in.HomeNeighbourhoodID == 0 {
			changes["home_neighbourhood_id"] = nil
		} else if _, err := NeighbourhoodByID(ctx, db, *in.HomeNeighbourhoodID); errors.Is(err, ErrNotFound) {
			fe["home_neighbourhood_id"] = "neighbourhood.unknown"
		} else if err != nil {
			return err
		} else {
			changes["home_neighbourhood_id"] = *in.HomeNeighbourhoodID
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if err := db.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Updates(changes).Error; err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	return db.WithContext(ctx).Take(u, u.ID).Error
}

// DeleteAccount removes everything personal about a person. What they wrote stays, shown as
// written by a "former neighbour"; the account row remains only as that anonymous author.
func DeleteAccount(ctx context.Context, db *gorm.DB, userID int64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range []string{
			"DELETE FROM sessions WHERE user_id = ?",
			"DELETE FROM api_tokens WHERE user_id = ?",
			"DELETE FROM signin_codes WHERE user_id = ?",
			"DELETE FROM neighbourhood_follows WHERE user_id = ?",
			"DELETE FROM neighbourhood_workers WHERE user_id = ?",
			"DELETE FROM notifications WHERE user_id = ?",
		} {
			if err := tx.Exec(q, userID).Error; err != nil {
				return fmt.Errorf("delete account data: %w", err)
			}
		}
		if _, err := ForgetParticipation(ctx, tx, userID); err != nil {
			return err
		}
		res := tx.Exec(`UPDATE users SET display_name = NULL, email = NULL, username = NULL, password_hash = NULL,
			initials = NULL, home_neighbourhood_id = NULL, role = 'resident', deleted_at = now(), updated_at = now()
			WHERE id = ? AND deleted_at IS NULL`, userID)
		if res.Error != nil {
			return fmt.Errorf("anonymise account: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// AccountRow is one line of a worker's or coordinator's list of people: enough to recognise
// someone, never their email address or username.
type AccountRow struct {
	ID             int64     `json:"id"`
	DisplayName    string    `json:"display_name"`
	Role           Role      `json:"role"`
	Neighbourhood  string    `json:"neighbourhood"`
	RegisteredByMe bool      `json:"registered_by_me"`
	CreatedAt      time.Time `json:"created_at"`
}

// maxListed bounds the lists of people; a neighbourhood platform with more needs a search first.
const maxListed = 1000

const accountRowsSQL = `SELECT u.id, u.display_name, u.role, coalesce(n.name, '') AS neighbourhood,
	coalesce(u.registered_by = ?, false) AS registered_by_me, u.created_at
	FROM users u LEFT JOIN neighbourhoods n ON n.id = u.home_neighbourhood_id
	WHERE u.deleted_at IS NULL`

// ResidentsFor lists the residents a worker may hand a new sign-in code: those they registered
// and those living in a neighbourhood they work in (every resident, for a coordinator).
func ResidentsFor(ctx context.Context, db *gorm.DB, actor *User) ([]AccountRow, error) {
	if !CanRegisterOnBehalf(actor) {
		return nil, ErrForbidden
	}
	q := accountRowsSQL + ` AND u.role = 'resident'`
	args := []any{actor.ID}
	if actor.Role != RoleCoordinator {
		q += ` AND (u.registered_by = ? OR u.home_neighbourhood_id IN
			(SELECT neighbourhood_id FROM neighbourhood_workers WHERE user_id = ?))`
		args = append(args, actor.ID, actor.ID)
	}
	rows := []AccountRow{}
	q += ` ORDER BY lower(u.display_name), u.id LIMIT ?`
	if err := db.WithContext(ctx).Raw(q, append(args, maxListed)...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list residents: %w", err)
	}
	return rows, nil
}

// Accounts lists everyone, coordinators and workers first, for a coordinator managing roles.
func Accounts(ctx context.Context, db *gorm.DB, actor *User) ([]AccountRow, error) {
	if !CanChangeRoles(actor) {
		return nil, ErrForbidden
	}
	rows := []AccountRow{}
	q := accountRowsSQL + ` ORDER BY CASE u.role WHEN 'coordinator' THEN 0 WHEN 'worker' THEN 1 ELSE 2 END,
		lower(u.display_name), u.id LIMIT ?`
	if err := db.WithContext(ctx).Raw(q, actor.ID, maxListed).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return rows, nil
}

// ConfirmPassword checks the password a person types to confirm a grave step, such as deleting
// their account. An account without a password (signed in with a code) has nothing to check.
func ConfirmPassword(u *User, password string) error {
	if u.PasswordHash == nil {
		return nil
	}
	ok, err := VerifyPassword(*u.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("verify password of user %d: %w", u.ID, err)
	}
	if !ok {
		return FieldErrors{"password": "user.password.wrong"}
	}
	return nil
}

// DeleteOwnAccount is a person deleting their own account: the password confirms it, and the last
// coordinator cannot leave the installation without one.
func DeleteOwnAccount(ctx context.Context, db *gorm.DB, u *User, password string) error {
	if err := ConfirmPassword(u, password); err != nil {
		return err
	}
	if u.Role == RoleCoordinator {
		var others int64
		if err := db.WithContext(ctx).Model(&User{}).
			Where("role = 'coordinator' AND deleted_at IS NULL AND id <> ?", u.ID).Count(&others).Error; err != nil {
			return fmt.Errorf("count coordinators: %w", err)
		}
		if others == 0 {
			return ErrLastCoordinator
		}
	}
	return DeleteAccount(ctx, db, u.ID)
}
