-- Installation-wide settings that belong to the data, not to the binary's configuration
-- (for example whether this database was filled with demo data).
CREATE TABLE settings (
    key        text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
