//! The job queue (`hunter.md` §7, §8; `contract.md` §4 `GET /api/jobs/{job_id}`): persisted jobs
//! with exact counters, leased to one worker at a time and resumable on any process sharing the
//! database.
//!
//! Exactly once: progress is written in the same transaction as the work it counts (a scan result
//! with its item's done mark; ingested rows with the file position), and only under the current
//! lease token. A crash loses uncommitted work only; it is still pending and the next holder
//! does it again. Every counter update keeps `processed = succeeded + failed`.
//!
//! Locks: companies (and job items) are always taken in domain order, and each transaction
//! locks at most one job row, so concurrent writers cannot deadlock.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::Utc;
use hunter_core::model::UnknownName;
use hunter_core::{Lang, Text};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Transaction};

use crate::codec::{Cols, format_time, now, to_json};
use crate::ingest::{comma, ingest_in, insert_raw_lead};
use crate::scans::save_scans_in;
use crate::shared_jobs::complete;
use crate::{
    Backend, NewInput, ScanRecord, Source, Store, StoreError, domain_order, rows_per_statement,
};

/// A job keeps at most this many error entries (the first ones).
pub const MAX_JOB_ERRORS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Import,
    BulkScan,
    Rescan,
    ReferralSync,
}

impl JobKind {
    pub const ALL: &'static [JobKind] = &[
        JobKind::Import,
        JobKind::BulkScan,
        JobKind::Rescan,
        JobKind::ReferralSync,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Import => "import",
            JobKind::BulkScan => "bulk_scan",
            JobKind::Rescan => "rescan",
            JobKind::ReferralSync => "referral_sync",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    Failed,
}

impl JobStatus {
    pub const ALL: &'static [JobStatus] = &[
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Completed,
        JobStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
        }
    }

    /// `completed` or `failed`: nothing will change any more.
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed)
    }
}

macro_rules! name_conversions {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownName {
                        kind: stringify!($ty),
                        value: s.to_owned(),
                    })
            }
        }
    };
}

name_conversions!(JobKind);
name_conversions!(JobStatus);

/// One entry of a job's `errors`: what went wrong, and where (a file row or a domain), in
/// English and Turkish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub message: String,
    /// Absent in errors stored before jobs had Turkish messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_tr: Option<String>,
}

impl JobError {
    pub fn at_row(row: u64, message: Text) -> JobError {
        JobError::new(Some(row), None, message)
    }

    pub fn for_domain(domain: impl Into<String>, message: Text) -> JobError {
        JobError::new(None, Some(domain.into()), message)
    }

    /// An error of the job as a whole.
    pub fn general(message: Text) -> JobError {
        JobError::new(None, None, message)
    }

    fn new(row: Option<u64>, domain: Option<String>, message: Text) -> JobError {
        JobError {
            row,
            domain,
            message: message.en,
            message_tr: Some(message.tr),
        }
    }

    /// The message in `lang`; English where no Turkish one was stored.
    pub fn message_in(&self, lang: Lang) -> &str {
        match (lang, &self.message_tr) {
            (Lang::Tr, Some(tr)) => tr,
            _ => &self.message,
        }
    }
}

/// A job as `GET /api/jobs/{job_id}` shows it: serializes with `job_id` as the id's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    #[serde(rename = "job_id")]
    pub id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub total: u64,
    /// Always `succeeded + failed`; equals `total` once the job has completed.
    pub processed: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// The first [`MAX_JOB_ERRORS`] errors.
    pub errors: Vec<JobError>,
    pub params: Option<Value>,
    pub result: Option<Value>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// The right to work on one running job, valid while its token is the job's current one.
/// Every progress write names it and extends it by its length (so a busy writer keeps its job
/// even when SQLite's write lock starves the heartbeat); a write under a lost lease fails with
/// [`StoreError::LeaseLost`] and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    job_id: String,
    token: String,
    length: Duration,
}

impl Lease {
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// How long the lease lasts from its last renewal or progress write.
    pub fn length(&self) -> Duration {
        self.length
    }

    /// The expiry of a renewal made now.
    fn renewed_until(&self) -> Result<String, StoreError> {
        lease_until(self.length)
    }
}

/// A job just claimed, with what a worker needs to resume it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub job: Job,
    pub lease: Lease,
    /// Imports: data rows of the file already ingested; the worker continues after them.
    pub file_rows_done: u64,
}

/// A file uploaded with its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFile {
    pub name: String,
    pub content: Vec<u8>,
}

/// A pending domain of a job, in the job's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobItem {
    pub position: u64,
    pub domain: String,
}

/// A finished job item, to be recorded with [`Store::record_job_items`].
#[derive(Debug, Clone, PartialEq)]
pub enum ItemDone {
    /// Store this scan; the item counts as failed (with the message as its error) when
    /// `failure` is set, else as succeeded.
    Scanned {
        // Boxed: a scan record is large, and batches move many of these.
        record: Box<ScanRecord>,
        failure: Option<Text>,
    },
    /// Nothing to store; the item counts as failed.
    Failed { domain: String, message: Text },
}

impl ItemDone {
    pub fn domain(&self) -> &str {
        match self {
            ItemDone::Scanned { record, .. } => &record.signals.domain,
            ItemDone::Failed { domain, .. } => domain,
        }
    }

    /// What `job_items.outcome` records: the scan status, or `error`.
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            ItemDone::Scanned { record, .. } => record.signals.scan_status.as_str(),
            ItemDone::Failed { .. } => "error",
        }
    }

    pub(crate) fn error(&self) -> Option<JobError> {
        match self {
            ItemDone::Scanned { failure, .. } => failure
                .as_ref()
                .map(|m| JobError::for_domain(self.domain(), m.clone())),
            ItemDone::Failed { domain, message } => {
                Some(JobError::for_domain(domain.clone(), message.clone()))
            }
        }
    }
}

/// A batch of an import's data rows, in file order, to be recorded with
/// [`Store::record_import_rows`].
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRows {
    /// The job's `file_rows_done` this batch continues from; a batch that does not continue
    /// exactly there is refused, so no row is ever ingested twice.
    pub start: u64,
    /// Data rows covered: `inputs.len() + skipped.len()`.
    pub rows: u64,
    /// Rows to ingest (each counts as succeeded).
    pub inputs: Vec<NewInput>,
    /// Rows not ingested, with their row number and reason (each counts as failed).
    pub skipped: Vec<JobError>,
    /// Also queue the ingested domains as the job's scan items.
    pub queue_scans: bool,
}

/// How a job ends.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEnd {
    /// Every unit of work was processed (`processed == total`, checked).
    Completed { result: Value },
    /// The job as a whole could not go on. The message becomes `result.error` (in English) and
    /// an entry of `errors` while there is room.
    Failed { message: Text },
}

/// Columns of [`Job`], in `job_from_row`'s terms.
macro_rules! job_columns {
    () => {
        "id, kind, status, total, processed, succeeded, failed, errors, params, result, \
         created_at, started_at, finished_at"
    };
}

impl Store {
    /// The job, or `None` for an unknown id.
    pub async fn job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Queues a job that scans `domains` (normalized and distinct; a repeat is a unique
    /// violation), `total` = their number. With `ingest_unknown`, a domain without a company gets
    /// one, and a `raw_leads` row of that source (payload `{"job_id": …}`), in the same
    /// transaction; known domains are left as they are.
    pub async fn create_scan_job(
        &self,
        kind: JobKind,
        params: Option<&Value>,
        domains: &[String],
        ingest_unknown: Option<Source>,
    ) -> Result<Job, StoreError> {
        let job = new_job(kind, params, domains.len() as u64);
        let (id, now) = (&job.id, &job.created_at);
        let mut tx = self.begin_write().await?;
        insert_job(&mut tx, &job).await?;
        if let Some(source) = ingest_unknown {
            for i in domain_order(domains, |d| d.as_str()) {
                ingest_if_unknown(&mut tx, &domains[i], source, id, now).await?;
            }
        }
        let items: Vec<(u64, &str)> = domains
            .iter()
            .enumerate()
            .map(|(i, d)| (i as u64, d.as_str()))
            .collect();
        insert_items(&mut tx, id, &items).await?;
        if kind.is_shared() && domains.is_empty() {
            // No item will ever be claimed, so no commit would complete it.
            complete(&mut tx, id, kind).await?;
            tx.commit().await?;
            return self.job(id).await?.ok_or_else(|| lost_job(id));
        }
        tx.commit().await?;
        Ok(job)
    }

    /// Queues a job that works on an uploaded file, kept with the job until it finishes.
    /// `total` starts at 0: the worker sets it once it has read the file.
    pub async fn create_file_job(
        &self,
        kind: JobKind,
        params: Option<&Value>,
        file_name: &str,
        content: &[u8],
    ) -> Result<Job, StoreError> {
        let job = new_job(kind, params, 0);
        let mut tx = self.begin_write().await?;
        insert_job(&mut tx, &job).await?;
        sqlx::query("INSERT INTO job_files (job_id, file_name, content) VALUES ($1, $2, $3)")
            .bind(&job.id)
            .bind(file_name)
            .bind(content.to_vec())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Claims the oldest runnable job of one of `kinds` under a lease of `length`: a queued one, or a running
    /// one whose lease expired (its holder stopped renewing it: the process died). The job becomes
    /// `running` under a new lease token; the previous holder's writes fail from then on. On
    /// PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent claimers pass each other, and no job
    /// goes to two of them; on SQLite the single statement runs under the write lock.
    pub async fn claim_job(
        &self,
        kinds: &[JobKind],
        length: Duration,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let kind_params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs
             SET status = 'running', lease_token = $1, lease_until = $2,
                 started_at = COALESCE(started_at, $3)
             WHERE id = (
                 SELECT id FROM jobs
                 WHERE (status = 'queued' OR (status = 'running' AND lease_until < $3))
                   AND kind IN ({kinds})
                 ORDER BY created_at, id
                 LIMIT 1
                 {lock})
             RETURNING {columns}, file_rows_done",
            kinds = kind_params.join(", "),
            columns = job_columns!(),
        );
        let token = new_id();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.clone())
            .bind(lease_until(length)?)
            .bind(now());
        for kind in kinds {
            query = query.bind(kind.as_str());
        }
        let Some(row) = query.fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let job = job_from_row(&row)?;
        tracing::info!(job_id = %job.id, kind = %job.kind, "job claimed");
        Ok(Some(ClaimedJob {
            lease: Lease {
                job_id: job.id.clone(),
                token,
                length,
            },
            file_rows_done: Cols(&row).int("file_rows_done")?,
            job,
        }))
    }

    /// Extends the lease by its length from now (the worker's heartbeat).
    pub async fn renew_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $3
             WHERE id = $1 AND lease_token = $2 AND status = 'running'",
        )
        .bind(&lease.job_id)
        .bind(&lease.token)
        .bind(lease.renewed_until()?)
        .execute(&self.pool)
        .await?;
        held(lease, done.rows_affected())
    }

    /// Gives the job back to the queue (a worker shutting down): `queued`, no lease, counters
    /// and finished work kept, so the next holder continues where this one stopped.
    pub async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', lease_token = NULL, lease_until = NULL
             WHERE id = $1 AND lease_token = $2 AND status = 'running'",
        )
        .bind(&lease.job_id)
        .bind(&lease.token)
        .execute(&self.pool)
        .await?;
        held(lease, done.rows_affected())
    }

    /// Re-queues running jobs whose lease expired (their process is gone); returns how many.
    /// [`Store::claim_job`] takes such jobs anyway; this shows them as `queued` meanwhile.
    pub async fn requeue_expired_jobs(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', lease_token = NULL, lease_until = NULL
             WHERE status = 'running' AND lease_until < $1",
        )
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Re-queues every leased running job, expired or not, and releases every claim on shared
    /// jobs' items; returns how many jobs had work taken back. Only for a database no other live
    /// process works on (SQLite at start-up): a live holder would lose its work.
    pub async fn requeue_running_jobs(&self) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT job_id) FROM job_items WHERE claim_token IS NOT NULL",
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE job_items SET claim_token = NULL, claim_until = NULL
             WHERE claim_token IS NOT NULL",
        )
        .execute(&mut *tx)
        .await?;
        let leased = sqlx::query(
            "UPDATE jobs SET status = 'queued', lease_token = NULL, lease_until = NULL
             WHERE status = 'running' AND lease_token IS NOT NULL",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(leased.rows_affected() + claimed as u64)
    }

    /// Sets `total` once the worker knows it (a file job, after reading the file).
    pub async fn set_job_total(&self, lease: &Lease, total: u64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET total = $3, lease_until = $4
             WHERE id = $1 AND lease_token = $2 AND status = 'running'",
        )
        .bind(&lease.job_id)
        .bind(&lease.token)
        .bind(to_db(total)?)
        .bind(lease.renewed_until()?)
        .execute(&self.pool)
        .await?;
        held(lease, done.rows_affected())
    }

    /// The file uploaded with the job; `None` once the job finished (or for a job without one).
    pub async fn job_file(&self, job_id: &str) -> Result<Option<JobFile>, StoreError> {
        let row = sqlx::query("SELECT file_name, content FROM job_files WHERE job_id = $1")
            .bind(job_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(JobFile {
                name: Cols(&row).text("file_name")?,
                content: sqlx::Row::try_get(&row, "content")?,
            })
        })
        .transpose()
    }

    /// Up to `limit` pending items after position `after` (from the start with `None`), in order.
    pub async fn pending_job_items(
        &self,
        job_id: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<JobItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT position, domain FROM job_items
             WHERE job_id = $1 AND outcome IS NULL AND position > $2
             ORDER BY position
             LIMIT $3",
        )
        .bind(job_id)
        .bind(after.map(to_db).transpose()?.unwrap_or(-1))
        .bind(to_db(limit as u64)?)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok(JobItem {
                    position: c.int("position")?,
                    domain: c.text("domain")?,
                })
            })
            .collect()
    }

    /// Records finished items in one transaction: each pending item is marked done, its scan
    /// stored (as [`Store::save_scans`] does) and counted, with its error when it failed. An item
    /// already done, or not of this job, is ignored, so nothing is ever counted twice.
    pub async fn record_job_items(
        &self,
        lease: &Lease,
        items: &[ItemDone],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let counted = mark_items_done(&mut tx, &lease.job_id, None, items).await?;
        let (progress, errors) = save_counted(&mut tx, &counted).await?;
        progress.record(&mut tx, lease, errors).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a batch of an import's rows in one transaction: the inputs are ingested (as
    /// [`Store::ingest`] does), optionally queued as scan items, and the rows counted and the
    /// file position advanced, so a resumed import neither loses nor repeats a row.
    pub async fn record_import_rows(
        &self,
        lease: &Lease,
        batch: &ImportRows,
    ) -> Result<(), StoreError> {
        if batch.rows != (batch.inputs.len() + batch.skipped.len()) as u64 {
            return Err(StoreError::InvalidInput(format!(
                "an import batch of {} rows has {} inputs and {} skipped rows",
                batch.rows,
                batch.inputs.len(),
                batch.skipped.len()
            )));
        }
        let mut tx = self.begin_write().await?;
        // Counted first: the job row's lock then orders concurrent writers of this job (a stale
        // holder and the current one), and a batch that does not continue the file is refused
        // before anything is ingested.
        let progress = Progress {
            rows: batch.rows,
            succeeded: batch.inputs.len() as u64,
            failed: batch.skipped.len() as u64,
        };
        let rows_done = progress
            .record(&mut tx, lease, batch.skipped.clone())
            .await?;
        if rows_done != batch.start + batch.rows {
            // Dropping the transaction rolls the batch back.
            return Err(StoreError::InvalidInput(format!(
                "import batch for job {} starts at row {} but the job had {} rows done",
                lease.job_id,
                batch.start,
                rows_done - batch.rows
            )));
        }
        let ingested = ingest_in(&mut tx, &batch.inputs).await?;
        if batch.queue_scans {
            // Positions continue the file's row order; a batch's range starts at its `start`.
            let items: Vec<(u64, &str)> = ingested
                .iter()
                .enumerate()
                .map(|(i, d)| (batch.start + i as u64, d.domain.as_str()))
                .collect();
            insert_items(&mut tx, &lease.job_id, &items).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many of the job's items ended with each outcome (scan status or `error`). Items are
    /// removed when the job finishes, so read this before [`Store::finish_job`].
    pub async fn job_item_outcomes(
        &self,
        job_id: &str,
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        outcome_counts(&mut conn, job_id).await
    }

    /// Finishes the job and drops its work state (items, file). Completing requires
    /// `processed == total`; otherwise nothing changes and the error says how far it got.
    pub async fn finish_job(&self, lease: &Lease, end: JobEnd) -> Result<(), StoreError> {
        let (status, result, error) = match &end {
            JobEnd::Completed { result } => (JobStatus::Completed, result.clone(), None),
            JobEnd::Failed { message } => (
                JobStatus::Failed,
                serde_json::json!({ "error": message.en }),
                Some(JobError::general(message.clone())),
            ),
        };
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE jobs
             SET status = $3, result = $4, finished_at = $5, lease_token = NULL, lease_until = NULL
             WHERE id = $1 AND lease_token = $2 AND status = 'running'
             RETURNING processed, total, errors",
        )
        .bind(&lease.job_id)
        .bind(&lease.token)
        .bind(status.as_str())
        .bind(to_json(&result)?)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| lost(lease))?;
        let c = Cols(&row);
        let (processed, total): (u64, u64) = (c.int("processed")?, c.int("total")?);
        if status == JobStatus::Completed && processed != total {
            return Err(StoreError::InvalidInput(format!(
                "job {} cannot complete: {processed} of {total} processed",
                lease.job_id
            )));
        }
        if let Some(error) = error {
            append_errors(&mut tx, &lease.job_id, c.json("errors")?, vec![error]).await?;
        }
        for sql in [
            "DELETE FROM job_items WHERE job_id = $1",
            "DELETE FROM job_files WHERE job_id = $1",
        ] {
            sqlx::query(sql)
                .bind(&lease.job_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        tracing::info!(job_id = %lease.job_id, %status, processed, total, "job finished");
        Ok(())
    }
}

/// Counter increments of one progress write.
pub(crate) struct Progress {
    /// File rows covered (imports), added to `file_rows_done`.
    pub(crate) rows: u64,
    pub(crate) succeeded: u64,
    pub(crate) failed: u64,
}

impl Progress {
    /// Adds to the counters under the lease (extending it) and keeps the first errors; returns
    /// the new `file_rows_done`.
    async fn record(
        &self,
        tx: &mut Transaction<'static, Any>,
        lease: &Lease,
        errors: Vec<JobError>,
    ) -> Result<u64, StoreError> {
        let row = sqlx::query(
            "UPDATE jobs
             SET processed = processed + $3 + $4, succeeded = succeeded + $3,
                 failed = failed + $4, file_rows_done = file_rows_done + $5, lease_until = $6
             WHERE id = $1 AND lease_token = $2 AND status = 'running'
             RETURNING errors, file_rows_done",
        )
        .bind(&lease.job_id)
        .bind(&lease.token)
        .bind(to_db(self.succeeded)?)
        .bind(to_db(self.failed)?)
        .bind(to_db(self.rows)?)
        .bind(lease.renewed_until()?)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| lost(lease))?;
        let c = Cols(&row);
        append_errors(tx, &lease.job_id, c.json("errors")?, errors).await?;
        c.int("file_rows_done")
    }
}

/// Appends `new` to the stored `errors` while fewer than [`MAX_JOB_ERRORS`] are kept.
pub(crate) async fn append_errors(
    tx: &mut Transaction<'static, Any>,
    job_id: &str,
    mut stored: Vec<JobError>,
    new: Vec<JobError>,
) -> Result<(), StoreError> {
    let room = MAX_JOB_ERRORS.saturating_sub(stored.len());
    if room == 0 || new.is_empty() {
        return Ok(());
    }
    stored.extend(new.into_iter().take(room));
    sqlx::query("UPDATE jobs SET errors = $2 WHERE id = $1")
        .bind(job_id)
        .bind(to_json(&stored)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A new queued job, as it will be stored.
pub(crate) fn new_job(kind: JobKind, params: Option<&Value>, total: u64) -> Job {
    Job {
        id: new_id(),
        kind,
        status: JobStatus::Queued,
        total,
        processed: 0,
        succeeded: 0,
        failed: 0,
        errors: Vec::new(),
        params: params.cloned(),
        result: None,
        created_at: now(),
        started_at: None,
        finished_at: None,
    }
}

async fn insert_job(tx: &mut Transaction<'static, Any>, job: &Job) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO jobs (id, kind, status, total, params, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&job.id)
    .bind(job.kind.as_str())
    .bind(job.status.as_str())
    .bind(to_db(job.total)?)
    .bind(job.params.as_ref().map(to_json).transpose()?)
    .bind(&job.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Creates the company and logs the input when the domain is new; a known one is not touched.
async fn ingest_if_unknown(
    tx: &mut Transaction<'static, Any>,
    domain: &str,
    source: Source,
    job_id: &str,
    now: &str,
) -> Result<(), StoreError> {
    // DO NOTHING + RETURNING: only the transaction that creates the company logs the input.
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO companies (domain, canonical_name, created_at, updated_at)
         VALUES ($1, $1, $2, $2)
         ON CONFLICT (domain) DO NOTHING
         RETURNING id",
    )
    .bind(domain)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if created.is_some() {
        let input = NewInput {
            source,
            source_ref: None,
            domain: domain.to_owned(),
            company_name: None,
            email: None,
            website: None,
            payload: serde_json::json!({ "job_id": job_id }),
        };
        insert_raw_lead(tx, &input, now).await?;
    }
    Ok(())
}

/// [`Store::job_item_outcomes`] on a given connection (a job completing in a transaction).
pub(crate) async fn outcome_counts(
    conn: &mut AnyConnection,
    job_id: &str,
) -> Result<BTreeMap<String, u64>, StoreError> {
    let rows = sqlx::query(
        "SELECT outcome, COUNT(*) AS n FROM job_items
         WHERE job_id = $1 AND outcome IS NOT NULL
         GROUP BY outcome",
    )
    .bind(job_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let c = Cols(row);
            Ok((c.text("outcome")?, c.int("n")?))
        })
        .collect()
}

/// Stores the scans of items just marked done ([`mark_items_done`]) and returns what they add to
/// the job's counters, with the errors of the failed ones.
pub(crate) async fn save_counted(
    tx: &mut Transaction<'static, Any>,
    counted: &[&ItemDone],
) -> Result<(Progress, Vec<JobError>), StoreError> {
    let records: Vec<ScanRecord> = counted
        .iter()
        .filter_map(|item| match item {
            ItemDone::Scanned { record, .. } => Some(ScanRecord::clone(record)),
            ItemDone::Failed { .. } => None,
        })
        .collect();
    save_scans_in(tx, &records).await?;
    let errors: Vec<JobError> = counted.iter().filter_map(|item| item.error()).collect();
    let progress = Progress {
        rows: 0,
        succeeded: (counted.len() - errors.len()) as u64,
        failed: errors.len() as u64,
    };
    Ok((progress, errors))
}

/// Marks the pending items among `items` done (with a claim `token`: only those still claimed
/// under it), in domain order and a few statements; returns the items marked, which are the
/// ones to count.
pub(crate) async fn mark_items_done<'a>(
    tx: &mut Transaction<'static, Any>,
    job_id: &str,
    token: Option<&str>,
    items: &'a [ItemDone],
) -> Result<Vec<&'a ItemDone>, StoreError> {
    let order = domain_order(items, ItemDone::domain);
    let mut marked = HashSet::with_capacity(items.len());
    for chunk in order.chunks(rows_per_statement(tx, 2)) {
        let mut sql = String::from("WITH v(domain, outcome) AS (VALUES ");
        for n in 0..chunk.len() {
            sql.push_str(&format!("{}(${}, ${})", comma(n), 3 + 2 * n, 4 + 2 * n));
        }
        // `$2` is the claim token; without one it is NULL and the condition always holds.
        sql.push_str(
            ") UPDATE job_items SET outcome = v.outcome, claim_token = NULL, claim_until = NULL
             FROM v
             WHERE job_items.job_id = $1 AND job_items.domain = v.domain
               AND job_items.outcome IS NULL
               AND ($2 IS NULL OR job_items.claim_token = $2)
             RETURNING job_items.domain",
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
            .bind(job_id)
            .bind(token);
        for &i in chunk {
            query = query.bind(items[i].domain()).bind(items[i].outcome());
        }
        marked.extend(query.fetch_all(&mut **tx).await?);
    }
    // Each domain counts once, however often it was handed in.
    Ok(order
        .into_iter()
        .map(|i| &items[i])
        .filter(|item| marked.remove(item.domain()))
        .collect())
}

async fn insert_items(
    tx: &mut Transaction<'static, Any>,
    job_id: &str,
    items: &[(u64, &str)],
) -> Result<(), StoreError> {
    for chunk in items.chunks(rows_per_statement(tx, 3)) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO job_items (job_id, position, domain) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (position, domain) in chunk {
            query = query.bind(job_id).bind(to_db(*position)?).bind(*domain);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

fn job_from_row(row: &AnyRow) -> Result<Job, StoreError> {
    let c = Cols(row);
    let opt_json = |col: &'static str| -> Result<Option<Value>, StoreError> {
        c.opt_text(col)?
            .map(|v| serde_json::from_str(&v).map_err(|e| StoreError::corrupt(col, v.clone(), e)))
            .transpose()
    };
    Ok(Job {
        id: c.text("id")?,
        kind: c.parse("kind")?,
        status: c.parse("status")?,
        total: c.int("total")?,
        processed: c.int("processed")?,
        succeeded: c.int("succeeded")?,
        failed: c.int("failed")?,
        errors: c.json("errors")?,
        params: opt_json("params")?,
        result: opt_json("result")?,
        created_at: c.text("created_at")?,
        started_at: c.opt_text("started_at")?,
        finished_at: c.opt_text("finished_at")?,
    })
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn lease_until(length: Duration) -> Result<String, StoreError> {
    chrono::TimeDelta::from_std(length)
        .ok()
        .and_then(|d| Utc::now().checked_add_signed(d))
        .map(format_time)
        .ok_or_else(|| StoreError::InvalidInput(format!("lease of {length:?} is too long")))
}

pub(crate) fn to_db(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::InvalidInput(format!("count {n} is too large")))
}

fn lost_job(id: &str) -> StoreError {
    StoreError::InvalidInput(format!("job {id} vanished while it was being created"))
}

fn lost(lease: &Lease) -> StoreError {
    StoreError::LeaseLost {
        job_id: lease.job_id.clone(),
    }
}

/// One row changed: the lease is held; none: it is lost.
fn held(lease: &Lease, rows: u64) -> Result<(), StoreError> {
    if rows == 1 { Ok(()) } else { Err(lost(lease)) }
}
