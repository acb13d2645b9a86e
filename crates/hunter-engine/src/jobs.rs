//! Background jobs (`hunter.md` §7, §8, §9 items 26 and 28): bulk scans and file imports run as
//! persisted jobs by workers inside `hunter serve` / `hunter worker`. A job survives restarts and
//! runs on any process sharing the database; its work is committed with its progress, so a job
//! taken over after a crash neither repeats nor loses anything (see `hunter_store` jobs).
//!
//! Counters, as `GET /api/jobs/{job_id}` shows them. Always `processed = succeeded + failed`;
//! a completed job has `processed == total`.
//! - **bulk_scan**: one unit per distinct domain. Succeeded: the scan got an answer (`ok`,
//!   `partial`, `no_mx`, `nxdomain`); failed: `timeout` or `servfail`, with an error naming the
//!   domain. Either way the result is stored (a failed rescan keeps a usable earlier result).
//! - **import**: one unit per data row of the file (blank rows are not counted), plus, with
//!   `scan`, one per ingested domain, counted as for a bulk scan. A row succeeds when ingested and
//!   fails when skipped (no usable domain, a repeat of an earlier row's domain, unreadable), with
//!   an error giving its row number. `total` is 0 until a worker has read the file; it is then
//!   fixed before any row is ingested, so progress only moves forward.

mod import;
mod scan;
mod shared;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use hunter_core::{Domain, Text};
use hunter_store::{Backend, ClaimedJob, Job, JobEnd, JobKind, Lease, Source, Store, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::import::{Detection, ImportError};
use crate::partner_center::PartnerCenter;
use crate::referral_sync::{SyncError, SyncMode, sync_referrals};
use crate::scan::Scanner;

/// The kinds a worker slot leases whole; `referral_sync` only where Partner Center is enabled
/// ([`JobQueue::with_partner_center`]). Bulk scans and rescans are shared instead: their items
/// are claimed in batches by every process ([`shared`]).
const KINDS: &[JobKind] = &[JobKind::Import];
const WITH_PARTNER_CENTER: &[JobKind] = &[JobKind::Import, JobKind::ReferralSync];

/// How workers run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerOptions {
    /// Imports and syncs this process runs at once (bulk scans and rescans are shared by all
    /// processes and run beside them). Each scans up to `HUNTER_SCAN_CONCURRENCY` domains at a
    /// time.
    pub slots: usize,
    /// Scan results committed per transaction, at most; also the items of a shared job claimed
    /// at once.
    pub batch: usize,
    /// How long a leased job or claimed batch stays this process's without renewal; it is
    /// renewed every third of it. After a crash, other processes take the work over once it ran
    /// out.
    pub lease: Duration,
    /// How often idle workers look for jobs queued by other processes (an enqueue through the
    /// same [`JobQueue`] wakes them at once).
    pub poll: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            slots: 2,
            batch: 100,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
        }
    }
}

/// Enqueues jobs and runs them. Cheap to clone; clones share the wake-up signal, so a job
/// enqueued through any clone starts at once on workers run by any clone.
#[derive(Clone, Debug)]
pub struct JobQueue {
    store: Store,
    wake: Arc<Notify>,
    /// Wakes the shared-job runner (bulk scans, rescans); it has its own, since `notify_one` on
    /// `wake` could wake an import slot instead.
    wake_shared: Arc<Notify>,
    /// Set when Partner Center is enabled: workers then run `referral_sync` jobs too.
    partner_center: Option<Arc<PartnerCenter>>,
}

/// `params` of an import job.
#[derive(Debug, Serialize, Deserialize)]
struct ImportParams {
    file_name: String,
    scan: bool,
    auto_detect: bool,
}

impl JobQueue {
    pub fn new(store: Store) -> JobQueue {
        JobQueue {
            store,
            wake: Arc::new(Notify::new()),
            wake_shared: Arc::new(Notify::new()),
            partner_center: None,
        }
    }

    /// Lets this queue's workers run Partner Center syncs.
    pub fn with_partner_center(mut self, partner_center: Arc<PartnerCenter>) -> JobQueue {
        self.partner_center = Some(partner_center);
        self
    }

    /// Queues one Partner Center sync run; its result (`contract.md` §5) becomes the job's
    /// `result`.
    pub async fn enqueue_referral_sync(&self, mode: SyncMode) -> Result<Job, StoreError> {
        let params = serde_json::json!({ "force": mode == SyncMode::Full });
        let job = self
            .store
            .create_scan_job(JobKind::ReferralSync, Some(&params), &[], None)
            .await?;
        self.wake.notify_one();
        Ok(job)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Queues a scan of `domains`, repeats dropped (`total` = distinct domains). Domains without
    /// a company are ingested now, with source `domain`.
    pub async fn enqueue_bulk_scan(&self, domains: Vec<Domain>) -> Result<Job, StoreError> {
        let mut seen = HashSet::new();
        let distinct: Vec<String> = domains
            .iter()
            .map(Domain::as_str)
            .filter(|d| seen.insert(*d))
            .map(str::to_owned)
            .collect();
        let job = self
            .store
            .create_scan_job(JobKind::BulkScan, None, &distinct, Some(Source::Domain))
            .await?;
        self.wake_shared.notify_one();
        Ok(job)
    }

    /// Queues the rescan of every domain whose stored result is older than `max_age`, for the
    /// scheduled time `slot`; `None` when one is already queued or running, or was made for
    /// `slot` (by any process).
    pub async fn enqueue_rescan(
        &self,
        max_age: Duration,
        slot: &str,
    ) -> Result<Option<Job>, StoreError> {
        let job = self.store.create_rescan_job(max_age, slot).await?;
        if job.is_some() {
            self.wake_shared.notify_one();
        }
        Ok(job)
    }

    /// Queues an import of an uploaded CSV or XLSX file (kept in the database until the job
    /// finishes); with `scan`, the job then scans the domains it ingested. The file is read by
    /// the worker: an unreadable file or one without usable columns fails the job, saying why.
    pub async fn enqueue_import(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
        scan: bool,
        detection: Detection,
    ) -> Result<Job, StoreError> {
        let params = ImportParams {
            file_name: file_name.to_owned(),
            scan,
            auto_detect: detection == Detection::Auto,
        };
        let params = serde_json::to_value(&params)
            .map_err(|e| StoreError::InvalidInput(format!("import parameters: {e}")))?;
        let job = self
            .store
            .create_file_job(JobKind::Import, Some(&params), file_name, &bytes)
            .await?;
        self.wake.notify_one();
        Ok(job)
    }

    /// Runs `options.slots` workers until `shutdown` is cancelled, then returns once each has
    /// stopped: a running job finishes its in-flight scans (bounded by the scan deadline),
    /// commits them and goes back to the queue for the next worker. Nothing here ends the loop
    /// early: a database outage is logged and retried.
    ///
    /// At start, jobs left `running` by a process that is gone are re-queued: on SQLite all of
    /// them (one process owns the file), on PostgreSQL those whose lease ran out.
    pub async fn run_workers(
        &self,
        scanner: Arc<Scanner>,
        options: WorkerOptions,
        shutdown: CancellationToken,
    ) {
        let requeued = match self.store.backend() {
            Backend::Sqlite => self.store.requeue_running_jobs().await,
            Backend::Postgres => self.store.requeue_expired_jobs().await,
        };
        match requeued {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "re-queued jobs of a stopped process"),
            Err(e) => tracing::warn!(error = %e, "could not re-queue abandoned jobs"),
        }
        let worker = Arc::new(Worker {
            store: self.store.clone(),
            scanner,
            options,
            partner_center: self.partner_center.clone(),
        });
        // Dropping the set (this future cancelled) aborts the slots, and with them their leases'
        // heartbeats.
        let mut slots = JoinSet::new();
        for _ in 0..worker.options.slots.max(1) {
            slots.spawn(slot(worker.clone(), self.wake.clone(), shutdown.clone()));
        }
        slots.spawn(shared::run_shared_jobs(
            worker.clone(),
            self.wake_shared.clone(),
            shutdown.clone(),
        ));
        while let Some(ended) = slots.join_next().await {
            if let Err(e) = ended {
                tracing::error!(error = %e, "a job worker stopped unexpectedly");
            }
        }
    }
}

/// What all slots of one `run_workers` share.
struct Worker {
    store: Store,
    scanner: Arc<Scanner>,
    options: WorkerOptions,
    partner_center: Option<Arc<PartnerCenter>>,
}

impl Worker {
    /// The job kinds this worker claims.
    fn kinds(&self) -> &'static [JobKind] {
        match self.partner_center {
            Some(_) => WITH_PARTNER_CENTER,
            None => KINDS,
        }
    }
}

/// One worker: claims a job, runs it, and looks again; idles on `wake` or the poll interval.
async fn slot(worker: Arc<Worker>, wake: Arc<Notify>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        let busy = match worker
            .store
            .claim_job(worker.kinds(), worker.options.lease)
            .await
        {
            Ok(Some(claimed)) => worker.run(claimed, &shutdown).await == Ran::Done,
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "could not look for jobs");
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = shutdown.cancelled() => {}
                _ = wake.notified() => {}
                _ = tokio::time::sleep(worker.options.poll) => {}
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Ran {
    Done,
    /// The database is unavailable: pause before claiming again.
    Retry,
}

/// Why a job run stopped early.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("the job's parameters are not valid: {0}")]
    Params(String),
    #[error("the uploaded file is no longer stored with the job")]
    FileMissing,
    #[error("{0} jobs are not run by these workers")]
    Unsupported(JobKind),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl RunError {
    fn store_error(&self) -> Option<&StoreError> {
        match self {
            RunError::Store(e) | RunError::Import(ImportError::Store(e)) => Some(e),
            _ => None,
        }
    }
}

/// The end a job run reached: `None` when it stopped (shutdown or lost lease) with work left.
type RunResult = Result<Option<JobEnd>, RunError>;

impl Worker {
    /// One sync run, recorded under this job. It is not cut short by a shutdown: a run reads a
    /// few pages and is bounded by the client's timeouts.
    async fn run_referral_sync(&self, job: &Job) -> RunResult {
        let Some(pc) = &self.partner_center else {
            return Err(RunError::Unsupported(JobKind::ReferralSync));
        };
        let force = job
            .params
            .as_ref()
            .and_then(|p| p.get("force"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let mode = match force {
            true => SyncMode::Full,
            false => SyncMode::Incremental,
        };
        let result = sync_referrals(
            &self.store,
            &pc.client,
            &self.scanner,
            pc.scoring,
            mode,
            Some(&job.id),
        )
        .await?;
        let result = serde_json::to_value(&result)
            .map_err(|e| RunError::Params(format!("sync result: {e}")))?;
        Ok(Some(JobEnd::Completed { result }))
    }

    async fn run(&self, claimed: ClaimedJob, shutdown: &CancellationToken) -> Ran {
        let ClaimedJob {
            job,
            lease,
            file_rows_done,
        } = claimed;
        // Cancelled on shutdown, or by the heartbeat when the lease is lost.
        let stop = shutdown.child_token();
        let done = CancellationToken::new();
        let work = async {
            let result = match job.kind {
                JobKind::Import => {
                    import::run_import(self, &job, &lease, file_rows_done, &stop).await
                }
                JobKind::ReferralSync => self.run_referral_sync(&job).await,
                other => Err(RunError::Unsupported(other)),
            };
            done.cancel();
            result
        };
        let (result, lost) = tokio::join!(work, self.heartbeat(&lease, &stop, &done));
        let id = job.id.as_str();
        let end = match result {
            Ok(Some(end)) => end,
            Ok(None) if lost => {
                tracing::warn!(job_id = id, "job lease lost; another worker has the job");
                return Ran::Done;
            }
            Ok(None) => {
                if let Err(e) = self.store.release_lease(&lease).await {
                    tracing::warn!(job_id = id, error = %e, "could not re-queue a stopped job; it is taken over when its lease runs out");
                } else {
                    tracing::info!(job_id = id, "job stopped and re-queued");
                }
                return Ran::Done;
            }
            Err(e) => match e.store_error() {
                Some(s) if s.is_lease_lost() => {
                    tracing::warn!(job_id = id, "job lease lost; another worker has the job");
                    return Ran::Done;
                }
                Some(s) if s.is_unavailable() => {
                    tracing::warn!(job_id = id, error = %e, "database unavailable; the job will be resumed");
                    return self.give_back(&lease).await;
                }
                _ => {
                    tracing::error!(job_id = id, kind = %job.kind, error = %e, "job failed");
                    JobEnd::Failed {
                        message: job_failed(&e),
                    }
                }
            },
        };
        let completing = matches!(end, JobEnd::Completed { .. });
        match self.store.finish_job(&lease, end).await {
            Ok(()) => Ran::Done,
            Err(e) if e.is_lease_lost() => {
                tracing::warn!(job_id = id, "job lease lost before it could finish");
                Ran::Done
            }
            // Refused for a reason a retry would meet again (`processed != total`): the job
            // fails saying so rather than running forever.
            Err(e) if completing && !e.is_unavailable() => {
                tracing::error!(job_id = id, error = %e, "job could not complete");
                let failed = JobEnd::Failed {
                    message: job_failed(&e),
                };
                match self.store.finish_job(&lease, failed).await {
                    Ok(()) => Ran::Done,
                    Err(_) => self.give_back(&lease).await,
                }
            }
            Err(e) => {
                tracing::warn!(job_id = id, error = %e, "could not finish the job; it will be resumed");
                self.give_back(&lease).await
            }
        }
    }

    /// Re-queues the job after a database failure, and pauses the slot. The release likely fails
    /// too; the lease then runs out and the job is taken over.
    async fn give_back(&self, lease: &Lease) -> Ran {
        let _ = self.store.release_lease(lease).await;
        Ran::Retry
    }

    /// Renews the lease every third of its length until `done`; returns whether it was lost
    /// (and then cancels `stop`). A failed renewal is retried: the lease may still be ours.
    /// Progress writes renew it too; this keeps it while scans run without committing.
    async fn heartbeat(
        &self,
        lease: &Lease,
        stop: &CancellationToken,
        done: &CancellationToken,
    ) -> bool {
        loop {
            tokio::select! {
                _ = done.cancelled() => return false,
                _ = tokio::time::sleep(lease.length() / 3) => {}
            }
            match self.store.renew_lease(lease).await {
                Ok(()) => {}
                Err(e) if e.is_lease_lost() => {
                    stop.cancel();
                    return true;
                }
                Err(e) => {
                    tracing::warn!(job_id = lease.job_id(), error = %e, "could not renew the job lease")
                }
            }
        }
    }
}

/// Why a job failed, for people: the cause is technical text in English (a store, file or
/// Partner Center error), which the Turkish message quotes.
fn job_failed(cause: &impl std::fmt::Display) -> Text {
    Text::new(cause.to_string(), format!("iş tamamlanamadı: {cause}"))
}
