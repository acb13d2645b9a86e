//! File ingestion (`hunter.md` §2, Files): rows → normalized domains → companies and `raw_leads`.
//! A bad row is reported with its row number and the good rows still go in; a domain on several
//! rows is ingested once, with the first row's company name.

pub mod columns;
pub mod reader;

use std::collections::HashMap;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::hash::{Hash, Hasher};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use hunter_core::{Domain, InputFields};
use hunter_store::{NewInput, Source, Store, StoreError};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

pub use columns::{ColumnError, ColumnMap, Detection};
pub use reader::{ReadError, Table};

/// Rows sent to the database per transaction.
const BATCH: usize = 1000;
/// Rows read before the columns are chosen (auto-detection looks at their cells).
const SAMPLE: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    pub row: u64,
    pub reason: String,
    /// The same reason in Turkish.
    pub reason_tr: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows seen (blank rows not counted).
    pub rows: u64,
    /// Rows that produced a company (first occurrence of each domain).
    pub ingested: u64,
    /// Of those, companies that did not exist before.
    pub new_companies: u64,
    /// Rows not ingested, in file order, each with its reason.
    pub skipped: Vec<SkippedRow>,
    pub columns: ColumnMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Columns(#[from] ColumnError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the file reader stopped unexpectedly")]
    ReaderPanicked,
}

/// What the import makes of one data row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    /// The first row of its domain: ingested.
    Ingest(NewInput),
    /// Not ingested, with the reason.
    Skip(SkippedRow),
}

enum Item {
    Row(RowOutcome),
    Progress(Progress),
}

/// Imports `path` into the store. `on_progress` is called after every batch. Each ingested
/// domain is sent to `ingested`, in file order, once stored: a scan can run alongside, and
/// its pace holds the import back rather than a million domains piling up in memory.
pub async fn import_file(
    store: &Store,
    path: &Path,
    detection: Detection,
    mut on_progress: impl FnMut(Progress),
    ingested: Option<mpsc::Sender<Domain>>,
) -> Result<ImportReport, ImportError> {
    let (tx, mut rx) = mpsc::channel::<Vec<Item>>(4);
    let owned: PathBuf = path.to_owned();
    // Parsing is blocking work: it runs on its own thread and hands over batches.
    let reader = tokio::task::spawn_blocking(move || read_items(&owned, detection, tx));

    let mut report = ImportReport::default();
    while let Some(batch) = rx.recv().await {
        let mut inputs = Vec::with_capacity(batch.len());
        let mut progress = None;
        for item in batch {
            match item {
                Item::Row(RowOutcome::Ingest(input)) => {
                    report.rows += 1;
                    inputs.push(input);
                }
                Item::Row(RowOutcome::Skip(skipped)) => {
                    report.rows += 1;
                    report.skipped.push(skipped);
                }
                Item::Progress(p) => progress = Some(p),
            }
        }
        if !inputs.is_empty() {
            for company in store.ingest(&inputs).await? {
                report.ingested += 1;
                report.new_companies += u64::from(company.created);
                if let Some(tx) = &ingested
                    && let Ok(domain) = Domain::parse(&company.domain)
                {
                    // A closed queue means the scan stopped on an error it will report.
                    let _ = tx.send(domain).await;
                }
            }
        }
        if let Some(p) = progress {
            on_progress(p);
        }
    }
    report.columns = reader.await.map_err(|_| ImportError::ReaderPanicked)??;
    report.skipped.sort_by_key(|s| s.row);
    Ok(report)
}

/// Reads the file and sends ingestable rows and skipped rows in batches; returns the column map.
fn read_items(
    path: &Path,
    detection: Detection,
    tx: mpsc::Sender<Vec<Item>>,
) -> Result<ColumnMap, ImportError> {
    let table = reader::open(path)?;
    let size = table.size;
    let mut batch = Vec::with_capacity(BATCH);
    let map = each_row(table, detection, |outcome, position| {
        batch.push(Item::Row(outcome));
        if batch.len() >= BATCH {
            batch.push(Item::Progress(Progress {
                done: position,
                total: size,
            }));
            if tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })?;
    batch.push(Item::Progress(Progress {
        done: size,
        total: size,
    }));
    // A closed channel means the importer stopped on a store error it will report.
    let _ = tx.blocking_send(batch);
    Ok(map)
}

/// Chooses the columns of `table`, then hands each data row's outcome to `each` in file order,
/// with the reader's position ([`reader::Row::position`]); blank rows are passed over. Stops
/// early when `each` breaks. The rules of [`import_file`], for callers that store rows their
/// own way (the import job). Blocking: run it off the async executor.
pub fn each_row(
    table: Table,
    detection: Detection,
    mut each: impl FnMut(RowOutcome, u64) -> ControlFlow<()>,
) -> Result<ColumnMap, ImportError> {
    let headers = columns::normalize_headers(&table.headers);
    let mut rows = table.rows;
    let mut sample = Vec::new();
    for row in rows.by_ref().take(SAMPLE) {
        sample.push(row);
    }
    let cells: Vec<Vec<Option<String>>> = sample
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|r| r.cells.clone()))
        .collect();
    let map = columns::map_columns(&headers, &cells, detection)?;

    let mut first_row_of: HashMap<Fingerprint, u64> = HashMap::new();
    let mut position = 0;
    for row in sample.into_iter().chain(rows) {
        let outcome = match row {
            Ok(row) if row.cells.iter().all(Option::is_none) && row.errors.is_empty() => continue,
            Ok(row) => {
                position = row.position;
                to_outcome(&row, &headers, &map, &mut first_row_of)
            }
            Err(ReadError::Csv { row, message }) => RowOutcome::Skip(SkippedRow {
                row,
                reason: format!("unreadable CSV: {message}"),
                reason_tr: format!("okunamayan CSV: {message}"),
            }),
            Err(e) => return Err(e.into()),
        };
        if each(outcome, position).is_break() {
            break;
        }
    }
    Ok(map)
}

/// 128 bits standing for a domain in the duplicate check: a million domains take 16 MB
/// instead of ~80 MB, and two domains share one with odds of about 1 in 10^26.
type Fingerprint = u128;

fn fingerprint(domain: &str) -> Fingerprint {
    let half = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        (salt, domain).hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

fn to_outcome(
    row: &reader::Row,
    headers: &[String],
    map: &ColumnMap,
    first_row_of: &mut HashMap<Fingerprint, u64>,
) -> RowOutcome {
    let skip = |reason: String, reason_tr: String| {
        RowOutcome::Skip(SkippedRow {
            row: row.number,
            reason,
            reason_tr,
        })
    };
    let get = |col: Option<usize>| {
        col.and_then(|c| row.cells.get(c))
            .and_then(|c| c.as_deref())
    };
    let used = [map.domain, map.website, map.email];
    if let Some((col, err)) = row
        .errors
        .iter()
        .find(|(col, _)| used.contains(&Some(*col)))
    {
        let cell = format!("{}{}", column_letter(*col), row.number);
        return skip(
            format!("cell {cell} holds the spreadsheet error {err}"),
            format!("{cell} hücresinde elektronik tablo hatası var: {err}"),
        );
    }
    let fields = InputFields {
        domain: get(map.domain),
        website: get(map.website),
        email: get(map.email),
    };
    if fields.domain.is_none() && fields.website.is_none() && fields.email.is_none() {
        return skip(
            "no domain, website or email".to_owned(),
            "alan adı, web sitesi veya e-posta yok".to_owned(),
        );
    }
    let domain = match fields.resolve() {
        Ok(d) => d.as_str().to_owned(),
        Err(e) => {
            return skip(
                format!("no usable domain: {e}"),
                format!("kullanılabilir alan adı yok: {}", e.turkish()),
            );
        }
    };
    match first_row_of.entry(fingerprint(&domain)) {
        Entry::Occupied(first) => {
            let first = first.get();
            return skip(
                format!("duplicate of row {first} ({domain})"),
                format!("{first}. satırın tekrarı ({domain})"),
            );
        }
        Entry::Vacant(slot) => {
            slot.insert(row.number);
        }
    }

    let mut original = Map::new();
    for (i, header) in headers.iter().enumerate() {
        if let Some(Some(value)) = row.cells.get(i) {
            original.insert(header.clone(), Value::String(value.clone()));
        }
    }
    RowOutcome::Ingest(NewInput {
        source: Source::Csv,
        source_ref: None,
        domain,
        company_name: get(map.company).map(str::to_owned),
        email: fields.email.map(str::to_owned),
        website: fields.website.map(str::to_owned),
        payload: serde_json::json!({ "row": row.number, "fields": original }),
    })
}

/// Spreadsheet column name of a 0-based index: 0 → A, 25 → Z, 26 → AA.
fn column_letter(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::column_letter;

    #[test]
    fn column_letters_match_spreadsheets() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
