package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Sign-in rate limits: failures counted in a sliding window, per account identifier (what was
// typed, whether or not such an account exists) and per client address.
const (
	SigninWindow       = 15 * time.Minute
	MaxAccountFailures = 5
	MaxAddressFailures = 20
)

// SigninFailure records one failed attempt.
type SigninFailure struct {
	ID        int64
	Scope     string
	Key       string
	CreatedAt time.Time
}

// ErrRateLimited means too many failed attempts; the answer is the same for every account.
var ErrRateLimited = fmt.Errorf("too many failed sign-in attempts")

// SigninAllowed returns ErrRateLimited when the identifier or the address failed too often lately.
func SigninAllowed(ctx context.Context, db *gorm.DB, identifier, address string) error {
	var account, addr int64
	since := time.Now().Add(-SigninWindow)
	err := db.WithContext(ctx).Raw(`SELECT
		count(*) FILTER (WHERE scope = 'account' AND key = ?),
		count(*) FILTER (WHERE scope = 'address' AND key = ?)
		FROM signin_failures WHERE created_at > ? AND ((scope = 'account' AND key = ?) OR (scope = 'address' AND key = ?))`,
		accountKey(identifier), address, since, accountKey(identifier), address).Row().Scan(&account, &addr)
	if err != nil {
		return fmt.Errorf("count sign-in failures: %w", err)
	}
	if account >= MaxAccountFailures || addr >= MaxAddressFailures {
		return ErrRateLimited
	}
	return nil
}

// RecordSigninFailure counts a failed attempt against both the identifier and the address.
func RecordSigninFailure(ctx context.Context, db *gorm.DB, identifier, address string) error {
	rows := []SigninFailure{{Scope: "account", Key: accountKey(identifier)}, {Scope: "address", Key: address}}
	if err := db.WithContext(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	return nil
}

func accountKey(identifier string) string { return strings.ToLower(strings.TrimSpace(identifier)) }
