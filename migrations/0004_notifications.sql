-- Personal notifications: what a person must hear about (a place off the waitlist, a meetup they
-- signed up for changed or was cancelled, an announcement, a join request or invitation). Written
-- in the same transaction as the change, so a change that commits is never left untold.
CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('waitlist_promoted', 'meetup_changed', 'meetup_cancelled',
                   'meetup_announcement', 'group_join_request', 'group_request_accepted',
                   'group_request_declined', 'group_invitation')),
    meetup_id  bigint REFERENCES meetups (id) ON DELETE CASCADE,
    group_id   bigint REFERENCES groups (id) ON DELETE CASCADE,
    actor_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    -- A cancellation's reason, an organiser's answer or announcement, in the author's words.
    body       text NOT NULL DEFAULT '' CHECK (length(body) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
