//! Lead export (`hunter.md` §8): CSV (UTF-8 with BOM, streamed row batches as they come from the
//! database) or XLSX (sheet "Leads", written in constant memory on a blocking thread, then sent).
//! Both have the same columns: the contract lead fields plus registrar, expiry and name servers.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use hunter_core::Lang;
use hunter_core::model::Lead;
use hunter_store::StoreError;
use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::params::Format;

/// Rows per CSV chunk and per hand-over to the XLSX writer.
const CHUNK: usize = 256;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const COLUMNS: [&str; 26] = [
    "domain",
    "company_name",
    "provider",
    "gateway",
    "local_provider",
    "tenant_size",
    "mx_root",
    "spf",
    "dkim",
    "dmarc_policy",
    "dmarc_coverage",
    "readiness_score",
    "segment",
    "reason",
    "technical_heat",
    "commercial_segment",
    "commercial_heat",
    "priority_category",
    "priority_label",
    "referral_type",
    "azure_tenant_id",
    "scan_status",
    "scanned_at",
    "registrar",
    "expires_at",
    "nameservers",
];

/// One exported value; XLSX keeps numbers and booleans typed.
enum Cell {
    Text(String),
    Int(i64),
    Bool(bool),
    Empty,
}

impl Cell {
    fn text(value: impl ToString) -> Cell {
        Cell::Text(value.to_string())
    }

    fn opt_text(value: Option<impl ToString>) -> Cell {
        value.map_or(Cell::Empty, Cell::text)
    }
}

/// One row; an array, so that it cannot get out of step with [`COLUMNS`].
fn cells(lead: Lead) -> [Cell; COLUMNS.len()] {
    [
        Cell::Text(lead.domain),
        Cell::opt_text(lead.company_name),
        Cell::text(lead.provider),
        Cell::opt_text(lead.gateway),
        Cell::opt_text(lead.local_provider),
        Cell::opt_text(lead.tenant_size),
        Cell::opt_text(lead.mx_root),
        lead.spf.map_or(Cell::Empty, Cell::Bool),
        lead.dkim.map_or(Cell::Empty, Cell::Bool),
        Cell::opt_text(lead.dmarc_policy),
        lead.dmarc_coverage
            .map_or(Cell::Empty, |c| Cell::Int(i64::from(c))),
        Cell::Int(i64::from(lead.readiness_score)),
        Cell::text(lead.segment),
        Cell::Text(lead.reason),
        Cell::text(lead.technical_heat),
        Cell::text(lead.commercial_segment),
        Cell::text(lead.commercial_heat),
        Cell::text(lead.priority_category),
        Cell::Text(lead.priority_label),
        Cell::opt_text(lead.referral_type),
        Cell::opt_text(lead.azure_tenant_id),
        Cell::text(lead.scan_status),
        Cell::opt_text(lead.scanned_at),
        // WHOIS is not collected yet (hunter.md §8): these stay empty until enrichment fills them.
        Cell::opt_text(lead.registrar),
        Cell::opt_text(lead.expires_at),
        if lead.nameservers.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(lead.nameservers.join(" "))
        },
    ]
}

/// The lead with `reason` and `priority_label` in `lang`.
fn in_language(mut lead: Lead, lang: Lang) -> Lead {
    if lang == Lang::Tr {
        std::mem::swap(&mut lead.reason, &mut lead.reason_tr);
        std::mem::swap(&mut lead.priority_label, &mut lead.priority_label_tr);
    }
    lead
}

/// `leads_YYYY-MM-DD_HH-MM-SS.<ext>`, UTC.
fn file_name(format: Format) -> String {
    let ext = match format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    };
    format!(
        "leads_{}.{ext}",
        chrono::Utc::now().format("%Y-%m-%d_%H-%M-%S")
    )
}

/// The download of `leads` in `format`, its texts for people in `lang`: the file is written
/// after the handler has returned, outside the request's language scope, so it is passed in.
pub async fn export(
    format: Format,
    lang: Lang,
    leads: BoxStream<'static, Result<Lead, StoreError>>,
) -> Result<Response, ApiError> {
    let mut leads = leads.map_ok(move |lead| in_language(lead, lang)).boxed();
    // Waiting for the first row lets a failing query answer with a proper error, before any
    // byte of the file is sent.
    let first = leads.next().await.transpose()?;
    let leads = stream::iter(first.map(Ok)).chain(leads).boxed();
    let (content_type, body) = match format {
        Format::Csv => ("text/csv; charset=utf-8", csv_body(leads)),
        Format::Xlsx => (XLSX_TYPE, Body::from(xlsx(leads).await?)),
    };
    let disposition = format!("attachment; filename=\"{}\"", file_name(format));
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// Neutralizes spreadsheet formulas (CSV injection): a text cell starting with `= + - @`, a tab
/// or a carriage return gets a leading `'`.
fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// CSV text of `records`, one line each.
fn csv_lines<R, F>(records: impl IntoIterator<Item = R>) -> Result<Bytes, csv::Error>
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut out = csv::Writer::from_writer(Vec::new());
    for record in records {
        out.write_record(record)?;
    }
    out.into_inner()
        .map(Bytes::from)
        .map_err(|e| e.into_error().into())
}

fn csv_fields(cells: [Cell; COLUMNS.len()]) -> impl Iterator<Item = String> {
    cells.into_iter().map(|cell| match cell {
        Cell::Text(t) => csv_text(&t).into_owned(),
        Cell::Int(n) => n.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Empty => String::new(),
    })
}

/// BOM and header first, then the rows in chunks as the database yields them. An error after
/// the first byte can only cut the download short; it is logged.
fn csv_body(leads: BoxStream<'static, Result<Lead, StoreError>>) -> Body {
    let head = csv_lines([COLUMNS]).map(|line| [UTF8_BOM, &line].concat().into());
    let rows = leads.ready_chunks(CHUNK).map(|chunk| {
        let leads = chunk
            .into_iter()
            .collect::<Result<Vec<Lead>, _>>()
            .map_err(|e| {
                tracing::error!(error = %e, "lead export stopped");
                std::io::Error::other(e)
            })?;
        csv_lines(leads.into_iter().map(cells).map(csv_fields)).map_err(std::io::Error::other)
    });
    Body::from_stream(stream::iter([head.map_err(std::io::Error::other)]).chain(rows))
}

/// Feeds the rows to a workbook writer on a blocking thread and returns the finished file.
async fn xlsx(
    mut leads: BoxStream<'static, Result<Lead, StoreError>>,
) -> Result<Vec<u8>, ApiError> {
    let (tx, rx) = mpsc::channel::<[Cell; COLUMNS.len()]>(CHUNK);
    let writer = tokio::task::spawn_blocking(move || write_xlsx(rx));
    while let Some(lead) = leads.next().await {
        // On an error `tx` is dropped: the writer finishes a partial book that nobody reads.
        if tx.send(cells(lead?)).await.is_err() {
            break; // The writer failed; its error is reported below.
        }
    }
    drop(tx);
    match writer.await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(ApiError::internal(&e)),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

fn write_xlsx(mut rows: mpsc::Receiver<[Cell; COLUMNS.len()]>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name("Leads")?;
    let bold = CellFormat::new().set_bold();
    for (col, name) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, col, name, &bold)?;
    }
    let mut row = 0u32;
    while let Some(cells) = rows.blocking_recv() {
        row += 1;
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                // `write_string` stores text as text, never as a formula.
                Cell::Text(t) => sheet.write_string(row, col, t)?,
                Cell::Int(n) => sheet.write_number(row, col, n as f64)?,
                Cell::Bool(b) => sheet.write_boolean(row, col, b)?,
                Cell::Empty => sheet,
            };
        }
    }
    book.save_to_buffer()
}
