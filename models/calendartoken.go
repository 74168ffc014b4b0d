package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// calendarTokenPrefix makes calendar feed secrets recognisable.
const calendarTokenPrefix = "nbc_"

// CalendarToken is the secret in a person's own calendar feed URL (the meetups they signed up
// for), so that a calendar app can subscribe without signing in. One is live at a time.
type CalendarToken struct {
	ID         int64
	UserID     int64
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// NewCalendarToken makes a new feed secret for the person, revoking the one before (so an old,
// shared feed URL stops working), and returns it. Only its hash is kept.
func NewCalendarToken(ctx context.Context, db *gorm.DB, userID int64) (string, error) {
	secret := calendarTokenPrefix + newSecret(24)
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := revokeCalendarTokens(tx, userID); err != nil {
			return err
		}
		return tx.Create(&CalendarToken{UserID: userID, TokenHash: hashSecret(secret)}).Error
	})
	if err != nil {
		return "", fmt.Errorf("new calendar token: %w", err)
	}
	return secret, nil
}

// RevokeCalendarTokens stops the person's feed URL from working.
func RevokeCalendarTokens(ctx context.Context, db *gorm.DB, userID int64) error {
	if err := revokeCalendarTokens(db.WithContext(ctx), userID); err != nil {
		return fmt.Errorf("revoke calendar token: %w", err)
	}
	return nil
}

func revokeCalendarTokens(db *gorm.DB, userID int64) error {
	return db.Model(&CalendarToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", time.Now()).Error
}

// UserByCalendarToken returns the owner of a live feed secret.
func UserByCalendarToken(ctx context.Context, db *gorm.DB, secret string) (*User, error) {
	if !strings.HasPrefix(secret, calendarTokenPrefix) {
		return nil, ErrNotFound
	}
	var t CalendarToken
	err := db.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", hashSecret(secret)).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load calendar token: %w", err)
	}
	if t.LastUsedAt == nil || time.Since(*t.LastUsedAt) > time.Hour {
		db.WithContext(ctx).Model(&CalendarToken{}).Where("id = ?", t.ID).Update("last_used_at", time.Now())
	}
	return UserByID(ctx, db, t.UserID)
}
