package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Matching runs in PostgreSQL, one query per ranking: the hard rules filter through the indexes
// on the volunteer profiles (GIN on neighbourhoods, skills and languages; GiST on the weekly
// availability), and the soft rules add up to a score. Only the best rows leave the database;
// their reasons are put together here from the facts the query returns, as message ids with
// values that the web layer words per language.
//
// Hard rules, for a volunteer and a shift: they help in the need's neighbourhood, have every
// required skill, speak one of the need's languages (if it names any), are free at some time of
// the shift in their weekly availability, agreed to be asked (for the organiser's ranking), are
// not paused, not away on the shift's day, would stay within their monthly hours, did not
// decline this need, are not signed up for the shift already, and are not the resident the need
// is for. Soft rules (the score, 50 to start with):
const (
	scoreBase        = 50
	scoreNiceSkill   = 30 // per nice-to-have skill they have, at most three
	scoreWholeShift  = 20 // free for the whole shift, not only part of it
	scoreInterest    = 10 // interested in the life domain of the need's skills
	scoreHelpMode    = 10 // wants to help regularly for a recurring need, once for a one-off one
	scoreHelpedHere  = 10 // per time they helped with this need before, at most five
	scoreAskedOften  = 10 // minus, per time they were asked this month, at most six (fairness)
	scoreSoon        = 10 // needs for me: a shift in the next three days that still has places
	maxMatchesListed = 100
)

// Reason is one part of why someone was proposed: a message id and its values, which the web
// layer words in the reader's language. Values are numbers, codes (languages, life domains),
// skill ids, or a weekday (0 Sunday) and a part of the day.
type Reason struct {
	ID     string         `json:"id"`
	Values map[string]any `json:"values,omitempty"`
}

// Match is a volunteer proposed for a shift, with their score and the reasons.
type Match struct {
	UserID      int64    `json:"user_id"`
	DisplayName string   `json:"display_name"`
	Score       int      `json:"score"`
	Reasons     []Reason `json:"reasons"`
	// Invited: they have an invitation for this shift that waits for an answer.
	Invited bool `json:"invited"`
}

// Matches is the ranking of volunteers for one shift of a need, best first.
type Matches struct {
	Need       *Need   `json:"-"`
	Shift      Shift   `json:"shift"`
	Volunteers []Match `json:"volunteers"`
}

// MatchOptions choose the shift (default: the next one that has not started, preferring one
// with places left) and how many volunteers (default 20, at most 100).
type MatchOptions struct {
	ShiftID int64
	Limit   int
}

// MatchVolunteers ranks the volunteers for a shift of a need (its organisers only: the list
// names people). db must be the pool: the ranking asks for its generic plan (rawQueryGeneric).
func MatchVolunteers(ctx context.Context, db *gorm.DB, actor *User, needID int64, opts MatchOptions) (*Matches, error) {
	n, err := organisedNeed(ctx, db, actor, needID)
	if err != nil {
		return nil, err
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, maxMatchesListed)
	order := "places_taken >= places, starts_at, id"
	if opts.ShiftID != 0 {
		order = "id"
	}
	resident := int64(0)
	if n.ResidentID != nil {
		resident = *n.ResidentID
	}
	args := map[string]any{
		"need": n.ID, "id": opts.ShiftID, "tz": n.Timezone, "hood": n.NeighbourhoodID, "required": n.RequiredSkills,
		"nice": n.NiceSkills, "skills": append(slices.Clone(n.RequiredSkills), n.NiceSkills...), "langs": n.Languages,
		"resident": resident, "regular": n.Recurring(), "limit": limit,
	}
	type match struct {
		UserID      *int64
		Skills      SkillIDs
		Languages   Languages
		Interests   Words
		HelpMode    *string
		Whole       *bool
		Asked       *int
		Helped      *int
		Score       *int
		DisplayName *string
		Invited     *bool
	}
	var (
		shift *shiftToMatch
		rows  []match
	)
	// One statement chooses the shift and ranks for it: the shift's facts (its minutes of the
	// week, their neighbourhood-and-hour keys as neighbourhood_hours makes them for volunteers,
	// worked out from the ranges' bounds rather than by trying all 168 hours, its day and month) reach the ranking as InitPlans,
	// values computed once before the scan, so the GIN index is searched with them as with
	// parameters. The monthly limit is checked last, on the candidates in order of score (the
	// subquery with OFFSET 0 keeps PostgreSQL from checking it on all of them first), so the
	// minutes already planned are looked up only until the list is full: for a need without a
	// required skill, some 200 candidates, that lookup was a fifth of the ranking. The candidates come out of that index (neighbourhood and hour, skills,
	// languages); the minutes planned in the shift's month are looked up only for those with a
	// monthly limit. One row per volunteer, each with the shift; one row without a volunteer when
	// nobody fits; none when there is no such shift.
	err = rawQueryGeneric(ctx, db, `WITH s AS MATERIALIZED (
			SELECT id, need_id, neighbourhood_id, starts_at, ends_at, places, places_taken, reserve_count,
				cancelled_at, cancel_reason, created_at, updated_at, week_minutes,
				ARRAY(SELECT DISTINCT neighbourhood_id * 1000 + h FROM unnest(week_minutes) r,
					generate_series(lower(r) / 60, (upper(r) - 1) / 60) h ORDER BY 1) AS keys, local_day, local_month,
				ceil(extract(epoch FROM ends_at - starts_at) / 60)::int AS minutes
			FROM shifts WHERE need_id = @need AND cancelled_at IS NULL AND starts_at > now() AND (@id = 0 OR id = @id)
			ORDER BY `+order+` LIMIT 1
		), d AS MATERIALIZED (
			SELECT ARRAY(SELECT DISTINCT k.domain FROM skills k WHERE k.id = ANY(CAST(@skills AS integer[])) ORDER BY 1) AS domains
		), helped AS MATERIALIZED (
			SELECT user_id, count(*)::int AS times FROM volunteer_hours WHERE need_id = @need AND status = 'confirmed'
			GROUP BY user_id
		), c AS (
			SELECT v.user_id, v.skills, v.languages, v.interests, v.help_mode,
				v.availability @> (SELECT week_minutes FROM s) AS whole,
				CASE WHEN v.asked_month = date_trunc('month', now() AT TIME ZONE @tz)::date THEN v.asked_count ELSE 0 END AS asked,
				coalesce(helped.times, 0) AS helped, v.max_hours_month
			FROM volunteers v
			LEFT JOIN helped ON helped.user_id = v.user_id
			WHERE v.consent_to_ask AND v.paused_at IS NULL
				AND v.helps_when && (SELECT keys FROM s) AND v.neighbourhoods @> ARRAY[CAST(@hood AS bigint)]`+
		hardSkillsAndLanguages(n)+`
				AND v.availability && (SELECT week_minutes FROM s)
				AND NOT v.away @> (SELECT local_day FROM s)
				AND v.user_id <> @resident
				AND v.user_id NOT IN (SELECT user_id FROM need_declines WHERE need_id = @need)
				AND v.user_id NOT IN (SELECT user_id FROM shift_signups WHERE shift_id = (SELECT id FROM s) AND status <> 'withdrawn')
		), scored AS (
			SELECT * FROM (SELECT c.*, `+points(scoreBase)+softSkillsScore(n)+`
				+ CASE WHEN c.whole THEN `+points(scoreWholeShift)+` ELSE 0 END
				+ CASE WHEN c.help_mode = 'both' OR (c.help_mode = 'regular') = @regular THEN `+points(scoreHelpMode)+` ELSE 0 END
				+ `+points(scoreHelpedHere)+` * least(c.helped, 5)
				- `+points(scoreAskedOften)+` * least(c.asked, 6) AS score
				FROM c ORDER BY score DESC, c.user_id OFFSET 0) sorted
			WHERE sorted.max_hours_month IS NULL OR coalesce((SELECT m.planned_minutes FROM volunteer_months m
				WHERE m.user_id = sorted.user_id AND m.month = (SELECT local_month FROM s)), 0) + (SELECT minutes FROM s) <= sorted.max_hours_month * 60
			ORDER BY sorted.score DESC, sorted.user_id
			LIMIT @limit
		), ranked AS (
			SELECT scored.*, coalesce(u.display_name, '') AS display_name,
				EXISTS (SELECT 1 FROM need_invitations i WHERE i.shift_id = (SELECT id FROM s) AND i.user_id = scored.user_id
					AND i.status = 'pending' AND i.expires_at > now()) AS invited
			FROM scored JOIN users u ON u.id = scored.user_id
		)
		SELECT s.id, s.need_id, s.neighbourhood_id, s.starts_at, s.ends_at, s.places, s.places_taken, s.reserve_count,
			s.cancelled_at, s.cancel_reason, s.created_at, s.updated_at, s.week_minutes::text,
			extract(dow FROM s.starts_at AT TIME ZONE @tz)::int, extract(hour FROM s.starts_at AT TIME ZONE @tz)::int,
			(SELECT domains FROM d)::text,
			ARRAY(SELECT k.id FROM skills k WHERE k.id = ANY(CAST(@skills AS integer[])) ORDER BY k.id)::text,
			ARRAY(SELECT k.code FROM skills k WHERE k.id = ANY(CAST(@skills AS integer[])) ORDER BY k.id)::text,
			r.user_id, r.skills::text, r.languages::text, r.interests::text, r.help_mode, r.whole,
			r.asked, r.helped, r.score, r.display_name, r.invited
		FROM s LEFT JOIN ranked r ON true
		ORDER BY r.score DESC, r.user_id`, args, func(rs resultRow) error {
		var (
			sh shiftToMatch
			r  match
		)
		err := rs.Scan(&sh.ID, &sh.NeedID, &sh.NeighbourhoodID, &sh.StartsAt, &sh.EndsAt, &sh.Places, &sh.PlacesTaken, &sh.ReserveCount,
			&sh.CancelledAt, &sh.CancelReason, &sh.CreatedAt, &sh.UpdatedAt, &sh.Week, &sh.Weekday, &sh.Hour,
			&sh.Domains, &sh.SkillIDs, &sh.SkillCodes,
			&r.UserID, &r.Skills, &r.Languages, &r.Interests, &r.HelpMode, &r.Whole, &r.Asked, &r.Helped, &r.Score,
			&r.DisplayName, &r.Invited)
		if shift == nil {
			shift = &sh
		}
		if r.UserID != nil {
			rows = append(rows, r)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("match volunteers for need %d: %w", n.ID, err)
	case shift == nil && opts.ShiftID != 0:
		return nil, FieldErrors{"shift": "match.shift_unknown"}
	case shift == nil:
		return nil, FieldErrors{"shift": "match.no_shift"}
	}
	out := &Matches{Need: n, Shift: shift.Shift, Volunteers: make([]Match, len(rows))}
	codes := skillCodes(shift.SkillIDs, shift.SkillCodes)
	for i, r := range rows {
		f := matchFacts{skills: r.Skills, languages: r.Languages, interests: r.Interests, mode: HelpMode(*r.HelpMode), whole: *r.Whole,
			helped: *r.Helped, asked: *r.Asked, codes: codes}
		out.Volunteers[i] = Match{UserID: *r.UserID, DisplayName: *r.DisplayName, Score: *r.Score, Invited: *r.Invited,
			Reasons: f.reasons(n, shift.Domains, shift.Weekday, shift.Hour)}
	}
	return out, nil
}

// hardSkillsAndLanguages are the conditions on skills and languages, only when the need names
// any: an empty array in a GIN condition matches everything and makes the index read all of it.
func hardSkillsAndLanguages(n *Need) string {
	var out string
	if len(n.RequiredSkills) > 0 {
		out += `
				AND v.skills @> CAST(@required AS integer[])`
	}
	if len(n.Languages) > 0 {
		out += `
				AND v.languages && CAST(@langs AS text[])`
	}
	return out
}

// softSkillsScore is the score's part for nice-to-have skills and interest in the need's life
// domains; nothing when the need names no skills. The nice-to-have skills are counted only for
// those who have any: most candidates have none, and counting them ran a subquery for each.
func softSkillsScore(n *Need) string {
	var out string
	if len(n.NiceSkills) > 0 {
		out += `
				+ CASE WHEN c.skills && CAST(@nice AS integer[])
					THEN ` + points(scoreNiceSkill) + ` * least((SELECT count(*) FROM unnest(c.skills) k WHERE k = ANY(CAST(@nice AS integer[]))), 3)
					ELSE 0 END`
	}
	if len(n.RequiredSkills)+len(n.NiceSkills) > 0 {
		out += `
				+ CASE WHEN c.interests && (SELECT domains FROM d) THEN ` + points(scoreInterest) + ` ELSE 0 END`
	}
	return out
}

// shiftToMatch is the shift a ranking is for: the one asked for (it must belong to the need and
// not have started), or the next one, preferring a shift with places left. With its minutes of
// the week (a multirange literal) as the database worked them out, its weekday and hour in the
// need's time zone, and the life domains and codes of its need's skills.
type shiftToMatch struct {
	Shift
	Week       string
	Weekday    int
	Hour       int
	Domains    Words
	SkillIDs   SkillIDs
	SkillCodes Words
}

// points writes a score constant into a query.
func points(v int) string { return strconv.Itoa(v) }

// skillCodes pairs skill ids with their codes, as two arrays read in the same order.
func skillCodes(ids SkillIDs, codes Words) map[int]string {
	out := make(map[int]string, len(ids))
	for i, id := range ids {
		if i < len(codes) {
			out[id] = codes[i]
		}
	}
	return out
}

// matchFacts are what the ranking found about one volunteer and one shift; codes names the
// need's skills.
type matchFacts struct {
	codes     map[int]string
	skills    SkillIDs
	languages Languages
	interests Words
	mode      HelpMode
	whole     bool
	helped    int
	asked     int
	soon      bool
}

// reasons words the facts as message ids with values, the strongest first: the languages
// shared, the required and nice-to-have skills they have, when they are free, the
// neighbourhood, their interest, how they like to help, earlier help, and how often they were
// asked this month (why they rank lower).
func (f matchFacts) reasons(n *Need, domains []string, weekday, hour int) []Reason {
	var out []Reason
	if common := intersect(n.Languages, f.languages); len(common) > 0 {
		out = append(out, Reason{ID: "match.reason.speaks", Values: map[string]any{"languages": common}})
	}
	if len(n.RequiredSkills) > 0 {
		out = append(out, Reason{ID: "match.reason.skills", Values: map[string]any{"skills": f.named(n.RequiredSkills)}})
	}
	if nice := intersect(n.NiceSkills, f.skills); len(nice) > 0 {
		out = append(out, Reason{ID: "match.reason.nice_skills", Values: map[string]any{"skills": f.named(nice)}})
	}
	when := map[string]any{"weekday": weekday, "part": partOfDay(hour)}
	if f.whole {
		out = append(out, Reason{ID: "match.reason.free", Values: when})
	} else {
		out = append(out, Reason{ID: "match.reason.free_partly", Values: when})
	}
	out = append(out, Reason{ID: "match.reason.neighbourhood"})
	if common := intersect(domains, f.interests); len(common) > 0 {
		out = append(out, Reason{ID: "match.reason.interest", Values: map[string]any{"domains": common}})
	}
	switch {
	case f.mode == HelpRegular && n.Recurring():
		out = append(out, Reason{ID: "match.reason.regular"})
	case f.mode == HelpOneOff && !n.Recurring():
		out = append(out, Reason{ID: "match.reason.one_off"})
	}
	if f.soon {
		out = append(out, Reason{ID: "match.reason.soon"})
	}
	switch {
	case f.helped == 1:
		out = append(out, Reason{ID: "match.reason.helped_once"})
	case f.helped > 1:
		out = append(out, Reason{ID: "match.reason.helped_before", Values: map[string]any{"count": f.helped}})
	}
	switch {
	case f.asked == 1:
		out = append(out, Reason{ID: "match.reason.asked_once"})
	case f.asked > 1:
		out = append(out, Reason{ID: "match.reason.asked_often", Values: map[string]any{"count": f.asked}})
	}
	return out
}

// named are the codes of skill ids (volunteers.skill.{code} in the catalog).
func (f matchFacts) named(ids []int) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if c, ok := f.codes[id]; ok {
			out = append(out, c)
		}
	}
	return out
}

// partOfDay names the part of the day an hour falls in: morning, afternoon, evening or night.
func partOfDay(h int) string {
	switch {
	case h >= 6 && h < 12:
		return "morning"
	case h >= 12 && h < 17:
		return "afternoon"
	case h >= 17 && h < 23:
		return "evening"
	}
	return "night"
}

func intersect[T comparable](want, have []T) []T {
	var out []T
	for _, x := range want {
		if slices.Contains(have, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// NeedMatch is a need proposed to a volunteer: its best shift for them, the score and reasons.
type NeedMatch struct {
	Need    NeedBrief `json:"need"`
	Shift   Shift     `json:"shift"`
	Score   int       `json:"score"`
	Reasons []Reason  `json:"reasons"`
	// Invited: they have an invitation for this need that waits for an answer.
	Invited bool `json:"invited"`
}

// NeedsForMeOptions say how far ahead to look (default 56 days, at most a year) and how many
// needs to list (default 20, at most 100).
type NeedsForMeOptions struct {
	Days  int
	Limit int
}

// NeedsForVolunteer ranks the open needs that fit a volunteer, with the same hard and soft rules
// as MatchVolunteers seen from the other side: needs in their neighbourhoods with a shift to come
// that has places left and that they are free for, best first; per need its best shift for them.
// Needs by invitation appear only while they hold an invitation for them. It needs a profile.
func NeedsForVolunteer(ctx context.Context, db *gorm.DB, u *User, opts NeedsForMeOptions) ([]NeedMatch, error) {
	if u == nil {
		return nil, ErrForbidden
	}
	var v struct {
		Volunteer
		Week string // availability, as a multirange literal
	}
	found := false
	err := rawQuery(ctx, db, `SELECT skills, languages, interests, neighbourhoods, away, help_mode, max_hours_month,
			availability::text FROM volunteers WHERE user_id = @me`, map[string]any{"me": u.ID}, func(rs resultRow) error {
		found = true
		return rs.Scan(&v.Skills, &v.Languages, &v.Interests, &v.Neighbourhoods, &v.Away, &v.HelpMode, &v.MaxHoursMonth, &v.Week)
	})
	if err != nil {
		return nil, fmt.Errorf("load volunteer %d: %w", u.ID, err)
	}
	if !found {
		return nil, FieldErrors{"volunteer": "shift.profile_required"}
	}
	days, limit := opts.Days, opts.Limit
	if days <= 0 {
		days = 56
	}
	if limit <= 0 {
		limit = 20
	}
	days, limit = min(days, 366), min(limit, maxMatchesListed)
	maxMinutes := -1
	if v.MaxHoursMonth != nil {
		maxMinutes = *v.MaxHoursMonth * 60
	}
	visible, _ := meetupVisibility(u)
	if visible == "" {
		visible = "true"
	}
	// meetupVisibility's condition takes the person's id for each placeholder.
	visible = strings.ReplaceAll(visible, "?", "@me")
	args := map[string]any{"me": u.ID, "hoods": v.Neighbourhoods, "until": time.Now().AddDate(0, 0, days), "skills": v.Skills,
		"langs": v.Languages, "interests": v.Interests, "week": v.Week, "away": v.Away, "max": maxMinutes,
		"mode": string(v.HelpMode), "limit": limit}
	type needRow struct {
		NeedID, ShiftID                   int64
		StartsAt, EndsAt                  time.Time
		Places, PlacesTaken, ReserveCount int
		Whole, Soon                       bool
		Title                             string
		Hood                              int64
		PlaceName, PlaceAddress           string
		Status                            NeedStatus
		Timezone                          string
		Required, Nice                    SkillIDs
		NeedLanguages                     Languages
		Regular                           bool
		Domains                           Words
		Helped                            int
		Invited                           bool
		Score                             int
		Weekday, Hour                     int // of the start, in the need's time zone
		SkillIDs                          SkillIDs
		SkillCodes                        Words
	}
	var rows []needRow
	// The volunteer's facts go in as values. The shifts to come in their neighbourhoods are the
	// candidates, checked on what the index holds (week-time, day, places, month); each need's best
	// shift for them is chosen before the need itself is read and checked.
	err = rawQueryGeneric(ctx, db, `WITH cand AS (
			SELECT DISTINCT ON (s.need_id) s.need_id, s.id AS shift_id, s.starts_at,
				s.week_minutes <@ CAST(@week AS int4multirange) AS whole, s.starts_at < now() + interval '3 days' AS soon
			FROM shifts s
			WHERE s.neighbourhood_id = ANY(CAST(@hoods AS bigint[])) AND s.cancelled_at IS NULL
				AND s.starts_at > now() AND s.starts_at < @until AND s.places_taken < s.places
				AND s.week_minutes && CAST(@week AS int4multirange)
				AND NOT CAST(@away AS datemultirange) @> s.local_day
				AND s.id NOT IN (SELECT shift_id FROM shift_signups WHERE user_id = @me AND status <> 'withdrawn')
				AND (CAST(@max AS int) < 0 OR coalesce((SELECT m.planned_minutes FROM volunteer_months m WHERE m.user_id = @me
					AND m.month = s.local_month), 0) + ceil(extract(epoch FROM s.ends_at - s.starts_at) / 60) <= CAST(@max AS int))
			ORDER BY s.need_id, (s.week_minutes <@ CAST(@week AS int4multirange)) DESC, s.starts_at
		), facts AS (
			SELECT cand.*, n.title, n.neighbourhood_id AS hood, n.place_name, n.place_address, n.status, n.timezone,
				n.required_skills AS required, n.nice_skills AS nice, n.languages AS need_languages, n.rrule IS NOT NULL AS regular,
				ARRAY(SELECT DISTINCT k.domain FROM skills k WHERE k.id = ANY(n.required_skills || n.nice_skills) ORDER BY 1) AS domains,
				(SELECT count(*)::int FROM volunteer_hours h WHERE h.need_id = n.id AND h.user_id = @me AND h.status = 'confirmed') AS helped,
				EXISTS (SELECT 1 FROM need_invitations i WHERE i.need_id = n.id AND i.user_id = @me AND i.status = 'pending'
					AND i.expires_at > now()) AS invited
			FROM cand JOIN needs n ON n.id = cand.need_id
			WHERE n.status = 'open' AND n.required_skills <@ CAST(@skills AS integer[])
				AND (cardinality(n.languages) = 0 OR n.languages && CAST(@langs AS text[]))
				AND n.resident_id IS DISTINCT FROM @me
				AND (n.access = 'open' OR EXISTS (SELECT 1 FROM need_invitations i WHERE i.need_id = n.id AND i.user_id = @me
					AND i.status = 'pending' AND i.expires_at > now()))
				AND n.id NOT IN (SELECT need_id FROM need_declines WHERE user_id = @me)
				AND (n.meetup_id IS NULL OR EXISTS (SELECT 1 FROM meetups WHERE meetups.id = n.meetup_id AND `+visible+`))
		)
		SELECT best.need_id, best.shift_id, s.starts_at, s.ends_at, s.places, s.places_taken, s.reserve_count,
			best.whole, best.soon, best.title, best.hood, best.place_name, best.place_address, best.status, best.timezone,
			best.required::text, best.nice::text, best.need_languages::text, best.regular, best.domains::text, best.helped, best.invited, best.score,
			extract(dow FROM s.starts_at AT TIME ZONE best.timezone)::int, extract(hour FROM s.starts_at AT TIME ZONE best.timezone)::int,
			ARRAY(SELECT k.id FROM skills k WHERE k.id = ANY(best.required || best.nice) ORDER BY k.id)::text AS skill_ids,
			ARRAY(SELECT k.code FROM skills k WHERE k.id = ANY(best.required || best.nice) ORDER BY k.id)::text AS skill_codes
		FROM (SELECT facts.*, `+points(scoreBase)+`
			+ `+points(scoreNiceSkill)+` * least((SELECT count(*) FROM unnest(facts.nice) k WHERE k = ANY(CAST(@skills AS integer[]))), 3)
			+ CASE WHEN facts.whole THEN `+points(scoreWholeShift)+` ELSE 0 END
			+ CASE WHEN facts.domains && CAST(@interests AS text[]) THEN `+points(scoreInterest)+` ELSE 0 END
			+ CASE WHEN CAST(@mode AS text) = 'both' OR (CAST(@mode AS text) = 'regular') = facts.regular THEN `+points(scoreHelpMode)+` ELSE 0 END
			+ `+points(scoreHelpedHere)+` * least(facts.helped, 5)
			+ CASE WHEN facts.soon THEN `+points(scoreSoon)+` ELSE 0 END AS score
		FROM facts
		ORDER BY score DESC, facts.starts_at, facts.need_id
		LIMIT @limit) best JOIN shifts s ON s.id = best.shift_id
		ORDER BY best.score DESC, best.starts_at, best.need_id`, args, func(rs resultRow) error {
		var r needRow
		err := rs.Scan(&r.NeedID, &r.ShiftID, &r.StartsAt, &r.EndsAt, &r.Places, &r.PlacesTaken, &r.ReserveCount, &r.Whole, &r.Soon,
			&r.Title, &r.Hood, &r.PlaceName, &r.PlaceAddress, &r.Status, &r.Timezone, &r.Required, &r.Nice, &r.NeedLanguages,
			&r.Regular, &r.Domains, &r.Helped, &r.Invited, &r.Score, &r.Weekday, &r.Hour, &r.SkillIDs, &r.SkillCodes)
		rows = append(rows, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("needs for volunteer %d: %w", u.ID, err)
	}
	out := make([]NeedMatch, len(rows))
	for i, r := range rows {
		rrule := (*string)(nil)
		if r.Regular {
			rrule = new(string)
		}
		n := &Need{ID: r.NeedID, RequiredSkills: r.Required, NiceSkills: r.Nice, Languages: r.NeedLanguages, RRule: rrule, Timezone: r.Timezone}
		f := matchFacts{skills: v.Skills, languages: v.Languages, interests: v.Interests, mode: v.HelpMode, whole: r.Whole,
			helped: r.Helped, soon: r.Soon, codes: skillCodes(r.SkillIDs, r.SkillCodes)}
		out[i] = NeedMatch{Score: r.Score, Invited: r.Invited, Reasons: f.reasons(n, r.Domains, r.Weekday, r.Hour),
			Need: NeedBrief{ID: r.NeedID, Title: r.Title, NeighbourhoodID: r.Hood, PlaceName: r.PlaceName, PlaceAddress: r.PlaceAddress, Status: r.Status},
			Shift: Shift{ID: r.ShiftID, NeedID: r.NeedID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Places: r.Places,
				PlacesTaken: r.PlacesTaken, ReserveCount: r.ReserveCount}}
	}
	return out, nil
}
