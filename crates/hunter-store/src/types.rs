//! What goes into the store and what comes out of it, besides `hunter_core::model` types.

use hunter_core::model::{Provider, ScanStatus, Score, Signals};

/// Where an input came from (`raw_leads.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Domain,
    Csv,
    Webhook,
    PartnerCenter,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Domain => "domain",
            Source::Csv => "csv",
            Source::Webhook => "webhook",
            Source::PartnerCenter => "partnercenter",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One arrived input, already normalized to a domain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInput {
    pub source: Source,
    /// The referral id for [`Source::PartnerCenter`] (required there: the row is upserted on it).
    /// Other sources normally leave it `None`; a value given is kept and is still unique per
    /// source, so repeating one is a unique violation.
    pub source_ref: Option<String>,
    /// Normalized (`hunter_core::Domain`).
    pub domain: String,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// Full referral, CSV row (original fields and row number) or webhook key id and name.
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub domain: String,
    pub company_id: i64,
    /// This input created the company row.
    pub created: bool,
}

/// One finished scan to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRecord {
    pub signals: Signals,
    pub score: Score,
    /// A non-empty name replaces the company's stored name.
    pub company_name: Option<String>,
    /// The job that ran the scan; written to `provider_change_history.job_id`.
    pub job_id: Option<String>,
    /// RFC 3339; stored normalized to UTC (`2026-11-28T10:00:00.000000Z`).
    pub scanned_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Signals and score were written. `provider_changed`: the effective provider changed from
    /// a stored non-null value, and a `provider_change_history` row was written.
    Saved { provider_changed: bool },
    /// A `timeout`/`servfail` scan over a stored `ok`/`partial` result: only
    /// `last_attempt_status`/`last_attempt_at` moved (`hunter.md` §3.3).
    KeptPrevious,
}

/// The full `domain_signals` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignals {
    /// Signals of the stored result (its `scan_status` is the stored result's status).
    pub signals: Signals,
    /// The latest scan's status, also when that scan kept the previous result.
    pub last_attempt_status: Option<ScanStatus>,
    pub last_attempt_at: Option<String>,
    /// When the stored result was scanned.
    pub scanned_at: Option<String>,
    /// WHOIS / RDAP (not written yet).
    pub registrar: Option<String>,
    /// A date, `YYYY-MM-DD`.
    pub expires_at: Option<String>,
    pub nameservers: Vec<String>,
    pub updated_at: String,
}

/// One `provider_change_history` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderChange {
    pub domain: String,
    pub previous_provider: Option<Provider>,
    pub new_provider: Provider,
    pub changed_at: String,
    pub job_id: Option<String>,
}

/// A migration of the running binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    pub version: i64,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

/// How far `migrate_down` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownSteps {
    /// Revert the `n` most recently applied migrations.
    Count(usize),
    /// Revert every applied migration.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
