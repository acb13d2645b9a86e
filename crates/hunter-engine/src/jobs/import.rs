//! The import job: the uploaded file is read twice on a blocking thread, once to count its rows
//! (so `total` is known before anything is ingested) and once to ingest the rows not yet
//! committed, in batches recorded together with the file position. With `scan`, the ingested
//! domains are queued as the job's items in the same transactions and scanned afterwards.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use hunter_core::Text;
use hunter_store::{ImportRows, Job, JobEnd, JobError, Lease};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::scan::scan_items;
use super::{ImportParams, RunError, RunResult, Worker};
use crate::import::{Detection, ImportError, RowOutcome, each_row, reader};

/// Rows ingested per transaction.
const ROWS_PER_BATCH: usize = 1000;

pub(super) async fn run_import(
    worker: &Worker,
    job: &Job,
    lease: &Lease,
    rows_done: u64,
    stop: &CancellationToken,
) -> RunResult {
    let params: ImportParams = job
        .params
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| RunError::Params(e.to_string()))?
        .ok_or_else(|| RunError::Params("none stored".into()))?;
    let detection = match params.auto_detect {
        true => Detection::Auto,
        false => Detection::Exact,
    };
    let file = worker
        .store
        .job_file(&job.id)
        .await?
        .ok_or(RunError::FileMissing)?;
    let bytes: Arc<[u8]> = file.content.into();

    let census = {
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || census(bytes, detection))
            .await
            .map_err(|_| ImportError::ReaderPanicked)??
    };
    let scans = if params.scan { census.ingested } else { 0 };
    worker
        .store
        .set_job_total(lease, census.rows + scans)
        .await?;

    if rows_done < census.rows
        && !ingest_rows(
            worker,
            lease,
            bytes,
            detection,
            rows_done,
            params.scan,
            stop,
        )
        .await?
    {
        return Ok(None);
    }
    let mut result = json!({
        "file_name": params.file_name,
        "rows": census.rows,
        "ingested": census.ingested,
        "skipped": census.rows - census.ingested,
        "columns": census.columns,
    });
    if params.scan {
        if !scan_items(worker, lease, stop).await? {
            return Ok(None);
        }
        result["scan_statuses"] = json!(worker.store.job_item_outcomes(&job.id).await?);
    }
    Ok(Some(JobEnd::Completed { result }))
}

/// What the file holds, decided by the same rules as the ingestion itself.
struct Census {
    /// Data rows (blank rows not counted).
    rows: u64,
    /// Rows that are ingested: one per distinct usable domain.
    ingested: u64,
    /// The file's header for each field read (`company`, `domain`, `website`, `email`).
    columns: BTreeMap<&'static str, String>,
}

fn census(bytes: Arc<[u8]>, detection: Detection) -> Result<Census, ImportError> {
    let table = reader::open_bytes(bytes)?;
    let headers = table.headers.clone();
    let (mut rows, mut ingested) = (0, 0);
    let map = each_row(table, detection, |outcome, _| {
        rows += 1;
        ingested += u64::from(matches!(outcome, RowOutcome::Ingest(_)));
        ControlFlow::Continue(())
    })?;
    let columns = [
        ("company", map.company),
        ("domain", map.domain),
        ("website", map.website),
        ("email", map.email),
    ]
    .into_iter()
    .filter_map(|(field, col)| Some((field, headers.get(col?)?.clone())))
    .collect();
    Ok(Census {
        rows,
        ingested,
        columns,
    })
}

/// Ingests the rows after the first `start`; `false` when `stop` ended it early (the batches
/// recorded so far stay).
async fn ingest_rows(
    worker: &Worker,
    lease: &Lease,
    bytes: Arc<[u8]>,
    detection: Detection,
    start: u64,
    queue_scans: bool,
    stop: &CancellationToken,
) -> Result<bool, RunError> {
    let (tx, mut rx) = mpsc::channel::<Vec<RowOutcome>>(2);
    // The rows before `start` are read again but not sent: repeats are told by the rows before
    // them, so the same rows are skipped as on the first run.
    let reading = tokio::task::spawn_blocking(move || {
        let table = reader::open_bytes(bytes)?;
        let mut seen = 0;
        let mut batch = Vec::with_capacity(ROWS_PER_BATCH);
        each_row(table, detection, |outcome, _| {
            seen += 1;
            if seen <= start {
                return ControlFlow::Continue(());
            }
            batch.push(outcome);
            if batch.len() >= ROWS_PER_BATCH
                && tx.blocking_send(std::mem::take(&mut batch)).is_err()
            {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })?;
        if !batch.is_empty() {
            // A closed channel means the job stopped; it says why.
            let _ = tx.blocking_send(batch);
        }
        Ok::<_, ImportError>(())
    });

    let mut position = start;
    while let Some(rows) = rx.recv().await {
        if stop.is_cancelled() {
            return Ok(false);
        }
        let mut batch = ImportRows {
            start: position,
            rows: rows.len() as u64,
            inputs: Vec::with_capacity(rows.len()),
            skipped: Vec::new(),
            queue_scans,
        };
        for row in rows {
            match row {
                RowOutcome::Ingest(input) => batch.inputs.push(input),
                RowOutcome::Skip(s) => batch
                    .skipped
                    .push(JobError::at_row(s.row, Text::new(s.reason, s.reason_tr))),
            }
        }
        worker.store.record_import_rows(lease, &batch).await?;
        position += batch.rows;
    }
    reading.await.map_err(|_| ImportError::ReaderPanicked)??;
    Ok(!stop.is_cancelled())
}
