package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver for the bulk fixtures
)

// The volunteers run (issue 6): 100,000 volunteer profiles and 10,000 needs with their shifts in
// 100 neighbourhoods, then two reads through the HTTP API at 8 concurrent connections: "best 20
// volunteers for this need" (GET /api/v1/needs/{id}/matches?limit=20, as the coordinator, for a
// need at random) and "needs for me" (GET /api/v1/me/needs, as volunteers whose profiles were
// saved through the API).
//
// The bulk of the fixtures is written straight into Nabij's database, with a few INSERT ...
// SELECT statements: 100,000 accounts and profiles through the API would take several hundred
// thousand requests and tell nothing about matching. The rows are the ones the API writes (the
// same tables, the same triggers fill in availability, week-times and need statuses); the
// neighbourhoods and the measured volunteers' profiles go through the API. The database is
// DATABASE_URL, or Nabij's private cluster in NABIJ_DATA_DIR (default ./data/postgres), as
// `go run ./server` uses it. Everything stays in the neighbourhoods "Belasting vrijwilligers NNN";
// a rerun reuses it, moving the shifts forward by whole weeks when they are due.

const (
	volunteerProfiles = 100_000
	volunteerNeeds    = 10_000
	volunteerHoods    = 100
	// volunteerReaders is the concurrency the targets are set at, and volunteerP99 the target.
	volunteerReaders = 8
	volunteerP99     = 25 * time.Millisecond
	// volunteerMarker is the description of every need the run makes.
	volunteerMarker = "Gemaakt door de belastingtest (go run ./server/load -runs volunteers)."
	volunteerBatch  = 10_000
)

// volunteerRun holds what the fixtures made: the needs to rank and the tokens of volunteers.
type volunteerRun struct {
	db       *sql.DB
	hoods    []int64
	needs    []int64 // needs open to all with a shift to come
	shifts   int64
	profiles int64
}

// volunteers fills the database when needed and measures both rankings.
func (rep *report) volunteers(ctx context.Context, f *fixtures, users []loadUser) error {
	dsn, err := volunteerDatabase()
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("volunteers: cannot reach Nabij's database (set DATABASE_URL to it): %w", err)
	}
	vr := &volunteerRun{db: db}
	if vr.hoods, err = volunteerNeighbourhoods(ctx, f); err != nil {
		return err
	}
	if err := vr.fill(ctx, f); err != nil {
		return err
	}
	me := users[:min(len(users), 32)]
	if err := vr.profilesThroughAPI(ctx, f, me); err != nil {
		return err
	}
	t := target{rate: volunteerReaders / volunteerP99.Seconds(), p99: volunteerP99}
	about := fmt.Sprintf("%s volunteer profiles, %s needs with %s shifts to come in %d neighbourhoods", thousands(int(vr.profiles)),
		thousands(volunteerNeeds), thousands(int(vr.shifts)), len(vr.hoods))

	var returned, asked atomic.Int64
	var sampleMu sync.Mutex
	var samples []matchSample
	matchOps := make([]op, volunteerReaders)
	for w := range matchOps {
		// The same needs in the same order at every run, so that runs compare.
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		matchOps[w] = func(ctx context.Context) (string, time.Duration, error) {
			need := vr.needs[rng.IntN(len(vr.needs))]
			status, b, took, err := f.c.timed(ctx, f.coord, "GET", fmt.Sprintf("/api/v1/needs/%d/matches?limit=20", need), nil)
			if err == nil && status != 200 {
				err = fmt.Errorf("%d %s", status, snippet(b))
			}
			if err != nil {
				return "", took, err
			}
			// Only the 50 sampled answers are decoded in full: the generator shares the CPU.
			var count struct {
				Volunteers []json.RawMessage `json:"volunteers"`
			}
			if err := json.Unmarshal(b, &count); err != nil {
				return "", took, err
			}
			returned.Add(int64(len(count.Volunteers)))
			asked.Add(1)
			sampleMu.Lock()
			defer sampleMu.Unlock()
			if len(samples) < 50 {
				var m matchSample
				if err := json.Unmarshal(b, &m); err != nil {
					return "", took, err
				}
				m.NeedID = need
				samples = append(samples, m)
			}
			return "ok", took, nil
		}
	}
	rep.volunteerWarm(ctx, matchOps)
	f.log("volunteers: best 20 volunteers for a need, %d connections for %s ...", volunteerReaders, rep.opts.duration)
	r := rep.measured(ctx, f.c, "best 20 volunteers for a need", matchOps)
	checks := []string{about, fmt.Sprintf("%.1f volunteers per ranking on average", float64(returned.Load())/float64(max(asked.Load(), 1)))}
	verdict, failed := vr.checkMatches(ctx, samples)
	rep.failed = rep.failed || failed
	rep.add(r, t, append(checks, verdict))

	var found, answers atomic.Int64
	forMe := make([]op, volunteerReaders)
	for w := range forMe {
		next := w
		forMe[w] = func(ctx context.Context) (string, time.Duration, error) {
			u := me[next%len(me)]
			next += volunteerReaders
			status, b, took, err := f.c.timed(ctx, bearer(u.Token), "GET", "/api/v1/me/needs", nil)
			if err == nil && status != 200 {
				err = fmt.Errorf("%d %s", status, snippet(b))
			}
			if err != nil {
				return "", took, err
			}
			var list struct {
				Needs []json.RawMessage `json:"needs"`
			}
			if err := json.Unmarshal(b, &list); err != nil {
				return "", took, err
			}
			found.Add(int64(len(list.Needs)))
			answers.Add(1)
			return "ok", took, nil
		}
	}
	rep.volunteerWarm(ctx, forMe)
	f.log("volunteers: needs for me, %d connections for %s ...", volunteerReaders, rep.opts.duration)
	r = rep.measured(ctx, f.c, "needs for me", forMe)
	rep.add(r, t, []string{about, fmt.Sprintf("%d volunteers (profiles saved through the API) asking in turn; %.1f needs per answer on average",
		len(me), float64(found.Load())/float64(max(answers.Load(), 1)))})
	return ctx.Err()
}

// volunteerWarm runs the ops for a second before the measurement, so connections and Nabij's
// database pool are open and the plans cached.
func (rep *report) volunteerWarm(ctx context.Context, ops []op) {
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for _, o := range ops {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				_, _, _ = o(ctx)
			}
		})
	}
	wg.Wait()
}

// volunteerDatabase is the address of Nabij's database: DATABASE_URL, or the private cluster's
// socket in its data directory (where pgcluster keeps it, moved out of a directory the database
// user cannot enter when Nabij runs as root).
func volunteerDatabase() (string, error) {
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		return dsn, nil
	}
	dir := os.Getenv("NABIJ_DATA_DIR")
	if dir == "" {
		dir = "data/postgres"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(dir))
	for _, d := range []string{dir, filepath.Join("/var/lib/nabij", hex.EncodeToString(sum[:6]), filepath.Base(dir))} {
		if _, err := os.Stat(filepath.Join(d, ".s.PGSQL.5432")); err == nil {
			return fmt.Sprintf("host=%s port=5432 user=postgres dbname=nabij sslmode=disable", d), nil
		}
	}
	return "", fmt.Errorf("volunteers: no database socket in %s: run Nabij with its private cluster there, or set DATABASE_URL to Nabij's database", dir)
}

// volunteerNeighbourhoods makes sure the run's neighbourhoods exist, through the API.
func volunteerNeighbourhoods(ctx context.Context, f *fixtures) ([]int64, error) {
	var hoods []neighbourhoodJSON
	if _, err := f.c.call(ctx, f.coord, "GET", "/api/v1/neighbourhoods", nil, &hoods); err != nil {
		return nil, err
	}
	byName := map[string]int64{}
	for _, h := range hoods {
		byName[h.Name] = h.ID
	}
	ids := make([]int64, volunteerHoods)
	for i := range ids {
		name := fmt.Sprintf("Belasting vrijwilligers %03d", i+1)
		if id, ok := byName[name]; ok {
			ids[i] = id
			continue
		}
		var h neighbourhoodJSON
		in := map[string]string{"name": name, "municipality": "Belastingen", "description": "Neighbourhood of the volunteers load test (go run ./server/load -runs volunteers)."}
		if _, err := f.c.call(ctx, f.coord, "POST", "/api/v1/neighbourhoods", in, &h); err != nil {
			return nil, err
		}
		ids[i] = h.ID
	}
	return ids, nil
}

// fill writes the profiles and needs that are missing, moves shifts that are due into the
// coming weeks, and reads back what the runs use.
func (vr *volunteerRun) fill(ctx context.Context, f *fixtures) error {
	var coord int64
	var me meJSON
	if _, err := f.c.call(ctx, f.coord, "GET", "/api/v1/me", nil, &me); err != nil {
		return err
	}
	coord = me.ID
	hoods := int64Literal(vr.hoods)
	if err := vr.db.QueryRowContext(ctx, `SELECT count(*) FROM volunteers v JOIN users u ON u.id = v.user_id
		WHERE u.username LIKE 'loadvol.%'`).Scan(&vr.profiles); err != nil {
		return err
	}
	if vr.profiles < volunteerProfiles {
		f.log("volunteers: writing %s volunteer profiles into the database ...", thousands(volunteerProfiles-int(vr.profiles)))
		start := time.Now()
		for from := vr.profiles + 1; from <= volunteerProfiles; from += volunteerBatch {
			if err := vr.exec(ctx, volunteerProfilesSQL, from, min(from+volunteerBatch-1, volunteerProfiles), hoods); err != nil {
				return fmt.Errorf("volunteer profiles: %w", err)
			}
		}
		f.log("volunteers: profiles written in %s", round(time.Since(start)))
		vr.profiles = volunteerProfiles
	}
	// A month of history for the fairness rules (see volunteerMonthsSQL).
	var months int64
	if err := vr.db.QueryRowContext(ctx, `SELECT count(*) FROM volunteer_months m JOIN users u ON u.id = m.user_id
		WHERE u.username LIKE 'loadvol.%'`).Scan(&months); err != nil {
		return err
	}
	if months == 0 {
		if err := vr.exec(ctx, volunteerMonthsSQL); err != nil {
			return fmt.Errorf("volunteer months: %w", err)
		}
	}
	var needs int64
	if err := vr.db.QueryRowContext(ctx, `SELECT count(*) FROM needs WHERE description = $1 AND neighbourhood_id = ANY($2::bigint[])`,
		volunteerMarker, hoods).Scan(&needs); err != nil {
		return err
	}
	if needs < volunteerNeeds {
		f.log("volunteers: writing %s needs with their shifts ...", thousands(volunteerNeeds-int(needs)))
		start := time.Now()
		if err := vr.exec(ctx, volunteerNeedsSQL, needs+1, int64(volunteerNeeds), hoods, coord, volunteerMarker); err != nil {
			return fmt.Errorf("needs: %w", err)
		}
		f.log("volunteers: needs written in %s", round(time.Since(start)))
	}
	// Shifts that are due move forward by whole weeks: same weekday, same time of day.
	if _, err := vr.db.ExecContext(ctx, `WITH due AS (
			SELECT ceil(extract(epoch FROM now() + interval '1 hour' - min(s.starts_at)) / 604800)::int AS weeks
			FROM shifts s JOIN needs n ON n.id = s.need_id WHERE n.description = $1 AND n.neighbourhood_id = ANY($2::bigint[]))
		UPDATE shifts s SET starts_at = ((s.starts_at AT TIME ZONE 'Europe/Brussels') + due.weeks * interval '7 days') AT TIME ZONE 'Europe/Brussels',
			ends_at = ((s.ends_at AT TIME ZONE 'Europe/Brussels') + due.weeks * interval '7 days') AT TIME ZONE 'Europe/Brussels'
		FROM due, needs n WHERE due.weeks > 0 AND n.id = s.need_id AND n.description = $1 AND n.neighbourhood_id = ANY($2::bigint[])`,
		volunteerMarker, hoods); err != nil {
		return fmt.Errorf("move shifts: %w", err)
	}
	rows, err := vr.db.QueryContext(ctx, `SELECT n.id FROM needs n WHERE n.description = $1 AND n.neighbourhood_id = ANY($2::bigint[])
		AND n.access = 'open' AND n.status = 'open'
		AND EXISTS (SELECT 1 FROM shifts s WHERE s.need_id = n.id AND s.cancelled_at IS NULL AND s.starts_at > now())
		ORDER BY n.id`, volunteerMarker, hoods)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		vr.needs = append(vr.needs, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(vr.needs) == 0 {
		return fmt.Errorf("volunteers: no need open to all has a shift to come")
	}
	return vr.db.QueryRowContext(ctx, `SELECT count(*) FROM shifts s JOIN needs n ON n.id = s.need_id
		WHERE n.description = $1 AND n.neighbourhood_id = ANY($2::bigint[]) AND s.starts_at > now()`,
		volunteerMarker, hoods).Scan(&vr.shifts)
}

// exec runs one fixture statement in a transaction with a fixed random seed, so the data set is
// the same on every machine.
func (vr *volunteerRun) exec(ctx context.Context, query string, args ...any) error {
	tx, err := vr.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT setseed(0.4242)"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return err
	}
	return tx.Commit()
}

// The catalog's skills, the common ones (setting up, welcoming, serving, shopping together,
// visiting, cooking, small repairs) three times as likely, for profiles and needs alike.
const volunteerSkillsCTE = `skill_pool AS (
	SELECT id, CASE WHEN id IN (101, 103, 201, 801, 901, 902, 903) THEN 3.0 ELSE 1.0 END AS weight FROM skills WHERE NOT retired)`

// volunteerProfilesSQL writes profiles $1..$2 in the neighbourhoods $3: an account living in one
// of them, helping there and, often, in the next one or two; two to five skills; Dutch and often
// French, English or a language of migration; a weekly slot of two to four hours on about four
// days in ten; a monthly limit for half of them; 85% may be asked, 5% pause, 10% are away two
// weeks in the coming two months.
const volunteerProfilesSQL = `WITH ` + volunteerSkillsCTE + `, hood AS (SELECT $3::bigint[] AS ids),
fresh AS (
	INSERT INTO users (display_name, username, role, language, home_neighbourhood_id)
	SELECT 'Vrijwilliger ' || i, 'loadvol.' || i, 'resident', 'nl', (SELECT ids[1 + (i * 7919) % cardinality(ids)] FROM hood)
	FROM generate_series($1::bigint, $2::bigint) i
	RETURNING id, home_neighbourhood_id
), profile AS (
	INSERT INTO volunteers (user_id, skills, languages, neighbourhoods, interests, help_mode, max_hours_month, consent_to_ask, paused_at, away)
	SELECT fresh.id,
		ARRAY(SELECT p.id FROM skill_pool p WHERE fresh.id > 0 ORDER BY -ln(random()) / p.weight LIMIT 2 + (fresh.id % 4)),
		array_remove(ARRAY[CASE WHEN random() < 0.95 THEN 'nl' END, CASE WHEN random() < 0.25 THEN 'fr' END,
			CASE WHEN random() < 0.3 THEN 'en' END, CASE WHEN random() < 0.12 THEN 'ar' END, CASE WHEN random() < 0.08 THEN 'tr' END,
			CASE WHEN random() < 0.05 THEN 'ber' END, CASE WHEN random() < 0.03 THEN 'pl' END, CASE WHEN random() < 0.03 THEN 'ro' END,
			CASE WHEN random() < 0.02 THEN 'bg' END, CASE WHEN random() < 0.03 THEN 'es' END], NULL),
		array_remove(ARRAY[fresh.home_neighbourhood_id,
			CASE WHEN random() < 0.5 THEN (SELECT ids[1 + (array_position(ids, fresh.home_neighbourhood_id)) % cardinality(ids)] FROM hood) END,
			CASE WHEN random() < 0.2 THEN (SELECT ids[1 + (array_position(ids, fresh.home_neighbourhood_id) + 1) % cardinality(ids)] FROM hood) END], NULL),
		ARRAY(SELECT d.code FROM skill_domains d WHERE fresh.id > 0 AND random() < 0.12 ORDER BY d.position),
		(ARRAY['one_off', 'regular', 'both'])[1 + floor(random() * 3)::int],
		CASE WHEN random() < 0.5 THEN 4 + floor(random() * 17)::int END,
		random() < 0.85,
		CASE WHEN random() < 0.05 THEN now() END,
		CASE WHEN random() < 0.1 THEN datemultirange(daterange(current_date + d, current_date + d + 14)) ELSE '{}' END
	FROM fresh, LATERAL (SELECT floor(random() * 56)::int AS d WHERE fresh.id > 0) away
	RETURNING user_id
)
INSERT INTO volunteer_slots (user_id, minutes)
SELECT profile.user_id, int4range(day * 1440 + h * 60, day * 1440 + h * 60 + len * 60)
FROM profile, generate_series(0, 6) day,
	LATERAL (SELECT 8 + floor(random() * 12)::int AS h, 2 + floor(random() * 3)::int AS len, random() AS r
		WHERE profile.user_id > 0 AND day >= 0) slot
WHERE slot.r < 0.4`

// volunteerMonthsSQL writes a month of history for the fairness rules: three in ten of the run's
// volunteers were asked one to five times this month, one in five has shifts planned this month
// and next.
const volunteerMonthsSQL = `WITH asked AS (
		UPDATE volunteers v SET asked_month = date_trunc('month', now() AT TIME ZONE 'Europe/Brussels')::date,
			asked_count = 1 + floor(random() * 5)::int
		FROM users u WHERE u.id = v.user_id AND u.username LIKE 'loadvol.%' AND random() < 0.3
	)
	INSERT INTO volunteer_months (user_id, month, planned_minutes)
	SELECT u.id, (date_trunc('month', now() AT TIME ZONE 'Europe/Brussels') + m * interval '1 month')::date,
		60 * (1 + floor(random() * 8)::int)
	FROM users u, generate_series(0, 1) m WHERE u.username LIKE 'loadvol.%' AND random() < 0.2`

// volunteerNeedsSQL writes needs $1..$2 in the neighbourhoods $3, organised by $4, marked $5: a
// quarter without a required skill, most with one, some with two, and up to two nice to have; one
// in five asks for a language besides Dutch; one in ten by invitation; one in five weekly for
// eight weeks, the others one to three shifts in the coming eight weeks; shifts of one to three
// hours between 8:00 and 22:00 with one to five places.
const volunteerNeedsSQL = `WITH ` + volunteerSkillsCTE + `, picked AS (
	SELECT i, ARRAY(SELECT p.id FROM skill_pool p WHERE i > 0 ORDER BY -ln(random()) / p.weight LIMIT 4) AS four,
		CASE WHEN r < 0.25 THEN 0 WHEN r < 0.85 THEN 1 ELSE 2 END AS required, floor(random() * 3)::int AS nice
	FROM generate_series($1::bigint, $2::bigint) i, LATERAL (SELECT random() AS r WHERE i > 0) x
), made AS (
	INSERT INTO needs (neighbourhood_id, organiser_id, created_by, title, description, place_name, place_address,
		required_skills, nice_skills, languages, access, rrule, timezone)
	SELECT ($3::bigint[])[1 + (i * 31) % cardinality($3::bigint[])], $4, $4, 'Hulpvraag ' || i, $5, 'Buurthuis De Belasting',
		'Belastingstraat ' || i, four[1:required], four[required + 1:required + nice],
		CASE WHEN random() < 0.2 THEN ARRAY[(ARRAY['fr', 'ar', 'tr', 'en', 'pl', 'ro'])[1 + floor(random() * 6)::int]] ELSE '{}' END,
		CASE WHEN random() < 0.1 THEN 'invitation' ELSE 'open' END,
		CASE WHEN i % 5 = 0 THEN 'FREQ=WEEKLY;COUNT=8' END, 'Europe/Brussels'
	FROM picked
	RETURNING id, neighbourhood_id, rrule
)
INSERT INTO shifts (need_id, neighbourhood_id, starts_at, ends_at, places)
SELECT made.id, made.neighbourhood_id, (day + (h * 60 + q * 15) * interval '1 minute') AT TIME ZONE 'Europe/Brussels',
	(day + (h * 60 + q * 15 + len) * interval '1 minute') AT TIME ZONE 'Europe/Brussels', places
FROM made,
	LATERAL (SELECT floor(random() * 56)::int + 1 AS first, 8 + floor(random() * 12)::int AS h, floor(random() * 4)::int AS q,
		60 + 30 * floor(random() * 5)::int AS len, 1 + floor(random() * 5)::int AS places, 1 + floor(random() * 3)::int AS count
		WHERE made.id > 0) plan,
	LATERAL (SELECT date_trunc('day', now() AT TIME ZONE 'Europe/Brussels') + (plan.first + CASE WHEN made.rrule IS NOT NULL
			THEN 7 * k ELSE 3 * k END) * interval '1 day' AS day
		FROM generate_series(0, CASE WHEN made.rrule IS NOT NULL THEN 7 ELSE plan.count - 1 END) k) days`

// profilesThroughAPI gives the volunteers who ask "needs for me" a profile, through the API: one
// to three of the run's neighbourhoods, two to five skills, Dutch and maybe another language,
// three to five weekly slots.
func (vr *volunteerRun) profilesThroughAPI(ctx context.Context, f *fixtures, users []loadUser) error {
	var catalog struct {
		Domains []struct {
			Skills []struct {
				ID int `json:"id"`
			} `json:"skills"`
		} `json:"domains"`
	}
	if _, err := f.c.call(ctx, f.coord, "GET", "/api/v1/skills", nil, &catalog); err != nil {
		return err
	}
	var skills []int
	for _, d := range catalog.Domains {
		for _, s := range d.Skills {
			skills = append(skills, s.ID)
		}
	}
	for i, u := range users {
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		home := rng.IntN(len(vr.hoods))
		hoods := []int64{vr.hoods[home]}
		for k := 1; k <= rng.IntN(3); k++ {
			hoods = append(hoods, vr.hoods[(home+k)%len(vr.hoods)])
		}
		mine := slices.Clone(skills)
		rng.Shuffle(len(mine), func(a, b int) { mine[a], mine[b] = mine[b], mine[a] })
		languages := []string{"nl"}
		if other := []string{"fr", "en", "ar", "tr"}[rng.IntN(4)]; rng.IntN(2) == 0 {
			languages = append(languages, other)
		}
		var slots []map[string]any
		for _, day := range rng.Perm(7)[:3+rng.IntN(3)] {
			h := 8 + rng.IntN(12)
			slots = append(slots, map[string]any{"weekday": day, "start": fmt.Sprintf("%02d:00", h), "end": fmt.Sprintf("%02d:00", h+2+rng.IntN(3))})
		}
		in := map[string]any{"skills": mine[:2+rng.IntN(4)], "languages": languages, "neighbourhoods": hoods,
			"availability": slots, "consent_to_ask": true, "help_mode": "both"}
		if _, err := f.c.call(ctx, bearer(u.Token), "PUT", "/api/v1/me/volunteer", in, nil); err != nil {
			return fmt.Errorf("profile of load resident %d: %w", u.ID, err)
		}
	}
	return nil
}

// matchSample is an answer of the ranking, kept to check it against the hard rules afterwards.
type matchSample struct {
	NeedID int64
	Shift  struct {
		ID int64 `json:"id"`
	} `json:"shift"`
	Volunteers []struct {
		UserID int64 `json:"user_id"`
		Score  int   `json:"score"`
	} `json:"volunteers"`
}

// checkMatches checks sampled rankings against the hard rules, asked of the database directly:
// every volunteer proposed helps in the neighbourhood, has the required skills, speaks one of the
// languages, is free at some time of the shift, may be asked and is not paused; and the scores
// come best first.
func (vr *volunteerRun) checkMatches(ctx context.Context, samples []matchSample) (string, bool) {
	checked, bad := 0, []string{}
	for _, s := range samples {
		for i, v := range s.Volunteers {
			if i > 0 && v.Score > s.Volunteers[i-1].Score {
				bad = append(bad, fmt.Sprintf("need %d: score %d after %d", s.NeedID, v.Score, s.Volunteers[i-1].Score))
			}
			var ok bool
			err := vr.db.QueryRowContext(ctx, `SELECT v.neighbourhoods @> ARRAY[n.neighbourhood_id] AND v.skills @> n.required_skills
					AND (cardinality(n.languages) = 0 OR v.languages && n.languages) AND v.availability && s.week_minutes
					AND v.consent_to_ask AND v.paused_at IS NULL
				FROM volunteers v, shifts s JOIN needs n ON n.id = s.need_id WHERE v.user_id = $1 AND s.id = $2`,
				v.UserID, s.Shift.ID).Scan(&ok)
			if err != nil {
				return "FAILED to check a ranking: " + err.Error(), true
			}
			if !ok {
				bad = append(bad, fmt.Sprintf("need %d proposes volunteer %d, who fails a hard rule", s.NeedID, v.UserID))
			}
			checked++
		}
	}
	if len(bad) > 0 {
		return fmt.Sprintf("FAILED: %d of %d volunteers proposed break the rules, e.g. %s", len(bad), checked, strings.Join(bad[:min(3, len(bad))], "; ")), true
	}
	return fmt.Sprintf("ok: the %d volunteers proposed in %d sampled rankings all pass the hard rules, best first", checked, len(samples)), false
}

// int64Literal is a PostgreSQL array literal of ids.
func int64Literal(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return "{" + strings.Join(parts, ",") + "}"
}
