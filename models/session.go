package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SessionIdle is how long a session lives without use.
const SessionIdle = 14 * 24 * time.Hour

// sessionTouchEvery limits writes: last_seen_at moves at most this often per session.
const sessionTouchEvery = 5 * time.Minute

// Session is a signed-in browser. The cookie holds the secret; the table only its hash.
type Session struct {
	IDHash     []byte `gorm:"primaryKey"`
	UserID     int64
	CSRFToken  string `gorm:"column:csrf_token"`
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// NewSession stores a session for the user and returns the cookie value. Called at every
// sign-in, so the session id is never one an attacker planted before.
func NewSession(ctx context.Context, db *gorm.DB, userID int64, userAgent string) (cookie string, s *Session, err error) {
	cookie = newSecret(32)
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	s = &Session{IDHash: hashSecret(cookie), UserID: userID, CSRFToken: newSecret(24), UserAgent: userAgent,
		CreatedAt: time.Now(), LastSeenAt: time.Now()}
	if err := db.WithContext(ctx).Create(s).Error; err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	return cookie, s, nil
}

// SessionByCookie returns the live session and its user, or ErrNotFound when the cookie is
// unknown, expired or its account deleted. It refreshes last_seen_at now and then.
func SessionByCookie(ctx context.Context, db *gorm.DB, cookie string) (*Session, *User, error) {
	if cookie == "" {
		return nil, nil, ErrNotFound
	}
	var s Session
	err := db.WithContext(ctx).Where("id_hash = ? AND last_seen_at > ?", hashSecret(cookie), time.Now().Add(-SessionIdle)).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	u, err := UserByID(ctx, db, s.UserID)
	if err != nil {
		return nil, nil, err
	}
	if time.Since(s.LastSeenAt) > sessionTouchEvery {
		if err := db.WithContext(ctx).Model(&Session{}).Where("id_hash = ?", s.IDHash).Update("last_seen_at", time.Now()).Error; err != nil {
			return nil, nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return &s, u, nil
}

// EndSession signs one browser out.
func EndSession(ctx context.Context, db *gorm.DB, cookie string) error {
	if err := db.WithContext(ctx).Where("id_hash = ?", hashSecret(cookie)).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// EndAllSessions signs a person out everywhere.
func EndAllSessions(ctx context.Context, db *gorm.DB, userID int64) error {
	if err := db.WithContext(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// PurgeExpired removes sessions, sign-in codes and sign-in failures nobody can use any more.
func PurgeExpired(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("last_seen_at < ?", time.Now().Add(-SessionIdle)).Delete(&Session{}).Error; err != nil {
			return err
		}
		if err := tx.Where("expires_at < ?", time.Now().Add(-24*time.Hour)).Delete(&SigninCode{}).Error; err != nil {
			return err
		}
		return tx.Where("created_at < ?", time.Now().Add(-time.Hour)).Delete(&SigninFailure{}).Error
	})
}
