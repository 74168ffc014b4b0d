-- Volunteer matching: volunteer profiles, the skill catalog, needs with shifts, sign-ups with a
-- reserve list, invitations that expire, declines, hours, and the counters the fair ranking reads.
--
-- Times of the week are minutes from Sunday 00:00 (0 to 10080) in the installation's time zone,
-- as int4range / int4multirange: a volunteer's weekly availability and the week-time a shift
-- falls in compare with one range operator, with a GiST index. Skills, languages and the
-- neighbourhoods someone helps in are arrays on the profile, with one GIN index for the hard
-- filters of the ranking (models/match.go).

-- Exclusion constraints on (person, range) need btree_gist for the equality part. It is a trusted
-- extension: the owner of the database may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The curated catalog: skills grouped by life domain. Ids are stable (the API and profiles use
-- them); names are translated in frontend/i18n/volunteers.*.json as volunteers.domain.{code} and
-- volunteers.skill.{code}. A skill is retired, never deleted, so old profiles keep their meaning.
CREATE TABLE skill_domains (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]{1,29}$'),
    position smallint NOT NULL UNIQUE
);

CREATE TABLE skills (
    id      integer PRIMARY KEY CHECK (id > 0),
    code    text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z_]{1,39}$'),
    domain  text NOT NULL REFERENCES skill_domains (code),
    retired boolean NOT NULL DEFAULT false
);

INSERT INTO skill_domains (code, position) VALUES
    ('company', 1), ('household', 2), ('digital', 3), ('paperwork', 4), ('language', 5),
    ('children', 6), ('mobility', 7), ('food', 8), ('activities', 9), ('health', 10);

INSERT INTO skills (id, code, domain) VALUES
    (101, 'visiting', 'company'), (102, 'walking_together', 'company'), (103, 'shopping_together', 'company'),
    (104, 'accompanying', 'company'), (105, 'listening', 'company'),
    (201, 'small_repairs', 'household'), (202, 'gardening', 'household'), (203, 'moving', 'household'),
    (204, 'cleaning_up', 'household'), (205, 'sewing', 'household'),
    (301, 'smartphone_help', 'digital'), (302, 'computer_help', 'digital'), (303, 'online_forms', 'digital'),
    (401, 'letters_and_forms', 'paperwork'), (402, 'budgeting', 'paperwork'), (403, 'tax_returns', 'paperwork'),
    (501, 'dutch_conversation', 'language'), (502, 'interpreting', 'language'), (503, 'reading_writing', 'language'),
    (601, 'homework_help', 'children'), (602, 'childcare', 'children'), (603, 'youth_activities', 'children'),
    (701, 'driving', 'mobility'), (702, 'bike_repair', 'mobility'), (703, 'cycling_lessons', 'mobility'),
    (801, 'cooking_for_groups', 'food'), (802, 'food_distribution', 'food'), (803, 'baking', 'food'),
    (901, 'setting_up', 'activities'), (902, 'welcoming', 'activities'), (903, 'serving', 'activities'),
    (904, 'photography', 'activities'), (905, 'music', 'activities'), (906, 'flyering', 'activities'),
    (1001, 'first_aid', 'health'), (1002, 'sports_coaching', 'health');

-- The hours of the week (0 .. 167) that minutes of the week touch.
CREATE FUNCTION week_hours(m int4multirange) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(h ORDER BY h), '{}') FROM generate_series(0, 167) h WHERE m && int4range(h * 60, h * 60 + 60)
$$;

-- Every neighbourhood with every hour, as neighbourhood id * 1000 + hour.
CREATE FUNCTION neighbourhood_hours(hoods bigint[], hours integer[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(n * 1000 + h ORDER BY n, h), '{}') FROM unnest(hoods) n, unnest(hours) h
$$;

-- A volunteer profile: any account can have one. A community worker may make one for someone,
-- recording that the person agreed (consent_recorded_by/at). Contact details (phone, and the
-- account's email) and constraints are shown only to workers and to the organisers of needs the
-- volunteer signed up for (models/permission.go).
CREATE TABLE volunteers (
    user_id             bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    skills              integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(skills) <= 40 AND array_position(skills, NULL) IS NULL),
    -- Free tags in the volunteer's own words, lower case.
    tags                text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20 AND array_position(tags, NULL) IS NULL),
    -- Life domains (skill_domains.code) they care about.
    interests           text[] NOT NULL DEFAULT '{}' CHECK (cardinality(interests) <= 10 AND array_position(interests, NULL) IS NULL),
    -- ISO 639 codes of the languages they speak.
    languages           text[] NOT NULL DEFAULT '{}' CHECK (cardinality(languages) <= 10
                            AND array_position(languages, NULL) IS NULL
                            AND (cardinality(languages) = 0 OR array_to_string(languages, ',') ~ '^[a-z]{2,3}(,[a-z]{2,3})*$')),
    -- Neighbourhoods they will help in.
    neighbourhoods      bigint[] NOT NULL DEFAULT '{}' CHECK (cardinality(neighbourhoods) <= 20 AND array_position(neighbourhoods, NULL) IS NULL),
    -- The union of their volunteer_slots, kept by the triggers below: what the ranking reads.
    availability        int4multirange NOT NULL DEFAULT '{}',
    -- Each neighbourhood they help in with each hour of the week (0 .. 167) they are free in at
    -- some time, as neighbourhood id * 1000 + hour: the key the ranking's GIN index finds them by.
    helps_when          bigint[] GENERATED ALWAYS AS (neighbourhood_hours(neighbourhoods, week_hours(availability))) STORED,
    -- Dates away (upper bound exclusive): not proposed for a shift that starts on one of them.
    away                datemultirange NOT NULL DEFAULT '{}',
    help_mode           text NOT NULL DEFAULT 'both' CHECK (help_mode IN ('one_off', 'regular', 'both')),
    -- At most this many hours of shifts a month; NULL: no limit.
    max_hours_month     smallint CHECK (max_hours_month BETWEEN 1 AND 200),
    constraints_note    text NOT NULL DEFAULT '' CHECK (length(constraints_note) <= 1000),
    phone               text CHECK (phone ~ '^\+?[0-9]{6,15}$'),
    -- Whether organisers may invite them; without it they only find needs themselves.
    consent_to_ask      boolean NOT NULL DEFAULT false,
    paused_at           timestamptz,
    created_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    consent_recorded_by bigint REFERENCES users (id) ON DELETE SET NULL,
    consent_recorded_at timestamptz,
    -- How often they were asked (invited) in asked_month (its first day, in the need's time zone):
    -- the fairness rule ranks those asked often this month lower. Kept by the invitations'
    -- trigger, on the profile so the ranking reads it with the row.
    asked_month         date CHECK (extract(day FROM asked_month) = 1),
    asked_count         integer NOT NULL DEFAULT 0 CHECK (asked_count >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((consent_recorded_by IS NULL) = (consent_recorded_at IS NULL))
);
-- The ranking's hard filters in one GIN index, for the volunteers who may be asked and are not
-- paused: a neighbourhood and an hour of the week together (helps_when), the required skills and
-- the languages narrow the candidates in the index itself, so only those who pass (give or take
-- the minutes within an hour, which availability then decides) are read. Measured with 100,000
-- profiles: a GiST index on availability found a sixth of all volunteers for a two-hour shift,
-- and neighbourhood and hours as separate keys made the index intersect long lists; one key per
-- (neighbourhood, hour) reads only the short lists of the shift's hours there.
CREATE INDEX volunteers_match_idx ON volunteers USING gin (helps_when, skills, languages)
    WHERE consent_to_ask AND paused_at IS NULL;

-- Weekly availability: one row per time slot on a weekday (0 Sunday .. 6 Saturday), as minutes
-- of the week. A slot stays within its day (a night is two slots: until 24:00 and from 00:00),
-- and a person's slots do not overlap.
CREATE TABLE volunteer_slots (
    user_id bigint NOT NULL REFERENCES volunteers (user_id) ON DELETE CASCADE,
    minutes int4range NOT NULL CHECK (NOT isempty(minutes) AND lower_inc(minutes) AND NOT upper_inc(minutes)
                AND lower(minutes) >= 0 AND upper(minutes) <= 10080
                AND lower(minutes) / 1440 = (upper(minutes) - 1) / 1440),
    CONSTRAINT volunteer_slots_no_overlap EXCLUDE USING gist (user_id WITH =, minutes WITH &&)
);

CREATE FUNCTION volunteer_slots_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE volunteers v SET availability = coalesce((SELECT range_agg(s.minutes) FROM volunteer_slots s WHERE s.user_id = v.user_id), '{}')
    WHERE v.user_id IN (SELECT user_id FROM changed);
    RETURN NULL;
END
$$;
CREATE TRIGGER volunteer_slots_inserted AFTER INSERT ON volunteer_slots
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION volunteer_slots_sync();
CREATE TRIGGER volunteer_slots_deleted AFTER DELETE ON volunteer_slots
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION volunteer_slots_sync();
CREATE TRIGGER volunteer_slots_updated AFTER UPDATE ON volunteer_slots
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION volunteer_slots_sync();

-- Skill ids, life domains and neighbourhoods in arrays cannot have foreign keys: checked here.
CREATE FUNCTION volunteer_refs_check(p_skills integer[], p_domains text[], p_hoods bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(p_skills) s WHERE NOT EXISTS (SELECT 1 FROM skills k WHERE k.id = s)) THEN
        RAISE EXCEPTION 'unknown skill id in %', p_skills USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'skills_known';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_domains) d WHERE NOT EXISTS (SELECT 1 FROM skill_domains k WHERE k.code = d)) THEN
        RAISE EXCEPTION 'unknown life domain in %', p_domains USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'domains_known';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_hoods) h WHERE NOT EXISTS (SELECT 1 FROM neighbourhoods n WHERE n.id = h)) THEN
        RAISE EXCEPTION 'unknown neighbourhood in %', p_hoods USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'neighbourhoods_known';
    END IF;
END
$$;

CREATE FUNCTION volunteers_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM volunteer_refs_check(NEW.skills, NEW.interests, NEW.neighbourhoods);
    RETURN NEW;
END
$$;
CREATE TRIGGER volunteers_refs BEFORE INSERT OR UPDATE OF skills, interests, neighbourhoods ON volunteers
    FOR EACH ROW EXECUTE FUNCTION volunteers_refs();

-- A neighbourhood that goes away leaves no dangling id in anyone's profile.
CREATE FUNCTION neighbourhoods_forget_volunteers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE volunteers SET neighbourhoods = array_remove(neighbourhoods, OLD.id) WHERE neighbourhoods @> ARRAY[OLD.id];
    RETURN NULL;
END
$$;
CREATE TRIGGER neighbourhoods_forget_volunteers AFTER DELETE ON neighbourhoods
    FOR EACH ROW EXECUTE FUNCTION neighbourhoods_forget_volunteers();

-- Minutes of the week a stretch of time covers, in a time zone (wall-clock time, so a shift on
-- a daylight-saving Sunday still compares with the weekly availability as people mean it). A
-- stretch of a week or more covers the whole week.
CREATE FUNCTION week_minutes(p_start timestamptz, p_end timestamptz, p_tz text) RETURNS int4multirange
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN len >= 10080 THEN int4multirange(int4range(0, 10080))
        WHEN first + len <= 10080 THEN int4multirange(int4range(first, first + len))
        ELSE int4multirange(int4range(first, 10080), int4range(0, first + len - 10080)) END
    FROM (SELECT extract(dow FROM ls)::int * 1440 + extract(hour FROM ls)::int * 60 + extract(minute FROM ls)::int AS first,
                 greatest(ceil(extract(epoch FROM (le - ls)) / 60)::int, 1) AS len
          FROM (SELECT p_start AT TIME ZONE p_tz AS ls, p_end AT TIME ZONE p_tz AS le) t) w
$$;

-- A need: work someone must do, attached to a meetup or standing alone (often a resident's
-- request for help, entered by them or by a worker on their behalf). Open to every volunteer, or
-- by invitation only. A recurring need repeats its shifts by an RRULE, as meetups do.
CREATE TABLE needs (
    id               bigserial PRIMARY KEY,
    neighbourhood_id bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    meetup_id        bigint REFERENCES meetups (id) ON DELETE CASCADE,
    -- The resident who is helped; only the organisers, workers and those who signed up see who.
    resident_id      bigint REFERENCES users (id) ON DELETE CASCADE,
    -- The contact organiser.
    organiser_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    title            text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 120),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    place_name       text NOT NULL DEFAULT '' CHECK (length(place_name) <= 120),
    place_address    text NOT NULL DEFAULT '' CHECK (length(place_address) <= 300),
    required_skills  integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(required_skills) <= 10 AND array_position(required_skills, NULL) IS NULL),
    nice_skills      integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(nice_skills) <= 10 AND array_position(nice_skills, NULL) IS NULL),
    -- A helper must speak one of these (none: any).
    languages        text[] NOT NULL DEFAULT '{}' CHECK (cardinality(languages) <= 10
                         AND array_position(languages, NULL) IS NULL
                         AND (cardinality(languages) = 0 OR array_to_string(languages, ',') ~ '^[a-z]{2,3}(,[a-z]{2,3})*$')),
    access           text NOT NULL DEFAULT 'open' CHECK (access IN ('open', 'invitation')),
    -- open and filled follow the places of the shifts to come (trigger below); done and cancelled
    -- are set by an organiser.
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'filled', 'done', 'cancelled')),
    cancel_reason    text CHECK (length(btrim(cancel_reason)) BETWEEN 1 AND 500),
    rrule            text CHECK (rrule ~ '^FREQ=' AND length(rrule) <= 500),
    timezone         text NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (meetup_id IS NULL OR resident_id IS NULL),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
    CHECK (NOT required_skills && nice_skills),
    -- Target of the shifts' foreign key, which keeps a shift in its need's neighbourhood.
    UNIQUE (id, neighbourhood_id)
);
CREATE INDEX needs_neighbourhood_idx ON needs (neighbourhood_id, id DESC);
CREATE INDEX needs_meetup_idx ON needs (meetup_id) WHERE meetup_id IS NOT NULL;
CREATE INDEX needs_resident_idx ON needs (resident_id) WHERE resident_id IS NOT NULL;
CREATE INDEX needs_organiser_idx ON needs (organiser_id) WHERE organiser_id IS NOT NULL;

CREATE FUNCTION needs_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM volunteer_refs_check(NEW.required_skills || NEW.nice_skills, '{}', '{}');
    RETURN NEW;
END
$$;
CREATE TRIGGER needs_refs BEFORE INSERT OR UPDATE OF required_skills, nice_skills ON needs
    FOR EACH ROW EXECUTE FUNCTION needs_refs();

-- A shift: a stretch of time with a number of places. places_taken and reserve_count are kept by
-- the shift_signups triggers, never by the application; with the CHECK a sign-up that would
-- overbook fails instead. week_minutes, local_day and local_month are set from the times in the
-- need's time zone.
CREATE TABLE shifts (
    id               bigserial PRIMARY KEY,
    need_id          bigint NOT NULL,
    neighbourhood_id bigint NOT NULL,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    places           integer NOT NULL CHECK (places BETWEEN 1 AND 500),
    places_taken     integer NOT NULL DEFAULT 0 CHECK (places_taken >= 0),
    reserve_count    integer NOT NULL DEFAULT 0 CHECK (reserve_count >= 0),
    week_minutes     int4multirange NOT NULL DEFAULT '{}',
    -- The day it starts and the first day of that month, in the need's time zone: for dates away
    -- and the monthly counters.
    local_day        date NOT NULL DEFAULT '-infinity',
    local_month      date NOT NULL DEFAULT '-infinity',
    cancelled_at     timestamptz,
    cancel_reason    text CHECK (length(btrim(cancel_reason)) BETWEEN 1 AND 500),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '24 hours'),
    CONSTRAINT shifts_places_not_exceeded CHECK (places_taken <= places),
    CHECK ((cancelled_at IS NULL) = (cancel_reason IS NULL)),
    FOREIGN KEY (need_id, neighbourhood_id) REFERENCES needs (id, neighbourhood_id) ON DELETE CASCADE,
    UNIQUE (id, need_id)
);
CREATE INDEX shifts_need_idx ON shifts (need_id, starts_at);
-- "Needs for me": the shifts to come in a volunteer's neighbourhoods, with what their hard rules
-- read, so the candidates come from the index alone (an index-only scan where the table is
-- vacuumed) and only the shifts that pass are read. (A GIN index on neighbourhood and hour with
-- the start, through btree_gin, read every shift of the coming weeks for the start's range and
-- was several times slower.)
CREATE INDEX shifts_upcoming_idx ON shifts (neighbourhood_id, starts_at)
    INCLUDE (id, need_id, ends_at, places, places_taken, week_minutes, local_day, local_month) WHERE cancelled_at IS NULL;

CREATE FUNCTION shifts_week_minutes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tz text := (SELECT timezone FROM needs WHERE id = NEW.need_id);
BEGIN
    NEW.week_minutes := week_minutes(NEW.starts_at, NEW.ends_at, tz);
    NEW.local_day := (NEW.starts_at AT TIME ZONE tz)::date;
    NEW.local_month := date_trunc('month', NEW.starts_at AT TIME ZONE tz)::date;
    RETURN NEW;
END
$$;
CREATE TRIGGER shifts_week_minutes BEFORE INSERT OR UPDATE OF starts_at, ends_at ON shifts
    FOR EACH ROW EXECUTE FUNCTION shifts_week_minutes();

-- Invitations from an organiser to a volunteer for one shift. Unanswered, an invitation expires
-- at expires_at (never after the shift starts); status 'expired' is written when that is noticed.
CREATE TABLE need_invitations (
    id          bigserial PRIMARY KEY,
    need_id     bigint NOT NULL,
    shift_id    bigint NOT NULL,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    message     text NOT NULL DEFAULT '' CHECK (length(message) <= 1000),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'expired')),
    expires_at  timestamptz NOT NULL,
    answered_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status IN ('accepted', 'declined')) = (answered_at IS NOT NULL)),
    CHECK (expires_at > created_at),
    FOREIGN KEY (shift_id, need_id) REFERENCES shifts (id, need_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX need_invitations_pending_key ON need_invitations (shift_id, user_id) WHERE status = 'pending';
CREATE INDEX need_invitations_user_idx ON need_invitations (user_id, id DESC);
CREATE INDEX need_invitations_need_idx ON need_invitations (need_id);

-- Someone said no to a need (declined an invitation, or "not for me"): never proposed for it again.
CREATE TABLE need_declines (
    need_id    bigint NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (need_id, user_id)
);
CREATE INDEX need_declines_user_idx ON need_declines (user_id);

-- Order of arrival for the reserve list, drawn while the shift row is locked; CACHE 1 keeps it
-- strictly increasing across connections.
CREATE SEQUENCE shift_signup_arrival_seq CACHE 1;

CREATE TABLE shift_signups (
    id            bigserial PRIMARY KEY,
    shift_id      bigint NOT NULL REFERENCES shifts (id) ON DELETE CASCADE,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        text NOT NULL CHECK (status IN ('signed_up', 'reserve', 'withdrawn')),
    arrival       bigint NOT NULL DEFAULT nextval('shift_signup_arrival_seq'),
    invitation_id bigint REFERENCES need_invitations (id) ON DELETE SET NULL,
    -- A worker who signed this volunteer up on their behalf.
    signed_up_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    -- When a freed place went to this sign-up from the reserve list.
    promoted_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shift_signups_user_key UNIQUE (shift_id, user_id)
);
ALTER SEQUENCE shift_signup_arrival_seq OWNED BY shift_signups.arrival;
CREATE INDEX shift_signups_reserve_idx ON shift_signups (shift_id, arrival) WHERE status = 'reserve';
CREATE INDEX shift_signups_user_idx ON shift_signups (user_id, shift_id);

-- Per volunteer and month (first day, in the need's time zone): the minutes of the shifts they
-- are signed up for. Kept by triggers; the ranking reads it for the monthly limit of hours.
CREATE TABLE volunteer_months (
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    planned_minutes integer NOT NULL DEFAULT 0 CHECK (planned_minutes >= 0),
    PRIMARY KEY (user_id, month)
);

CREATE FUNCTION volunteer_month_add(p_user bigint, p_month date, p_minutes integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO volunteer_months AS m (user_id, month, planned_minutes)
    VALUES (p_user, p_month, greatest(p_minutes, 0))
    ON CONFLICT (user_id, month) DO UPDATE SET planned_minutes = greatest(m.planned_minutes + p_minutes, 0)
$$;

-- The length of a shift, as the monthly counters count it.
CREATE FUNCTION shift_minutes(s shifts) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT ceil(extract(epoch FROM s.ends_at - s.starts_at) / 60)::integer
$$;

-- Keeps places_taken, reserve_count and the planned minutes equal to the sign-ups, whatever
-- changes them.
CREATE FUNCTION shift_signups_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    taken   integer := 0;
    waiting integer := 0;
    sid     bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.shift_id ELSE NEW.shift_id END;
    s       shifts;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.status = 'signed_up' THEN taken := taken - 1; END IF;
        IF OLD.status = 'reserve' THEN waiting := waiting - 1; END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.status = 'signed_up' THEN taken := taken + 1; END IF;
        IF NEW.status = 'reserve' THEN waiting := waiting + 1; END IF;
    END IF;
    IF taken = 0 AND waiting = 0 THEN
        RETURN NULL;
    END IF;
    UPDATE shifts SET places_taken = places_taken + taken, reserve_count = reserve_count + waiting
    WHERE id = sid RETURNING * INTO s;
    IF FOUND AND taken <> 0 AND s.cancelled_at IS NULL THEN
        PERFORM volunteer_month_add(CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END,
            s.local_month, taken * shift_minutes(s));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER shift_signups_count AFTER INSERT OR UPDATE OF status OR DELETE ON shift_signups
    FOR EACH ROW EXECUTE FUNCTION shift_signups_count();

-- A freed place goes to the reserve list at once, in strict order of arrival, exactly once: the
-- shift row is locked (by the count above, or here) so promotions of one shift happen one after
-- the other, and each promoted volunteer is told in the same transaction. No promotion for a
-- cancelled shift or one that has ended.
CREATE FUNCTION shift_promote(p_shift bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s shifts;
    r record;
BEGIN
    SELECT * INTO s FROM shifts WHERE id = p_shift FOR NO KEY UPDATE;
    IF NOT FOUND OR s.cancelled_at IS NOT NULL OR s.ends_at <= now() OR s.reserve_count = 0 OR s.places_taken >= s.places THEN
        RETURN;
    END IF;
    FOR r IN SELECT id, user_id FROM shift_signups WHERE shift_id = p_shift AND status = 'reserve'
             ORDER BY arrival LIMIT s.places - s.places_taken LOOP
        UPDATE shift_signups SET status = 'signed_up', promoted_at = now(), updated_at = now() WHERE id = r.id;
        INSERT INTO notifications (user_id, kind, need_id, shift_id) VALUES (r.user_id, 'reserve_promoted', s.need_id, s.id);
    END LOOP;
END
$$;

CREATE FUNCTION shift_signups_promote() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shift_promote(OLD.shift_id);
    RETURN NULL;
END
$$;
-- Named after shift_signups_count so it fires after it (triggers fire in name order).
CREATE TRIGGER shift_signups_promote AFTER UPDATE OF status ON shift_signups
    FOR EACH ROW WHEN (OLD.status = 'signed_up' AND NEW.status <> 'signed_up') EXECUTE FUNCTION shift_signups_promote();
CREATE TRIGGER shift_signups_promote_deleted AFTER DELETE ON shift_signups
    FOR EACH ROW WHEN (OLD.status = 'signed_up') EXECUTE FUNCTION shift_signups_promote();

-- More places, a cancelled shift or new times: promotions and the monthly minutes of everyone
-- signed up follow.
CREATE FUNCTION shifts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.starts_at <> NEW.starts_at OR OLD.ends_at <> NEW.ends_at
           OR (OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL) THEN
            IF OLD.cancelled_at IS NULL THEN
                PERFORM volunteer_month_add(g.user_id, OLD.local_month, -shift_minutes(OLD))
                FROM shift_signups g WHERE g.shift_id = OLD.id AND g.status = 'signed_up';
            END IF;
            IF NEW.cancelled_at IS NULL THEN
                PERFORM volunteer_month_add(g.user_id, NEW.local_month, shift_minutes(NEW))
                FROM shift_signups g WHERE g.shift_id = NEW.id AND g.status = 'signed_up';
            END IF;
        END IF;
        IF NEW.places > OLD.places THEN
            PERFORM shift_promote(NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- An open need is filled when no shift to come has a place left, and open again when one has.
CREATE FUNCTION need_status_follow(p_need bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE needs n SET status = CASE WHEN room THEN 'open' ELSE 'filled' END, updated_at = now()
    FROM (SELECT EXISTS (SELECT 1 FROM shifts s WHERE s.need_id = p_need AND s.cancelled_at IS NULL
              AND s.ends_at > now() AND s.places_taken < s.places) AS room) r
    WHERE n.id = p_need AND n.status IN ('open', 'filled') AND n.status <> CASE WHEN room THEN 'open' ELSE 'filled' END
$$;

CREATE TRIGGER shifts_follow AFTER UPDATE OF places, starts_at, ends_at, cancelled_at ON shifts
    FOR EACH ROW EXECUTE FUNCTION shifts_follow();

-- At commit, so that a withdrawal and the promotion it causes are one change of status.
CREATE FUNCTION shifts_need_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM need_status_follow(NEW.need_id);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER shifts_need_status_insert AFTER INSERT ON shifts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION shifts_need_status();
CREATE CONSTRAINT TRIGGER shifts_need_status_update AFTER UPDATE OF places, places_taken, ends_at, cancelled_at ON shifts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION shifts_need_status();

-- Each invitation counts as being asked, in the month it was sent.
CREATE FUNCTION need_invitations_asked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', NEW.created_at AT TIME ZONE (SELECT timezone FROM needs WHERE id = NEW.need_id))::date;
BEGIN
    UPDATE volunteers SET asked_count = CASE WHEN asked_month = m THEN asked_count + 1 ELSE 1 END, asked_month = m
    WHERE user_id = NEW.user_id AND (asked_month IS NULL OR asked_month <= m);
    RETURN NULL;
END
$$;
CREATE TRIGGER need_invitations_asked AFTER INSERT ON need_invitations
    FOR EACH ROW EXECUTE FUNCTION need_invitations_asked();

-- Hours of volunteer work: from a check-in at the shift (the organiser's list, or the volunteer's
-- "I'm here"), confirmed at once; or logged afterwards and confirmed (or not) by an organiser.
-- The neighbourhood is copied for the reports. Kept when the account is deleted, for the figures.
CREATE TABLE volunteer_hours (
    id               bigserial PRIMARY KEY,
    shift_id         bigint NOT NULL,
    need_id          bigint NOT NULL,
    neighbourhood_id bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    minutes          integer NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    source           text NOT NULL CHECK (source IN ('checkin', 'logged')),
    -- How a check-in was made: the organiser's list or the volunteer's own "I'm here".
    method           text CHECK (method IN ('list', 'self')),
    status           text NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected')),
    note             text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    recorded_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'checkin') = (method IS NOT NULL)),
    CHECK (source = 'logged' OR status = 'confirmed'),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CONSTRAINT volunteer_hours_once UNIQUE (shift_id, user_id),
    FOREIGN KEY (shift_id, need_id) REFERENCES shifts (id, need_id) ON DELETE CASCADE
);
CREATE INDEX volunteer_hours_user_idx ON volunteer_hours (user_id, id DESC);
CREATE INDEX volunteer_hours_need_idx ON volunteer_hours (need_id, user_id) WHERE status = 'confirmed';
CREATE INDEX volunteer_hours_neighbourhood_idx ON volunteer_hours (neighbourhood_id) WHERE status = 'confirmed';
CREATE INDEX volunteer_hours_pending_idx ON volunteer_hours (need_id) WHERE status = 'pending';

-- New kinds of notification, and what they are about.
ALTER TABLE notifications
    ADD COLUMN need_id bigint REFERENCES needs (id) ON DELETE CASCADE,
    ADD COLUMN shift_id bigint REFERENCES shifts (id) ON DELETE CASCADE,
    DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('waitlist_promoted', 'meetup_changed', 'meetup_cancelled',
        'meetup_announcement', 'group_join_request', 'group_request_accepted', 'group_request_declined', 'group_invitation',
        'volunteer_invited', 'invitation_accepted', 'invitation_declined', 'shift_changed', 'shift_cancelled',
        'need_cancelled', 'reserve_promoted', 'hours_to_confirm'));
CREATE INDEX notifications_need_idx ON notifications (need_id) WHERE need_id IS NOT NULL;
CREATE INDEX notifications_shift_idx ON notifications (shift_id) WHERE shift_id IS NOT NULL;

-- The live message for a notification names the need and its shift too, as the page does.
CREATE OR REPLACE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7412005);
    INSERT INTO events (topic, type, data)
    SELECT 'user:' || n.user_id, 'notification.created', jsonb_build_object('notification_id', n.id,
        'kind', n.kind, 'meetup_id', n.meetup_id, 'group_id', coalesce(n.group_id, m.group_id),
        'meetup_title', m.title, 'meetup_starts_at', m.starts_at, 'group_name', g.name,
        'need_id', n.need_id, 'need_title', nd.title, 'shift_id', n.shift_id, 'shift_starts_at', s.starts_at,
        'actor_name', a.display_name, 'body', n.body, 'created_at', n.created_at)
    FROM added n
    LEFT JOIN meetups m ON m.id = n.meetup_id
    LEFT JOIN groups g ON g.id = coalesce(n.group_id, m.group_id)
    LEFT JOIN needs nd ON nd.id = n.need_id
    LEFT JOIN shifts s ON s.id = n.shift_id
    LEFT JOIN users a ON a.id = n.actor_id
    ORDER BY n.id;
    RETURN NULL;
END
$$;

-- A deleted account stops volunteering: the profile and open invitations go, sign-ups for shifts
-- to come are withdrawn (their places go to the reserve list). Hours stay, for the figures.
CREATE FUNCTION users_stop_volunteering() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM volunteers WHERE user_id = NEW.id;
    DELETE FROM need_invitations WHERE user_id = NEW.id AND status = 'pending';
    UPDATE shift_signups g SET status = 'withdrawn', updated_at = now()
    FROM shifts s WHERE s.id = g.shift_id AND g.user_id = NEW.id AND g.status <> 'withdrawn' AND s.starts_at > now();
    RETURN NULL;
END
$$;
CREATE TRIGGER users_stop_volunteering AFTER UPDATE OF deleted_at ON users
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION users_stop_volunteering();

-- Live updates (see 0005_events.sql). Topic need:{id}: who may see the need (models/event.go).
-- It carries public facts only: the need's status and each shift's times and places filled,
-- never who signed up. The person's own topic user:{id} hears about their sign-ups and
-- invitations.

CREATE FUNCTION shift_event_data(s shifts) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('need_id', s.need_id, 'shift_id', s.id, 'starts_at', s.starts_at, 'ends_at', s.ends_at,
        'places', s.places, 'places_taken', s.places_taken, 'places_left', greatest(s.places - s.places_taken, 0),
        'reserve_count', s.reserve_count, 'cancelled', s.cancelled_at IS NOT NULL, 'cancel_reason', s.cancel_reason)
$$;

-- Places filled: one shift.places per shift and transaction, with the figures at commit (a
-- withdrawal that promotes someone from the reserve list is one event).
CREATE FUNCTION shifts_places_announce() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    done text := coalesce(nullif(current_setting('nabij.shift_places_announced', true), ''), ',');
    s    shifts;
BEGIN
    IF strpos(done, ',' || NEW.id || ',') > 0 THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('nabij.shift_places_announced', done || NEW.id || ',', true);
    SELECT * INTO s FROM shifts WHERE id = NEW.id;
    IF FOUND THEN
        PERFORM emit_event('need:' || s.need_id, 'shift.places', shift_event_data(s));
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER shifts_places_announce AFTER UPDATE OF places, places_taken, reserve_count ON shifts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.places IS DISTINCT FROM NEW.places OR OLD.places_taken IS DISTINCT FROM NEW.places_taken
        OR OLD.reserve_count IS DISTINCT FROM NEW.reserve_count)
    EXECUTE FUNCTION shifts_places_announce();

-- A shift added, moved or cancelled.
CREATE FUNCTION shifts_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_event('need:' || NEW.need_id, CASE
        WHEN TG_OP = 'INSERT' THEN 'shift.created'
        WHEN NEW.cancelled_at IS NOT NULL AND OLD.cancelled_at IS NULL THEN 'shift.cancelled'
        ELSE 'shift.changed' END, shift_event_data(NEW));
    RETURN NULL;
END
$$;
CREATE TRIGGER shifts_announce_insert AFTER INSERT ON shifts
    FOR EACH ROW EXECUTE FUNCTION shifts_announce();
CREATE TRIGGER shifts_announce_update AFTER UPDATE OF starts_at, ends_at, cancelled_at ON shifts
    FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.ends_at IS DISTINCT FROM NEW.ends_at
        OR OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at)
    EXECUTE FUNCTION shifts_announce();

-- The need itself changed (status, title, place, what it asks). Made invitation-only: its
-- subscribers are checked again.
CREATE FUNCTION needs_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_event('need:' || NEW.id, 'need.changed', jsonb_build_object('need_id', NEW.id,
        'neighbourhood_id', NEW.neighbourhood_id, 'meetup_id', NEW.meetup_id, 'title', NEW.title,
        'place_name', NEW.place_name, 'place_address', NEW.place_address, 'status', NEW.status,
        'cancel_reason', NEW.cancel_reason, 'access', NEW.access));
    IF NEW.access = 'invitation' AND OLD.access <> 'invitation' THEN
        PERFORM emit_event('need:' || NEW.id, 'access.changed', jsonb_build_object('need_id', NEW.id));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER needs_announce AFTER UPDATE ON needs
    FOR EACH ROW WHEN ((to_jsonb(OLD) - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'updated_at'))
    EXECUTE FUNCTION needs_announce();

-- A person's own sign-ups and invitations, on their topic.
CREATE FUNCTION shift_signups_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_event('user:' || NEW.user_id, 'shift.signup', jsonb_build_object('signup_id', NEW.id,
        'shift_id', NEW.shift_id, 'need_id', (SELECT need_id FROM shifts WHERE id = NEW.shift_id), 'status', NEW.status,
        'promoted', NEW.status = 'signed_up' AND NEW.promoted_at IS NOT NULL));
    RETURN NULL;
END
$$;
CREATE TRIGGER shift_signups_announce_insert AFTER INSERT ON shift_signups
    FOR EACH ROW EXECUTE FUNCTION shift_signups_announce();
CREATE TRIGGER shift_signups_announce_update AFTER UPDATE OF status ON shift_signups
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION shift_signups_announce();

CREATE FUNCTION need_invitations_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_event('user:' || NEW.user_id, 'need.invitation', jsonb_build_object('invitation_id', NEW.id,
        'need_id', NEW.need_id, 'shift_id', NEW.shift_id, 'status', NEW.status, 'expires_at', NEW.expires_at));
    RETURN NULL;
END
$$;
CREATE TRIGGER need_invitations_announce_insert AFTER INSERT ON need_invitations
    FOR EACH ROW EXECUTE FUNCTION need_invitations_announce();
CREATE TRIGGER need_invitations_announce_update AFTER UPDATE OF status ON need_invitations
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION need_invitations_announce();
