package models

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Sign-ups are decided by rsvps_sign_up (migration 0008) many at a time: the sign-ups that reach
// a Nabij while earlier ones are at the database share one statement, one commit and one disk
// flush, and a popular meetup stays locked for one commit per batch instead of one per person.

// Sign-ups go to signUpShards batchers by meetup, each with one batch at the database at a time:
// two batches run side by side (one is decided while the other waits for its disk flush), and
// they never lock the same meetup, so neither waits for the other's commit. signUpBatchSize is
// the most sign-ups in one batch.
const (
	signUpShards    = 2
	signUpBatchSize = 64
)

// SignUps signs people up for meetups in batches (see batcher). One is shared by all requests of
// a Nabij; SetRSVP does the same one at a time.
type SignUps struct {
	db     *gorm.DB
	shards [signUpShards]*batcher[newSignUp, signUpDone]
	// changes lets one change of an existing sign-up (not going, other companions) per meetup
	// wait for the meetup's lock at a time: the others wait here, without holding a database
	// connection the batches need.
	changes keyedMutex
}

// signUpDone is the result of one sign-up of a batch.
type signUpDone struct {
	res *RSVPResult
	err error
}

// NewSignUps returns the batched sign-ups of db.
func NewSignUps(db *gorm.DB) *SignUps {
	s := &SignUps{db: db}
	for i := range s.shards {
		s.shards[i] = newBatcher(1, signUpBatchSize, s.run)
	}
	return s
}

// Set is SetRSVP, with a new sign-up decided in a batch with others that arrive at the same time.
func (s *SignUps) Set(ctx context.Context, actor *User, meetupID int64, in RSVPInput) (*RSVPResult, error) {
	return setRSVP(ctx, s.db, s, actor, meetupID, in)
}

// signUp decides one new sign-up in the next batch. It returns nil, nil when the person already
// has an active sign-up, as insertSignUp does.
func (s *SignUps) signUp(ctx context.Context, n newSignUp) (*RSVPResult, error) {
	d := s.shards[uint64(n.meetupID)%signUpShards].do(ctx, n)
	return d.res, d.err
}

// run decides a batch in one statement. A statement that fails fails for every sign-up in it
// (say, one for an account deleted a moment ago): then each is tried again on its own, so that
// only the one at fault gets the error.
func (s *SignUps) run(ctx context.Context, batch []newSignUp) []signUpDone {
	pool := s.db.WithContext(ctx).Statement.ConnPool
	out := make([]signUpDone, len(batch))
	rows, err := decideSignUps(ctx, pool, batch)
	if err != nil && len(batch) > 1 {
		for i := range batch {
			out[i].res, out[i].err = decideSignUp(ctx, pool, batch[i])
		}
		return out
	}
	for i := range batch {
		if err != nil {
			out[i].err = err
			continue
		}
		out[i].res, out[i].err = rows[i].result(batch[i])
	}
	return out
}

// insertSignUp decides one new sign-up in db's transaction (or a transaction of its own when db
// is not in one). It returns nil, nil when the person already has an active sign-up, and the
// reason when the meetup takes no sign-ups; nothing is changed then.
func insertSignUp(db *gorm.DB, s newSignUp) (*RSVPResult, error) {
	return decideSignUp(db.Statement.Context, db.Statement.ConnPool, s)
}

func decideSignUp(ctx context.Context, pool gorm.ConnPool, s newSignUp) (*RSVPResult, error) {
	rows, err := decideSignUps(ctx, pool, []newSignUp{s})
	if err != nil {
		return nil, err
	}
	return rows[0].result(s)
}

// signUpStatement hands a batch to rsvps_sign_up, with whether each person may see the meetup
// decided by MeetupVisibleTo's conditions for that person (kind "all": sees everything,
// "anyone": not signed in, "person": the viewer's own id). The comment's INSERT tells the pool's
// commit watcher (realtime.WakeOnCommit) that this SELECT writes, so live updates go out at once.
var signUpStatement = `/* INSERT INTO rsvps through rsvps_sign_up */ SELECT item, outcome, waitlist_position, seats_left, meetup_status, meetup_ends_at, meetup_capacity,
		id, status, companions, arrival, promoted_at, created_at, updated_at
	FROM rsvps_sign_up($1, $2, $3, $4, $5, ARRAY(
		SELECT coalesce(CASE b.kind WHEN 'all' THEN true WHEN 'anyone' THEN ` + meetupVisibleToAnyone + `
			ELSE ` + strings.ReplaceAll(meetupVisibleToPerson, "?", "b.viewer") + ` END, false)
		FROM unnest($1::bigint[], $6::bigint[], $7::text[]) WITH ORDINALITY AS b(meetup_id, viewer, kind, i)
		LEFT JOIN meetups ON meetups.id = b.meetup_id
		ORDER BY b.i))`

// visibilityKind names MeetupVisibleTo's rule for u, for signUpStatement.
func visibilityKind(u *User) (string, *int64) {
	switch cond, _ := meetupVisibility(u); cond {
	case "":
		return "all", nil
	case meetupVisibleToAnyone:
		return "anyone", nil
	}
	return "person", &u.ID
}

// signUpRow is what rsvps_sign_up decided for one sign-up.
type signUpRow struct {
	outcome        string
	position       *int
	seatsLeft      *int
	meetupStatus   *string
	meetupEndsAt   *time.Time
	meetupCapacity *int
	rsvp           RSVP
}

// decideSignUps runs signUpStatement for a batch and returns a row per sign-up, in order.
func decideSignUps(ctx context.Context, pool gorm.ConnPool, batch []newSignUp) ([]signUpRow, error) {
	n := len(batch)
	meetups, users, guests, by, viewers := make([]int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
	companions, kinds := make([]int32, n), make([]string, n)
	for i, s := range batch {
		meetups[i], users[i], guests[i], by[i] = s.meetupID, s.userID, s.guestID, s.by
		companions[i] = int32(s.companions)
		kinds[i], viewers[i] = visibilityKind(s.viewer)
	}
	rs, err := pool.QueryContext(ctx, signUpStatement, meetups, users, guests, companions, by, viewers, kinds)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := make([]signUpRow, n)
	for rs.Next() {
		var (
			item    int
			row     signUpRow
			id, arr *int64
			status  *string
			comp    *int
			created *time.Time
			updated *time.Time
		)
		err := rs.Scan(&item, &row.outcome, &row.position, &row.seatsLeft, &row.meetupStatus, &row.meetupEndsAt, &row.meetupCapacity,
			&id, &status, &comp, &arr, &row.rsvp.PromotedAt, &created, &updated)
		if err != nil {
			return nil, err
		}
		if item < 1 || item > n {
			return nil, fmt.Errorf("rsvps_sign_up answered for item %d of %d", item, n)
		}
		if id != nil {
			s := batch[item-1]
			row.rsvp = RSVP{ID: *id, MeetupID: s.meetupID, UserID: s.userID, GuestID: s.guestID, Status: RSVPStatus(*status),
				Companions: *comp, Arrival: *arr, SignedUpBy: s.by, PromotedAt: row.rsvp.PromotedAt,
				CreatedAt: *created, UpdatedAt: *updated}
		}
		out[item-1] = row
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].outcome == "" {
			return nil, fmt.Errorf("rsvps_sign_up gave no answer for item %d of %d", i+1, n)
		}
	}
	return out, nil
}

// result turns what the database decided into the answer for s: the sign-up, nil when the
// person already has an active sign-up, or why the meetup took none.
func (r *signUpRow) result(s newSignUp) (*RSVPResult, error) {
	switch r.outcome {
	case "going", "waitlisted":
		res := &RSVPResult{RSVP: r.rsvp, SeatsLeft: r.seatsLeft}
		if r.position != nil {
			res.Position = *r.position
		}
		return res, nil
	case "already":
		return nil, nil
	case "not_found":
		return nil, ErrNotFound
	}
	if r.meetupStatus == nil || r.meetupEndsAt == nil {
		return nil, fmt.Errorf("rsvps_sign_up refused a sign-up without saying why")
	}
	m := Meetup{Status: MeetupStatus(*r.meetupStatus), EndsAt: *r.meetupEndsAt, Capacity: r.meetupCapacity}
	if err := m.openForSignUps(time.Now()); err != nil {
		return nil, err
	}
	if m.Capacity != nil && 1+s.companions > *m.Capacity {
		return nil, FieldErrors{"companions": "rsvp.party_too_large"}
	}
	// The database's clock said the meetup had ended a moment before Nabij's did.
	return nil, FieldErrors{"meetup": "rsvp.meetup_past"}
}

// keyedMutex is a mutex per key, kept only while someone holds or waits for it.
type keyedMutex struct {
	mu   sync.Mutex
	keys map[int64]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int
}

// lock takes key's mutex and returns its unlock.
func (k *keyedMutex) lock(key int64) func() {
	k.mu.Lock()
	if k.keys == nil {
		k.keys = map[int64]*keyedLock{}
	}
	l := k.keys[key]
	if l == nil {
		l = &keyedLock{}
		k.keys[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.keys, key)
		}
		k.mu.Unlock()
	}
}
