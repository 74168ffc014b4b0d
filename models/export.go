package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Export is everything Nabij holds about one person, as they download it from their profile.
type Export struct {
	ExportedAt time.Time     `json:"exported_at"`
	Account    exportAccount `json:"account"`
	Sessions   []exportRow   `json:"sessions"`
	APITokens  []exportRow   `json:"api_tokens"`
	Codes      []exportRow   `json:"signin_codes"`
	Follows    []exportRow   `json:"followed_neighbourhoods"`
	WorksIn    []exportRow   `json:"worker_of_neighbourhoods"`
	// Participation is what they did in groups and meetups.
	Participation *ParticipationExport `json:"participation"`
	Notifications []exportRow          `json:"notifications"`
	// Volunteering: the profile, its time slots, shift sign-ups, invitations, declines and hours.
	Volunteering json.RawMessage `json:"volunteering"`
}

type exportAccount struct {
	ID                  int64     `json:"id"`
	DisplayName         string    `json:"display_name"`
	Email               *string   `json:"email"`
	Username            *string   `json:"username"`
	Role                Role      `json:"role"`
	Language            string    `json:"language"`
	Initials            *string   `json:"initials"`
	HomeNeighbourhoodID *int64    `json:"home_neighbourhood_id"`
	RegisteredBy        *int64    `json:"registered_by_user_id"`
	HasPassword         bool      `json:"has_password"`
	CreatedAt           time.Time `json:"created_at"`
}

type exportRow map[string]any

// ExportAccount gathers a person's data. Secrets (password hash, token and code hashes) are not
// included: they are of no use to the person and would be a risk in a downloaded file.
func ExportAccount(ctx context.Context, db *gorm.DB, u *User) (*Export, error) {
	e := &Export{ExportedAt: time.Now().UTC(), Account: exportAccount{
		ID: u.ID, DisplayName: u.Name(), Email: u.Email, Username: u.Username, Role: u.Role, Language: u.Language,
		Initials: u.Initials, HomeNeighbourhoodID: u.HomeNeighbourhoodID, RegisteredBy: u.RegisteredBy,
		HasPassword: u.PasswordHash != nil, CreatedAt: u.CreatedAt,
	}}
	queries := []struct {
		into *[]exportRow
		sql  string
	}{
		{&e.Sessions, "SELECT created_at, last_seen_at, user_agent FROM sessions WHERE user_id = ? ORDER BY created_at"},
		{&e.APITokens, "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id"},
		{&e.Codes, "SELECT created_at, expires_at, used_at, created_by AS created_by_user_id FROM signin_codes WHERE user_id = ? ORDER BY id"},
		{&e.Follows, "SELECT n.id, n.name, f.created_at FROM neighbourhood_follows f JOIN neighbourhoods n ON n.id = f.neighbourhood_id WHERE f.user_id = ? ORDER BY n.id"},
		{&e.WorksIn, "SELECT n.id, n.name, w.created_at FROM neighbourhood_workers w JOIN neighbourhoods n ON n.id = w.neighbourhood_id WHERE w.user_id = ? ORDER BY n.id"},
		{&e.Notifications, "SELECT kind, meetup_id, group_id, body, created_at, read_at FROM notifications WHERE user_id = ? ORDER BY id"},
	}
	for _, q := range queries {
		rows := []map[string]any{}
		if err := db.WithContext(ctx).Raw(q.sql, u.ID).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		*q.into = make([]exportRow, len(rows))
		for i, r := range rows {
			(*q.into)[i] = r
		}
	}
	p, err := ExportParticipation(ctx, db, u.ID)
	if err != nil {
		return nil, err
	}
	e.Participation = p
	var vol string
	if err := db.WithContext(ctx).Raw(exportVolunteering, sql.Named("u", u.ID)).Row().Scan(&vol); err != nil {
		return nil, fmt.Errorf("export volunteering: %w", err)
	}
	e.Volunteering = json.RawMessage(vol)
	return e, nil
}

// exportVolunteering is all of a person's volunteering as one JSON object (helps_when is only
// the ranking's index key, derived from the profile).
const exportVolunteering = `SELECT jsonb_build_object(
	'profile', (SELECT to_jsonb(v) - 'helps_when' FROM volunteers v WHERE v.user_id = @u),
	'time_slots', (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.minutes), '[]') FROM volunteer_slots s WHERE s.user_id = @u),
	'shift_signups', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.id), '[]') FROM shift_signups x WHERE x.user_id = @u),
	'invitations', (SELECT coalesce(jsonb_agg(to_jsonb(i) ORDER BY i.id), '[]') FROM need_invitations i WHERE i.user_id = @u),
	'declined_needs', (SELECT coalesce(jsonb_agg(to_jsonb(d)), '[]') FROM need_declines d WHERE d.user_id = @u),
	'hours', (SELECT coalesce(jsonb_agg(to_jsonb(h) ORDER BY h.id), '[]') FROM volunteer_hours h WHERE h.user_id = @u)
)::text`
