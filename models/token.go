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

// tokenPrefix makes Nabij tokens recognisable (for secret scanners and for people).
const tokenPrefix = "nbj_"

// APIToken is a personal token for scripts and apps, sent as "Authorization: Bearer ...".
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	TokenHash  []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreateToken stores a new token and returns its secret, which is shown once and never again.
func CreateToken(ctx context.Context, db *gorm.DB, userID int64, name string) (*APIToken, string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 60 {
		return nil, "", FieldErrors{"name": "token.name.invalid"}
	}
	secret := tokenPrefix + newSecret(32)
	t := &APIToken{UserID: userID, Name: name, TokenHash: hashSecret(secret), CreatedAt: time.Now()}
	if err := db.WithContext(ctx).Create(t).Error; err != nil {
		return nil, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

// UserByToken returns the owner of a live token. It is asked on every API call, so the token
// and its owner come in one query; last_used_at is written at most once an hour.
func UserByToken(ctx context.Context, db *gorm.DB, secret string) (*User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, ErrNotFound
	}
	var row struct {
		User
		TokenID       int64
		TokenLastUsed *time.Time
	}
	err := db.WithContext(ctx).Table("api_tokens t").
		Select("u.*, t.id AS token_id, t.last_used_at AS token_last_used").
		Joins("JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL").
		Where("t.token_hash = ? AND t.revoked_at IS NULL", hashSecret(secret)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load token: %w", err)
	}
	if row.TokenLastUsed == nil || time.Since(*row.TokenLastUsed) > time.Hour {
		db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", row.TokenID).Update("last_used_at", time.Now())
	}
	return &row.User, nil
}

// Tokens lists a person's tokens, newest first (without secrets).
func Tokens(ctx context.Context, db *gorm.DB, userID int64) ([]APIToken, error) {
	var ts []APIToken
	if err := db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken ends one of the person's own tokens.
func RevokeToken(ctx context.Context, db *gorm.DB, userID, tokenID int64) error {
	res := db.WithContext(ctx).Model(&APIToken{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", tokenID, userID).
		Update("revoked_at", time.Now())
	if res.Error != nil {
		return fmt.Errorf("revoke token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
