//! Reading CSV and XLSX files into rows of optional text cells. Blocking: run it off the async
//! executor. CSV is streamed; an XLSX sheet is read whole by calamine.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek};
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx};

/// One data row. Row numbers are the ones a spreadsheet shows: the header is row 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u64,
    /// Trimmed; an empty or whitespace-only cell is `None`, never a placeholder string.
    pub cells: Vec<Option<String>>,
    /// Cells that hold a spreadsheet error (`#REF!`…): column index and the error text.
    pub errors: Vec<(usize, String)>,
    /// Position for progress: bytes read (CSV) or rows read (XLSX).
    pub position: u64,
}

/// An opened file: its header row and an iterator over the data rows.
pub struct Table {
    pub headers: Vec<String>,
    /// Total for progress, in the unit of [`Row::position`].
    pub size: u64,
    pub rows: Box<dyn Iterator<Item = Result<Row, ReadError>> + Send>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is not a readable XLSX workbook: {0}")]
    Xlsx(String),
    #[error("the workbook has no worksheet")]
    NoSheet,
    #[error("the file is empty")]
    Empty,
    #[error("row {row} could not be read as CSV: {message}")]
    Csv { row: u64, message: String },
}

/// Opens a CSV or XLSX file; the kind is told by the content (an XLSX file is a ZIP archive).
pub fn open(path: &Path) -> Result<Table, ReadError> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic)?;
    if n == 0 {
        return Err(ReadError::Empty);
    }
    if magic[..n].starts_with(b"PK\x03\x04") {
        open_xlsx(path)
    } else {
        open_csv(path)
    }
}

/// Opens a CSV or XLSX file held in memory (an upload kept with its job), as [`open`] does.
pub fn open_bytes(bytes: Arc<[u8]>) -> Result<Table, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let workbook = Xlsx::new(Cursor::new(bytes))
            .map_err(|e: calamine::XlsxError| ReadError::Xlsx(e.to_string()))?;
        xlsx_table(workbook)
    } else {
        let size = bytes.len() as u64;
        csv_table(Cursor::new(bytes), size)
    }
}

fn open_csv(path: &Path) -> Result<Table, ReadError> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    csv_table(file, size)
}

/// `size` is the input's length in bytes, the unit of [`Row::position`].
fn csv_table<R: Read + Send + 'static>(input: R, size: u64) -> Result<Table, ReadError> {
    let mut buffered = BufReader::with_capacity(256 * 1024, input);
    let delimiter = detect_delimiter(buffered.fill_buf()?);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(buffered);

    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| ReadError::Csv {
            row: 1,
            message: e.to_string(),
        })?
    {
        return Err(ReadError::Empty);
    }
    let headers = record
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // A UTF-8 byte-order mark belongs to the file, not the first header.
            let f = if i == 0 {
                f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f)
            } else {
                f
            };
            decode(f)
        })
        .collect();

    let mut number = 1;
    let rows = std::iter::from_fn(move || {
        number += 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => None,
            Ok(true) => Some(Ok(Row {
                number,
                cells: record.iter().map(|f| cell(decode(f))).collect(),
                errors: Vec::new(),
                position: reader.position().byte(),
            })),
            Err(e) => Some(Err(ReadError::Csv {
                row: number,
                message: e.to_string(),
            })),
        }
    });
    Ok(Table {
        headers,
        size,
        rows: Box::new(rows),
    })
}

/// Comma or semicolon, whichever the header line has more of (Excel in Turkish locales writes `;`).
fn detect_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

/// UTF-8, or Windows-1254 (Turkish) for bytes that are not UTF-8; decided per field so one
/// stray byte does not garble the rest of the file.
fn decode(field: &[u8]) -> String {
    match std::str::from_utf8(field) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1254
            .decode_without_bom_handling(field)
            .0
            .into_owned(),
    }
}

/// A cell's text, trimmed; `None` when nothing is left. NUL characters are dropped: they carry
/// nothing in a spreadsheet, and PostgreSQL cannot store them, which would fail the whole import
/// on one cell.
fn cell(text: String) -> Option<String> {
    let text = match text.contains('\0') {
        true => text.replace('\0', ""),
        false => text,
    };
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn open_xlsx(path: &Path) -> Result<Table, ReadError> {
    let workbook: Xlsx<_> = calamine::open_workbook(path)
        .map_err(|e: calamine::XlsxError| ReadError::Xlsx(e.to_string()))?;
    xlsx_table(workbook)
}

fn xlsx_table<RS: Read + Seek>(mut workbook: Xlsx<RS>) -> Result<Table, ReadError> {
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(ReadError::NoSheet)?
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let (first_row, _) = range.start().ok_or(ReadError::Empty)?;
    let mut rows = range.rows();
    let headers = rows
        .next()
        .ok_or(ReadError::Empty)?
        .iter()
        .map(|c| text(c).unwrap_or_default())
        .collect();
    let size = range.height().saturating_sub(1) as u64;
    let data: Vec<Row> = rows
        .enumerate()
        .map(|(i, cells)| Row {
            // calamine rows are 0-based; the header sits on `first_row`.
            number: u64::from(first_row) + i as u64 + 2,
            cells: cells.iter().map(text).collect(),
            errors: cells
                .iter()
                .enumerate()
                .filter_map(|(col, c)| match c {
                    Data::Error(e) => Some((col, e.to_string())),
                    _ => None,
                })
                .collect(),
            position: i as u64 + 1,
        })
        .collect();
    Ok(Table {
        headers,
        size,
        rows: Box::new(data.into_iter().map(Ok)),
    })
}

fn text(c: &Data) -> Option<String> {
    match c {
        Data::Empty | Data::Error(_) => None,
        Data::String(s) => cell(s.clone()),
        // Whole numbers stored as floats (phone numbers, ids) read as they look in Excel.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        Data::Float(f) => Some(f.to_string()),
        Data::Int(i) => Some(i.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => Some(d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => cell(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn nul_characters_are_dropped_from_cells() {
        assert_eq!(cell("Con\0toso\0 ".to_owned()).as_deref(), Some("Contoso"));
        assert_eq!(cell("\0".to_owned()), None);
    }

    fn csv_file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn read_all(path: &Path) -> (Vec<String>, Vec<Row>) {
        let table = open(path).unwrap();
        let rows = table.rows.map(Result::unwrap).collect();
        (table.headers, rows)
    }

    #[test]
    fn csv_with_bom_semicolons_and_empty_cells() {
        let f = csv_file("\u{feff}Firma;Web Sitesi\nAcme;acme.com\n  ;  \nBeta;\n".as_bytes());
        let (headers, rows) = read_all(f.path());
        assert_eq!(headers, ["Firma", "Web Sitesi"]);
        assert_eq!(
            rows[0].cells,
            [Some("Acme".into()), Some("acme.com".into())]
        );
        assert_eq!(rows[1].cells, [None, None], "blank cells stay empty");
        assert_eq!(rows[2].cells, [Some("Beta".into()), None]);
        assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 3, 4]);
    }

    #[test]
    fn windows_1254_bytes_are_decoded() {
        // "Şirket" and "Ünvan" in Windows-1254.
        let f = csv_file(b"\xdeirket,website\n\xdcnvan A.\xde.,a.com.tr\n");
        let (headers, rows) = read_all(f.path());
        assert_eq!(headers[0], "Şirket");
        assert_eq!(rows[0].cells[0].as_deref(), Some("Ünvan A.Ş."));
    }

    #[test]
    fn the_literal_text_nan_is_kept_as_text_and_never_invented() {
        let f = csv_file(b"company,domain\n,x.com\n");
        let (_, rows) = read_all(f.path());
        assert_eq!(rows[0].cells[0], None);
    }

    #[test]
    fn xlsx_rows_carry_spreadsheet_row_numbers_and_error_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leads.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "company").unwrap();
        sheet.write_string(0, 1, "website").unwrap();
        sheet.write_string(1, 0, "Acme").unwrap();
        sheet.write_string(1, 1, "https://acme.com").unwrap();
        sheet.write_number(2, 0, 42.0).unwrap();
        sheet
            .write_formula(
                2,
                1,
                rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
            )
            .unwrap();
        book.save(&path).unwrap();

        let (headers, rows) = read_all(&path);
        assert_eq!(headers, ["company", "website"]);
        assert_eq!(rows[0].number, 2);
        assert_eq!(rows[0].cells[1].as_deref(), Some("https://acme.com"));
        assert_eq!(rows[1].number, 3);
        assert_eq!(rows[1].cells[0].as_deref(), Some("42"));
        assert_eq!(rows[1].cells[1], None);
        assert_eq!(rows[1].errors, [(1, "#DIV/0!".to_string())]);
    }

    #[test]
    fn an_empty_file_is_an_error() {
        let f = csv_file(b"");
        assert!(matches!(open(f.path()), Err(ReadError::Empty)));
        assert!(matches!(
            open_bytes(Arc::from(&b""[..])),
            Err(ReadError::Empty)
        ));
    }

    #[test]
    fn bytes_read_like_the_same_file() {
        let bytes: &[u8] = b"Firma;Web Sitesi\nAcme;acme.com\n\xdcnvan;b.com.tr\n";
        let f = csv_file(bytes);
        let (headers, rows) = read_all(f.path());
        let table = open_bytes(Arc::from(bytes)).unwrap();
        assert_eq!(table.headers, headers);
        assert_eq!(table.size, bytes.len() as u64);
        assert_eq!(table.rows.map(Result::unwrap).collect::<Vec<_>>(), rows);
    }
}
