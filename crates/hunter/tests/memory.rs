//! The slow suite: `hunter import` of a generated 1,000,000-row CSV stays under 300 MB of peak
//! memory (resident set, SQLite's mapped pages included) and ingests every row. Its own test
//! binary, so the peak RSS of this process's children is the importer's alone. About a minute
//! on a debug build; `.ci/run` runs it with the rest.

use std::io::{BufWriter, Write};
use std::process::Command;

const ROWS: usize = 1_000_000;
const LIMIT_MIB: i64 = 300;

#[test]
fn a_million_row_import_stays_under_300_mb() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let csv = dir.path().join("million.csv");
    let mut file = BufWriter::new(std::fs::File::create(&csv).expect("create the CSV"));
    writeln!(file, "Company,Website,Email").expect("write");
    for i in 0..ROWS {
        writeln!(
            file,
            "Company {i} Ltd,https://www.c{i:07}-example.com/about,info@c{i:07}-example.com"
        )
        .expect("write");
    }
    // One bad row and one repeat, reported by row number among a million good ones.
    writeln!(file, "Broken Ltd,not a domain,").expect("write");
    writeln!(file, "Again Ltd,c0000007-example.com,").expect("write");
    file.flush().expect("flush");
    drop(file);

    let db = dir.path().join("hunter.db");
    let mut hunter = Command::new(env!("CARGO_BIN_EXE_hunter"));
    // Hunter refuses HUNTER_ names it does not know, such as the tests' HUNTER_TEST_PG_URL.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HUNTER_") {
            hunter.env_remove(name);
        }
    }
    let output = hunter
        .args(["import", csv.to_str().expect("UTF-8 path")])
        .env("HUNTER_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("HUNTER_LOG", "warn")
        .current_dir(dir.path())
        .output()
        .expect("run hunter import");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("1000002 rows, 1000000 ingested (1000000 new companies), 2 skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("row 1000002: skipped: no usable domain"),
        "{stdout}"
    );
    assert!(
        stdout.contains("row 1000003: skipped: duplicate of row 9 (c0000007-example.com)"),
        "{stdout}"
    );

    let peak_mib = peak_child_rss_kib() / 1024;
    println!("peak RSS of hunter import ({ROWS} rows): {peak_mib} MiB");
    assert!(
        peak_mib < LIMIT_MIB,
        "hunter import of {ROWS} rows peaked at {peak_mib} MiB"
    );
}

/// The largest peak RSS among this process's waited-for children, in KiB (Linux `ru_maxrss`).
fn peak_child_rss_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer it is given and reads nothing.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage failed");
    // SAFETY: initialised by the successful call above (and zeroed before it).
    unsafe { usage.assume_init() }.ru_maxrss
}
