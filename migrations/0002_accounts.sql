-- Accounts, sessions, API tokens, one-time sign-in codes and neighbourhoods.

CREATE TABLE neighbourhoods (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    municipality text NOT NULL CHECK (length(btrim(municipality)) BETWEEN 1 AND 80),
    -- Printed on flyers; rotated by a worker when it leaked. Short and unambiguous to type.
    join_code    text NOT NULL UNIQUE CHECK (join_code ~ '^[A-Z2-9]{6}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX neighbourhoods_name_key ON neighbourhoods (lower(municipality), lower(name));

CREATE TABLE users (
    id                    bigserial PRIMARY KEY,
    -- NULL once the account is deleted: what they wrote stays, shown as "former neighbour".
    display_name          text CHECK (length(btrim(display_name)) BETWEEN 1 AND 60),
    email                 text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    username              text CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,29}$'),
    password_hash         text,
    role                  text NOT NULL DEFAULT 'resident' CHECK (role IN ('resident', 'worker', 'coordinator')),
    language              text NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    initials              text CHECK (length(initials) BETWEEN 1 AND 3),
    home_neighbourhood_id bigint REFERENCES neighbourhoods (id) ON DELETE SET NULL,
    -- The worker who registered this person on their behalf (proxy registration), if any.
    registered_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz,
    CHECK (deleted_at IS NOT NULL OR (display_name IS NOT NULL AND (email IS NOT NULL OR username IS NOT NULL))),
    CHECK (deleted_at IS NULL OR (display_name IS NULL AND email IS NULL AND username IS NULL AND password_hash IS NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_username_key ON users (username) WHERE username IS NOT NULL;
CREATE INDEX users_home_neighbourhood_idx ON users (home_neighbourhood_id) WHERE deleted_at IS NULL;

-- Community workers assigned to a neighbourhood by a coordinator.
CREATE TABLE neighbourhood_workers (
    neighbourhood_id bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (neighbourhood_id, user_id)
);
CREATE INDEX neighbourhood_workers_user_idx ON neighbourhood_workers (user_id);

-- Neighbourhoods a person follows besides their home neighbourhood.
CREATE TABLE neighbourhood_follows (
    neighbourhood_id bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, neighbourhood_id)
);

-- Server-side sessions. Only a hash of the cookie value is stored, so a copy of the database does
-- not let anyone sign in as someone else.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    user_agent   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);

-- Personal API tokens: shown once, stored as a hash, revocable.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- One-time sign-in codes a worker hands to a resident without email. Single use, short-lived.
CREATE TABLE signin_codes (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL UNIQUE,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX signin_codes_user_idx ON signin_codes (user_id);

-- Failed sign-in attempts, per account identifier and per address, for rate limiting across
-- every Nabij instance on this database.
CREATE TABLE signin_failures (
    id         bigserial PRIMARY KEY,
    scope      text NOT NULL CHECK (scope IN ('account', 'address')),
    key        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signin_failures_key_idx ON signin_failures (scope, key, created_at);
