//! The job queue on both backends: every test runs on a fresh SQLite file, and again on a fresh
//! PostgreSQL database (`hunter_test_<random>`, dropped afterwards) when `HUNTER_TEST_PG_URL`
//! names a server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use common::{Db, Schema, on_each_backend};

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use hunter_core::Text;
use hunter_core::model::{PartnerContext, ScanStatus, Signals};
use hunter_core::rules::Rules;
use hunter_store::{
    DownSteps, ImportRows, ItemDone, JobEnd, JobError, JobKind, JobStatus, MAX_JOB_ERRORS,
    NewInput, ScanRecord, Source, StoreError,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Harness (as in tests/store.rs)

impl Db {
    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&self.raw)
            .await
            .unwrap()
    }

    async fn raw_leads(&self, domain: &str, source: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM raw_leads WHERE domain = $1 AND source = $2")
            .bind(domain)
            .bind(source)
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

const LONG: Duration = Duration::from_secs(60);

fn record(domain: &str, status: ScanStatus) -> ScanRecord {
    let signals = Signals::empty(domain, status);
    let score = hunter_core::score::score(&signals, &PartnerContext::default(), &Rules::embedded());
    ScanRecord {
        signals,
        score,
        company_name: None,
        job_id: None,
        scanned_at: "2026-11-28T10:00:00Z".into(),
    }
}

fn scanned(domain: &str, status: ScanStatus) -> ItemDone {
    ItemDone::Scanned {
        record: Box::new(record(domain, status)),
        failure: status.is_scan_failure().then(|| {
            Text::new(
                format!("scan failed: {status}"),
                format!("tarama başarısız: {status}"),
            )
        }),
    }
}

fn csv_input(domain: &str, row: u64) -> NewInput {
    NewInput {
        source: Source::Csv,
        source_ref: None,
        domain: domain.into(),
        company_name: Some(format!("{domain} Ltd")),
        email: None,
        website: None,
        payload: json!({ "row": row }),
    }
}

fn domains(names: &[&str]) -> Vec<String> {
    names.iter().map(|d| d.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn a_scan_job_counts_every_item_once_and_completes_at_total() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        s.ingest(&[csv_input("known.com", 2)]).await.unwrap();
        let job = s
            .create_scan_job(
                JobKind::BulkScan,
                None,
                &domains(&["b.com", "known.com", "a.com"]),
                Some(Source::Domain),
            )
            .await
            .unwrap();
        assert_eq!(
            (job.status, job.total, job.processed),
            (JobStatus::Queued, 3, 0)
        );
        assert_eq!(s.job(&job.id).await.unwrap().as_ref(), Some(&job));
        assert_eq!(s.job("no-such-job").await.unwrap(), None);
        // Unknown domains were ingested once, with source `domain`; the known one was left alone.
        assert_eq!(db.raw_leads("a.com", "domain").await, 1);
        assert_eq!(db.raw_leads("known.com", "domain").await, 0);
        assert_eq!(db.raw_leads("known.com", "csv").await, 1);

        let claimed = s
            .claim_job(&[JobKind::BulkScan], LONG)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.job.id, job.id);
        assert_eq!(claimed.job.status, JobStatus::Running);
        assert!(claimed.job.started_at.is_some());
        let lease = claimed.lease;
        let pending = s.pending_job_items(&job.id, None, 10).await.unwrap();
        let order: Vec<_> = pending
            .iter()
            .map(|i| (i.position, i.domain.as_str()))
            .collect();
        assert_eq!(order, [(0, "b.com"), (1, "known.com"), (2, "a.com")]);
        let after_first = s.pending_job_items(&job.id, Some(0), 10).await.unwrap();
        assert_eq!(after_first.len(), 2);

        s.record_job_items(
            &lease,
            &[
                scanned("b.com", ScanStatus::Ok),
                scanned("known.com", ScanStatus::Timeout),
            ],
        )
        .await
        .unwrap();
        // A repeat (a batch scanned again after an unlucky retry) counts nothing.
        s.record_job_items(&lease, &[scanned("b.com", ScanStatus::Ok)])
            .await
            .unwrap();
        let job_now = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!(
            (job_now.processed, job_now.succeeded, job_now.failed),
            (2, 1, 1)
        );
        assert_eq!(
            job_now.errors,
            [JobError::for_domain(
                "known.com",
                Text::new("scan failed: timeout", "tarama başarısız: timeout")
            )]
        );
        assert!(s.lead("b.com").await.unwrap().is_some());

        let early = s
            .finish_job(&lease, JobEnd::Completed { result: json!({}) })
            .await
            .unwrap_err();
        assert!(matches!(early, StoreError::InvalidInput(_)), "{early}");
        assert!(early.to_string().contains("2 of 3 processed"), "{early}");

        s.record_job_items(
            &lease,
            &[ItemDone::Failed {
                domain: "a.com".into(),
                message: Text::new("not a valid domain", "geçerli bir alan adı değil"),
            }],
        )
        .await
        .unwrap();
        let outcomes = s.job_item_outcomes(&job.id).await.unwrap();
        let expected: BTreeMap<String, u64> =
            [("error".into(), 1), ("ok".into(), 1), ("timeout".into(), 1)].into();
        assert_eq!(outcomes, expected);
        assert!(
            s.pending_job_items(&job.id, None, 10)
                .await
                .unwrap()
                .is_empty()
        );

        s.finish_job(
            &lease,
            JobEnd::Completed {
                result: json!({ "statuses": outcomes }),
            },
        )
        .await
        .unwrap();
        let done = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Completed);
        assert_eq!((done.total, done.processed), (3, 3));
        assert_eq!(done.processed, done.succeeded + done.failed);
        assert!(done.finished_at.is_some());
        assert_eq!(done.result.as_ref().unwrap()["statuses"]["ok"], 1);
        assert_eq!(db.count("job_items").await, 0, "work state is dropped");
        // A finished job's lease is gone.
        let err = s.renew_lease(&lease).await.unwrap_err();
        assert!(err.is_lease_lost(), "{err}");

        let shown = serde_json::to_value(&done).unwrap();
        for key in [
            "job_id",
            "kind",
            "status",
            "total",
            "processed",
            "succeeded",
            "failed",
            "errors",
            "result",
        ] {
            assert!(shown.get(key).is_some(), "{key} in {shown}");
        }
        assert_eq!(shown["kind"], "bulk_scan");
        assert_eq!(shown["status"], "completed");
        assert_eq!(
            shown["errors"][0],
            json!({
                "domain": "known.com",
                "message": "scan failed: timeout",
                "message_tr": "tarama başarısız: timeout"
            })
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_claims_never_hand_one_job_to_two_workers() {
    on_each_backend(Schema::Migrated, |db| async move {
        const JOBS: usize = 24;
        for i in 0..JOBS {
            db.store
                .create_scan_job(JobKind::BulkScan, None, &[format!("d{i}.com")], None)
                .await
                .unwrap();
        }
        // Not a kind these claimers run: never handed out.
        let other = db
            .store
            .create_file_job(JobKind::ReferralSync, None, "x", b"")
            .await
            .unwrap();

        let claimers: Vec<_> = (0..6)
            .map(|_| {
                let store = db.store.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    while let Some(c) = store
                        .claim_job(&[JobKind::BulkScan, JobKind::Import], LONG)
                        .await
                        .unwrap()
                    {
                        mine.push(c.job.id);
                    }
                    mine
                })
            })
            .collect();
        let mut all = Vec::new();
        for c in claimers {
            all.extend(c.await.unwrap());
        }
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), JOBS, "every job claimed exactly once");
        assert_eq!(distinct.len(), JOBS);
        assert!(!distinct.contains(&other.id));
        let other = db.store.job(&other.id).await.unwrap().unwrap();
        assert_eq!(other.status, JobStatus::Queued);
    })
    .await;
}

#[tokio::test]
async fn an_expired_lease_is_reclaimed_and_shuts_the_old_holder_out() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let job = s
            .create_scan_job(JobKind::BulkScan, None, &domains(&["a.com"]), None)
            .await
            .unwrap();
        let short = Duration::from_millis(200);
        let old = s
            .claim_job(&[JobKind::BulkScan], short)
            .await
            .unwrap()
            .unwrap();
        assert!(
            s.claim_job(&[JobKind::BulkScan], LONG)
                .await
                .unwrap()
                .is_none(),
            "a live lease is not taken"
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        let new = s
            .claim_job(&[JobKind::BulkScan], LONG)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(new.job.id, job.id);
        assert_ne!(new.lease, old.lease);

        // The old holder's writes change nothing.
        let err = s
            .record_job_items(&old.lease, &[scanned("a.com", ScanStatus::Ok)])
            .await
            .unwrap_err();
        assert!(err.is_lease_lost(), "{err}");
        assert!(s.lead("a.com").await.unwrap().is_none(), "rolled back");
        for err in [
            s.renew_lease(&old.lease).await.unwrap_err(),
            s.release_lease(&old.lease).await.unwrap_err(),
            s.set_job_total(&old.lease, 7).await.unwrap_err(),
            s.finish_job(
                &old.lease,
                JobEnd::Failed {
                    message: Text::new("x", "x"),
                },
            )
            .await
            .unwrap_err(),
        ] {
            assert!(err.is_lease_lost(), "{err}");
        }
        assert_eq!(
            s.pending_job_items(&job.id, None, 10).await.unwrap().len(),
            1
        );

        s.renew_lease(&new.lease).await.unwrap();
        s.record_job_items(&new.lease, &[scanned("a.com", ScanStatus::Ok)])
            .await
            .unwrap();
        let job = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!((job.processed, job.succeeded), (1, 1));
    })
    .await;
}

#[tokio::test]
async fn abandoned_jobs_are_requeued_with_their_progress() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let job = s
            .create_scan_job(JobKind::BulkScan, None, &domains(&["a.com", "b.com"]), None)
            .await
            .unwrap();
        let first = s
            .claim_job(&[JobKind::BulkScan], Duration::from_millis(100))
            .await
            .unwrap()
            .unwrap();
        s.record_job_items(&first.lease, &[scanned("a.com", ScanStatus::Ok)])
            .await
            .unwrap();
        assert_eq!(
            s.requeue_expired_jobs().await.unwrap(),
            0,
            "not expired yet"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(s.requeue_expired_jobs().await.unwrap(), 1);
        let queued = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!((queued.status, queued.processed), (JobStatus::Queued, 1));

        let second = s
            .claim_job(&[JobKind::BulkScan], LONG)
            .await
            .unwrap()
            .unwrap();
        let pending = s.pending_job_items(&job.id, None, 10).await.unwrap();
        assert_eq!(pending.len(), 1, "only the unfinished item is left");
        assert_eq!(pending[0].domain, "b.com");
        assert_eq!(
            s.requeue_running_jobs().await.unwrap(),
            1,
            "live leases too"
        );
        assert!(
            s.release_lease(&second.lease)
                .await
                .unwrap_err()
                .is_lease_lost()
        );

        let third = s
            .claim_job(&[JobKind::BulkScan], LONG)
            .await
            .unwrap()
            .unwrap();
        s.release_lease(&third.lease).await.unwrap();
        let released = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!(released.status, JobStatus::Queued);
        assert_eq!(
            released.started_at, second.job.started_at,
            "first start kept"
        );
    })
    .await;
}

#[tokio::test]
async fn import_rows_commit_with_the_file_position_and_are_never_ingested_twice() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let params = json!({ "file_name": "leads.csv", "scan": true });
        let job = s
            .create_file_job(
                JobKind::Import,
                Some(&params),
                "leads.csv",
                b"domain\na.com\n",
            )
            .await
            .unwrap();
        assert_eq!((job.total, job.params.as_ref()), (0, Some(&params)));
        let file = s.job_file(&job.id).await.unwrap().unwrap();
        assert_eq!(
            (file.name.as_str(), file.content.as_slice()),
            ("leads.csv", &b"domain\na.com\n"[..])
        );

        let claimed = s
            .claim_job(&[JobKind::Import], LONG)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.file_rows_done, 0);
        let lease = claimed.lease;
        s.set_job_total(&lease, 5 + 3).await.unwrap();
        let first = ImportRows {
            start: 0,
            rows: 3,
            inputs: vec![csv_input("a.com", 2), csv_input("b.com", 4)],
            skipped: vec![JobError::at_row(
                3,
                Text::new("no usable domain", "kullanılabilir alan adı yok"),
            )],
            queue_scans: true,
        };
        s.record_import_rows(&lease, &first).await.unwrap();

        // The same batch again (a worker that lost track) is refused and rolled back whole.
        let err = s.record_import_rows(&lease, &first).await.unwrap_err();
        assert!(err.to_string().contains("starts at row 0"), "{err}");
        assert_eq!(db.raw_leads("a.com", "csv").await, 1);
        assert_eq!(db.raw_leads("b.com", "csv").await, 1);
        let bad = ImportRows {
            rows: 9,
            ..first.clone()
        };
        assert!(matches!(
            s.record_import_rows(&lease, &bad).await,
            Err(StoreError::InvalidInput(_))
        ));

        let pending = s.pending_job_items(&job.id, None, 10).await.unwrap();
        let queued: Vec<_> = pending.iter().map(|i| i.domain.as_str()).collect();
        assert_eq!(queued, ["a.com", "b.com"]);

        // A new holder resumes after the committed rows.
        s.release_lease(&lease).await.unwrap();
        let resumed = s
            .claim_job(&[JobKind::Import], LONG)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resumed.file_rows_done, 3);
        let lease = resumed.lease;
        s.record_import_rows(
            &lease,
            &ImportRows {
                start: 3,
                rows: 2,
                inputs: vec![csv_input("c.com", 5)],
                skipped: vec![JobError::at_row(
                    6,
                    Text::new("duplicate of row 2 (a.com)", "2. satırın tekrarı (a.com)"),
                )],
                queue_scans: true,
            },
        )
        .await
        .unwrap();
        let job_now = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!(
            (
                job_now.total,
                job_now.processed,
                job_now.succeeded,
                job_now.failed
            ),
            (8, 5, 3, 2)
        );
        assert_eq!(
            job_now.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
            [Some(3), Some(6)]
        );
        let items: Vec<ItemDone> = ["a.com", "b.com", "c.com"]
            .iter()
            .map(|d| scanned(d, ScanStatus::Nxdomain))
            .collect();
        s.record_job_items(&lease, &items).await.unwrap();
        s.finish_job(&lease, JobEnd::Completed { result: json!({}) })
            .await
            .unwrap();
        let done = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!(
            (done.status, done.processed, done.total),
            (JobStatus::Completed, 8, 8)
        );
        assert!(s.job_file(&job.id).await.unwrap().is_none(), "file dropped");
    })
    .await;
}

#[tokio::test]
async fn errors_keep_the_first_hundred_and_a_failed_job_says_why() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        s.create_file_job(JobKind::Import, None, "big.csv", b"x")
            .await
            .unwrap();
        let c = s
            .claim_job(&[JobKind::Import], LONG)
            .await
            .unwrap()
            .unwrap();
        s.set_job_total(&c.lease, 150).await.unwrap();
        let skipped: Vec<JobError> = (2..152)
            .map(|row| {
                JobError::at_row(
                    row,
                    Text::new("no domain, website or email", "alan adı yok"),
                )
            })
            .collect();
        s.record_import_rows(
            &c.lease,
            &ImportRows {
                start: 0,
                rows: 150,
                inputs: Vec::new(),
                skipped,
                queue_scans: false,
            },
        )
        .await
        .unwrap();
        let job = s.job(&c.job.id).await.unwrap().unwrap();
        assert_eq!((job.processed, job.failed), (150, 150));
        assert_eq!(job.errors.len(), MAX_JOB_ERRORS);
        assert_eq!(job.errors[0].row, Some(2));
        assert_eq!(job.errors[99].row, Some(101));

        s.finish_job(
            &c.lease,
            JobEnd::Failed {
                message: Text::new("the database went away", "veritabanı gitti"),
            },
        )
        .await
        .unwrap();
        let job = s.job(&c.job.id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(
            job.result,
            Some(json!({ "error": "the database went away" }))
        );
        assert_eq!(job.errors.len(), MAX_JOB_ERRORS, "the cap holds");
        assert!(s.job_file(&job.id).await.unwrap().is_none());

        // With room left, the reason is also the last error.
        s.create_scan_job(JobKind::BulkScan, None, &domains(&["a.com"]), None)
            .await
            .unwrap();
        let c = s
            .claim_job(&[JobKind::BulkScan], LONG)
            .await
            .unwrap()
            .unwrap();
        s.finish_job(
            &c.lease,
            JobEnd::Failed {
                message: Text::new("boom", "bum"),
            },
        )
        .await
        .unwrap();
        let job = s.job(&c.job.id).await.unwrap().unwrap();
        assert_eq!(job.errors, [JobError::general(Text::new("boom", "bum"))]);
    })
    .await;
}

#[tokio::test]
async fn job_tables_go_away_on_down_and_come_back_on_up() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        s.create_scan_job(JobKind::BulkScan, None, &domains(&["a.com"]), None)
            .await
            .unwrap();
        s.migrate_down(DownSteps::All).await.unwrap();
        for table in ["job_items", "job_files", "jobs"] {
            assert!(!db.table_exists(table).await, "{table} is gone");
        }
        s.migrate_up().await.unwrap();
        let job = s
            .create_file_job(JobKind::Import, None, "f.csv", b"domain\n")
            .await
            .unwrap();
        let c = s
            .claim_job(&[JobKind::Import], LONG)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((c.job.id, c.file_rows_done), (job.id, 0));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Shared jobs: items claimed in batches by many workers

/// What a claimer does with its items: all scanned `ok`.
fn all_ok(claim: &hunter_store::ItemClaim) -> Vec<ItemDone> {
    claim
        .items
        .iter()
        .map(|i| scanned(&i.domain, ScanStatus::Ok))
        .collect()
}

#[tokio::test]
async fn concurrent_claimers_share_a_job_item_by_item_and_the_last_commit_completes_it() {
    on_each_backend(Schema::Migrated, |db| async move {
        let names: Vec<String> = (0..500).map(|i| format!("d{i:03}.com")).collect();
        let job = db
            .store
            .create_scan_job(JobKind::BulkScan, None, &names, None)
            .await
            .unwrap();
        let claimers: Vec<_> = (0..6)
            .map(|_| {
                let store = db.store.clone();
                tokio::spawn(async move {
                    let (mut mine, mut completed) = (Vec::new(), 0);
                    while let Some(claim) = store
                        .claim_items(&[JobKind::BulkScan], 7, LONG)
                        .await
                        .unwrap()
                    {
                        let recorded = store
                            .record_claimed_items(&claim, &all_ok(&claim))
                            .await
                            .unwrap();
                        assert_eq!(recorded.counted, claim.items.len() as u64);
                        completed += u32::from(recorded.completed_job);
                        mine.extend(claim.items.into_iter().map(|i| i.domain));
                    }
                    (mine, completed)
                })
            })
            .collect();
        let (mut all, mut completions) = (Vec::new(), 0);
        for c in claimers {
            let (mine, completed) = c.await.unwrap();
            all.extend(mine);
            completions += completed;
        }
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 500, "every item claimed exactly once");
        assert_eq!(distinct.len(), 500);
        assert_eq!(completions, 1, "one commit completed the job");
        let job = db.store.job(&job.id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!((job.processed, job.succeeded, job.total), (500, 500, 500));
        assert_eq!(job.result.unwrap(), json!({ "statuses": { "ok": 500 } }));
        assert!(job.started_at.is_some() && job.finished_at.is_some());
        assert_eq!(db.count("job_items").await, 0, "work state dropped");
        assert_eq!(db.count("lead_scores").await, 500);
    })
    .await;
}

#[tokio::test]
async fn an_expired_claim_is_taken_again_and_its_old_holder_counts_nothing() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let job = s
            .create_scan_job(JobKind::BulkScan, None, &domains(&["a.com", "b.com"]), None)
            .await
            .unwrap();
        let old = s
            .claim_items(&[JobKind::BulkScan], 10, Duration::from_millis(200))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.items.len(), 2);
        assert_eq!(
            s.job(&job.id).await.unwrap().unwrap().status,
            JobStatus::Running
        );
        assert!(
            s.claim_items(&[JobKind::BulkScan], 10, LONG)
                .await
                .unwrap()
                .is_none(),
            "live claims are not taken"
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        let new = s
            .claim_items(&[JobKind::BulkScan], 1, LONG)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(new.items[0].domain, "a.com");

        // The old holder still has b.com (nobody took it), so renewing keeps that one, and its
        // commit counts b.com only.
        s.renew_claim(&old).await.unwrap();
        let recorded = s.record_claimed_items(&old, &all_ok(&old)).await.unwrap();
        assert_eq!((recorded.counted, recorded.completed_job), (1, false));
        assert!(
            s.lead("a.com").await.unwrap().is_none(),
            "not the old holder's"
        );
        let err = s.renew_claim(&old).await.unwrap_err();
        assert!(err.is_claim_lost(), "{err}");
        let err = s
            .record_claimed_items(&old, &all_ok(&old))
            .await
            .unwrap_err();
        assert!(err.is_claim_lost(), "{err}");

        let recorded = s.record_claimed_items(&new, &all_ok(&new)).await.unwrap();
        assert_eq!((recorded.counted, recorded.completed_job), (1, true));
        let job = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!((job.status, job.processed), (JobStatus::Completed, 2));
    })
    .await;
}

#[tokio::test]
async fn a_bulk_scan_of_nothing_is_complete_at_once() {
    on_each_backend(Schema::Migrated, |db| async move {
        let job = db
            .store
            .create_scan_job(JobKind::BulkScan, None, &[], None)
            .await
            .unwrap();
        assert_eq!((job.status, job.total), (JobStatus::Completed, 0));
        assert_eq!(job.result.unwrap(), json!({ "statuses": {} }));
    })
    .await;
}

#[tokio::test]
async fn a_rescan_takes_stale_domains_once_per_slot_and_never_two_at_a_time() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let mut old = record("old.com", ScanStatus::Ok);
        old.scanned_at = "2020-01-01T00:00:00Z".into();
        let mut older = record("older.com", ScanStatus::Ok);
        older.scanned_at = "2019-01-01T00:00:00Z".into();
        let mut fresh = record("fresh.com", ScanStatus::Ok);
        fresh.scanned_at = now_utc();
        s.save_scans(&[old, older, fresh]).await.unwrap();
        let day = Duration::from_secs(24 * 3600);

        let job = s
            .create_rescan_job(day, "2026-11-29T02:00:00Z")
            .await
            .unwrap()
            .expect("created");
        assert_eq!(
            (job.kind, job.status, job.total),
            (JobKind::Rescan, JobStatus::Queued, 2)
        );
        // Another process seeing the same time come, or a later one while this one runs.
        for slot in ["2026-11-29T02:00:00Z", "2026-11-30T02:00:00Z"] {
            assert!(
                s.create_rescan_job(day, slot).await.unwrap().is_none(),
                "{slot}"
            );
        }

        let claim = s
            .claim_items(&[JobKind::Rescan], 10, LONG)
            .await
            .unwrap()
            .unwrap();
        let names: Vec<&str> = claim.items.iter().map(|i| i.domain.as_str()).collect();
        assert_eq!(names, ["old.com", "older.com"]);
        s.record_claimed_items(&claim, &all_ok(&claim))
            .await
            .unwrap();
        let done = s.job(&job.id).await.unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Completed);
        assert_eq!(
            done.result.unwrap(),
            json!({ "statuses": { "ok": 2 }, "provider_changes": 0 })
        );

        // Finished: its slot stays taken, the next one is free; with an age no result reaches,
        // that rescan has nothing to scan and is complete at once.
        assert!(
            s.create_rescan_job(day, "2026-11-29T02:00:00Z")
                .await
                .unwrap()
                .is_none()
        );
        let next = s
            .create_rescan_job(
                Duration::from_secs(3650 * 24 * 3600),
                "2026-11-30T02:00:00Z",
            )
            .await
            .unwrap()
            .expect("created");
        assert_eq!(
            (next.status, next.total),
            (JobStatus::Completed, 0),
            "nothing that old"
        );
    })
    .await;
}

fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
