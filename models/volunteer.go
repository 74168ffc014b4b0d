package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// HelpMode is how someone wants to help: once now and then, regularly, or both.
type HelpMode string

// The ways to help.
const (
	HelpOneOff  HelpMode = "one_off"
	HelpRegular HelpMode = "regular"
	HelpBoth    HelpMode = "both"
)

// Limits on one volunteer profile.
const (
	MaxVolunteerSlots = 28  // weekly time slots
	MaxAwayRanges     = 20  // stretches of dates away
	MaxHoursPerMonth  = 200 // the highest monthly limit one may set
	maxTagLength      = 30
)

// Volunteer is a person's volunteer profile. Being a volunteer is not a role: any account can
// have a profile, made by the person or, with their consent, by a community worker. Phone and
// ConstraintsNote are private: see CanSeeVolunteerDetails.
type Volunteer struct {
	UserID         int64      `json:"user_id" gorm:"primaryKey"`
	Skills         SkillIDs   `json:"skills"`
	Tags           Words      `json:"tags"`
	Interests      Words      `json:"interests"`
	Languages      Languages  `json:"languages"`
	Neighbourhoods IDList     `json:"neighbourhoods"`
	Away           DateRanges `json:"away"`
	HelpMode       HelpMode   `json:"help_mode"`
	MaxHoursMonth  *int       `json:"max_hours_month"`
	// ConstraintsNote is what the volunteer wants organisers to keep in mind, in their own words.
	ConstraintsNote   string     `json:"constraints"`
	Phone             *string    `json:"phone"`
	ConsentToAsk      bool       `json:"consent_to_ask"`
	PausedAt          *time.Time `json:"paused_at"`
	CreatedBy         *int64     `json:"created_by,omitempty"`
	ConsentRecordedBy *int64     `json:"consent_recorded_by,omitempty"`
	ConsentRecordedAt *time.Time `json:"consent_recorded_at,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// TableName is the table of volunteer profiles.
func (Volunteer) TableName() string { return "volunteers" }

// Paused reports whether the volunteer takes a break: they are not proposed or invited.
func (v *Volunteer) Paused() bool { return v.PausedAt != nil }

// VolunteerProfile is a profile with its weekly availability.
type VolunteerProfile struct {
	Volunteer
	Availability []Slot `json:"availability"`
}

// Slot is a weekly time someone is free: a weekday (0 Sunday .. 6 Saturday, as time.Weekday)
// from Start to End, "HH:MM" in the installation's time zone. End "24:00" is the midnight that
// ends the day; a slot never runs past it (a night is two slots).
type Slot struct {
	Weekday int    `json:"weekday"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

// weekRange is the slot as minutes of the week [lo, hi), or the message id of what is wrong.
func (s Slot) weekRange() (lo, hi int, msgID string) {
	start, ok1 := clockMinutes(s.Start)
	end, ok2 := clockMinutes(s.End)
	switch {
	case s.Weekday < 0 || s.Weekday > 6 || !ok1 || !ok2 || start == 24*60:
		return 0, 0, "volunteer.availability.invalid"
	case end <= start:
		return 0, 0, "volunteer.availability.past_midnight"
	}
	return s.Weekday*1440 + start, s.Weekday*1440 + end, ""
}

// clockMinutes reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func clockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, false
	}
	return hh*60 + mm, true
}

// slotFromRange is the slot of minutes of the week [lo, hi).
func slotFromRange(lo, hi int) Slot {
	day := lo / 1440
	clock := func(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
	return Slot{Weekday: day, Start: clock(lo - day*1440), End: clock(hi - day*1440)}
}

// VolunteerInput is a whole profile, as saved by the volunteer or by a worker for them. Lists
// replace what was there.
type VolunteerInput struct {
	Skills         []int       `json:"skills"`
	Tags           []string    `json:"tags"`
	Interests      []string    `json:"interests"`
	Languages      []string    `json:"languages"`
	Neighbourhoods []int64     `json:"neighbourhoods"`
	Availability   []Slot      `json:"availability"`
	Away           []DateRange `json:"away"`
	HelpMode       HelpMode    `json:"help_mode"`
	// MaxHoursMonth is at most how many hours of shifts a month; nil or 0: no limit.
	MaxHoursMonth *int   `json:"max_hours_month"`
	Constraints   string `json:"constraints"`
	Phone         string `json:"phone"`
	ConsentToAsk  bool   `json:"consent_to_ask"`
	Paused        bool   `json:"paused"`
	// Consent says the person agreed to have a profile made for them: required when a worker
	// saves someone else's profile, recorded with who and when.
	Consent bool `json:"consent"`
}

// volunteerRow is what a valid input becomes: the profile row and its slots as week ranges.
type volunteerRow struct {
	v     Volunteer
	slots [][2]int
}

// validate normalises the input and checks it against the catalog and the neighbourhoods.
func (in VolunteerInput) validate(ctx context.Context, db *gorm.DB) (*volunteerRow, error) {
	fe := FieldErrors{}
	r := &volunteerRow{v: Volunteer{HelpMode: in.HelpMode, ConsentToAsk: in.ConsentToAsk}}
	v := &r.v
	if v.HelpMode == "" {
		v.HelpMode = HelpBoth
	}
	if v.HelpMode != HelpOneOff && v.HelpMode != HelpRegular && v.HelpMode != HelpBoth {
		fe["help_mode"] = "volunteer.help_mode.invalid"
	}
	skills, err := knownSkills(ctx, db, in.Skills, 40)
	if err != nil {
		return nil, err
	}
	if skills == nil {
		fe["skills"] = "volunteer.skills.unknown"
	}
	v.Skills = skills
	if v.Tags = normalizeTags(in.Tags); v.Tags == nil {
		fe["tags"] = "volunteer.tags.invalid"
	}
	interests, err := knownDomains(ctx, db, in.Interests)
	if err != nil {
		return nil, err
	}
	if interests == nil {
		fe["interests"] = "volunteer.interests.unknown"
	}
	v.Interests = interests
	if v.Languages = normalizeLanguages(in.Languages); v.Languages == nil {
		fe["languages"] = "volunteer.languages.invalid"
	}
	hoods, err := knownNeighbourhoods(ctx, db, in.Neighbourhoods)
	if err != nil {
		return nil, err
	}
	switch {
	case hoods == nil:
		fe["neighbourhoods"] = "volunteer.neighbourhoods.unknown"
	case len(hoods) == 0:
		fe["neighbourhoods"] = "volunteer.neighbourhoods.required"
	}
	v.Neighbourhoods = hoods
	if r.slots, err = weekRanges(in.Availability); err != nil {
		fe["availability"] = err.Error()
	}
	if v.Away, err = awayRanges(in.Away); err != nil {
		fe["away"] = err.Error()
	}
	if in.MaxHoursMonth != nil && *in.MaxHoursMonth != 0 {
		if h := *in.MaxHoursMonth; h < 1 || h > MaxHoursPerMonth {
			fe["max_hours_month"] = "volunteer.max_hours.invalid"
		} else {
			v.MaxHoursMonth = &h
		}
	}
	v.ConstraintsNote = strings.TrimSpace(strings.ReplaceAll(in.Constraints, "\r\n", "\n"))
	if utf8.RuneCountInString(v.ConstraintsNote) > 1000 {
		fe["constraints"] = "volunteer.constraints.too_long"
	}
	if phone := normalizePhone(in.Phone); phone != "" {
		if !phonePattern.MatchString(phone) {
			fe["phone"] = "volunteer.phone.invalid"
		}
		v.Phone = &phone
	}
	return r, fe.Err()
}

// weekRanges checks the weekly slots: each within its day, none overlapping another.
func weekRanges(slots []Slot) ([][2]int, error) {
	if len(slots) > MaxVolunteerSlots {
		return nil, errors.New("volunteer.availability.too_many")
	}
	out := make([][2]int, 0, len(slots))
	for _, s := range slots {
		lo, hi, msg := s.weekRange()
		if msg != "" {
			return nil, errors.New(msg)
		}
		for _, o := range out {
			if lo < o[1] && o[0] < hi {
				return nil, errors.New("volunteer.availability.overlap")
			}
		}
		out = append(out, [2]int{lo, hi})
	}
	slices.SortFunc(out, func(a, b [2]int) int { return a[0] - b[0] })
	return out, nil
}

// awayRanges checks the dates away: each ends on or after its start, within a year.
func awayRanges(in []DateRange) (DateRanges, error) {
	if len(in) > MaxAwayRanges {
		return nil, errors.New("volunteer.away.too_many")
	}
	out := DateRanges{}
	for _, r := range in {
		if r.From.IsZero() || r.To.IsZero() || r.To.Time().Before(r.From.Time()) || r.To.Time().After(r.From.Time().AddDate(1, 0, 0)) {
			return nil, errors.New("volunteer.away.invalid")
		}
		out = append(out, r)
	}
	return out, nil
}

// normalizeTags trims, lower-cases and de-duplicates free tags; nil when one is too long or there
// are too many.
func normalizeTags(in []string) Words {
	out := Words{}
	for _, t := range in {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagLength {
			return nil
		}
		out = append(out, t)
	}
	if len(out) > 20 {
		return nil
	}
	return out
}

// normalizeLanguages lower-cases and de-duplicates ISO 639 codes; nil when one is not a code or
// there are more than ten.
func normalizeLanguages(in []string) Languages {
	out := Languages{}
	for _, c := range in {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" || slices.Contains(out, c) {
			continue
		}
		if !languagePattern.MatchString(c) {
			return nil
		}
		out = append(out, c)
	}
	if len(out) > 10 {
		return nil
	}
	return out
}

// knownSkills de-duplicates skill ids and returns them sorted, or nil when one is not in the
// catalog (or retired) or there are more than max.
func knownSkills(ctx context.Context, db *gorm.DB, ids []int, max int) (SkillIDs, error) {
	out := SkillIDs{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > max {
		return nil, nil
	}
	if len(out) == 0 {
		return out, nil
	}
	var n int
	if err := db.WithContext(ctx).Raw("SELECT count(*) FROM skills WHERE id = ANY(?::integer[]) AND NOT retired", out).Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("check skills: %w", err)
	}
	if n != len(out) {
		return nil, nil
	}
	slices.Sort(out)
	return out, nil
}

// knownDomains de-duplicates life domain codes, or returns nil when one is unknown.
func knownDomains(ctx context.Context, db *gorm.DB, codes []string) (Words, error) {
	out := Words{}
	for _, c := range codes {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	var n int
	if err := db.WithContext(ctx).Raw("SELECT count(*) FROM skill_domains WHERE code = ANY(?::text[])", out).Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("check life domains: %w", err)
	}
	if n != len(out) || len(out) > 10 {
		return nil, nil
	}
	return out, nil
}

// knownNeighbourhoods de-duplicates neighbourhood ids, or returns nil when one does not exist.
func knownNeighbourhoods(ctx context.Context, db *gorm.DB, ids []int64) (IDList, error) {
	out := IDList{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	var n int
	if err := db.WithContext(ctx).Raw("SELECT count(*) FROM neighbourhoods WHERE id = ANY(?::bigint[])", out).Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("check neighbourhoods: %w", err)
	}
	if n != len(out) || len(out) > 20 {
		return nil, nil
	}
	return out, nil
}

// SaveVolunteer creates or replaces the actor's own volunteer profile.
func SaveVolunteer(ctx context.Context, db *gorm.DB, actor *User, in VolunteerInput) (*VolunteerProfile, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	return saveVolunteer(ctx, db, actor, actor.ID, in)
}

// SaveVolunteerFor creates or replaces the profile of someone a worker looks after (see
// CanManageVolunteerFor), for example a resident without a smartphone. The person's consent is
// required (in.Consent) and recorded with the worker and the time.
func SaveVolunteerFor(ctx context.Context, db *gorm.DB, actor *User, personID int64, in VolunteerInput) (*VolunteerProfile, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	if personID == actor.ID {
		return SaveVolunteer(ctx, db, actor, in)
	}
	person, err := UserByID(ctx, db, personID)
	if err != nil {
		return nil, err
	}
	ok, err := CanManageVolunteerFor(ctx, db, actor, person)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	if !in.Consent {
		return nil, FieldErrors{"consent": "volunteer.consent.required"}
	}
	return saveVolunteer(ctx, db, actor, personID, in)
}

// saveVolunteer validates and stores a profile and its slots in one transaction.
func saveVolunteer(ctx context.Context, db *gorm.DB, actor *User, personID int64, in VolunteerInput) (*VolunteerProfile, error) {
	r, err := in.validate(ctx, db)
	if err != nil {
		return nil, err
	}
	v := &r.v
	v.UserID = personID
	now := time.Now()
	if in.Paused {
		v.PausedAt = &now
	}
	var consentBy *int64
	if personID != actor.ID {
		consentBy = &actor.ID
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Who made the profile and any consent a worker recorded stay; a pause keeps its start.
		err := tx.Exec(`INSERT INTO volunteers (user_id, skills, tags, interests, languages, neighbourhoods, away, help_mode,
				max_hours_month, constraints_note, phone, consent_to_ask, paused_at, created_by, consent_recorded_by, consent_recorded_at)
			VALUES (@user, @skills, @tags, @interests, @languages, @hoods, @away, @mode, @max, @note, @phone, @consent, @paused,
				@actor, @by, CASE WHEN CAST(@by AS bigint) IS NULL THEN NULL ELSE now() END)
			ON CONFLICT (user_id) DO UPDATE SET skills = EXCLUDED.skills, tags = EXCLUDED.tags, interests = EXCLUDED.interests,
				languages = EXCLUDED.languages, neighbourhoods = EXCLUDED.neighbourhoods, away = EXCLUDED.away,
				help_mode = EXCLUDED.help_mode, max_hours_month = EXCLUDED.max_hours_month,
				constraints_note = EXCLUDED.constraints_note, phone = EXCLUDED.phone, consent_to_ask = EXCLUDED.consent_to_ask,
				paused_at = CASE WHEN EXCLUDED.paused_at IS NULL THEN NULL ELSE coalesce(volunteers.paused_at, EXCLUDED.paused_at) END,
				consent_recorded_by = coalesce(EXCLUDED.consent_recorded_by, volunteers.consent_recorded_by),
				consent_recorded_at = coalesce(EXCLUDED.consent_recorded_at, volunteers.consent_recorded_at),
				updated_at = now()`,
			map[string]any{"user": personID, "skills": v.Skills, "tags": v.Tags, "interests": v.Interests, "languages": v.Languages,
				"hoods": v.Neighbourhoods, "away": v.Away, "mode": v.HelpMode, "max": v.MaxHoursMonth, "note": v.ConstraintsNote,
				"phone": v.Phone, "consent": v.ConsentToAsk, "paused": v.PausedAt, "actor": actor.ID, "by": consentBy}).Error
		if err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM volunteer_slots WHERE user_id = ?", personID).Error; err != nil {
			return err
		}
		if len(r.slots) == 0 {
			return nil
		}
		los, his := make([]int64, len(r.slots)), make([]int64, len(r.slots))
		for i, s := range r.slots {
			los[i], his[i] = int64(s[0]), int64(s[1])
		}
		return tx.Exec(`INSERT INTO volunteer_slots (user_id, minutes)
			SELECT ?, int4range(lo, hi) FROM unnest(?::int[], ?::int[]) AS s(lo, hi)`, personID, int64Array(los), int64Array(his)).Error
	})
	if err != nil {
		return nil, volunteerError("save volunteer profile", err)
	}
	return VolunteerOf(ctx, db, personID)
}

// VolunteerOf loads a profile with its availability, whoever asks: callers decide who may see
// it (VolunteerFor does).
func VolunteerOf(ctx context.Context, db *gorm.DB, userID int64) (*VolunteerProfile, error) {
	p := &VolunteerProfile{}
	err := db.WithContext(ctx).Take(&p.Volunteer, "user_id = ?", userID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load volunteer %d: %w", userID, err)
	}
	var ranges []struct{ Lo, Hi int }
	err = db.WithContext(ctx).Raw("SELECT lower(minutes) AS lo, upper(minutes) AS hi FROM volunteer_slots WHERE user_id = ? ORDER BY lower(minutes)", userID).
		Find(&ranges).Error
	if err != nil {
		return nil, fmt.Errorf("load availability of volunteer %d: %w", userID, err)
	}
	p.Availability = make([]Slot, len(ranges))
	for i, r := range ranges {
		p.Availability[i] = slotFromRange(r.Lo, r.Hi)
	}
	return p, nil
}

// VolunteerFor is a profile as viewer may see it: all of it for the people CanSeeVolunteerDetails
// names, ErrNotFound for everyone else (a profile is nobody else's business).
func VolunteerFor(ctx context.Context, db *gorm.DB, viewer *User, userID int64) (*VolunteerProfile, error) {
	p, err := VolunteerOf(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	ok, err := CanSeeVolunteerDetails(ctx, db, viewer, &p.Volunteer)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return p, nil
}

// StopVolunteering removes the actor's profile. Sign-ups for shifts to come are withdrawn (their
// places go to the reserve list) and open invitations dropped; hours stay.
func StopVolunteering(ctx context.Context, db *gorm.DB, actor *User) error {
	if actor == nil {
		return ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("DELETE FROM volunteers WHERE user_id = ?", actor.ID)
		if res.Error != nil {
			return fmt.Errorf("stop volunteering: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Exec("DELETE FROM need_invitations WHERE user_id = ? AND status = 'pending'", actor.ID).Error; err != nil {
			return fmt.Errorf("stop volunteering: %w", err)
		}
		return withdrawUpcoming(tx, actor.ID)
	})
}

// withdrawUpcoming withdraws a person's sign-ups for shifts that have not started, one shift at a
// time in id order (the order every path locks shifts in).
func withdrawUpcoming(tx *gorm.DB, userID int64) error {
	err := tx.Exec(`UPDATE shift_signups g SET status = 'withdrawn', updated_at = now()
		FROM (SELECT g2.id FROM shift_signups g2 JOIN shifts s ON s.id = g2.shift_id
			WHERE g2.user_id = ? AND g2.status <> 'withdrawn' AND s.starts_at > now() ORDER BY s.id) w
		WHERE g.id = w.id`, userID).Error
	if err != nil {
		return fmt.Errorf("withdraw sign-ups: %w", err)
	}
	return nil
}

// SkillDomain is a life domain with the skills of the catalog in it. Names are translated:
// volunteers.domain.{code} and volunteers.skill.{code}.
type SkillDomain struct {
	Code   string  `json:"code"`
	Skills []Skill `json:"skills"`
}

// Skill is one skill of the catalog; its id is stable.
type Skill struct {
	ID     int    `json:"id"`
	Code   string `json:"code"`
	Domain string `json:"domain"`
}

// SkillCatalog lists the skills on offer by life domain, in the catalog's order.
func SkillCatalog(ctx context.Context, db *gorm.DB) ([]SkillDomain, error) {
	var rows []Skill
	err := db.WithContext(ctx).Raw(`SELECT s.id, s.code, s.domain FROM skills s JOIN skill_domains d ON d.code = s.domain
		WHERE NOT s.retired ORDER BY d.position, s.id`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list skills: %w", err)
	}
	var out []SkillDomain
	for _, s := range rows {
		if len(out) == 0 || out[len(out)-1].Code != s.Domain {
			out = append(out, SkillDomain{Code: s.Domain})
		}
		out[len(out)-1].Skills = append(out[len(out)-1].Skills, s)
	}
	return out, nil
}

// SkillCodes maps every skill id, retired ones included, to its code: for wording skills.
func SkillCodes(ctx context.Context, db *gorm.DB) (map[int]string, error) {
	var rows []Skill
	if err := db.WithContext(ctx).Raw("SELECT id, code FROM skills").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list skills: %w", err)
	}
	out := make(map[int]string, len(rows))
	for _, s := range rows {
		out[s.ID] = s.Code
	}
	return out, nil
}

// volunteerError wraps storage errors once and maps the database's own checks to the fields
// they concern (the Go checks above normally catch them first).
func volunteerError(what string, err error) error {
	var fe FieldErrors
	if err == nil || errors.As(err, &fe) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		return err
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "volunteer_slots_no_overlap"):
		return FieldErrors{"availability": "volunteer.availability.overlap"}
	case strings.Contains(msg, "skills_known"):
		return FieldErrors{"skills": "volunteer.skills.unknown"}
	case strings.Contains(msg, "neighbourhoods_known"):
		return FieldErrors{"neighbourhoods": "volunteer.neighbourhoods.unknown"}
	}
	return fmt.Errorf("%s: %w", what, err)
}
