//! Scan jobs shared by many workers (`bulk_scan`, `rescan`): no worker holds the job; each claims
//! a few of its pending items at a time, on whichever process it runs.
//!
//! Exactly once: a claim marks its items with a token and an expiry. A result is committed only
//! for an item still pending under the committing claim's token, in the same transaction as the
//! job's counters, so an item is counted once however many workers scanned it. A worker that
//! dies leaves its claim to run out; the items are then claimable again. The commit that counts
//! the last item completes the job, in that same transaction.
//!
//! Locks: a claim takes item rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL (so concurrent
//! claimers pass each other) and no other row but the job's when it starts it; a commit takes
//! its own items, then companies in domain order, then the job row, so commits of one job
//! serialize only on the job row, and briefly.

use std::time::Duration;

use serde_json::Value;
use sqlx::{Any, Transaction};

use crate::codec::{Cols, now, to_json};
use crate::jobs::{
    ItemDone, JobError, JobItem, JobKind, Progress, append_errors, lease_until, mark_items_done,
    new_id, new_job, outcome_counts, save_counted, to_db,
};
use crate::{Backend, Job, Store, StoreError};

/// Candidate jobs looked at per claim, oldest first.
const JOBS_PER_CLAIM: i64 = 16;

/// Pending items of one shared job, claimed by one worker until they are recorded or the claim
/// runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemClaim {
    job_id: String,
    token: String,
    length: Duration,
    /// The claimed items, in position order.
    pub items: Vec<JobItem>,
}

impl ItemClaim {
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// How long the claim lasts from its last renewal.
    pub fn length(&self) -> Duration {
        self.length
    }

    /// The first and last claimed positions: renewals touch only this range of the job's items.
    fn range(&self) -> Result<(i64, i64), StoreError> {
        let first = self.items.first().map_or(0, |i| i.position);
        let last = self.items.last().map_or(0, |i| i.position);
        Ok((to_db(first)?, to_db(last)?))
    }
}

/// What recording a claim's results did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// Items counted now; the others were no longer this claim's.
    pub counted: u64,
    /// This commit counted the job's last item and completed the job.
    pub completed_job: bool,
}

impl JobKind {
    /// Kinds whose items any number of workers claim ([`Store::claim_items`]) instead of one
    /// worker leasing the whole job.
    pub fn is_shared(self) -> bool {
        matches!(self, JobKind::BulkScan | JobKind::Rescan)
    }
}

impl Store {
    /// Claims up to `limit` pending items, not claimed by anyone (or under an expired claim), of
    /// the oldest queued or running job of one of `kinds` that has such items. The job becomes
    /// `running`. `None` when no job has claimable items.
    pub async fn claim_items(
        &self,
        kinds: &[JobKind],
        limit: usize,
        length: Duration,
    ) -> Result<Option<ItemClaim>, StoreError> {
        if kinds.is_empty() || limit == 0 {
            return Ok(None);
        }
        let kind_params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT id FROM jobs
             WHERE status IN ('queued', 'running') AND kind IN ({})
             ORDER BY created_at, id
             LIMIT {JOBS_PER_CLAIM}",
            kind_params.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for kind in kinds {
            query = query.bind(kind.as_str());
        }
        let jobs = query.fetch_all(&self.pool).await?;
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claim_sql = format!(
            "UPDATE job_items SET claim_token = $2, claim_until = $3
             WHERE job_id = $1 AND position IN (
                 SELECT position FROM job_items
                 WHERE job_id = $1 AND outcome IS NULL
                   AND (claim_until IS NULL OR claim_until < $4)
                 ORDER BY position
                 LIMIT $5
                 {lock})
             RETURNING position, domain"
        );
        for job_id in jobs {
            let token = new_id();
            let mut tx = self.begin_write().await?;
            let now = now();
            let rows = sqlx::query(sqlx::AssertSqlSafe(claim_sql.clone()))
                .bind(&job_id)
                .bind(&token)
                .bind(lease_until(length)?)
                .bind(&now)
                .bind(to_db(limit as u64)?)
                .fetch_all(&mut *tx)
                .await?;
            if rows.is_empty() {
                continue;
            }
            sqlx::query(
                "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, $2)
                 WHERE id = $1 AND status = 'queued'",
            )
            .bind(&job_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut items = rows
                .iter()
                .map(|row| {
                    let c = Cols(row);
                    Ok(JobItem {
                        position: c.int("position")?,
                        domain: c.text("domain")?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            items.sort_by_key(|item| item.position);
            return Ok(Some(ItemClaim {
                job_id,
                token,
                length,
                items,
            }));
        }
        Ok(None)
    }

    /// Extends the claim by its length from now, for its items not yet recorded.
    /// [`StoreError::ClaimLost`] when none of them is still this claim's.
    pub async fn renew_claim(&self, claim: &ItemClaim) -> Result<(), StoreError> {
        let (first, last) = claim.range()?;
        let done = sqlx::query(
            "UPDATE job_items SET claim_until = $3
             WHERE job_id = $1 AND position BETWEEN $4 AND $5 AND claim_token = $2
               AND outcome IS NULL",
        )
        .bind(&claim.job_id)
        .bind(&claim.token)
        .bind(lease_until(claim.length)?)
        .bind(first)
        .bind(last)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(claim_lost(claim));
        }
        Ok(())
    }

    /// Records finished items of a claim in one transaction: each item still pending under this
    /// claim is marked done, its scan stored (as [`Store::save_scans`] does) and counted, with
    /// its error when it failed. Items no longer this claim's are left to whoever has them.
    /// When this counts the job's last item, the job completes in the same transaction, its
    /// result giving the count of each outcome (`statuses`) and, for a rescan, the provider
    /// changes it recorded.
    pub async fn record_claimed_items(
        &self,
        claim: &ItemClaim,
        items: &[ItemDone],
    ) -> Result<Recorded, StoreError> {
        let mut tx = self.begin_write().await?;
        let counted = mark_items_done(&mut tx, &claim.job_id, Some(&claim.token), items).await?;
        if counted.is_empty() {
            return match items.is_empty() {
                true => Ok(Recorded {
                    counted: 0,
                    completed_job: false,
                }),
                false => Err(claim_lost(claim)),
            };
        }
        let (progress, errors) = save_counted(&mut tx, &counted).await?;
        let (processed, total, kind) = progress
            .record_shared(&mut tx, &claim.job_id, errors)
            .await?;
        let completed_job = processed == total;
        if completed_job {
            complete(&mut tx, &claim.job_id, kind).await?;
        }
        tx.commit().await?;
        if completed_job {
            tracing::info!(job_id = %claim.job_id, total, "job completed");
        }
        Ok(Recorded {
            counted: counted.len() as u64,
            completed_job,
        })
    }

    /// Queues a rescan of every domain whose stored result is older than `max_age` (by
    /// `scanned_at`), for the scheduled time `slot`. `None`, with nothing written, when a rescan
    /// is already queued or running, or one was already made for `slot`, in this or another
    /// process. A rescan with nothing to scan is stored as completed.
    pub async fn create_rescan_job(
        &self,
        max_age: Duration,
        slot: &str,
    ) -> Result<Option<Job>, StoreError> {
        let cutoff = chrono::TimeDelta::from_std(max_age)
            .ok()
            .and_then(|age| chrono::Utc::now().checked_sub_signed(age))
            .map(crate::codec::format_time)
            .ok_or_else(|| StoreError::InvalidInput(format!("age {max_age:?} is too long")))?;
        let params = serde_json::json!({
            "max_age_seconds": max_age.as_secs(),
            "scanned_before": cutoff,
            "schedule_slot": slot,
        });
        let mut job = new_job(JobKind::Rescan, Some(&params), 0);
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, status, total, params, created_at, schedule_slot)
             VALUES ($1, $2, $3, 0, $4, $5, $6)",
        )
        .bind(&job.id)
        .bind(job.kind.as_str())
        .bind(job.status.as_str())
        .bind(to_json(&params)?)
        .bind(&job.created_at)
        .bind(slot)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from);
        match inserted {
            Ok(_) => {}
            // Dropping the transaction rolls it back.
            Err(e) if e.is_unique_violation() => return Ok(None),
            Err(e) => return Err(e),
        }
        // One statement, however many domains: positions follow domain order.
        let items = sqlx::query(
            "INSERT INTO job_items (job_id, position, domain)
             SELECT $1, ROW_NUMBER() OVER (ORDER BY domain) - 1, domain
             FROM domain_signals WHERE scanned_at < $2",
        )
        .bind(&job.id)
        .bind(&cutoff)
        .execute(&mut *tx)
        .await?;
        job.total = items.rows_affected();
        sqlx::query("UPDATE jobs SET total = $2 WHERE id = $1")
            .bind(&job.id)
            .bind(to_db(job.total)?)
            .execute(&mut *tx)
            .await?;
        if job.total == 0 {
            complete(&mut tx, &job.id, JobKind::Rescan).await?;
        }
        tx.commit().await?;
        self.job(&job.id).await
    }
}

impl Progress {
    /// Adds to a shared job's counters and keeps the first errors; returns the new `processed`,
    /// `total` and the job's kind.
    async fn record_shared(
        &self,
        tx: &mut Transaction<'static, Any>,
        job_id: &str,
        errors: Vec<JobError>,
    ) -> Result<(u64, u64, JobKind), StoreError> {
        let row = sqlx::query(
            "UPDATE jobs
             SET processed = processed + $2 + $3, succeeded = succeeded + $2,
                 failed = failed + $3
             WHERE id = $1 AND status = 'running'
             RETURNING errors, processed, total, kind",
        )
        .bind(job_id)
        .bind(to_db(self.succeeded)?)
        .bind(to_db(self.failed)?)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::ClaimLost {
            job_id: job_id.to_owned(),
        })?;
        let c = Cols(&row);
        append_errors(tx, job_id, c.json("errors")?, errors).await?;
        Ok((c.int("processed")?, c.int("total")?, c.parse("kind")?))
    }
}

/// Completes a shared job whose every item is counted: its result, then its items dropped.
pub(crate) async fn complete(
    tx: &mut Transaction<'static, Any>,
    job_id: &str,
    kind: JobKind,
) -> Result<(), StoreError> {
    let statuses = outcome_counts(tx, job_id).await?;
    let mut result = serde_json::json!({ "statuses": statuses });
    if kind == JobKind::Rescan {
        let changes: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM provider_change_history WHERE job_id = $1")
                .bind(job_id)
                .fetch_one(&mut **tx)
                .await?;
        result["provider_changes"] = Value::from(changes);
    }
    sqlx::query(
        "UPDATE jobs SET status = 'completed', result = $2, finished_at = $3,
             started_at = COALESCE(started_at, $3)
         WHERE id = $1",
    )
    .bind(job_id)
    .bind(to_json(&result)?)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM job_items WHERE job_id = $1")
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn claim_lost(claim: &ItemClaim) -> StoreError {
    StoreError::ClaimLost {
        job_id: claim.job_id.clone(),
    }
}
