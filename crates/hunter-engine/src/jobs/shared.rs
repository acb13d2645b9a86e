//! Shared scan jobs (`bulk_scan`, `rescan`): this process claims batches of pending items from
//! any such job, scans them, and commits each batch under its claim (see `hunter_store`
//! shared_jobs). Any number of processes on one database share a job this way; a killed one
//! loses only its uncommitted batches, which others take once their claims run out.

use std::sync::Arc;

use futures::{StreamExt, stream};
use hunter_store::{ItemClaim, ItemDone, JobKind, ScanRecord, StoreError};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use super::Worker;
use super::scan::scan_item;
use crate::scan::{apply_facts, score_with_referral_facts};

/// The kinds whose items are claimed in batches.
pub(super) const SHARED_KINDS: &[JobKind] = &[JobKind::BulkScan, JobKind::Rescan];

/// Runs shared jobs until `shutdown`: claims batches while there are any, else idles on `wake`
/// or the poll interval. On shutdown no new batch is claimed; batches in flight finish (their
/// scans are bounded by the scan deadline) and are committed.
pub(super) async fn run_shared_jobs(
    worker: Arc<Worker>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    while !shutdown.is_cancelled() {
        if !drain(worker.clone(), shutdown.clone()).await {
            tokio::select! {
                _ = shutdown.cancelled() => {}
                _ = wake.notified() => {}
                _ = tokio::time::sleep(worker.options.poll) => {}
            }
        }
    }
}

/// Claims and runs batches until none is claimable (or shutdown); whether any was claimed.
/// Enough batches are held at once to keep `HUNTER_SCAN_CONCURRENCY` scans going, and a
/// semaphore keeps it at that: while one batch commits, the next ones scan.
async fn drain(worker: Arc<Worker>, shutdown: CancellationToken) -> bool {
    let batch = worker.options.batch.max(1);
    let concurrency = worker.scanner.concurrency().max(1);
    let held = concurrency.div_ceil(batch) + 1;
    let scans = Arc::new(Semaphore::new(concurrency));
    let claims = stream::unfold(worker.clone(), move |worker| {
        let shutdown = shutdown.clone();
        async move {
            if shutdown.is_cancelled() {
                return None;
            }
            let claimed = worker
                .store
                .claim_items(SHARED_KINDS, batch, worker.options.lease)
                .await;
            match claimed {
                Ok(Some(claim)) => Some((claim, worker)),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim scan items");
                    None
                }
            }
        }
    });
    let mut claimed = false;
    let mut runs = std::pin::pin!(
        claims
            .map(|claim| run_claim(worker.clone(), scans.clone(), claim))
            .buffer_unordered(held)
    );
    while runs.next().await.is_some() {
        claimed = true;
    }
    claimed
}

/// Scans a claim's items, renewing the claim meanwhile, and commits them. Failures are logged:
/// what is not committed stays pending, and is claimed again once this claim runs out.
async fn run_claim(worker: Arc<Worker>, scans: Arc<Semaphore>, claim: ItemClaim) {
    let job_id = claim.job_id().to_owned();
    match scan_and_record(&worker, &scans, &claim).await {
        Ok(()) => {}
        Err(e) if e.is_claim_lost() => {
            tracing::warn!(%job_id, "claimed items were taken over by another worker")
        }
        Err(e) => {
            tracing::warn!(%job_id, error = %e, "could not record scanned items; they will be scanned again")
        }
    }
}

async fn scan_and_record(
    worker: &Worker,
    scans: &Semaphore,
    claim: &ItemClaim,
) -> Result<(), StoreError> {
    let job_id = claim.job_id();
    let scanner = &worker.scanner;
    let scanned = stream::iter(claim.items.iter().cloned())
        .map(|item| async move {
            // Never closed, so acquiring only waits.
            let _permit = scans.acquire().await;
            scan_item(scanner, job_id, item).await
        })
        .buffer_unordered(claim.items.len().max(1))
        .collect::<Vec<ItemDone>>();
    let mut done = renewing(worker, claim, scanned).await?;
    let records = done.iter_mut().filter_map(|d| match d {
        ItemDone::Scanned { record, .. } => Some::<&mut ScanRecord>(&mut **record),
        ItemDone::Failed { .. } => None,
    });
    let store = &worker.store;
    let with_referrals =
        score_with_referral_facts(store, scanner.rules(), scanner.partner_scoring(), records)
            .await?;
    let recorded = store.record_claimed_items(claim, &done).await?;
    tracing::debug!(job_id, counted = recorded.counted, "scanned items recorded");
    apply_facts(store, &with_referrals).await?;
    Ok(())
}

/// Awaits `work`, renewing the claim every third of its length. A lost claim ends the wait: the
/// items are someone else's now. A renewal that fails otherwise is retried next time.
async fn renewing<T>(
    worker: &Worker,
    claim: &ItemClaim,
    work: impl Future<Output = T>,
) -> Result<T, StoreError> {
    let mut work = std::pin::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return Ok(out),
            _ = tokio::time::sleep(claim.length() / 3) => {}
        }
        match worker.store.renew_claim(claim).await {
            Ok(()) => {}
            Err(e) if e.is_claim_lost() => return Err(e),
            Err(e) => {
                tracing::warn!(job_id = claim.job_id(), error = %e, "could not renew a claim")
            }
        }
    }
}
