-- Core lead tables (hunter.md §7). The PostgreSQL folder has the same tables and columns.
-- Types are chosen for sqlx's `Any` driver, which carries only integers, floats, text and bytes,
-- so both backends use the same column types:
--   booleans   BIGINT 0/1 (a CHECK keeps them to 0/1),
--   timestamps TEXT, RFC 3339 UTC with a `Z` suffix and fixed precision, so text order is time order,
--   JSON       TEXT (serde_json written by hunter-store).
-- Per-domain tables reference companies.domain and go away with their company (ON DELETE CASCADE).

CREATE TABLE companies (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    domain                TEXT NOT NULL UNIQUE,
    canonical_name        TEXT NOT NULL,
    -- Effective provider (§4/§6); null until the first saved scan.
    provider              TEXT,
    country               TEXT CHECK (country IS NULL OR length(country) = 2),
    contact_emails        TEXT,
    contact_quality_score BIGINT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

CREATE INDEX companies_provider_idx ON companies (provider);

CREATE TABLE raw_leads (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT NOT NULL CHECK (source IN ('domain', 'csv', 'webhook', 'partnercenter')),
    -- Referral id for `partnercenter`; null for the other sources, which append.
    source_ref   TEXT,
    company_name TEXT,
    email        TEXT,
    website      TEXT,
    domain       TEXT NOT NULL REFERENCES companies (domain) ON DELETE CASCADE,
    payload      TEXT NOT NULL,
    ingested_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    -- NULLs are distinct here, so only rows that carry a source_ref can conflict.
    CONSTRAINT raw_leads_source_ref_key UNIQUE (source, source_ref)
);

CREATE INDEX raw_leads_domain_idx ON raw_leads (domain);

CREATE TABLE domain_signals (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    domain                 TEXT NOT NULL UNIQUE REFERENCES companies (domain) ON DELETE CASCADE,
    -- Status of the stored result; last_attempt_* also move when a failed scan keeps it (§3.3).
    -- `invalid` never reaches this table: such an input has no domain.
    scan_status            TEXT NOT NULL
        CHECK (scan_status IN ('ok', 'partial', 'no_mx', 'nxdomain', 'timeout', 'servfail')),
    last_attempt_status    TEXT
        CHECK (last_attempt_status IN ('ok', 'partial', 'no_mx', 'nxdomain', 'timeout', 'servfail')),
    last_attempt_at        TEXT,
    scanned_at             TEXT,
    mx_records             TEXT NOT NULL,
    mx_root                TEXT,
    -- DNS-only classification; the effective provider is lead_scores.provider / companies.provider.
    classified_provider    TEXT NOT NULL,
    gateway                TEXT,
    local_provider         TEXT,
    tenant_size            TEXT,
    spf                    BIGINT CHECK (spf IN (0, 1)),
    spf_record             TEXT,
    spf_includes           TEXT NOT NULL,
    spf_include_count      BIGINT NOT NULL DEFAULT 0,
    dkim                   BIGINT CHECK (dkim IN (0, 1)),
    dkim_selectors         TEXT NOT NULL,
    dmarc_record           TEXT,
    dmarc_policy           TEXT,
    dmarc_subdomain_policy TEXT,
    dmarc_coverage         BIGINT CHECK (dmarc_coverage BETWEEN 0 AND 100),
    autodiscover_target    TEXT,
    entra_tenant_id        TEXT,
    evidence               TEXT NOT NULL,
    -- WHOIS / RDAP, filled later; expires_at is a date (YYYY-MM-DD).
    registrar              TEXT,
    expires_at             TEXT,
    nameservers            TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);

CREATE TABLE lead_scores (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    domain             TEXT NOT NULL UNIQUE REFERENCES companies (domain) ON DELETE CASCADE,
    -- Effective provider (M365 under the Azure tenant override).
    provider           TEXT NOT NULL,
    dns_score          BIGINT NOT NULL,
    readiness_score    BIGINT NOT NULL,
    segment            TEXT NOT NULL,
    -- Rule number, `fallback`, `hard_fail`, `scan_failed`, `invalid` or `azure_tenant`.
    segment_rule       TEXT NOT NULL,
    reason             TEXT NOT NULL,
    technical_heat     TEXT NOT NULL,
    commercial_segment TEXT NOT NULL,
    commercial_heat    TEXT NOT NULL,
    priority_category  TEXT NOT NULL,
    priority_label     TEXT NOT NULL,
    -- Partner Center facts (§6), kept here so the lead list needs no per-row lookups.
    referral_type      TEXT CHECK (referral_type IN ('co-sell', 'marketplace', 'solution-provider')),
    azure_tenant_id    TEXT,
    breakdown          TEXT NOT NULL,
    rules_version      TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

-- Default lead order is priority_category, readiness_score desc, domain (§5.5).
CREATE INDEX lead_scores_priority_idx ON lead_scores (priority_category, readiness_score DESC, domain);
CREATE INDEX lead_scores_segment_idx ON lead_scores (segment);
CREATE INDEX lead_scores_provider_idx ON lead_scores (provider);
CREATE INDEX lead_scores_referral_type_idx ON lead_scores (referral_type);

CREATE TABLE provider_change_history (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    domain            TEXT NOT NULL REFERENCES companies (domain) ON DELETE CASCADE,
    previous_provider TEXT,
    new_provider      TEXT NOT NULL,
    changed_at        TEXT NOT NULL,
    job_id            TEXT
);

CREATE INDEX provider_change_history_domain_idx ON provider_change_history (domain, changed_at);

CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('import', 'bulk_scan', 'rescan', 'referral_sync')),
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    total       BIGINT NOT NULL DEFAULT 0,
    processed   BIGINT NOT NULL DEFAULT 0,
    succeeded   BIGINT NOT NULL DEFAULT 0,
    failed      BIGINT NOT NULL DEFAULT 0,
    -- First 100 errors, JSON array.
    errors      TEXT NOT NULL DEFAULT '[]',
    params      TEXT,
    result      TEXT,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    -- Counters stay exact (§9 item 28).
    CONSTRAINT jobs_counters_check CHECK (processed = succeeded + failed)
);

CREATE INDEX jobs_status_idx ON jobs (status, created_at);

-- The one lead definition (contract.md §4): company + signals + score. Lead pages, exports and
-- the API all read this view, so they cannot drift apart; domains never scanned are not leads.
CREATE VIEW leads AS
SELECT
    c.domain,
    c.canonical_name AS company_name,
    l.provider,
    s.gateway,
    s.local_provider,
    s.tenant_size,
    s.mx_root,
    s.spf,
    s.dkim,
    s.dmarc_policy,
    s.dmarc_coverage,
    l.readiness_score,
    l.segment,
    l.reason,
    l.technical_heat,
    l.commercial_segment,
    l.commercial_heat,
    l.priority_category,
    l.priority_label,
    l.referral_type,
    l.azure_tenant_id,
    s.scan_status,
    s.scanned_at,
    s.entra_tenant_id,
    s.dkim_selectors,
    s.spf_include_count,
    s.dmarc_subdomain_policy,
    s.mx_records,
    l.dns_score,
    l.segment_rule,
    s.classified_provider,
    s.registrar,
    s.expires_at,
    s.nameservers
FROM companies c
JOIN domain_signals s ON s.domain = c.domain
JOIN lead_scores l ON l.domain = c.domain;
