//! `hunter import`: CSV and XLSX, bad rows reported with their numbers, good rows in.

use hunter_fixtures::{DnsServer, catalogue, zones};
use sqlx::Row;

use crate::support::{Backend, Hunter, TestDb, backends, ok};

fn write_xlsx(path: &std::path::Path, rows: &[[&str; 3]]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Some(formula) = cell.strip_prefix('=') {
                let f = rust_xlsxwriter::Formula::new(format!("={formula}")).set_result("#REF!");
                sheet.write_formula(r as u32, c as u16, f).unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

async fn companies(db: &TestDb) -> Vec<(String, String)> {
    let pool = db.pool().await;
    let rows = sqlx::query("SELECT domain, canonical_name FROM companies ORDER BY domain")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_xlsx_with_broken_rows_reports_their_numbers_and_imports_every_other_row() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let file = db.dir().join("müşteriler.xlsx");
        write_xlsx(
            &file,
            &[
                ["Firma Ünvanı", "Web Sitesi", "Telefon"],
                [
                    "Anadolu Tekstil A.Ş.",
                    "https://www.anadolu-tekstil.com.tr",
                    "212",
                ],
                ["Ege Gıda", "EGEGIDA.COM", ""],
                ["Bozuk Satır", "=Sheet9!A1", "216"],
                ["Geçersiz", "web sitesi", ""],
                ["Marmara Lojistik", "info@marmara-lojistik.com.tr", ""],
                ["Ege Gıda Kopya", "http://egegida.com/iletisim", ""],
                ["", "karadeniz.com", ""],
            ],
        );
        let hunter = Hunter::new(&db.url, db.dir());
        let out = ok(&hunter
            .run(&["import", file.to_str().unwrap(), "--auto-detect"])
            .await);
        assert!(
            out.contains("7 rows, 4 ingested (4 new companies), 3 skipped"),
            "{out}"
        );
        assert!(
            out.contains("row 4: skipped: cell B4 holds the spreadsheet error #REF!"),
            "{out}"
        );
        assert!(out.contains("row 5: skipped: no usable domain"), "{out}");
        assert!(
            out.contains("row 7: skipped: duplicate of row 3 (egegida.com)"),
            "{out}"
        );
        assert_eq!(
            companies(&db).await,
            [
                (
                    "anadolu-tekstil.com.tr".into(),
                    "Anadolu Tekstil A.Ş.".into()
                ),
                ("egegida.com".into(), "Ege Gıda".into()),
                ("karadeniz.com".into(), "karadeniz.com".into()),
                ("marmara-lojistik.com.tr".into(), "Marmara Lojistik".into()),
            ],
            "{backend:?}"
        );
        assert_eq!(db.count("raw_leads").await, 4);
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_auto_detect_unknown_headers_are_refused_with_a_hint() {
    let db = TestDb::new(Backend::Sqlite).await;
    let file = db.dir().join("list.csv");
    std::fs::write(&file, "Firma;Web Sitesi\nAcme;acme.com\n").unwrap();
    let out = Hunter::new(&db.url, db.dir())
        .run(&["import", file.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let err = crate::support::stderr(&out);
    assert!(
        err.contains("firma, web sitesi") && err.contains("auto-detect"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_import_with_scan_stores_scored_leads_and_keeps_empty_cells_empty() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let file = db.dir().join("leads.csv");
        std::fs::write(
            &file,
            "company_name,website,email\n\
             Contoso,https://contoso-m365.com,\n\
             ,adatum-google.com,\n\
             Nowhere,,nobody-at-all\n\
             Anadolu,,satis@anadolu-natro.com.tr\n",
        )
        .unwrap();
        let hunter =
            Hunter::new(&db.url, db.dir()).env("HUNTER_DNS_SERVERS", dns.addr().to_string());
        let out = ok(&hunter
            .run(&["import", file.to_str().unwrap(), "--scan"])
            .await);
        assert!(out.contains("4 rows, 3 ingested"), "{out}");
        assert!(out.contains("row 4: skipped"), "{out}");
        assert!(out.contains("Scanned 3 domains."), "{out}");
        assert_eq!(db.count("lead_scores").await, 3, "{backend:?}");

        let pool = db.pool().await;
        let row = sqlx::query(
            "SELECT c.canonical_name, s.segment, s.priority_category, r.payload \
             FROM companies c JOIN lead_scores s ON s.domain = c.domain \
             JOIN raw_leads r ON r.domain = c.domain WHERE c.domain = 'adatum-google.com'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            row.get::<String, _>(0),
            "adatum-google.com",
            "no name: the domain"
        );
        let payload: serde_json::Value = serde_json::from_str(&row.get::<String, _>(3)).unwrap();
        assert_eq!(payload["row"], 3);
        assert!(payload["fields"].get("company_name").is_none(), "{payload}");
        assert!(!payload.to_string().contains("nan"), "{payload}");
        pool.close().await;
        db.cleanup().await;
    }
}
