//! Store behaviour on both backends: every test runs on a fresh SQLite file, and again on a fresh
//! PostgreSQL database (`hunter_test_<random>`, dropped afterwards) when `HUNTER_TEST_PG_URL`
//! names a server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use common::{Db, Schema};

use hunter_core::dns::MxRecord;
use hunter_core::model::{
    BreakdownLine, CommercialHeat, CommercialSegment, DmarcPolicy, Evidence, EvidenceKind, Lead,
    PriorityCategory, Provider, ScanStatus, Score, Segment, Signals, TechnicalHeat, TenantSize,
};
use hunter_store::{
    Backend, ConstraintKind, DownSteps, NewInput, SaveOutcome, ScanRecord, Source, Store,
    StoreError,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Harness

impl Db {
    async fn count(&self, table: &str, domain: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE domain = $1"
        )))
        .bind(domain)
        .fetch_one(&self.raw)
        .await
        .unwrap()
    }

    async fn text(&self, sql: &'static str, domain: &str) -> Option<String> {
        sqlx::query_scalar(sql)
            .bind(domain)
            .fetch_one(&self.raw)
            .await
            .unwrap()
    }

    async fn table_exists(&self, table: &str) -> bool {
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .execute(&self.raw)
            .await
            .is_ok()
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const T1: &str = "2026-11-28T10:00:00.000000Z";
const T2: &str = "2026-11-28T11:00:00.000000Z";
const T3: &str = "2026-11-28T12:00:00.000000Z";

fn mx_host(provider: Provider) -> &'static str {
    match provider {
        Provider::M365 => "contoso-com.mail.protection.outlook.com",
        Provider::Google => "aspmx.l.google.com",
        _ => "mx.example-host.com.tr",
    }
}

/// A fully populated `ok` result: every optional field set, so a round trip proves each one.
fn ok_signals(domain: &str, provider: Provider) -> Signals {
    let host = mx_host(provider);
    Signals {
        domain: domain.to_owned(),
        scan_status: ScanStatus::Ok,
        mx_records: vec![
            MxRecord {
                preference: 0,
                host: host.to_owned(),
            },
            MxRecord {
                preference: 10,
                host: format!("backup.{host}"),
            },
        ],
        mx_root: Some("outlook.com".into()),
        provider,
        gateway: Some("Mimecast".into()),
        local_provider: Some("TürkHost".into()),
        tenant_size: Some(TenantSize::Large),
        spf: Some(true),
        spf_record: Some("v=spf1 include:spf.protection.outlook.com -all".into()),
        spf_includes: vec!["spf.protection.outlook.com".into()],
        spf_include_count: 1,
        dkim: Some(false),
        dkim_selectors: vec!["selector1".into(), "selector2".into()],
        dmarc_record: Some("v=DMARC1; p=reject; sp=none; pct=50".into()),
        dmarc_policy: Some(DmarcPolicy::Reject),
        dmarc_subdomain_policy: Some("none".into()),
        dmarc_coverage: Some(50),
        autodiscover_target: Some("autodiscover.outlook.com".into()),
        entra_tenant_id: Some("4a1b2c3d-0000-4000-8000-123456789abc".into()),
        evidence: vec![
            Evidence {
                kind: EvidenceKind::Mx,
                detail: format!("0 {host}"),
                provider: Some(provider),
                decisive: true,
            },
            Evidence {
                kind: EvidenceKind::SpfInclude,
                detail: "include:spf.protection.outlook.com".into(),
                provider: Some(Provider::M365),
                decisive: false,
            },
            Evidence {
                kind: EvidenceKind::Gateway,
                detail: "10 eu-smtp-inbound-1.mimecast.com".into(),
                provider: None,
                decisive: false,
            },
        ],
    }
}

fn score(provider: Provider, readiness: i32) -> Score {
    Score {
        provider,
        dns_score: readiness,
        readiness_score: readiness,
        segment: Segment::Existing,
        segment_rule: "1".into(),
        reason: format!("Already on Microsoft 365. Score: {readiness}, Provider: {provider}."),
        reason_tr: format!("Zaten Microsoft 365. Puan: {readiness}, Sağlayıcı: {provider}."),
        technical_heat: TechnicalHeat::Hot,
        commercial_segment: CommercialSegment::Renewal,
        commercial_heat: CommercialHeat::Medium,
        priority_category: PriorityCategory::P4,
        priority_label: "Renewal Pressure".into(),
        priority_label_tr: "Yenileme Baskısı".into(),
        breakdown: vec![
            BreakdownLine {
                name: "provider".into(),
                label: "Provider M365".into(),
                label_tr: "Sağlayıcı M365".into(),
                points: 50,
            },
            BreakdownLine {
                name: "total".into(),
                label: "Total".into(),
                label_tr: "Toplam".into(),
                points: readiness,
            },
        ],
        rules_version: "0123456789ab".into(),
    }
}

fn ok_record(domain: &str, provider: Provider, at: &str) -> ScanRecord {
    ScanRecord {
        signals: ok_signals(domain, provider),
        score: score(provider, 80),
        company_name: None,
        job_id: None,
        scanned_at: at.into(),
    }
}

/// A failed or hard-failed scan, scored the way `hunter.md` §5.5 steps 2–3 score it.
fn failed_record(domain: &str, status: ScanStatus, at: &str) -> ScanRecord {
    ScanRecord {
        signals: Signals::empty(domain, status),
        score: Score {
            provider: Provider::Unknown,
            dns_score: 0,
            readiness_score: 0,
            segment: Segment::Skip,
            segment_rule: "scan_failed".into(),
            reason: "Scan failed: the MX lookup timed out.".into(),
            reason_tr: "Tarama başarısız: MX sorgusu zaman aşımına uğradı.".into(),
            technical_heat: TechnicalHeat::Cold,
            commercial_segment: CommercialSegment::NoGo,
            commercial_heat: CommercialHeat::Low,
            priority_category: PriorityCategory::P6,
            priority_label: "No-Go / Archive".into(),
            priority_label_tr: "Uygun Değil / Arşiv".into(),
            breakdown: vec![],
            rules_version: "0123456789ab".into(),
        },
        company_name: None,
        job_id: None,
        scanned_at: at.into(),
    }
}

fn input(source: Source, domain: &str, name: Option<&str>) -> NewInput {
    NewInput {
        source,
        source_ref: None,
        domain: domain.into(),
        company_name: name.map(Into::into),
        email: None,
        website: Some(format!("https://www.{domain}/")),
        payload: json!({"row": 1}),
    }
}

async fn canonical_name(db: &Db, domain: &str) -> String {
    db.text(
        "SELECT canonical_name FROM companies WHERE domain = $1",
        domain,
    )
    .await
    .unwrap()
}

async fn company_provider(db: &Db, domain: &str) -> Option<String> {
    db.text("SELECT provider FROM companies WHERE domain = $1", domain)
        .await
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn migrations_round_trip_up_down_up() {
    common::on_each_backend(Schema::Empty, |db| async move {
        let s = &db.store;
        let status = s.migration_status().await.unwrap();
        let versions: Vec<(i64, String)> = status
            .iter()
            .map(|m| (m.version, m.description.clone()))
            .collect();
        assert_eq!(
            versions,
            [
                (1, "core".to_owned()),
                (2, "partner center".to_owned()),
                (3, "job work".to_owned()),
                (4, "lead list".to_owned()),
                (5, "shared jobs".to_owned()),
                (6, "turkish search".to_owned()),
                (7, "team access".to_owned()),
                (8, "turkish texts".to_owned()),
            ]
        );
        assert!(status.iter().all(|m| !m.applied));

        let applied = s.migrate_up().await.unwrap();
        assert_eq!(
            applied.iter().map(|m| m.version).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6, 7, 8]
        );
        assert!(s.migrate_up().await.unwrap().is_empty(), "up is idempotent");
        assert!(
            s.migration_status()
                .await
                .unwrap()
                .iter()
                .all(|m| m.applied)
        );
        for table in [
            "companies",
            "raw_leads",
            "domain_signals",
            "lead_scores",
            "provider_change_history",
            "jobs",
            "leads",
            "partner_center_referrals",
            "partner_center_sync_runs",
            "job_items",
            "job_files",
            "users",
            "sessions",
            "auth_login_flows",
            "api_keys",
            "audit_events",
        ] {
            assert!(db.table_exists(table).await, "{table} exists after up");
        }

        let reverted = s.migrate_down(DownSteps::Count(7)).await.unwrap();
        assert_eq!(
            reverted.iter().map(|m| m.version).collect::<Vec<_>>(),
            [8, 7, 6, 5, 4, 3, 2]
        );
        let applied: Vec<_> = s
            .migration_status()
            .await
            .unwrap()
            .iter()
            .map(|m| m.applied)
            .collect();
        assert_eq!(
            applied,
            [true, false, false, false, false, false, false, false]
        );
        assert!(db.table_exists("companies").await);
        assert!(!db.table_exists("partner_center_referrals").await);
        assert!(!db.table_exists("job_items").await);
        assert!(!db.table_exists("api_keys").await);

        // Data written under 0001 only, then everything reverted.
        s.ingest(&[input(Source::Domain, "a.com", None)])
            .await
            .unwrap();
        let reverted = s.migrate_down(DownSteps::All).await.unwrap();
        assert_eq!(reverted.iter().map(|m| m.version).collect::<Vec<_>>(), [1]);
        assert!(
            s.migration_status()
                .await
                .unwrap()
                .iter()
                .all(|m| !m.applied)
        );
        for table in ["companies", "leads", "jobs", "raw_leads"] {
            assert!(
                !db.table_exists(table).await,
                "{table} is gone after down --all"
            );
        }
        assert!(s.migrate_down(DownSteps::All).await.unwrap().is_empty());

        let applied = s.migrate_up().await.unwrap();
        assert_eq!(applied.len(), 8);
        s.ingest(&[input(Source::Domain, "a.com", None)])
            .await
            .unwrap();
        assert_eq!(db.count("companies", "a.com").await, 1);

        // Count larger than what is applied reverts everything, and no more.
        assert_eq!(s.migrate_down(DownSteps::Count(9)).await.unwrap().len(), 8);
        assert!(
            s.migrate_down(DownSteps::Count(1))
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn saving_a_domain_twice_updates_one_row_in_place() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        s.save_scans(&[ok_record("a.com", Provider::M365, T1)])
            .await
            .unwrap();
        let signals_id = db
            .text(
                "SELECT CAST(id AS TEXT) FROM domain_signals WHERE domain = $1",
                "a.com",
            )
            .await;
        let score_id = db
            .text(
                "SELECT CAST(id AS TEXT) FROM lead_scores WHERE domain = $1",
                "a.com",
            )
            .await;

        let mut second = ok_record("a.com", Provider::M365, T2);
        second.signals.spf = Some(false);
        second.score.readiness_score = 55;
        // The same domain twice in one batch is fine too.
        s.save_scans(&[second.clone(), second]).await.unwrap();

        for table in ["companies", "domain_signals", "lead_scores"] {
            assert_eq!(db.count(table, "a.com").await, 1, "{table}");
        }
        // Updated in place, never deleted and re-inserted.
        assert_eq!(
            db.text(
                "SELECT CAST(id AS TEXT) FROM domain_signals WHERE domain = $1",
                "a.com"
            )
            .await,
            signals_id
        );
        assert_eq!(
            db.text(
                "SELECT CAST(id AS TEXT) FROM lead_scores WHERE domain = $1",
                "a.com"
            )
            .await,
            score_id
        );
        let lead = s.lead("a.com").await.unwrap().unwrap();
        assert_eq!(lead.spf, Some(false));
        assert_eq!(lead.readiness_score, 55);
        assert_eq!(lead.scanned_at.as_deref(), Some(T2));
    })
    .await;
}

#[tokio::test]
async fn company_names_follow_the_non_empty_rule() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let first = s
            .ingest(&[input(Source::Domain, "a.com", None)])
            .await
            .unwrap();
        assert!(first[0].created);
        assert_eq!(
            canonical_name(&db, "a.com").await,
            "a.com",
            "no name: the domain"
        );

        let named = s
            .ingest(&[input(Source::Csv, "a.com", Some("  Acme  "))])
            .await
            .unwrap();
        assert!(!named[0].created);
        assert_eq!(named[0].company_id, first[0].company_id);
        assert_eq!(canonical_name(&db, "a.com").await, "Acme");

        s.ingest(&[
            input(Source::Webhook, "a.com", Some("")),
            input(Source::Csv, "a.com", Some("   ")),
            input(Source::Domain, "a.com", None),
        ])
        .await
        .unwrap();
        assert_eq!(
            canonical_name(&db, "a.com").await,
            "Acme",
            "empty never replaces"
        );

        s.ingest(&[input(Source::Csv, "a.com", Some("Acme Ltd"))])
            .await
            .unwrap();
        assert_eq!(canonical_name(&db, "a.com").await, "Acme Ltd");

        // Scans follow the same rule.
        s.save_scans(&[ok_record("a.com", Provider::M365, T1)])
            .await
            .unwrap();
        assert_eq!(canonical_name(&db, "a.com").await, "Acme Ltd");
        let mut renamed = ok_record("a.com", Provider::M365, T2);
        renamed.company_name = Some("Acme Holding".into());
        s.save_scans(&[renamed]).await.unwrap();
        let lead = s.lead("a.com").await.unwrap().unwrap();
        assert_eq!(lead.company_name.as_deref(), Some("Acme Holding"));

        // A scan of an unknown domain creates its company, named after the domain.
        s.save_scans(&[ok_record("new.com", Provider::Google, T1)])
            .await
            .unwrap();
        assert_eq!(canonical_name(&db, "new.com").await, "new.com");
        assert_eq!(db.count("companies", "a.com").await, 1);
    })
    .await;
}

#[tokio::test]
async fn provider_change_is_logged_once_and_never_from_null() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        // Ingested first: provider null until scanned; the first scan logs nothing.
        s.ingest(&[input(Source::Domain, "a.com", None)])
            .await
            .unwrap();
        assert_eq!(company_provider(&db, "a.com").await, None);
        let out = s
            .save_scans(&[ok_record("a.com", Provider::M365, T1)])
            .await
            .unwrap();
        assert_eq!(
            out,
            [SaveOutcome::Saved {
                provider_changed: false
            }]
        );
        assert_eq!(
            company_provider(&db, "a.com").await.as_deref(),
            Some("M365")
        );

        // A scan that creates the company: also a first scan.
        s.save_scans(&[ok_record("b.com", Provider::Google, T1)])
            .await
            .unwrap();

        // Same provider again: nothing.
        s.save_scans(&[ok_record("a.com", Provider::M365, T2)])
            .await
            .unwrap();
        assert!(s.provider_history("a.com").await.unwrap().is_empty());
        assert!(s.provider_history("b.com").await.unwrap().is_empty());

        // M365 -> Google, caused by a job, then Google again.
        let mut moved = ok_record("a.com", Provider::Google, T3);
        moved.job_id = Some("job-42".into());
        let out = s.save_scans(&[moved.clone(), moved]).await.unwrap();
        assert_eq!(
            out,
            [
                SaveOutcome::Saved {
                    provider_changed: true
                },
                SaveOutcome::Saved {
                    provider_changed: false
                }
            ]
        );
        let history = s.provider_history("a.com").await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].domain, "a.com");
        assert_eq!(history[0].previous_provider, Some(Provider::M365));
        assert_eq!(history[0].new_provider, Provider::Google);
        assert_eq!(history[0].changed_at, T3);
        assert_eq!(history[0].job_id.as_deref(), Some("job-42"));
        assert_eq!(
            company_provider(&db, "a.com").await.as_deref(),
            Some("Google")
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_scan_keeps_a_usable_result() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let good = ok_record("a.com", Provider::M365, T1);
        s.save_scans(std::slice::from_ref(&good)).await.unwrap();

        for (status, at) in [(ScanStatus::Timeout, T2), (ScanStatus::Servfail, T3)] {
            let out = s
                .save_scans(&[failed_record("a.com", status, at)])
                .await
                .unwrap();
            assert_eq!(out, [SaveOutcome::KeptPrevious]);
            let stored = s.signals("a.com").await.unwrap().unwrap();
            assert_eq!(stored.signals, good.signals, "signals kept");
            assert_eq!(stored.scanned_at.as_deref(), Some(T1));
            assert_eq!(stored.last_attempt_status, Some(status));
            assert_eq!(stored.last_attempt_at.as_deref(), Some(at));
            assert_eq!(
                s.score("a.com").await.unwrap().unwrap(),
                good.score,
                "score kept"
            );
            assert_eq!(
                company_provider(&db, "a.com").await.as_deref(),
                Some("M365")
            );
            assert!(s.provider_history("a.com").await.unwrap().is_empty());
        }
        let lead = s.lead("a.com").await.unwrap().unwrap();
        assert_eq!(lead.scan_status, ScanStatus::Ok);
        assert_eq!(lead.readiness_score, 80);

        // `partial` is usable too.
        let mut partial = ok_record("p.com", Provider::Google, T1);
        partial.signals.scan_status = ScanStatus::Partial;
        partial.signals.dkim = None;
        s.save_scans(&[partial]).await.unwrap();
        let out = s
            .save_scans(&[failed_record("p.com", ScanStatus::Servfail, T2)])
            .await
            .unwrap();
        assert_eq!(out, [SaveOutcome::KeptPrevious]);
        assert_eq!(
            s.signals("p.com")
                .await
                .unwrap()
                .unwrap()
                .signals
                .scan_status,
            ScanStatus::Partial
        );

        // A failing first scan is stored with its status; failure over failure replaces it.
        let out = s
            .save_scans(&[failed_record("f.com", ScanStatus::Timeout, T1)])
            .await
            .unwrap();
        assert_eq!(
            out,
            [SaveOutcome::Saved {
                provider_changed: false
            }]
        );
        let out = s
            .save_scans(&[failed_record("f.com", ScanStatus::Servfail, T2)])
            .await
            .unwrap();
        assert_eq!(
            out,
            [SaveOutcome::Saved {
                provider_changed: false
            }]
        );
        let stored = s.signals("f.com").await.unwrap().unwrap();
        assert_eq!(stored.signals.scan_status, ScanStatus::Servfail);
        assert_eq!(stored.last_attempt_status, Some(ScanStatus::Servfail));
        assert_eq!(stored.scanned_at.as_deref(), Some(T2));
        assert_eq!(
            s.lead("f.com").await.unwrap().unwrap().priority_category,
            PriorityCategory::P6
        );

        // Outcomes follow the input order, whatever order the store writes in.
        let out = s
            .save_scans(&[
                ok_record("z.com", Provider::Google, T3),
                failed_record("a.com", ScanStatus::Timeout, T3),
            ])
            .await
            .unwrap();
        assert_eq!(
            out,
            [
                SaveOutcome::Saved {
                    provider_changed: false
                },
                SaveOutcome::KeptPrevious
            ]
        );

        // A hard fail is a real answer, not a failed scan: a later failure replaces it.
        s.save_scans(&[failed_record("h.com", ScanStatus::NoMx, T1)])
            .await
            .unwrap();
        let out = s
            .save_scans(&[failed_record("h.com", ScanStatus::Timeout, T2)])
            .await
            .unwrap();
        assert!(matches!(out[0], SaveOutcome::Saved { .. }));
        // And a usable result replaces a hard fail, logging Unknown -> M365.
        let out = s
            .save_scans(&[ok_record("h.com", Provider::M365, T3)])
            .await
            .unwrap();
        assert_eq!(
            out,
            [SaveOutcome::Saved {
                provider_changed: true
            }]
        );
    })
    .await;
}

#[tokio::test]
async fn partner_center_raw_leads_upsert_while_other_sources_append() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let referral = |name: &str, status: &str| NewInput {
            source: Source::PartnerCenter,
            source_ref: Some("ref-1".into()),
            domain: "a.com".into(),
            company_name: Some(name.into()),
            email: None,
            website: None,
            payload: json!({"id": "ref-1", "status": status}),
        };
        s.ingest(&[referral("Acme", "New")]).await.unwrap();
        s.ingest(&[referral("Acme Corp", "Active")]).await.unwrap();
        assert_eq!(
            db.count("raw_leads", "a.com").await,
            1,
            "re-sync updates its row"
        );
        assert_eq!(
            db.text("SELECT payload FROM raw_leads WHERE domain = $1", "a.com")
                .await
                .map(|p| serde_json::from_str::<serde_json::Value>(&p).unwrap()),
            Some(json!({"id": "ref-1", "status": "Active"}))
        );
        assert_eq!(
            db.text(
                "SELECT company_name FROM raw_leads WHERE domain = $1",
                "a.com"
            )
            .await
            .as_deref(),
            Some("Acme Corp")
        );

        let mut other = referral("Other", "New");
        other.source_ref = Some("ref-2".into());
        s.ingest(&[other]).await.unwrap();
        assert_eq!(
            db.count("raw_leads", "a.com").await,
            2,
            "another referral is a new row"
        );

        let csv = input(Source::Csv, "b.com", Some("B"));
        s.ingest(&[csv.clone(), csv.clone()]).await.unwrap();
        s.ingest(&[csv]).await.unwrap();
        assert_eq!(db.count("raw_leads", "b.com").await, 3, "csv appends");
        assert_eq!(db.count("companies", "b.com").await, 1);

        let mut no_ref = referral("Acme", "New");
        no_ref.source_ref = None;
        let err = s.ingest(&[no_ref]).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn a_score_stored_before_turkish_texts_reads_english_until_it_is_rescored() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let record = ok_record("old.com", Provider::M365, T1);
        s.save_scans(std::slice::from_ref(&record)).await.unwrap();
        assert!(
            s.stale_scores("0123456789ab", None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // What migration 0008 leaves of a row scored before it: no Turkish texts anywhere.
        sqlx::query(
            "UPDATE lead_scores SET reason_tr = NULL, priority_label_tr = NULL,
                 breakdown = '[{\"name\":\"total\",\"label\":\"Total\",\"points\":80}]'
             WHERE domain = $1",
        )
        .bind("old.com")
        .execute(&db.raw)
        .await
        .unwrap();
        let lead = s.lead("old.com").await.unwrap().unwrap();
        assert_eq!(lead.reason_tr, record.score.reason);
        assert_eq!(lead.priority_label_tr, "Renewal Pressure");
        let score = s.score("old.com").await.unwrap().unwrap();
        assert_eq!(score.reason_tr, record.score.reason);
        assert_eq!(score.priority_label_tr, "Renewal Pressure");
        assert_eq!(score.breakdown[0].label_tr, "Total");
        // Same rules version, yet due for a re-score, which writes both languages.
        assert_eq!(
            s.stale_scores("0123456789ab", None, 10).await.unwrap(),
            ["old.com"]
        );
        s.save_scores(&[("old.com".to_owned(), record.score.clone())])
            .await
            .unwrap();
        assert_eq!(s.score("old.com").await.unwrap().unwrap(), record.score);
        assert!(
            s.stale_scores("0123456789ab", None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn lead_round_trips_every_field() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let mut record = ok_record("a.com", Provider::M365, "2026-11-28T13:00:00+03:00");
        record.company_name = Some("Acme".into());
        s.save_scans(std::slice::from_ref(&record)).await.unwrap();

        let lead = s.lead("a.com").await.unwrap().unwrap();
        // Times are stored normalized to UTC.
        let expected = Lead::from_scan(
            Some("Acme".into()),
            &record.signals,
            &record.score,
            Some("2026-11-28T10:00:00.000000Z".into()),
        );
        assert_eq!(lead, expected);
        assert_eq!(lead.mx_records.len(), 2);
        assert_eq!(lead.dmarc_policy, Some(DmarcPolicy::Reject));
        assert_eq!(lead.dmarc_coverage, Some(50));

        let stored = s.signals("a.com").await.unwrap().unwrap();
        assert_eq!(stored.signals, record.signals, "evidence, raw texts, lists");
        assert_eq!(stored.last_attempt_status, Some(ScanStatus::Ok));
        assert!(stored.nameservers.is_empty() && stored.registrar.is_none());
        assert_eq!(s.score("a.com").await.unwrap().unwrap(), record.score);

        // Nulls and empties survive too.
        let mut sparse = ok_record("b.com", Provider::Local, T1);
        sparse.signals = Signals::empty("b.com", ScanStatus::Partial);
        s.save_scans(std::slice::from_ref(&sparse)).await.unwrap();
        assert_eq!(
            s.signals("b.com").await.unwrap().unwrap().signals,
            sparse.signals
        );
        let lead = s.lead("b.com").await.unwrap().unwrap();
        assert_eq!(lead.company_name.as_deref(), Some("b.com"));
        assert_eq!((lead.spf, lead.dkim, lead.dmarc_policy), (None, None, None));

        // Unknown, and known but never scanned: no lead.
        assert_eq!(s.lead("nope.com").await.unwrap(), None);
        s.ingest(&[input(Source::Domain, "c.com", None)])
            .await
            .unwrap();
        assert_eq!(s.lead("c.com").await.unwrap(), None);
        assert!(s.signals("c.com").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_unique_violation_is_typed_and_rolls_back_the_batch() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let keyed = |domain: &str| NewInput {
            source_ref: Some("idempotency-key-1".into()),
            ..input(Source::Webhook, domain, None)
        };
        s.ingest(&[keyed("a.com")]).await.unwrap();
        let err = s
            .ingest(&[input(Source::Domain, "new.com", None), keyed("b.com")])
            .await
            .unwrap_err();
        assert!(err.is_unique_violation(), "{err:?}");
        assert_eq!(err.constraint_kind(), Some(ConstraintKind::Unique));
        assert!(!err.is_unavailable());
        assert!(
            err.to_string().contains("unique constraint violated"),
            "{err}"
        );
        if let StoreError::Constraint { constraint, .. } = &err {
            // PostgreSQL names the constraint; SQLite only describes the columns.
            if s.backend() == Backend::Postgres {
                assert_eq!(constraint.as_deref(), Some("raw_leads_source_ref_key"));
            }
        }
        assert_eq!(
            db.count("companies", "new.com").await,
            0,
            "batch rolled back"
        );
    })
    .await;
}

#[tokio::test]
async fn invalid_results_are_refused_before_writing() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let batch = [
            ok_record("a.com", Provider::M365, T1),
            failed_record("not a domain", ScanStatus::Invalid, T1),
        ];
        let err = s.save_scans(&batch).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
        assert_eq!(db.count("companies", "a.com").await, 0);

        let mut bad_time = ok_record("a.com", Provider::M365, T1);
        bad_time.scanned_at = "yesterday".into();
        let err = s.save_scans(&[bad_time]).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");

        let err = s.ingest(&[input(Source::Csv, "", None)]).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn connect_reports_backend_and_ping_works() {
    common::on_each_backend(Schema::Empty, |db| async move {
        db.store.ping().await.unwrap();
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&db.raw)
            .await
            .unwrap_or_else(|_| "n/a".into());
        match db.store.backend() {
            Backend::Sqlite => assert_eq!(journal, "wal"),
            Backend::Postgres => assert_eq!(journal, "n/a"),
        }
    })
    .await;
}

#[tokio::test]
async fn bad_urls_and_unreachable_servers_are_clear_errors() {
    let err = Store::connect("mysql://root:hunter2@db/hunter")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err}");
    assert!(
        err.to_string().contains("unsupported scheme `mysql`"),
        "{err}"
    );
    assert!(!err.to_string().contains("hunter2"), "{err}");

    // Port 1 on loopback: refused at once.
    let err = Store::connect("postgres://hunter:hunter2@127.0.0.1:1/hunter?password=hunter2")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Connect { .. }), "{err}");
    assert!(err.is_unavailable());
    let message = err.to_string();
    assert!(
        message.contains("postgres://127.0.0.1:1/hunter"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");

    let dir = tempfile::tempdir().unwrap();
    let missing_dir = dir.path().join("no/such/dir/hunter.db");
    let err = Store::connect(&format!("sqlite://{}", missing_dir.display()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Connect { .. }), "{err}");

    // A missing file in an existing directory is created.
    let path = dir.path().join("fresh.db");
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(path.exists());
    store.close().await;
}

#[tokio::test]
async fn concurrent_batches_neither_deadlock_nor_duplicate() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let domains: Vec<String> = (0..20).map(|i| format!("d{i:02}.com")).collect();
        let mut tasks = Vec::new();
        for round in 0..4 {
            let store = db.store.clone();
            let mut batch: Vec<ScanRecord> = domains
                .iter()
                .map(|d| ok_record(d, Provider::M365, T1))
                .collect();
            // Opposite orders would deadlock on PostgreSQL if rows were locked in input order.
            if round % 2 == 1 {
                batch.reverse();
            }
            tasks.push(tokio::spawn(async move {
                let inputs: Vec<NewInput> = batch
                    .iter()
                    .map(|r| input(Source::Csv, &r.signals.domain, Some("Name")))
                    .collect();
                let ingested = store.ingest(&inputs).await.unwrap();
                assert_eq!(ingested[0].domain, inputs[0].domain, "input order kept");
                store.save_scans(&batch).await.unwrap()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().len(), 20);
        }
        for d in &domains {
            for table in ["companies", "domain_signals", "lead_scores"] {
                assert_eq!(db.count(table, d).await, 1, "{table} {d}");
            }
            assert_eq!(db.count("raw_leads", d).await, 4);
        }
    })
    .await;
}

#[tokio::test]
async fn one_batch_with_repeats_and_known_companies_ingests_as_if_row_by_row() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let known = s
            .ingest(&[input(Source::Csv, "known.com", Some("Known"))])
            .await
            .unwrap();
        let batch = [
            input(Source::Csv, "zeta.com", None),
            input(Source::Csv, "new.com", Some("First")),
            input(Source::Csv, "known.com", None),
            input(Source::Csv, "new.com", None),
            input(Source::Csv, "new.com", Some("Last")),
            input(Source::Csv, "known.com", Some("Renamed")),
        ];
        let out = s.ingest(&batch).await.unwrap();
        let created: Vec<(&str, bool)> =
            out.iter().map(|i| (i.domain.as_str(), i.created)).collect();
        assert_eq!(
            created,
            [
                ("zeta.com", true),
                ("new.com", true),
                ("known.com", false),
                ("new.com", false),
                ("new.com", false),
                ("known.com", false),
            ],
            "results follow the input order; only a domain's first input creates it"
        );
        assert_eq!(out[1].company_id, out[3].company_id);
        assert_eq!(out[2].company_id, known[0].company_id);
        assert_eq!(canonical_name(&db, "new.com").await, "Last");
        assert_eq!(canonical_name(&db, "known.com").await, "Renamed");
        assert_eq!(canonical_name(&db, "zeta.com").await, "zeta.com");
        let logged = db
            .text(
                "SELECT CAST(COUNT(*) AS TEXT) FROM raw_leads WHERE source = $1",
                "csv",
            )
            .await;
        assert_eq!(logged.as_deref(), Some("7"), "every input is logged");
    })
    .await;
}

#[tokio::test]
async fn one_big_batch_of_scans_with_repeats_saves_as_if_record_by_record() {
    common::on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        // More records than one multi-row statement takes; each domain first on Google, every
        // third one then moving to M365, every seventh then failing (which keeps its result).
        let records = |prefix: &str| {
            let name = |i: usize| format!("{prefix}{i:03}.com");
            let mut all: Vec<ScanRecord> = (0..300)
                .map(|i| ok_record(&name(i), Provider::Google, T1))
                .collect();
            all.extend(
                (0..300)
                    .step_by(3)
                    .map(|i| ok_record(&name(i), Provider::M365, T2)),
            );
            all.extend(
                (0..300)
                    .step_by(7)
                    .map(|i| failed_record(&name(i), ScanStatus::Timeout, T3)),
            );
            all
        };
        let batched = s.save_scans(&records("x")).await.unwrap();
        let mut one_by_one = Vec::new();
        for record in records("y") {
            one_by_one.extend(s.save_scans(&[record]).await.unwrap());
        }
        assert_eq!(batched, one_by_one);
        for i in [0, 1, 3, 7, 21, 299] {
            let (x, y) = (format!("x{i:03}.com"), format!("y{i:03}.com"));
            assert_eq!(
                company_provider(&db, &x).await,
                company_provider(&db, &y).await
            );
            let (lx, ly) = (
                s.lead(&x).await.unwrap().unwrap(),
                s.lead(&y).await.unwrap().unwrap(),
            );
            assert_eq!(
                (lx.provider, lx.scanned_at, lx.scan_status),
                (ly.provider, ly.scanned_at, ly.scan_status),
                "{x}"
            );
            assert_eq!(
                s.provider_history(&x).await.unwrap().len(),
                s.provider_history(&y).await.unwrap().len()
            );
        }
        assert_eq!(
            company_provider(&db, "x003.com").await.as_deref(),
            Some("M365")
        );
        assert_eq!(s.provider_history("x003.com").await.unwrap().len(), 1);
    })
    .await;
}
