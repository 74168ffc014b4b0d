-- Groups and meetups: membership, discussion, reports, one-off and recurring meetups, sign-ups with
-- a fair waitlist, guests without an account, check-in, and personal calendar feeds.

-- A group lives in a neighbourhood. open: anyone joins; closed: join on request; private: invisible
-- to non-members, join by invitation only.
CREATE TABLE groups (
    id               bigserial PRIMARY KEY,
    neighbourhood_id bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    membership       text NOT NULL DEFAULT 'open' CHECK (membership IN ('open', 'closed', 'private')),
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Target of the meetups' foreign key, which keeps a group's meetups in the group's neighbourhood.
    UNIQUE (id, neighbourhood_id)
);
CREATE INDEX groups_neighbourhood_idx ON groups (neighbourhood_id, lower(name));

CREATE TABLE group_members (
    group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL DEFAULT 'member' CHECK (role IN ('organiser', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

-- A group with members keeps at least one organiser. The application enforces this under a lock on
-- the group row; this check at commit is the backstop for every other path.
CREATE FUNCTION group_keeps_organiser() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gid bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.group_id ELSE NEW.group_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM group_members WHERE group_id = gid)
       AND NOT EXISTS (SELECT 1 FROM group_members WHERE group_id = gid AND role = 'organiser') THEN
        RAISE EXCEPTION 'group % would have members but no organiser', gid
            USING ERRCODE = 'check_violation', CONSTRAINT = 'group_members_organiser';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER group_members_organiser AFTER INSERT OR UPDATE OR DELETE ON group_members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION group_keeps_organiser();

-- Requests to join a closed group, answered by an organiser with an optional message.
CREATE TABLE group_join_requests (
    id         bigserial PRIMARY KEY,
    group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message    text NOT NULL DEFAULT '' CHECK (length(message) <= 1000),
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    answer     text NOT NULL DEFAULT '' CHECK (length(answer) <= 1000),
    decided_by bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX group_join_requests_pending_key ON group_join_requests (group_id, user_id) WHERE status = 'pending';
CREATE INDEX group_join_requests_user_idx ON group_join_requests (user_id);

-- Invitations by an organiser: the only way into a private group, and a way past a closed group's request.
CREATE TABLE group_invitations (
    id          bigserial PRIMARY KEY,
    group_id    bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz,
    CHECK ((status = 'pending') = (answered_at IS NULL))
);
CREATE UNIQUE INDEX group_invitations_pending_key ON group_invitations (group_id, user_id) WHERE status = 'pending';
CREATE INDEX group_invitations_user_idx ON group_invitations (user_id);

-- A group's discussion. Hidden content stays, with who hid it and why.
CREATE TABLE group_posts (
    id            bigserial PRIMARY KEY,
    group_id      bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    author_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    body          text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 4000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    hidden_at     timestamptz,
    hidden_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    hidden_reason text CHECK (length(btrim(hidden_reason)) BETWEEN 1 AND 500),
    CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
CREATE INDEX group_posts_group_idx ON group_posts (group_id, id DESC);

CREATE TABLE group_post_comments (
    id            bigserial PRIMARY KEY,
    post_id       bigint NOT NULL REFERENCES group_posts (id) ON DELETE CASCADE,
    author_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    body          text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 2000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    hidden_at     timestamptz,
    hidden_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    hidden_reason text CHECK (length(btrim(hidden_reason)) BETWEEN 1 AND 500),
    CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
CREATE INDEX group_post_comments_post_idx ON group_post_comments (post_id, id);

-- A recurring series: an RFC 5545 RRULE (bounded, validated by models/recurrence) anchored at its
-- first start, kept at the same wall-clock time in its time zone. Every occurrence is its own
-- meetups row, one per start of the rule, cancelled ones included (EXDATE in feeds).
CREATE TABLE meetup_series (
    id               bigserial PRIMARY KEY,
    neighbourhood_id bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    group_id         bigint,
    rrule            text NOT NULL CHECK (rrule ~ '^FREQ=' AND length(rrule) <= 500),
    timezone         text NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),
    first_start      timestamptz NOT NULL,
    duration_seconds integer NOT NULL CHECK (duration_seconds > 0),
    -- The series this one was split from by a change to "this and all later" meetups.
    split_from       bigint REFERENCES meetup_series (id) ON DELETE SET NULL,
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (group_id, neighbourhood_id) REFERENCES groups (id, neighbourhood_id) ON DELETE CASCADE
);

CREATE TABLE meetups (
    id                    bigserial PRIMARY KEY,
    neighbourhood_id      bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    group_id              bigint,
    series_id             bigint REFERENCES meetup_series (id) ON DELETE CASCADE,
    -- This occurrence's start in its series' rule (the iCalendar RECURRENCE-ID); it stays when
    -- only this occurrence is moved.
    occurrence_start      timestamptz,
    title                 text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 120),
    description           text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL,
    place_name            text NOT NULL DEFAULT '' CHECK (length(place_name) <= 120),
    place_address         text NOT NULL DEFAULT '' CHECK (length(place_address) <= 300),
    place_lat             double precision CHECK (place_lat BETWEEN -90 AND 90),
    place_lon             double precision CHECK (place_lon BETWEEN -180 AND 180),
    online_url            text CHECK (online_url ~ '^https?://\S+$' AND length(online_url) <= 500),
    -- NULL: no limit. Seats count people: each sign-up takes one plus its companions.
    capacity              integer CHECK (capacity BETWEEN 1 AND 10000),
    -- Kept by the rsvps trigger below, never written by the application.
    seats_taken           integer NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),
    waitlist_count        integer NOT NULL DEFAULT 0 CHECK (waitlist_count >= 0),
    -- Practical facts; NULL means not stated, which is not the same as no.
    wheelchair_accessible boolean,
    child_friendly        boolean,
    free                  boolean NOT NULL DEFAULT true,
    cost                  text NOT NULL DEFAULT '' CHECK (length(cost) <= 100),
    -- ISO 639 codes of the languages spoken, for example {nl,fr,ar}.
    languages             text[] NOT NULL DEFAULT '{}' CHECK (cardinality(languages) <= 10
                              AND array_position(languages, NULL) IS NULL
                              AND (cardinality(languages) = 0 OR array_to_string(languages, ',') ~ '^[a-z]{2,3}(,[a-z]{2,3})*$')),
    interpreter           boolean,
    quiet_space           boolean,
    food_provided         boolean,
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled')),
    cancel_reason         text CHECK (length(btrim(cancel_reason)) BETWEEN 1 AND 500),
    cancelled_at          timestamptz,
    -- Shown as a QR code at the door: signed-in attendees who scan it check themselves in.
    door_code             text NOT NULL CHECK (length(door_code) BETWEEN 16 AND 64),
    -- iCalendar SEQUENCE: raised at every change, so calendar apps take the new version.
    sequence              integer NOT NULL DEFAULT 0,
    created_by            bigint REFERENCES users (id) ON DELETE SET NULL,
    hidden_at             timestamptz,
    hidden_by             bigint REFERENCES users (id) ON DELETE SET NULL,
    hidden_reason         text CHECK (length(btrim(hidden_reason)) BETWEEN 1 AND 500),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK ((place_lat IS NULL) = (place_lon IS NULL)),
    CHECK (free = (cost = '')),
    CONSTRAINT meetups_capacity_not_exceeded CHECK (capacity IS NULL OR seats_taken <= capacity),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL AND cancelled_at IS NOT NULL)),
    CHECK (status <> 'published' OR place_name <> '' OR place_address <> '' OR online_url IS NOT NULL),
    CHECK ((series_id IS NULL) = (occurrence_start IS NULL)),
    CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL)),
    -- Deferred: shifting a series' later meetups moves them past each other's old starts.
    CONSTRAINT meetups_occurrence_key UNIQUE (series_id, occurrence_start) DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (group_id, neighbourhood_id) REFERENCES groups (id, neighbourhood_id) ON DELETE CASCADE
);
CREATE INDEX meetups_neighbourhood_idx ON meetups (neighbourhood_id, starts_at);
CREATE INDEX meetups_group_idx ON meetups (group_id, starts_at) WHERE group_id IS NOT NULL;
CREATE INDEX meetups_starts_idx ON meetups (starts_at);

CREATE TABLE meetup_comments (
    id            bigserial PRIMARY KEY,
    meetup_id     bigint NOT NULL REFERENCES meetups (id) ON DELETE CASCADE,
    author_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    body          text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 2000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    hidden_at     timestamptz,
    hidden_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    hidden_reason text CHECK (length(btrim(hidden_reason)) BETWEEN 1 AND 500),
    CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
CREATE INDEX meetup_comments_meetup_idx ON meetup_comments (meetup_id, id);

-- Someone signed up without an account. The private link to see or cancel the sign-up carries a
-- token; only its hash is kept. Name and contact are forgotten some time after the meetup (least
-- data); the sign-up itself stays for the figures.
CREATE TABLE guests (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    phone        text CHECK (phone ~ '^\+?[0-9]{6,15}$'),
    email        text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    forgotten_at timestamptz,
    CHECK (CASE WHEN forgotten_at IS NULL THEN length(btrim(name)) BETWEEN 1 AND 60
                ELSE name = '' AND phone IS NULL AND email IS NULL END)
);

-- Order of arrival for the waitlist. Drawn while the meetup row is locked, so it is the order in
-- which sign-ups were decided; CACHE 1 keeps it strictly increasing across connections.
CREATE SEQUENCE rsvp_arrival_seq CACHE 1;

CREATE TABLE rsvps (
    id           bigserial PRIMARY KEY,
    meetup_id    bigint NOT NULL REFERENCES meetups (id) ON DELETE CASCADE,
    user_id      bigint REFERENCES users (id) ON DELETE CASCADE,
    guest_id     bigint UNIQUE REFERENCES guests (id) ON DELETE CASCADE,
    status       text NOT NULL CHECK (status IN ('going', 'waitlisted', 'not_going')),
    companions   integer NOT NULL DEFAULT 0 CHECK (companions BETWEEN 0 AND 10),
    arrival      bigint NOT NULL DEFAULT nextval('rsvp_arrival_seq'),
    -- The worker who signed this person up on their behalf.
    signed_up_by bigint REFERENCES users (id) ON DELETE SET NULL,
    -- When a freed place went to this sign-up from the waitlist.
    promoted_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(user_id, guest_id) = 1),
    CONSTRAINT rsvps_user_key UNIQUE (meetup_id, user_id),
    UNIQUE (id, meetup_id)
);
ALTER SEQUENCE rsvp_arrival_seq OWNED BY rsvps.arrival;
CREATE INDEX rsvps_waitlist_idx ON rsvps (meetup_id, arrival) WHERE status = 'waitlisted';
CREATE INDEX rsvps_user_idx ON rsvps (user_id) WHERE user_id IS NOT NULL;

-- Keeps meetups.seats_taken and waitlist_count equal to the sign-ups, whatever changes them. With
-- the CHECK on meetups, a sign-up that would exceed capacity fails instead of overbooking.
CREATE FUNCTION rsvps_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seats integer := 0;
    waits integer := 0;
    mid   bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        mid := OLD.meetup_id;
        IF OLD.status = 'going' THEN seats := seats - 1 - OLD.companions; END IF;
        IF OLD.status = 'waitlisted' THEN waits := waits - 1; END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        mid := NEW.meetup_id;
        IF NEW.status = 'going' THEN seats := seats + 1 + NEW.companions; END IF;
        IF NEW.status = 'waitlisted' THEN waits := waits + 1; END IF;
    END IF;
    IF seats <> 0 OR waits <> 0 THEN
        UPDATE meetups SET seats_taken = seats_taken + seats, waitlist_count = waitlist_count + waits WHERE id = mid;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER rsvps_count AFTER INSERT OR UPDATE OF status, companions OR DELETE ON rsvps
    FOR EACH ROW EXECUTE FUNCTION rsvps_count();

-- Attendance: a sign-up checked in from the organiser's list or at the door, or a walk-in (with
-- or without a name). Kept, without the sign-up, when a guest's data is deleted.
CREATE TABLE checkins (
    id            bigserial PRIMARY KEY,
    meetup_id     bigint NOT NULL REFERENCES meetups (id) ON DELETE CASCADE,
    rsvp_id       bigint UNIQUE,
    user_id       bigint REFERENCES users (id) ON DELETE CASCADE,
    walk_in_name  text CHECK (length(btrim(walk_in_name)) BETWEEN 1 AND 60),
    walk_in       boolean NOT NULL,
    companions    integer NOT NULL DEFAULT 0 CHECK (companions BETWEEN 0 AND 10),
    method        text NOT NULL CHECK (method IN ('list', 'door')),
    checked_in_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (rsvp_id, meetup_id) REFERENCES rsvps (id, meetup_id) ON DELETE SET NULL (rsvp_id),
    CONSTRAINT checkins_user_key UNIQUE (meetup_id, user_id),
    CHECK (NOT walk_in OR rsvp_id IS NULL)
);
CREATE INDEX checkins_meetup_idx ON checkins (meetup_id);

-- Reports of a post, comment or meetup, seen by its group's organisers and the neighbourhood's
-- workers. The neighbourhood and group are copied so the moderators' list needs no joins.
CREATE TABLE content_reports (
    id                bigserial PRIMARY KEY,
    neighbourhood_id  bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    group_id          bigint REFERENCES groups (id) ON DELETE CASCADE,
    post_id           bigint REFERENCES group_posts (id) ON DELETE CASCADE,
    post_comment_id   bigint REFERENCES group_post_comments (id) ON DELETE CASCADE,
    meetup_id         bigint REFERENCES meetups (id) ON DELETE CASCADE,
    meetup_comment_id bigint REFERENCES meetup_comments (id) ON DELETE CASCADE,
    reporter_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    reason            text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    created_at        timestamptz NOT NULL DEFAULT now(),
    resolved_at       timestamptz,
    resolved_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    resolution        text CHECK (resolution IN ('hidden', 'dismissed')),
    CHECK (num_nonnulls(post_id, post_comment_id, meetup_id, meetup_comment_id) = 1),
    CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
CREATE INDEX content_reports_open_idx ON content_reports (neighbourhood_id, created_at) WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX content_reports_once_key ON content_reports (reporter_id, COALESCE(post_id, 0),
    COALESCE(post_comment_id, 0), COALESCE(meetup_id, 0), COALESCE(meetup_comment_id, 0)) WHERE resolved_at IS NULL;

-- The secret in a personal calendar feed URL (meetups I signed up for). One live token per person;
-- a new one revokes the old. Only the hash is kept.
CREATE TABLE calendar_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE UNIQUE INDEX calendar_tokens_live_key ON calendar_tokens (user_id) WHERE revoked_at IS NULL;
