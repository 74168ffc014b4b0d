package models

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Bearer tokens are looked up on every API call: the lookups that arrive together go to the
// database as one query (see batcher), and the rows are read without GORM's reflection.

// tokenLanes and tokenBatchSize bound the token lookups at the database at once and in one query.
const (
	tokenLanes     = 2
	tokenBatchSize = 64
)

// TokenOwners finds the owners of bearer tokens in batches. One is shared by all requests of a
// Nabij; UserByToken does the same one at a time.
type TokenOwners struct {
	db    *gorm.DB
	batch *batcher[[]byte, tokenOwner]
}

// tokenOwner is the answer for one token hash: its owner, or nil for no live token.
type tokenOwner struct {
	user *User
	err  error
}

// NewTokenOwners returns the batched token lookups of db.
func NewTokenOwners(db *gorm.DB) *TokenOwners {
	t := &TokenOwners{db: db}
	t.batch = newBatcher(tokenLanes, tokenBatchSize, t.run)
	return t
}

// UserByToken is models.UserByToken, looked up together with the other tokens asked for at the
// same time.
func (t *TokenOwners) UserByToken(ctx context.Context, secret string) (*User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, ErrNotFound
	}
	o := t.batch.do(ctx, hashSecret(secret))
	if o.err != nil {
		return nil, o.err
	}
	if o.user == nil {
		return nil, ErrNotFound
	}
	return o.user, nil
}

// tokenOwnersStatement reads the owners of live tokens. Its columns are User's fields, in order
// (TestBatchedTokenLookupFindsWhatUserByTokenFinds keeps the two the same).
const tokenOwnersStatement = `SELECT t.token_hash, t.id, t.last_used_at, u.id, u.display_name, u.email, u.username,
		u.password_hash, u.role, u.language, u.initials, u.home_neighbourhood_id, u.registered_by, u.created_at,
		u.updated_at, u.deleted_at
	FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
	WHERE t.token_hash = ANY ($1) AND t.revoked_at IS NULL`

// run looks a batch of token hashes up in one query. As UserByToken does, it notes when a token
// was last used, at most once an hour.
func (t *TokenOwners) run(ctx context.Context, hashes [][]byte) []tokenOwner {
	out := make([]tokenOwner, len(hashes))
	db := t.db.WithContext(ctx)
	owners := make(map[string]*User, len(hashes))
	var stale []int64
	err := queryGeneric(ctx, db, func(rows pgx.Rows) error {
		for rows.Next() {
			var (
				hash     []byte
				tokenID  int64
				lastUsed *time.Time
				u        User
			)
			err := rows.Scan(&hash, &tokenID, &lastUsed, &u.ID, &u.DisplayName, &u.Email, &u.Username, &u.PasswordHash, &u.Role,
				&u.Language, &u.Initials, &u.HomeNeighbourhoodID, &u.RegisteredBy, &u.CreatedAt, &u.UpdatedAt, &u.DeletedAt)
			if err != nil {
				return err
			}
			owners[string(hash)] = &u
			if lastUsed == nil || time.Since(*lastUsed) > time.Hour {
				stale = append(stale, tokenID)
			}
		}
		return nil
	}, tokenOwnersStatement, hashes)
	for i, h := range hashes {
		out[i].err = err
		if u := owners[string(h)]; u != nil && err == nil {
			own := *u // a request may change its user: the same token asked twice gets two copies
			out[i].user = &own
		}
	}
	if len(stale) > 0 && err == nil {
		// Best effort, as in UserByToken: a missed note of use is no reason to refuse the call.
		db.Exec("UPDATE api_tokens SET last_used_at = now() WHERE id IN ?", stale)
	}
	return out
}
