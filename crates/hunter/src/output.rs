//! What the CLI prints: result tables, JSON lines and summaries.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use hunter_core::model::{Lead, ScanStatus};
use hunter_engine::import::ImportReport;
use hunter_engine::scan::ScanOutcome;
use hunter_store::{MigrationInfo, MigrationStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// Prints scan results line by line, flushing each so a pipe sees progress.
pub struct Printer {
    format: Format,
    header_done: bool,
}

const COLUMNS: [(&str, usize); 8] = [
    ("DOMAIN", 28),
    ("STATUS", 8),
    ("PROVIDER", 8),
    ("GATEWAY", 11),
    ("SCORE", 5),
    ("SEGMENT", 9),
    ("P", 2),
    ("REASON", 0),
];

impl Printer {
    pub fn new(format: Format) -> Printer {
        Printer {
            format,
            header_done: false,
        }
    }

    pub fn print(&mut self, input: &str, outcome: &ScanOutcome) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = match self.format {
            Format::Json => writeln!(out, "{}", json_line(input, outcome)),
            Format::Table => {
                if !self.header_done {
                    self.header_done = true;
                    let _ = writeln!(out, "{}", row(COLUMNS.map(|(name, _)| name.to_owned())));
                }
                writeln!(out, "{}", table_line(input, outcome))
            }
        };
        let _ = out.flush();
    }
}

/// The lead fields of `contract.md` §4 plus `input`; an invalid input has a null `domain`.
pub fn json_line(input: &str, outcome: &ScanOutcome) -> serde_json::Value {
    let lead = Lead::from_scan(
        None,
        &outcome.signals,
        &outcome.score,
        Some(outcome.scanned_at.clone()),
    );
    let mut value = serde_json::to_value(&lead).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.insert("input".into(), input.into());
        if outcome.signals.scan_status == ScanStatus::Invalid {
            obj.insert("domain".into(), serde_json::Value::Null);
        }
    }
    value
}

fn table_line(input: &str, outcome: &ScanOutcome) -> String {
    let (s, score) = (&outcome.signals, &outcome.score);
    let domain = match s.scan_status {
        ScanStatus::Invalid => input.to_owned(),
        _ => s.domain.clone(),
    };
    row([
        domain,
        s.scan_status.to_string(),
        score.provider.to_string(),
        s.gateway.clone().unwrap_or_else(|| "-".into()),
        score.readiness_score.to_string(),
        score.segment.to_string(),
        score.priority_category.to_string(),
        score.reason.clone(),
    ])
}

fn row(cells: [String; 8]) -> String {
    let mut line = String::new();
    for ((_, width), cell) in COLUMNS.iter().zip(cells) {
        if *width == 0 {
            line.push_str(&cell);
        } else {
            line.push_str(&format!("{cell:<width$}  "));
        }
    }
    line
}

pub fn print_import_report(file: &Path, report: &ImportReport) {
    println!(
        "Imported {}: {} rows, {} ingested ({} new companies), {} skipped.",
        file.display(),
        report.rows,
        report.ingested,
        report.new_companies,
        report.skipped.len()
    );
    for skipped in &report.skipped {
        println!("  row {}: skipped: {}", skipped.row, skipped.reason);
    }
}

/// Counts of a bulk scan, printed at its end.
#[derive(Default)]
pub struct ScanTally {
    total: u64,
    by_status: BTreeMap<String, u64>,
    by_segment: BTreeMap<String, u64>,
    by_priority: BTreeMap<String, u64>,
}

impl ScanTally {
    pub fn add(&mut self, outcome: &ScanOutcome) {
        self.total += 1;
        *self
            .by_status
            .entry(outcome.signals.scan_status.to_string())
            .or_default() += 1;
        *self
            .by_segment
            .entry(outcome.score.segment.to_string())
            .or_default() += 1;
        *self
            .by_priority
            .entry(outcome.score.priority_category.to_string())
            .or_default() += 1;
    }

    pub fn print(&self) {
        let join = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!("Scanned {} domains.", self.total);
        println!("  status:   {}", join(&self.by_status));
        println!("  segment:  {}", join(&self.by_segment));
        println!("  priority: {}", join(&self.by_priority));
    }
}

pub fn print_migrations(verb: &str, migrations: &[MigrationInfo]) {
    if migrations.is_empty() {
        println!("Nothing to do: no migration was {}.", verb.to_lowercase());
        return;
    }
    for m in migrations {
        println!("{verb} {:04} {}", m.version, m.description);
    }
}

pub fn print_migration_status(statuses: &[MigrationStatus]) {
    for m in statuses {
        let state = if m.applied { "applied" } else { "pending" };
        println!("{:04}  {state:<8} {}", m.version, m.description);
    }
}
