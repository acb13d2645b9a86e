-- Partner Center referral tracking and sync runs (hunter.md §7, partner-center-api.md §14).
-- Same type conventions as 0001: booleans BIGINT 0/1, timestamps TEXT (RFC 3339 UTC), JSON TEXT.

CREATE TABLE partner_center_referrals (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id       TEXT NOT NULL UNIQUE,
    engagement_id     TEXT,
    referral_type     TEXT CHECK (referral_type IN ('co-sell', 'marketplace', 'solution-provider')),
    -- Raw API fields, as received.
    type              TEXT,
    qualification     TEXT,
    direction         TEXT,
    status            TEXT,
    substatus         TEXT,
    company_name      TEXT,
    customer_country  TEXT,
    -- Normalized domain; no foreign key, since referrals are tracked before (or without) a company.
    domain            TEXT,
    raw_domain        TEXT,
    domain_source     TEXT,
    azure_tenant_id   TEXT,
    -- Decimal kept as its exact text: the Any driver has no decimal type and floats round money.
    deal_value        TEXT,
    currency          TEXT,
    created_datetime  TEXT,
    updated_datetime  TEXT,
    raw_data          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    -- Refreshed by every sync that sees the referral.
    synced_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE INDEX partner_center_referrals_status_idx ON partner_center_referrals (status);
CREATE INDEX partner_center_referrals_referral_type_idx ON partner_center_referrals (referral_type);
CREATE INDEX partner_center_referrals_domain_idx ON partner_center_referrals (domain);
CREATE INDEX partner_center_referrals_azure_tenant_id_idx ON partner_center_referrals (azure_tenant_id);
CREATE INDEX partner_center_referrals_updated_datetime_idx ON partner_center_referrals (updated_datetime);

CREATE TABLE partner_center_sync_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          TEXT REFERENCES jobs (id) ON DELETE SET NULL,
    forced          BIGINT NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    pages_fetched   BIGINT NOT NULL DEFAULT 0,
    total_fetched   BIGINT NOT NULL DEFAULT 0,
    success_count   BIGINT NOT NULL DEFAULT 0,
    failure_count   BIGINT NOT NULL DEFAULT 0,
    skipped_count   BIGINT NOT NULL DEFAULT 0,
    errors          TEXT NOT NULL DEFAULT '[]',
    high_water_mark TEXT
);

CREATE INDEX partner_center_sync_runs_started_at_idx ON partner_center_sync_runs (started_at);
-- At most one run is `running`: a second one is a unique violation.
CREATE UNIQUE INDEX partner_center_sync_runs_one_running_idx
    ON partner_center_sync_runs (status) WHERE status = 'running';
