-- Team access (team.md §2–§6): people signed in with Microsoft, their server-side sessions,
-- sign-ins in progress, API keys and the audit trail. Secrets are never stored: sessions, login
-- flows and keys are found by the SHA-256 of their random token.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    -- The person is (tenant, object id), never the e-mail address (mutable, reassignable).
    tenant_id     TEXT NOT NULL,
    entra_oid     TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    email         TEXT,
    -- JSON list of the app roles of the latest sign-in.
    roles         TEXT NOT NULL,
    disabled_at   TEXT,
    created_at    TEXT NOT NULL,
    last_login_at TEXT,
    CONSTRAINT users_identity_key UNIQUE (tenant_id, entra_oid)
);

CREATE TABLE sessions (
    id                  TEXT PRIMARY KEY,
    token_sha256        TEXT NOT NULL UNIQUE,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    roles               TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    idle_expires_at     TEXT NOT NULL,
    absolute_expires_at TEXT NOT NULL,
    revoked_at          TEXT,
    revoke_reason       TEXT,
    ip                  TEXT,
    user_agent          TEXT
);

CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);
CREATE INDEX sessions_expiry_idx ON sessions (absolute_expires_at);

-- A sign-in between the redirect to Microsoft and the callback; taken (deleted) once.
CREATE TABLE auth_login_flows (
    id_sha256  TEXT PRIMARY KEY,
    return_to  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX auth_login_flows_expiry_idx ON auth_login_flows (expires_at);

CREATE TABLE api_keys (
    -- The public key id, also the start of the key itself.
    id                    TEXT PRIMARY KEY,
    secret_sha256         TEXT NOT NULL,
    name                  TEXT NOT NULL,
    -- JSON list of scopes.
    scopes                TEXT NOT NULL,
    rate_limit_per_minute BIGINT NOT NULL CHECK (rate_limit_per_minute > 0),
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    last_used_at          TEXT,
    revoked_at            TEXT,
    -- The fixed one-minute window (Unix minute) and the requests counted in it, shared by
    -- every process on the same database.
    rate_window           BIGINT NOT NULL DEFAULT 0,
    rate_count            BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    event      TEXT NOT NULL,
    -- A user id, `api_key:<id>`, `local`, `system` or `anonymous`.
    actor      TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    target     TEXT,
    request_id TEXT,
    ip         TEXT,
    details    TEXT NOT NULL
);

CREATE INDEX audit_events_event_idx ON audit_events (event, id);

-- The API key a webhook came with (never the key).
ALTER TABLE raw_leads ADD COLUMN api_key_id TEXT;
