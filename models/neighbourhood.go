package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Neighbourhood is a buurt: the place where people meet, with its own workers and join code.
type Neighbourhood struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Municipality string    `json:"municipality"`
	JoinCode     string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// NeighbourhoodInput creates or changes a neighbourhood. Nil fields are left as they are.
type NeighbourhoodInput struct {
	Name         *string `json:"name" form:"name"`
	Description  *string `json:"description" form:"description"`
	Municipality *string `json:"municipality" form:"municipality"`
}

// apply validates the input onto n.
func (in NeighbourhoodInput) apply(n *Neighbourhood) FieldErrors {
	fe := FieldErrors{}
	if in.Name != nil {
		n.Name = strings.Join(strings.Fields(*in.Name), " ")
	}
	if in.Municipality != nil {
		n.Municipality = strings.Join(strings.Fields(*in.Municipality), " ")
	}
	if in.Description != nil {
		n.Description = strings.TrimSpace(*in.Description)
	}
	if l := utf8.RuneCountInString(n.Name); l == 0 || l > 80 {
		fe["name"] = "neighbourhood.name.invalid"
	}
	if l := utf8.RuneCountInString(n.Municipality); l == 0 || l > 80 {
		fe["municipality"] = "neighbourhood.municipality.invalid"
	}
	if utf8.RuneCountInString(n.Description) > 1000 {
		fe["description"] = "neighbourhood.description.too_long"
	}
	return fe
}

// CreateNeighbourhood stores a new neighbourhood with a fresh join code.
func CreateNeighbourhood(ctx context.Context, db *gorm.DB, in NeighbourhoodInput) (*Neighbourhood, error) {
	n := &Neighbourhood{}
	if err := in.apply(n).Err(); err != nil {
		return nil, err
	}
	n.JoinCode = newCode(6)
	return n, saveNeighbourhood(db.WithContext(ctx).Create(n).Error)
}

// UpdateNeighbourhood changes name, description or municipality.
func UpdateNeighbourhood(ctx context.Context, db *gorm.DB, id int64, in NeighbourhoodInput) (*Neighbourhood, error) {
	n, err := NeighbourhoodByID(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if err := in.apply(n).Err(); err != nil {
		return nil, err
	}
	n.UpdatedAt = time.Now()
	return n, saveNeighbourhood(db.WithContext(ctx).Save(n).Error)
}

func saveNeighbourhood(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		if strings.Contains(err.Error(), "join_code") {
			return fmt.Errorf("join code collision, try again: %w", err)
		}
		return Conflict("name", "neighbourhood.name.taken")
	}
	if err != nil {
		return fmt.Errorf("save neighbourhood: %w", err)
	}
	return nil
}

// RotateJoinCode replaces a leaked join code; the old flyers stop working.
func RotateJoinCode(ctx context.Context, db *gorm.DB, id int64) (string, error) {
	code := newCode(6)
	res := db.WithContext(ctx).Model(&Neighbourhood{}).Where("id = ?", id).Updates(map[string]any{"join_code": code, "updated_at": time.Now()})
	if res.Error != nil {
		return "", fmt.Errorf("rotate join code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return "", ErrNotFound
	}
	return code, nil
}

// NeighbourhoodByID loads one neighbourhood.
func NeighbourhoodByID(ctx context.Context, db *gorm.DB, id int64) (*Neighbourhood, error) {
	var n Neighbourhood
	err := db.WithContext(ctx).Take(&n, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load neighbourhood %d: %w", id, err)
	}
	return &n, nil
}

// NeighbourhoodByCode finds the neighbourhood of a join code.
func NeighbourhoodByCode(ctx context.Context, db *gorm.DB, code string) (*Neighbourhood, error) {
	var n Neighbourhood
	err := db.WithContext(ctx).Where("join_code = ?", NormalizeCode(code)).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("look up join code: %w", err)
	}
	return &n, nil
}

// Neighbourhoods lists all neighbourhoods by municipality and name.
func Neighbourhoods(ctx context.Context, db *gorm.DB) ([]Neighbourhood, error) {
	var ns []Neighbourhood
	if err := db.WithContext(ctx).Order("municipality, name").Find(&ns).Error; err != nil {
		return nil, fmt.Errorf("list neighbourhoods: %w", err)
	}
	return ns, nil
}

// NeighbourhoodSummary is what a neighbourhood page shows besides the neighbourhood itself.
type NeighbourhoodSummary struct {
	Workers    []PublicUser `json:"workers"`
	Neighbours int64        `json:"neighbours"`
}

// PublicUser is how a person appears to others: an id, a display name and initials, nothing more.
type PublicUser struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Initials    string `json:"initials"`
}

// Public returns what others may see of u.
func (u *User) Public() PublicUser {
	return PublicUser{ID: u.ID, DisplayName: u.Name(), Initials: u.AvatarInitials()}
}

// SummarizeNeighbourhood returns the workers and the number of neighbours who joined.
func SummarizeNeighbourhood(ctx context.Context, db *gorm.DB, id int64) (NeighbourhoodSummary, error) {
	var s NeighbourhoodSummary
	var workers []User
	err := db.WithContext(ctx).Joins("JOIN neighbourhood_workers w ON w.user_id = users.id").
		Where("w.neighbourhood_id = ? AND users.deleted_at IS NULL", id).Order("users.display_name").Find(&workers).Error
	if err != nil {
		return s, fmt.Errorf("list workers: %w", err)
	}
	s.Workers = make([]PublicUser, 0, len(workers))
	for i := range workers {
		s.Workers = append(s.Workers, workers[i].Public())
	}
	if err := db.WithContext(ctx).Model(&User{}).Where("home_neighbourhood_id = ? AND deleted_at IS NULL", id).Count(&s.Neighbours).Error; err != nil {
		return s, fmt.Errorf("count neighbours: %w", err)
	}
	return s, nil
}

// AssignWorker makes a community worker one of a neighbourhood's workers.
func AssignWorker(ctx context.Context, db *gorm.DB, neighbourhoodID, userID int64) error {
	u, err := UserByID(ctx, db, userID)
	if err != nil {
		return err
	}
	if u.Role != RoleWorker && u.Role != RoleCoordinator {
		return FieldErrors{"user_id": "neighbourhood.worker.not_worker"}
	}
	if err := db.WithContext(ctx).Exec(`INSERT INTO neighbourhood_workers (neighbourhood_id, user_id) VALUES (?, ?)
		ON CONFLICT DO NOTHING`, neighbourhoodID, userID).Error; err != nil {
		return fmt.Errorf("assign worker: %w", err)
	}
	return nil
}

// UnassignWorker removes a worker from a neighbourhood.
func UnassignWorker(ctx context.Context, db *gorm.DB, neighbourhoodID, userID int64) error {
	if err := db.WithContext(ctx).Exec("DELETE FROM neighbourhood_workers WHERE neighbourhood_id = ? AND user_id = ?",
		neighbourhoodID, userID).Error; err != nil {
		return fmt.Errorf("unassign worker: %w", err)
	}
	return nil
}

// WorksIn reports whether the user is an assigned worker of the neighbourhood.
func WorksIn(ctx context.Context, db *gorm.DB, userID, neighbourhoodID int64) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Table("neighbourhood_workers").Where("user_id = ? AND neighbourhood_id = ?", userID, neighbourhoodID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check worker: %w", err)
	}
	return n > 0, nil
}

// JoinNeighbourhood makes it the person's home when they have none, and follows it otherwise.
func JoinNeighbourhood(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64) error {
	if u.HomeNeighbourhoodID == nil {
		if err := db.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Update("home_neighbourhood_id", neighbourhoodID).Error; err != nil {
			return fmt.Errorf("set home neighbourhood: %w", err)
		}
		u.HomeNeighbourhoodID = &neighbourhoodID
		return nil
	}
	if *u.HomeNeighbourhoodID == neighbourhoodID {
		return nil
	}
	return Follow(ctx, db, u.ID, neighbourhoodID)
}

// Follow adds a neighbourhood to the ones a person follows.
func Follow(ctx context.Context, db *gorm.DB, userID, neighbourhoodID int64) error {
	if err := db.WithContext(ctx).Exec(`INSERT INTO neighbourhood_follows (neighbourhood_id, user_id) VALUES (?, ?)
		ON CONFLICT DO NOTHING`, neighbourhoodID, userID).Error; err != nil {
		return fmt.Errorf("follow neighbourhood: %w", err)
	}
	return nil
}

// Unfollow stops following a neighbourhood.
func Unfollow(ctx context.Context, db *gorm.DB, userID, neighbourhoodID int64) error {
	if err := db.WithContext(ctx).Exec("DELETE FROM neighbourhood_follows WHERE neighbourhood_id = ? AND user_id = ?",
		neighbourhoodID, userID).Error; err != nil {
		return fmt.Errorf("unfollow neighbourhood: %w", err)
	}
	return nil
}

// FollowedNeighbourhoods lists the ids of neighbourhoods a person follows.
func FollowedNeighbourhoods(ctx context.Context, db *gorm.DB, userID int64) ([]int64, error) {
	var ids []int64
	if err := db.WithContext(ctx).Table("neighbourhood_follows").Where("user_id = ?", userID).Order("neighbourhood_id").Pluck("neighbourhood_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("list follows: %w", err)
	}
	return ids, nil
}

// Staff lists the people a coordinator can assign to a neighbourhood: community workers and
// coordinators, by display name.
func Staff(ctx context.Context, db *gorm.DB) ([]PublicUser, error) {
	var users []User
	err := db.WithContext(ctx).Where("role IN ? AND deleted_at IS NULL", []Role{RoleWorker, RoleCoordinator}).
		Order("display_name, id").Find(&users).Error
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	out := make([]PublicUser, 0, len(users))
	for i := range users {
		out = append(out, users[i].Public())
	}
	return out, nil
}

// MakeHome makes a neighbourhood the person's home, also when they had another one. Following
// one's own home is pointless, so that follow ends.
func MakeHome(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"home_neighbourhood_id": neighbourhoodID, "updated_at": time.Now()}).Error; err != nil {
			return err
		}
		return tx.Exec("DELETE FROM neighbourhood_follows WHERE neighbourhood_id = ? AND user_id = ?", neighbourhoodID, u.ID).Error
	})
	if err != nil {
		return fmt.Errorf("make home neighbourhood: %w", err)
	}
	u.HomeNeighbourhoodID = &neighbourhoodID
	return nil
}
