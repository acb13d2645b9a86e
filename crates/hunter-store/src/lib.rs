//! Hunter's storage: one [`Store`] over SQLite or PostgreSQL through sqlx's `Any` driver, with
//! one set of runtime queries for both backends and one migration folder per backend
//! (`migrations/sqlite`, `migrations/postgres`: same tables and columns, `hunter.md` §7).
//!
//! Rules kept here: one company per domain; one `domain_signals` and one `lead_scores` row per
//! domain, always upserted; a failed scan never replaces a usable stored result (§3.3);
//! provider changes are logged; every batch write is one transaction. Partner Center referrals
//! are tracked once per referral id, and at most one referral sync runs at a time.

mod auth;
mod codec;
mod db_url;
mod error;
mod ingest;
mod jobs;
mod leads;
mod migrations;
mod read;
mod referrals;
mod scans;
mod shared_jobs;
mod types;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Transaction};

pub use auth::{
    ActiveSession, ApiKeyRecord, AuditPage, AuditRecord, KeyUse, MAX_SESSIONS_PER_USER,
    NewApiKeyRecord, NewAuditEvent, NewSession, Outcome, SignIn, UserRecord,
};
pub use error::{ConstraintKind, StoreError};
pub use jobs::{
    ClaimedJob, ImportRows, ItemDone, Job, JobEnd, JobError, JobFile, JobItem, JobKind, JobStatus,
    Lease, MAX_JOB_ERRORS,
};
pub use leads::{Kpis, LeadFilter, LeadPage, LeadQuery, LeadSort, SORTABLE, SortOrder};
pub use referrals::{
    PartnerFacts, ReferralFilter, ReferralLink, ReferralPage, ReferralQuery, ReferralRecord,
    SYNC_RUN_TIMEOUT, SavedReferral, SyncCounts, SyncRun, SyncRunStatus, TrackedReferral,
};
pub use shared_jobs::{ItemClaim, Recorded};
pub use types::{
    Backend, DownSteps, Ingested, MigrationInfo, MigrationStatus, NewInput, ProviderChange,
    SaveOutcome, ScanRecord, Source, StoredSignals,
};

/// How long `connect` waits for the first connection before calling the database unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle on the database; cheap to clone (a connection pool inside).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens `sqlite://PATH` (the file is created if missing, WAL journal, busy timeout) or
    /// `postgres://…`. A malformed URL is [`StoreError::InvalidUrl`]; a database that cannot be
    /// reached is [`StoreError::Connect`]. Neither message contains the password.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let parsed = db_url::parse(url)?;
        let options = AnyConnectOptions::from_str(&parsed.connect_url).map_err(|e| {
            StoreError::InvalidUrl {
                url: parsed.display.clone(),
                reason: e.to_string(),
            }
        })?;
        let connect_error = |source| StoreError::Connect {
            target: parsed.display.clone(),
            source,
        };

        // One direct connection first: the pool would retry an unreachable server until its
        // acquire timeout and then report only "timed out", hiding the cause.
        let mut first = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| {
                connect_error(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                )))
            })?
            .map_err(connect_error)?;
        if parsed.backend == Backend::Sqlite {
            // WAL is a property of the file, so setting it once is enough; it lets readers
            // work while the scan writer commits.
            first
                .execute("PRAGMA journal_mode = WAL")
                .await
                .map_err(connect_error)?;
        }
        first.close().await.map_err(connect_error)?;

        let mut pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if parsed.backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|conn, _| {
                Box::pin(async move {
                    // A writer waits up to 15 s for another one (a bulk-scan batch holds the
                    // write lock for a while) instead of failing with "database is locked".
                    conn.execute("PRAGMA busy_timeout = 15000").await?;
                    // Reads through the OS page cache, shared by all connections, instead of
                    // copying pages into each connection's small cache: a lead list page on
                    // 100,000 leads then costs no read system calls once the file is cached.
                    conn.execute("PRAGMA mmap_size = 268435456").await?;
                    Ok(())
                })
            });
        }
        Ok(Store {
            pool: pool_options.connect_lazy_with(options),
            backend: parsed.backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One round trip to the database (health checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    /// Closes every pooled connection; later calls fail with a pool-closed error.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads first and writes later fails with "database is
    /// locked" instead of waiting when another writer got there in between.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Ok(self.pool.begin_with(begin).await?)
    }
}

/// Rows per multi-row statement for rows of `values` parameters each, on `conn`'s backend.
///
/// SQLite finds a `$N` parameter by a linear scan of the statement's parameter names, so binding
/// costs the square of their number: at 5,500 per statement that was a sixth of a bulk scan's
/// CPU time; a thousand keeps it negligible. PostgreSQL is the other way round: statements of a
/// thousand parameters made the same scan three times slower than statements of 5,500, which
/// write a whole batch at once (`cargo bench -p hunter-engine --bench scan`).
fn rows_per_statement(conn: &AnyConnection, values: usize) -> usize {
    let binds = match conn.backend_name() {
        "SQLite" => 1_000,
        _ => 6_000,
    };
    (binds / values.max(1)).max(1)
}

/// Positions of a batch in domain order; batches are written in this order. Sorting is stable,
/// so repeats of one domain keep their order. Two concurrent batches (several workers on one
/// PostgreSQL) thus lock company rows in the same order and cannot deadlock each other.
fn domain_order<T>(items: &[T], domain: impl Fn(&T) -> &str) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| domain(&items[a]).cmp(domain(&items[b])));
    order
}

/// Results written in [`domain_order`], back in input order.
fn in_input_order<R>(mut results: Vec<(usize, R)>) -> Vec<R> {
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
