-- Live updates. Every change that others should see is written to events in the same transaction
-- as the change itself, by the triggers below: a change that rolls back is never announced, and a
-- change that commits is never left unannounced, whichever code path made it (one-statement
-- sign-ups, series splits, moderation, account deletion, cascades). NOTIFY wakes every running
-- Nabij, which reads the new events in id order and sends them to its websocket clients
-- (realtime/); a client that reconnects catches up from here. Events are kept 24 hours.
--
-- Topics: neighbourhood:{id}, group:{id}, meetup:{id}, meetup:{id}:attendance (who comes, by name:
-- for the meetup's organisers) and user:{id}. Who may subscribe to what is decided in
-- models/event.go; docs/realtime.md lists the events and their data.

CREATE TABLE events (
    id         bigserial PRIMARY KEY,
    topic      text NOT NULL,
    type       text NOT NULL,
    data       jsonb NOT NULL,
    -- When the event was written (clock time, not the transaction's start): the delivery lag.
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_topic_idx ON events (topic, id);
CREATE INDEX events_created_idx ON events (created_at);

-- How far the purge of old events went: a client asking for events after an id below this one
-- may have missed some and is told to reload instead.
CREATE TABLE event_horizon (
    only_row       boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    purged_through bigint NOT NULL DEFAULT 0
);
INSERT INTO event_horizon DEFAULT VALUES;

-- emit_event is the one way events are written (notifications_announce is its set-based twin).
-- It takes a shared advisory lock, held until the transaction ends, BEFORE the id is drawn. Ids
-- are drawn in order but commit out of order; a reader that sees a hole below a visible event
-- waits until every transaction that held this lock when it looked has ended: the hole is then
-- either visible or never will be (realtime/listener.go).
CREATE FUNCTION emit_event(p_topic text, p_type text, p_data jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7412005);
    INSERT INTO events (topic, type, data) VALUES (p_topic, p_type, p_data);
    -- Only a wake-up: identical notifications of one transaction are folded into one.
    PERFORM pg_notify('nabij_events', '');
END
$$;

-- What lists and pages show of a meetup: public facts only, never who signed up.
CREATE FUNCTION meetup_event_data(m meetups) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('meetup_id', m.id, 'neighbourhood_id', m.neighbourhood_id, 'group_id', m.group_id,
        'series_id', m.series_id, 'title', m.title, 'starts_at', m.starts_at, 'ends_at', m.ends_at,
        'place_name', m.place_name, 'place_address', m.place_address, 'status', m.status,
        'cancel_reason', m.cancel_reason, 'capacity', m.capacity, 'seats_taken', m.seats_taken,
        'waitlist_count', m.waitlist_count,
        'seats_left', CASE WHEN m.capacity IS NOT NULL THEN greatest(m.capacity - m.seats_taken, 0) END)
$$;

-- A meetup appears (published, or shown again by a moderator), changes, is cancelled or is hidden.
-- The meetup's own topic hears every change; its group's topic and (outside private groups) its
-- neighbourhood's topic hear about meetups everyone there may see: never drafts or hidden ones.
CREATE FUNCTION meetups_announce() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    listed_before boolean := TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND OLD.hidden_at IS NULL;
    listed        boolean := NEW.status <> 'draft' AND NEW.hidden_at IS NULL;
    data          jsonb := meetup_event_data(NEW);
    kind          text;
BEGIN
    IF NOT listed AND NOT listed_before THEN
        -- A draft or a hidden meetup: only those who may see it are subscribed to its topic.
        IF TG_OP = 'UPDATE' THEN
            PERFORM emit_event('meetup:' || NEW.id, 'meetup.changed', data);
        END IF;
        RETURN NULL;
    END IF;
    IF listed_before AND NOT listed THEN
        kind := 'meetup.hidden';
        data := jsonb_build_object('meetup_id', NEW.id, 'neighbourhood_id', NEW.neighbourhood_id, 'group_id', NEW.group_id);
        -- Most of its subscribers may no longer see it: they are checked again.
        PERFORM emit_event('meetup:' || NEW.id, 'access.changed', data);
    ELSIF listed AND NOT listed_before THEN
        kind := 'meetup.created';
        IF TG_OP = 'UPDATE' THEN
            PERFORM emit_event('meetup:' || NEW.id, 'meetup.changed', data);
        END IF;
    ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
        kind := 'meetup.cancelled';
        PERFORM emit_event('meetup:' || NEW.id, kind, data);
    ELSE
        kind := 'meetup.changed';
        PERFORM emit_event('meetup:' || NEW.id, kind, data);
    END IF;
    IF NEW.group_id IS NOT NULL THEN
        PERFORM emit_event('group:' || NEW.group_id, kind, data);
    END IF;
    IF NEW.group_id IS NULL OR EXISTS (SELECT 1 FROM groups g WHERE g.id = NEW.group_id AND g.membership <> 'private') THEN
        PERFORM emit_event('neighbourhood:' || NEW.neighbourhood_id, kind, data);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER meetups_announce_insert AFTER INSERT ON meetups
    FOR EACH ROW EXECUTE FUNCTION meetups_announce();
-- Not for the counters the rsvps trigger keeps (see meetups_seats_announce) nor the bookkeeping.
CREATE TRIGGER meetups_announce_update AFTER UPDATE ON meetups
    FOR EACH ROW WHEN ((to_jsonb(OLD) - '{seats_taken,waitlist_count,sequence,updated_at}'::text[])
        IS DISTINCT FROM (to_jsonb(NEW) - '{seats_taken,waitlist_count,sequence,updated_at}'::text[]))
    EXECUTE FUNCTION meetups_announce();

-- Seats taken, the waitlist or the capacity changed: one rsvp.changed per meetup and transaction,
-- with the figures as they are at commit (a cancellation that promotes three people from the
-- waitlist is one event, not four). Deferred to the commit for that; the list of meetups already
-- announced lives in a transaction-local setting. No names: the meetup's topic is for everyone
-- who may see the meetup.
CREATE FUNCTION meetups_seats_announce() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    done text := coalesce(nullif(current_setting('nabij.seats_announced', true), ''), ',');
    m    meetups;
BEGIN
    IF strpos(done, ',' || NEW.id || ',') > 0 THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('nabij.seats_announced', done || NEW.id || ',', true);
    SELECT * INTO m FROM meetups WHERE id = NEW.id;
    IF FOUND THEN
        PERFORM emit_event('meetup:' || m.id, 'rsvp.changed', jsonb_build_object('meetup_id', m.id,
            'capacity', m.capacity, 'seats_taken', m.seats_taken, 'going', m.seats_taken,
            'waitlist_count', m.waitlist_count,
            'seats_left', CASE WHEN m.capacity IS NOT NULL THEN greatest(m.capacity - m.seats_taken, 0) END));
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER meetups_seats_announce AFTER UPDATE OF seats_taken, waitlist_count, capacity ON meetups
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.seats_taken IS DISTINCT FROM NEW.seats_taken OR OLD.waitlist_count IS DISTINCT FROM NEW.waitlist_count
        OR OLD.capacity IS DISTINCT FROM NEW.capacity)
    EXECUTE FUNCTION meetups_seats_announce();

-- The organiser's attendance list: who signed up, changed or cancelled, by name.
CREATE FUNCTION rsvps_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM emit_event('meetup:' || OLD.meetup_id || ':attendance', 'signup.removed',
            jsonb_build_object('meetup_id', OLD.meetup_id, 'rsvp_id', OLD.id));
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.companions = NEW.companions THEN
        RETURN NULL;
    END IF;
    PERFORM emit_event('meetup:' || NEW.meetup_id || ':attendance', 'signup.changed', jsonb_build_object(
        'meetup_id', NEW.meetup_id, 'rsvp_id', NEW.id, 'user_id', NEW.user_id, 'guest', NEW.guest_id IS NOT NULL,
        'name', coalesce((SELECT display_name FROM users WHERE id = NEW.user_id),
            (SELECT name FROM guests WHERE id = NEW.guest_id), ''),
        'status', NEW.status, 'companions', NEW.companions,
        'promoted', NEW.status = 'going' AND NEW.promoted_at IS NOT NULL));
    RETURN NULL;
END
$$;
CREATE TRIGGER rsvps_announce AFTER INSERT OR UPDATE OF status, companions OR DELETE ON rsvps
    FOR EACH ROW EXECUTE FUNCTION rsvps_announce();

-- Check-ins arrive on the attendance list too, with the number of people in.
CREATE FUNCTION checkins_announce() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c      checkins := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    people bigint := (SELECT coalesce(sum(1 + companions), 0) FROM checkins WHERE meetup_id = c.meetup_id);
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM emit_event('meetup:' || c.meetup_id || ':attendance', 'checkin.deleted', jsonb_build_object(
            'meetup_id', c.meetup_id, 'checkin_id', c.id, 'rsvp_id', c.rsvp_id, 'checked_in', people));
        RETURN NULL;
    END IF;
    PERFORM emit_event('meetup:' || c.meetup_id || ':attendance', 'checkin.created', jsonb_build_object(
        'meetup_id', c.meetup_id, 'checkin_id', c.id, 'rsvp_id', c.rsvp_id, 'user_id', c.user_id,
        'name', coalesce((SELECT display_name FROM users WHERE id = c.user_id), c.walk_in_name,
            (SELECT g.name FROM rsvps r JOIN guests g ON g.id = r.guest_id WHERE r.id = c.rsvp_id), ''),
        'walk_in', c.walk_in, 'companions', c.companions, 'method', c.method, 'checked_in', people));
    RETURN NULL;
END
$$;
CREATE TRIGGER checkins_announce AFTER INSERT OR DELETE ON checkins
    FOR EACH ROW EXECUTE FUNCTION checkins_announce();

-- Comments on a meetup carry a display name: the meetup's topic is for signed-in people only
-- (see CanReadMeetupComments).
CREATE FUNCTION meetup_comments_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM emit_event('meetup:' || NEW.meetup_id, 'comment.hidden',
            jsonb_build_object('meetup_id', NEW.meetup_id, 'comment_id', NEW.id));
        RETURN NULL;
    END IF;
    PERFORM emit_event('meetup:' || NEW.meetup_id, 'comment.created', jsonb_build_object(
        'meetup_id', NEW.meetup_id, 'comment_id', NEW.id, 'body', NEW.body, 'created_at', NEW.created_at,
        'author', jsonb_build_object('id', NEW.author_id,
            'display_name', coalesce((SELECT display_name FROM users WHERE id = NEW.author_id), ''))));
    RETURN NULL;
END
$$;
CREATE TRIGGER meetup_comments_announce AFTER INSERT ON meetup_comments
    FOR EACH ROW EXECUTE FUNCTION meetup_comments_announce();
CREATE TRIGGER meetup_comments_hidden AFTER UPDATE OF hidden_at ON meetup_comments
    FOR EACH ROW WHEN (OLD.hidden_at IS NULL AND NEW.hidden_at IS NOT NULL)
    EXECUTE FUNCTION meetup_comments_announce();

-- A group's discussion is for its members, its topic for everyone who may see the group: a new or
-- hidden post is announced by its ids only, and members fetch it (GET /api/v1/groups/{id}/posts).
CREATE FUNCTION group_posts_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_event('group:' || NEW.group_id, CASE WHEN TG_OP = 'INSERT' THEN 'post.created' ELSE 'post.hidden' END,
        jsonb_build_object('group_id', NEW.group_id, 'post_id', NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER group_posts_announce AFTER INSERT ON group_posts
    FOR EACH ROW EXECUTE FUNCTION group_posts_announce();
CREATE TRIGGER group_posts_hidden AFTER UPDATE OF hidden_at ON group_posts
    FOR EACH ROW WHEN (OLD.hidden_at IS NULL AND NEW.hidden_at IS NOT NULL)
    EXECUTE FUNCTION group_posts_announce();

-- Every personal notification, however it was written (one statement for an announcement to
-- everyone signed up): emit_event's lock first, then one INSERT for all of them.
CREATE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7412005);
    INSERT INTO events (topic, type, data)
    SELECT 'user:' || n.user_id, 'notification.created', jsonb_build_object('notification_id', n.id,
        'kind', n.kind, 'meetup_id', n.meetup_id, 'group_id', coalesce(n.group_id, m.group_id),
        'meetup_title', m.title, 'meetup_starts_at', m.starts_at, 'group_name', g.name,
        'actor_name', a.display_name, 'body', n.body, 'created_at', n.created_at)
    FROM added n
    LEFT JOIN meetups m ON m.id = n.meetup_id
    LEFT JOIN groups g ON g.id = coalesce(n.group_id, m.group_id)
    LEFT JOIN users a ON a.id = n.actor_id
    ORDER BY n.id;
    IF FOUND THEN
        PERFORM pg_notify('nabij_events', '');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION notifications_announce();

-- Losing access: leaving or being removed from a group, no longer organising, no longer a worker
-- of a neighbourhood, another role, a deleted account, signing out, a revoked token. An
-- access.changed on the person's topic makes every server check that person's subscriptions again.
CREATE FUNCTION access_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM emit_event('user:' || c.user_id, 'access.changed', '{}') FROM (SELECT DISTINCT user_id FROM changed) c;
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM emit_event('user:' || NEW.id, 'access.changed', '{}');
    ELSE
        PERFORM emit_event('user:' || NEW.user_id, 'access.changed', '{}');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER group_members_access AFTER DELETE ON group_members
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_announce();
CREATE TRIGGER group_members_role_access AFTER UPDATE OF role ON group_members
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role) EXECUTE FUNCTION access_announce();
CREATE TRIGGER neighbourhood_workers_access AFTER DELETE ON neighbourhood_workers
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_announce();
CREATE TRIGGER sessions_access AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_announce();
CREATE TRIGGER api_tokens_access AFTER DELETE ON api_tokens
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_announce();
CREATE TRIGGER api_tokens_revoked_access AFTER UPDATE OF revoked_at ON api_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) EXECUTE FUNCTION access_announce();
CREATE TRIGGER users_access AFTER UPDATE OF role, deleted_at ON users
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION access_announce();

-- A group that becomes private: its topic and its meetups' topics are for members only from now.
CREATE FUNCTION groups_access_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_event('group:' || NEW.id, 'access.changed', jsonb_build_object('group_id', NEW.id,
        'topics', (SELECT coalesce(jsonb_agg('meetup:' || id ORDER BY id), '[]') FROM meetups WHERE group_id = NEW.id)));
    RETURN NULL;
END
$$;
CREATE TRIGGER groups_access AFTER UPDATE OF membership ON groups
    FOR EACH ROW WHEN (NEW.membership = 'private' AND OLD.membership <> 'private')
    EXECUTE FUNCTION groups_access_announce();
