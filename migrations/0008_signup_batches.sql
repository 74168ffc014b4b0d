-- Sign-ups decided many at a time, and an agenda that skips ended meetups inside the index.
--
-- Under load most of a sign-up's cost was the work around it rather than the sign-up itself:
-- a statement, a commit and a disk flush each, and a counter UPDATE of the meetup per sign-up
-- (re-reading and planning the meetup's fourteen CHECK constraints every time). Nabij now hands
-- the sign-ups that arrive together to rsvps_sign_up in one call (models/signupbatch.go): one
-- statement, one commit and one flush for all of them, and one counter UPDATE per meetup.

-- The counters follow the sign-ups per statement instead of per row: one UPDATE of each meetup a
-- statement touched, whatever it changed (insert, update, delete). The CHECK on meetups still
-- refuses a statement that would overbook.
DROP TRIGGER rsvps_count ON rsvps;
DROP FUNCTION rsvps_count();

CREATE FUNCTION rsvps_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE meetups m SET seats_taken = m.seats_taken + d.seats, waitlist_count = m.waitlist_count + d.waits
        FROM (SELECT a.meetup_id, sum(CASE WHEN a.status = 'going' THEN 1 + a.companions ELSE 0 END) AS seats,
                count(*) FILTER (WHERE a.status = 'waitlisted') AS waits
            FROM added a GROUP BY a.meetup_id) d
        WHERE m.id = d.meetup_id AND (d.seats <> 0 OR d.waits <> 0);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE meetups m SET seats_taken = m.seats_taken - d.seats, waitlist_count = m.waitlist_count - d.waits
        FROM (SELECT r.meetup_id, sum(CASE WHEN r.status = 'going' THEN 1 + r.companions ELSE 0 END) AS seats,
                count(*) FILTER (WHERE r.status = 'waitlisted') AS waits
            FROM removed r GROUP BY r.meetup_id) d
        WHERE m.id = d.meetup_id AND (d.seats <> 0 OR d.waits <> 0);
    ELSE
        UPDATE meetups m SET seats_taken = m.seats_taken + d.seats, waitlist_count = m.waitlist_count + d.waits
        FROM (SELECT c.meetup_id, sum(c.seats) AS seats, sum(c.waits) AS waits
            FROM (SELECT a.meetup_id, CASE WHEN a.status = 'going' THEN 1 + a.companions ELSE 0 END AS seats,
                    (a.status = 'waitlisted')::integer AS waits
                FROM added a
                UNION ALL
                SELECT r.meetup_id, CASE WHEN r.status = 'going' THEN -1 - r.companions ELSE 0 END,
                    -(r.status = 'waitlisted')::integer
                FROM removed r) c
            GROUP BY c.meetup_id) d
        WHERE m.id = d.meetup_id AND (d.seats <> 0 OR d.waits <> 0);
    END IF;
    RETURN NULL;
END
$$;
-- Transition tables allow one event per trigger, and no column list: an UPDATE that changes
-- neither status nor companions finds nothing to count.
CREATE TRIGGER rsvps_count_insert AFTER INSERT ON rsvps REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION rsvps_count();
CREATE TRIGGER rsvps_count_update AFTER UPDATE ON rsvps REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION rsvps_count();
CREATE TRIGGER rsvps_count_delete AFTER DELETE ON rsvps REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION rsvps_count();

-- rsvps_sign_up signs up a batch of people, item i being: meetup p_meetup[i], an account
-- (p_user[i]) or a guest (p_guest[i]), p_companions[i], signed up by p_by[i] (a worker, or
-- NULL), and p_visible[i]: whether the person may see the meetup (decided by the caller, with
-- models.MeetupVisibleTo's rule). It locks the batch's meetups in id order (so batches running at
-- the same time never deadlock), then decides the items one after the other in their order,
-- exactly as one sign-up at a time would: going when the places fit, else waitlisted, drawing
-- arrival numbers in that order. Each item's outcome:
--   going, waitlisted  signed up (waitlist_position: its place in line; seats_left after it);
--   already            the person has an active sign-up: nothing changed;
--   refused            the meetup takes no sign-ups (not published, ended) or the party exceeds
--                      its capacity: the meetup's status, end and capacity say which;
--   not_found          no such meetup, or not visible to the person.
-- Someone who had said not going signs up again as a new arrival, as before.
CREATE FUNCTION rsvps_sign_up(p_meetup bigint[], p_user bigint[], p_guest bigint[], p_companions integer[],
    p_by bigint[], p_visible boolean[])
RETURNS TABLE (item integer, outcome text, waitlist_position integer, seats_left integer,
    meetup_status text, meetup_ends_at timestamptz, meetup_capacity integer,
    id bigint, status text, companions integer, arrival bigint, promoted_at timestamptz,
    created_at timestamptz, updated_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    n        integer := cardinality(p_meetup);
    -- The locked meetups, in id order, with their figures as the batch changes them.
    ids      bigint[];
    m_status text[];
    m_ends   timestamptz[];
    m_cap    integer[];
    m_seats  integer[];
    m_waits  integer[];
    -- 'meetup:user' of every account with an active sign-up, this batch's included.
    active   text[];
    outcomes text[] := array_fill(NULL::text, ARRAY[n]);
    pos      integer[] := array_fill(NULL::integer, ARRAY[n]);
    lefts    integer[] := array_fill(NULL::integer, ARRAY[n]);
    k        integer;
    places   integer;
    key      text;
    decided  integer := 0;
    written  rsvps[];
BEGIN
    SELECT array_agg(l.id), array_agg(l.status), array_agg(l.ends_at), array_agg(l.capacity),
        array_agg(l.seats_taken), array_agg(l.waitlist_count)
    INTO ids, m_status, m_ends, m_cap, m_seats, m_waits
    FROM (SELECT m.id, m.status, m.ends_at, m.capacity, m.seats_taken, m.waitlist_count FROM meetups m
        WHERE m.id = ANY (p_meetup) ORDER BY m.id FOR NO KEY UPDATE) l;
    -- Read after the locks: every earlier sign-up for these meetups has committed by now.
    SELECT array_agg(r.meetup_id || ':' || r.user_id) INTO active FROM rsvps r
    WHERE (r.meetup_id, r.user_id) IN (SELECT p.meetup_id, p.user_id FROM unnest(p_meetup, p_user) AS p(meetup_id, user_id))
        AND r.status <> 'not_going';
    FOR i IN 1..n LOOP
        k := array_position(ids, p_meetup[i]);
        places := 1 + p_companions[i];
        key := p_meetup[i] || ':' || p_user[i];
        IF k IS NULL OR NOT coalesce(p_visible[i], false) THEN
            outcomes[i] := 'not_found';
            CONTINUE;
        END IF;
        IF m_status[k] <> 'published' OR m_ends[k] <= now() OR places > m_cap[k] THEN
            outcomes[i] := 'refused';
        ELSIF key = ANY (active) THEN
            outcomes[i] := 'already';
        ELSIF m_cap[k] IS NULL OR m_seats[k] + places <= m_cap[k] THEN
            outcomes[i] := 'going';
            m_seats[k] := m_seats[k] + places;
        ELSE
            outcomes[i] := 'waitlisted';
            m_waits[k] := m_waits[k] + 1;
            pos[i] := m_waits[k];
        END IF;
        IF outcomes[i] IN ('going', 'waitlisted') THEN
            decided := decided + 1;
            IF key IS NOT NULL THEN
                active := active || key;
            END IF;
        END IF;
        IF m_cap[k] IS NOT NULL THEN
            lefts[i] := greatest(m_cap[k] - m_seats[k], 0);
        END IF;
    END LOOP;
    -- One INSERT for the whole batch, in the order decided, so arrival numbers follow it.
    WITH ins AS (
        INSERT INTO rsvps AS r (meetup_id, user_id, guest_id, status, companions, signed_up_by)
        SELECT d.meetup_id, d.user_id, d.guest_id, d.outcome, d.companions, d.by
        FROM unnest(p_meetup, p_user, p_guest, p_companions, p_by, outcomes) WITH ORDINALITY
            AS d(meetup_id, user_id, guest_id, companions, by, outcome, i)
        WHERE d.outcome IN ('going', 'waitlisted')
        ORDER BY d.i
        ON CONFLICT ON CONSTRAINT rsvps_user_key DO UPDATE SET status = EXCLUDED.status, companions = EXCLUDED.companions,
            arrival = nextval('rsvp_arrival_seq'), signed_up_by = EXCLUDED.signed_up_by, promoted_at = NULL, updated_at = now()
        WHERE r.status = 'not_going'
        RETURNING r.*
    )
    SELECT array_agg(ins) INTO written FROM ins;
    -- The meetups are locked, so nobody else can have signed these people up in the meantime.
    IF coalesce(cardinality(written), 0) <> decided THEN
        RAISE EXCEPTION 'rsvps_sign_up decided % sign-ups but wrote %', decided, coalesce(cardinality(written), 0);
    END IF;
    RETURN QUERY
    SELECT d.i::integer, d.outcome, d.pos, d.seats_left, s.status, s.ends_at, s.capacity,
        w.id, w.status, w.companions, w.arrival, w.promoted_at, w.created_at, w.updated_at
    FROM unnest(p_meetup, p_user, p_guest, outcomes, pos, lefts) WITH ORDINALITY
        AS d(meetup_id, user_id, guest_id, outcome, pos, seats_left, i)
    LEFT JOIN unnest(written) w ON d.outcome IN ('going', 'waitlisted') AND w.meetup_id = d.meetup_id
        AND w.user_id IS NOT DISTINCT FROM d.user_id AND w.guest_id IS NOT DISTINCT FROM d.guest_id
    LEFT JOIN LATERAL (SELECT m_status[p] AS status, m_ends[p] AS ends_at, m_cap[p] AS capacity
        FROM array_position(ids, d.meetup_id) p) s ON true
    ORDER BY d.i;
END
$$;

-- The agenda lists meetups that have not ended, by start, and bounds the start from below by the
-- longest a meetup may last (a week): with ends_at in the key, the week of ended meetups before
-- now is skipped inside the index instead of fetching each row to look at its end. It serves
-- everything the old (neighbourhood_id, starts_at) index did.
CREATE INDEX meetups_neighbourhood_starts_ends_idx ON meetups (neighbourhood_id, starts_at, ends_at);
DROP INDEX meetups_neighbourhood_idx;
