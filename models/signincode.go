package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SigninCodeTTL is how long a code handed out by a worker stays valid.
const SigninCodeTTL = 7 * 24 * time.Hour

// SigninCode is a one-time code a worker gives to a resident without email or password.
type SigninCode struct {
	ID        int64
	UserID    int64
	CodeHash  []byte
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// ErrCodeInvalid covers unknown, expired and already used codes alike: one clear message.
var ErrCodeInvalid = errors.New("sign-in code unknown, expired or already used")

// IssueSigninCode makes a new code for a person; earlier unused codes stop working, so only the
// latest sheet handed out is valid. It returns the code as printed: XXXX-XXXX.
func IssueSigninCode(ctx context.Context, db *gorm.DB, userID, workerID int64) (string, time.Time, error) {
	code := newCode(8)
	expires := time.Now().Add(SigninCodeTTL)
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&SigninCode{}).Where("user_id = ? AND used_at IS NULL", userID).Update("expires_at", time.Now()).Error; err != nil {
			return err
		}
		return tx.Create(&SigninCode{UserID: userID, CodeHash: hashSecret(code), CreatedBy: &workerID, ExpiresAt: expires}).Error
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue sign-in code: %w", err)
	}
	return code[:4] + "-" + code[4:], expires, nil
}

// RedeemSigninCode uses up a code and returns its person. A code works once: two browsers
// racing with the same code get one session between them.
func RedeemSigninCode(ctx context.Context, db *gorm.DB, typed string) (*User, error) {
	code := NormalizeCode(typed)
	if len(code) != 8 {
		return nil, ErrCodeInvalid
	}
	var userID int64
	res := db.WithContext(ctx).Raw(`UPDATE signin_codes SET used_at = now()
		WHERE code_hash = ? AND used_at IS NULL AND expires_at > now() RETURNING user_id`, hashSecret(code)).Scan(&userID)
	if res.Error != nil {
		return nil, fmt.Errorf("redeem sign-in code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrCodeInvalid
	}
	u, err := UserByID(ctx, db, userID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrCodeInvalid
	}
	return u, err
}

// IssueSigninCodeFor makes a new code for a resident after checking that the actor may (see
// CanIssueSigninCode). It returns the resident, for the printed sheet.
func IssueSigninCodeFor(ctx context.Context, db *gorm.DB, actor *User, residentID int64) (*User, string, time.Time, error) {
	if !CanRegisterOnBehalf(actor) {
		return nil, "", time.Time{}, ErrForbidden
	}
	target, err := UserByID(ctx, db, residentID)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	ok, err := CanIssueSigninCode(ctx, db, actor, target)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	if !ok {
		return nil, "", time.Time{}, ErrForbidden
	}
	code, expires, err := IssueSigninCode(ctx, db, target.ID, actor.ID)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	return target, code, expires, nil
}

// CodeSessionWindow is how long after signing in with a code a person may choose a new password
// without typing the old one (which they had forgotten, or never had).
const CodeSessionWindow = time.Hour

// sessionStartedWithCode reports whether s began with a sign-in code, not long ago: a code of its
// person was used at the session's start (give or take a little clock difference between the
// database and Nabij).
func sessionStartedWithCode(ctx context.Context, db *gorm.DB, s *Session) (bool, error) {
	if time.Since(s.CreatedAt) > CodeSessionWindow {
		return false, nil
	}
	var n int64
	err := db.WithContext(ctx).Model(&SigninCode{}).
		Where("user_id = ? AND used_at BETWEEN ? AND ?", s.UserID, s.CreatedAt.Add(-30*time.Second), s.CreatedAt.Add(30*time.Second)).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check code sign-in: %w", err)
	}
	return n > 0, nil
}
