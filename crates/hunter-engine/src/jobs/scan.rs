//! Scanning a job's pending domains: a stream of items read page by page, scanned with the
//! scanner's concurrency, and committed in batches together with the job's progress.

use futures::{StreamExt, TryStreamExt, stream};
use hunter_core::{Domain, Text};
use hunter_store::{ItemDone, JobItem, Lease, ScanRecord, StoreError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Worker;
use crate::scan::{Scanner, apply_facts, scan_domain, score_with_referral_facts};

/// Scans every pending item of the job; `false` when `stop` ended it early. In-flight scans
/// still finish and are committed (a scan is bounded by `HUNTER_SCAN_DEADLINE_MS`); what was
/// never committed stays pending for whoever resumes the job.
pub(super) async fn scan_items(
    worker: &Worker,
    lease: &Lease,
    stop: &CancellationToken,
) -> Result<bool, StoreError> {
    let store = &worker.store;
    let batch = worker.options.batch.max(1);
    let concurrency = worker.scanner.concurrency();
    // Pages are read ahead of the scans; a page never holds an item twice, since each one
    // starts after the last position read. The stream owns what it uses (the futures of
    // borrowing closures trip the compiler's `Send` inference in a spawned task).
    let page = (2 * concurrency).max(batch);
    let items = stream::try_unfold(
        (store.clone(), lease.job_id().to_owned(), None),
        move |(store, job_id, after)| async move {
            let items = store.pending_job_items(&job_id, after, page).await?;
            let next = items.last().map(|item| item.position);
            let page = stream::iter(items).map(Ok::<JobItem, StoreError>);
            Ok::<_, StoreError>(next.map(|next| (page, (store, job_id, Some(next)))))
        },
    )
    .try_flatten();

    let (tx, mut rx) = mpsc::channel::<ItemDone>(batch * 2);
    let (scanner_rules, scoring) = (worker.scanner.rules(), worker.scanner.partner_scoring());
    let scanner = worker.scanner.clone();
    let job_id = lease.job_id().to_owned();
    let produce = async move {
        let results = items
            .take_until(stop.clone().cancelled_owned())
            .map(move |item| {
                let (scanner, job_id) = (scanner.clone(), job_id.clone());
                async move { Ok::<_, StoreError>(scan_item(&scanner, &job_id, item?).await) }
            })
            .buffer_unordered(concurrency);
        let mut results = std::pin::pin!(results);
        while let Some(done) = results.next().await {
            if tx.send(done?).await.is_err() {
                // The writer stopped on an error, which it reports.
                break;
            }
        }
        Ok::<_, StoreError>(())
    };
    // Runs beside the scans in the same task: while one batch commits, the next one gathers.
    // It owns the receiver, so when it stops on an error the channel closes and the scans stop
    // too, instead of waiting for room that never comes.
    let write = async move {
        let mut done = Vec::with_capacity(batch);
        while rx.recv_many(&mut done, batch).await > 0 {
            let scanned = done.iter_mut().filter_map(|d| match d {
                ItemDone::Scanned { record, .. } => Some(&mut **record),
                ItemDone::Failed { .. } => None,
            });
            let with_referrals =
                score_with_referral_facts(store, scanner_rules, scoring, scanned).await?;
            store.record_job_items(lease, &done).await?;
            apply_facts(store, &with_referrals).await?;
            done.clear();
        }
        Ok::<_, StoreError>(())
    };
    let (produced, written) = tokio::join!(produce, write);
    written?;
    produced?;
    Ok(!stop.is_cancelled())
}

/// Scans one item; a DNS failure is a failed item, still stored (`hunter.md` §3.3 decides
/// whether it replaces an earlier result).
pub(super) async fn scan_item(scanner: &Scanner, job_id: &str, item: JobItem) -> ItemDone {
    // Items hold normalized domains, which parse to themselves; anything else is refused
    // rather than stored under another name than the item's.
    let domain = match Domain::parse(&item.domain) {
        Ok(d) if d.as_str() == item.domain => d,
        _ => {
            return ItemDone::Failed {
                message: Text::new(
                    format!("{:?} is not a normalized domain", item.domain),
                    format!("{:?} normalleştirilmiş bir alan adı değil", item.domain),
                ),
                domain: item.domain,
            };
        }
    };
    let outcome = scan_domain(scanner, &domain).await;
    let status = outcome.signals.scan_status;
    ItemDone::Scanned {
        failure: status.is_scan_failure().then(|| {
            Text::new(
                format!("scan failed: {status}"),
                format!("tarama başarısız: {status}"),
            )
        }),
        record: Box::new(ScanRecord {
            signals: outcome.signals,
            score: outcome.score,
            company_name: None,
            job_id: Some(job_id.to_owned()),
            scanned_at: outcome.scanned_at,
        }),
    }
}
