-- Events no longer NOTIFY inside the transaction that writes them. A NOTIFY makes its
-- transaction take one database-wide lock from just before its commit until the commit is on
-- disk, so that notifications queue in commit order: every sign-up that wrote an event waited for
-- the previous one's disk flush, and commits that PostgreSQL would otherwise flush together went
-- one at a time (sign-ups spread over many meetups fell from about 1,100/s to 750/s).
--
-- Instead the Nabij that made a change wakes its own listener as soon as the commit returns, and
-- that listener rings NOTIFY for the other running Nabijs, outside any change's transaction
-- (realtime/listener.go, realtime.WakeOnCommit). Every listener also looks for new events once a
-- second, so a change made by another program (psql, a script) still reaches clients.
-- Event ids, the shared lock that makes holes detectable, and what is written are unchanged.

CREATE OR REPLACE FUNCTION emit_event(p_topic text, p_type text, p_data jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7412005);
    INSERT INTO events (topic, type, data) VALUES (p_topic, p_type, p_data);
END
$$;

CREATE OR REPLACE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NULL;
END
$$;
