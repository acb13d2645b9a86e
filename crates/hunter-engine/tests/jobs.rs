//! Jobs end to end on both backends: fixture domains served by an in-process DNS server, workers
//! stopped or killed mid-job and replaced by new ones on the same database. Every test runs on a
//! fresh SQLite file, and again on a fresh PostgreSQL database when `HUNTER_TEST_PG_URL` names a
//! server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use hunter_core::rules::Rules;
use hunter_core::{Domain, Text};
use hunter_engine::config::Config;
use hunter_engine::import::{Detection, RowOutcome, each_row, reader};
use hunter_engine::jobs::{JobQueue, WorkerOptions};
use hunter_engine::scan::Scanner;
use hunter_fixtures::{DnsServer, Faults, Fixture, synthetic, zones};
use hunter_store::{ImportRows, Job, JobError, JobKind, JobStatus, Store};
use sqlx::AnyPool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

// ---------------------------------------------------------------------------------------------
// Harness

struct Db {
    store: Store,
    raw: AnyPool,
}

impl Db {
    async fn scalar(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.raw).await.unwrap()
    }
}

/// Runs `test` on a fresh, migrated database per backend (`hunter_fixtures::on_each_backend`).
async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(Db) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let test = Arc::new(test);
    hunter_fixtures::on_each_backend(move |url| {
        let test = test.clone();
        async move {
            let store = Store::connect(&url).await.unwrap();
            store.migrate_up().await.unwrap();
            let raw = AnyPool::connect(&url).await.unwrap();
            test(Db {
                store: store.clone(),
                raw: raw.clone(),
            })
            .await;
            store.close().await;
            raw.close().await;
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Workers

fn scanner(dns: SocketAddr, concurrency: usize) -> Arc<Scanner> {
    let config = Config::from_vars([
        ("HUNTER_DNS_SERVERS", dns.to_string()),
        ("HUNTER_TENANT_DISCOVERY_ENABLED", "false".to_owned()),
        ("HUNTER_SCAN_CONCURRENCY", concurrency.to_string()),
    ])
    .unwrap();
    Arc::new(Scanner::new(&config, Arc::new(Rules::embedded())).unwrap())
}

fn options() -> WorkerOptions {
    WorkerOptions {
        slots: 2,
        batch: 10,
        // Short, so a killed worker's job is taken over quickly on PostgreSQL.
        lease: Duration::from_secs(2),
        poll: Duration::from_millis(50),
    }
}

struct Running {
    shutdown: CancellationToken,
    handle: JoinHandle<()>,
}

fn start(queue: &JobQueue, scanner: Arc<Scanner>, options: WorkerOptions) -> Running {
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn({
        let (queue, shutdown) = (queue.clone(), shutdown.clone());
        async move { queue.run_workers(scanner, options, shutdown).await }
    });
    Running { shutdown, handle }
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("workers stop within the scan deadline")
            .unwrap();
    }

    /// Kills the workers as a crash would: their futures are dropped wherever they are.
    async fn kill(self) {
        self.handle.abort();
        assert!(self.handle.await.unwrap_err().is_cancelled());
    }
}

/// Polls the job until `done` holds for it.
async fn wait_until(store: &Store, id: &str, done: impl Fn(&Job) -> bool) -> Job {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let job = store.job(id).await.unwrap().unwrap();
        assert_eq!(job.processed, job.succeeded + job.failed, "{job:?}");
        assert!(job.total == 0 || job.processed <= job.total, "{job:?}");
        if done(&job) {
            return job;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job did not get there in time: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn finished(job: &Job) -> bool {
    job.status.is_finished()
}

// ---------------------------------------------------------------------------------------------
// Bulk scans

#[derive(Clone, Copy, Debug)]
enum Interruption {
    /// Shutdown requested: in-flight scans are committed and the job re-queued.
    Stop,
    /// The process dies: nothing more is committed and the job keeps its lease until it expires.
    Kill,
}

async fn bulk_scan_survives(interruption: Interruption) {
    let fixtures = synthetic(300);
    // Slow answers keep the job running long enough to be interrupted midway.
    let faults = Faults {
        latency: Duration::from_millis(5),
        ..Faults::default()
    };
    let dns = DnsServer::start_with_faults(&zones(&fixtures), faults).await;
    let addr = dns.addr();
    on_each_backend(move |db| {
        let fixtures = fixtures.clone();
        async move {
            let queue = JobQueue::new(db.store.clone());
            let mut domains: Vec<Domain> = fixtures
                .iter()
                .map(|f| Domain::parse(&f.domain).unwrap())
                .collect();
            domains.push(domains[0].clone());
            let job = queue.enqueue_bulk_scan(domains).await.unwrap();
            assert_eq!(
                (job.kind, job.total),
                (JobKind::BulkScan, 300),
                "repeats dropped"
            );

            let first = start(&queue, scanner(addr, 8), options());
            let midway = wait_until(&db.store, &job.id, |j| j.processed >= 40).await;
            assert!(midway.processed < 300, "interrupted midway: {midway:?}");
            match interruption {
                Interruption::Stop => first.stop().await,
                Interruption::Kill => first.kill().await,
            }
            let interrupted = db.store.job(&job.id).await.unwrap().unwrap();
            assert!(interrupted.processed < 300, "{interrupted:?}");
            if let Interruption::Stop = interruption {
                // Shared: the job stays running for other workers, and every batch this one
                // had claimed was committed before it stopped.
                assert_eq!(interrupted.status, JobStatus::Running);
                assert_eq!(
                    db.scalar("SELECT COUNT(*) FROM job_items WHERE claim_token IS NOT NULL")
                        .await,
                    0,
                    "claimed batches finished on shutdown"
                );
            }

            let second = start(&queue, scanner(addr, 32), options());
            let done = wait_until(&db.store, &job.id, finished).await;
            second.stop().await;
            assert_eq!(done.status, JobStatus::Completed, "{done:?}");
            assert_eq!((done.processed, done.total), (300, 300));
            assert_eq!(done.succeeded + done.failed, 300);
            let statuses: BTreeMap<String, u64> =
                serde_json::from_value(done.result.unwrap()["statuses"].clone()).unwrap();
            assert_eq!(statuses, expected_statuses(&fixtures));

            // Every domain stored exactly once, ingested exactly once.
            assert_eq!(db.scalar("SELECT COUNT(*) FROM lead_scores").await, 300);
            assert_eq!(
                db.scalar("SELECT COUNT(DISTINCT domain) FROM lead_scores")
                    .await,
                300
            );
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM raw_leads WHERE source = 'domain'")
                    .await,
                300
            );
            assert_eq!(
                db.scalar("SELECT COUNT(DISTINCT domain) FROM raw_leads")
                    .await,
                300
            );
            for f in fixtures.iter().step_by(7) {
                let lead = db.store.lead(&f.domain).await.unwrap().unwrap();
                assert_eq!(
                    lead.scan_status.as_str(),
                    f.expect.scan_status,
                    "{}",
                    f.domain
                );
            }
        }
    })
    .await;
    dns.shutdown().await;
}

fn expected_statuses(fixtures: &[Fixture]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for f in fixtures {
        *counts.entry(f.expect.scan_status.to_owned()).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_scan_stopped_midway_is_finished_by_new_workers_exactly_once() {
    bulk_scan_survives(Interruption::Stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_scan_whose_workers_died_is_taken_over_exactly_once() {
    bulk_scan_survives(Interruption::Kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_job_is_taken_over_stops_and_nothing_is_counted_twice() {
    let fixtures = synthetic(200);
    let faults = Faults {
        latency: Duration::from_millis(5),
        ..Faults::default()
    };
    let dns = DnsServer::start_with_faults(&zones(&fixtures), faults).await;
    let addr = dns.addr();
    on_each_backend(move |db| {
        let fixtures = fixtures.clone();
        async move {
            let queue = JobQueue::new(db.store.clone());
            let domains = fixtures
                .iter()
                .map(|f| Domain::parse(&f.domain).unwrap())
                .collect();
            let job = queue.enqueue_bulk_scan(domains).await.unwrap();
            let workers = start(&queue, scanner(addr, 8), options());
            wait_until(&db.store, &job.id, |j| j.processed >= 30).await;
            // As if the holders had stalled past their claims: the items go back to the queue
            // and are claimed again; the old holders' commits are refused. (Between two batches
            // nothing may be claimed for a moment, hence the retry.)
            let mut requeued = 0;
            for _ in 0..100 {
                requeued = db.store.requeue_running_jobs().await.unwrap();
                if requeued > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            assert_eq!(requeued, 1, "one job had claimed items");
            let done = wait_until(&db.store, &job.id, finished).await;
            workers.stop().await;
            assert_eq!(done.status, JobStatus::Completed, "{done:?}");
            assert_eq!((done.processed, done.total), (200, 200));
            assert_eq!(done.succeeded + done.failed, 200);
            assert_eq!(db.scalar("SELECT COUNT(*) FROM lead_scores").await, 200);
        }
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enqueued_job_wakes_idle_workers_at_once() {
    let fixtures = synthetic(5);
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let addr = dns.addr();
    on_each_backend(move |db| {
        let fixtures = fixtures.clone();
        async move {
            let queue = JobQueue::new(db.store.clone());
            let slow_poll = WorkerOptions {
                poll: Duration::from_secs(3600),
                ..options()
            };
            let workers = start(&queue, scanner(addr, 8), slow_poll);
            // Let the workers go idle first.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let domains = fixtures
                .iter()
                .map(|f| Domain::parse(&f.domain).unwrap())
                .collect();
            let job = queue.enqueue_bulk_scan(domains).await.unwrap();
            let done = tokio::time::timeout(
                Duration::from_secs(20),
                wait_until(&db.store, &job.id, finished),
            )
            .await
            .expect("woken without waiting for the poll interval");
            assert_eq!((done.status, done.processed), (JobStatus::Completed, 5));
            workers.stop().await;
        }
    })
    .await;
    dns.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Imports

/// A CSV of `fixtures` with a bad row, a repeated domain and a blank line after the first two.
fn csv(fixtures: &[Fixture]) -> Vec<u8> {
    let mut text = String::from("company,website\n");
    for (i, f) in fixtures.iter().enumerate() {
        text.push_str(&format!("Company {i},https://www.{}/\n", f.domain));
        if i == 1 {
            text.push_str("Broken Ltd,n/a\n");
            text.push_str(&format!("Again Ltd,{}\n", fixtures[0].domain));
            text.push_str(",\n");
        }
    }
    text.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_job_ingests_rows_reports_bad_ones_by_row_and_scans() {
    let fixtures = synthetic(12);
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let addr = dns.addr();
    on_each_backend(move |db| {
        let fixtures = fixtures.clone();
        async move {
            let queue = JobQueue::new(db.store.clone());
            let job = queue
                .enqueue_import("leads.csv", csv(&fixtures), true, Detection::Exact)
                .await
                .unwrap();
            assert_eq!(
                (job.kind, job.status, job.total),
                (JobKind::Import, JobStatus::Queued, 0)
            );
            let workers = start(&queue, scanner(addr, 8), options());
            let done = wait_until(&db.store, &job.id, finished).await;
            workers.stop().await;

            // 14 data rows (the blank one is not a row), 12 ingested and then scanned.
            assert_eq!(done.status, JobStatus::Completed, "{done:?}");
            assert_eq!((done.total, done.processed), (14 + 12, 14 + 12));
            assert_eq!(done.failed, 2);
            let rows: Vec<_> = done.errors.iter().map(|e| e.row).collect();
            assert_eq!(rows, [Some(4), Some(5)]);
            assert!(
                done.errors[0].message.starts_with("no usable domain"),
                "{:?}",
                done.errors
            );
            assert_eq!(
                done.errors[1].message,
                format!("duplicate of row 2 ({})", fixtures[0].domain)
            );
            let result = done.result.unwrap();
            assert_eq!(result["rows"], 14);
            assert_eq!(result["ingested"], 12);
            assert_eq!(result["skipped"], 2);
            assert_eq!(result["columns"]["website"], "website");
            assert_eq!(result["columns"]["company"], "company");
            let statuses: BTreeMap<String, u64> =
                serde_json::from_value(result["scan_statuses"].clone()).unwrap();
            assert_eq!(statuses, expected_statuses(&fixtures));
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM raw_leads WHERE source = 'csv'")
                    .await,
                12
            );
            assert_eq!(db.scalar("SELECT COUNT(*) FROM lead_scores").await, 12);
            let lead = db.store.lead(&fixtures[3].domain).await.unwrap().unwrap();
            assert_eq!(lead.company_name.as_deref(), Some("Company 3"));
        }
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_import_skips_the_rows_already_ingested() {
    let fixtures = synthetic(60);
    on_each_backend(move |db| {
        let fixtures = fixtures.clone();
        async move {
            let bytes = csv(&fixtures);
            let queue = JobQueue::new(db.store.clone());
            let job = queue
                .enqueue_import("leads.csv", bytes.clone(), false, Detection::Exact)
                .await
                .unwrap();

            // A first worker ingests the first 20 data rows (two of them bad), then dies.
            let crashed = db
                .store
                .claim_job(&[JobKind::Import], Duration::from_millis(200))
                .await
                .unwrap()
                .unwrap();
            let mut first = ImportRows {
                start: 0,
                rows: 20,
                inputs: Vec::new(),
                skipped: Vec::new(),
                queue_scans: false,
            };
            let table = reader::open_bytes(bytes.into()).unwrap();
            each_row(table, Detection::Exact, |outcome, _| {
                match outcome {
                    RowOutcome::Ingest(input) => first.inputs.push(input),
                    RowOutcome::Skip(s) => first
                        .skipped
                        .push(JobError::at_row(s.row, Text::new(s.reason, s.reason_tr))),
                }
                match first.inputs.len() + first.skipped.len() < 20 {
                    true => ControlFlow::Continue(()),
                    false => ControlFlow::Break(()),
                }
            })
            .unwrap();
            db.store.set_job_total(&crashed.lease, 62).await.unwrap();
            db.store
                .record_import_rows(&crashed.lease, &first)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;

            // Scans are never needed here: the DNS server address is never queried.
            let workers = start(
                &queue,
                scanner("127.0.0.1:9".parse().unwrap(), 8),
                options(),
            );
            let done = wait_until(&db.store, &job.id, finished).await;
            workers.stop().await;
            assert_eq!(done.status, JobStatus::Completed, "{done:?}");
            assert_eq!((done.total, done.processed), (62, 62));
            assert_eq!((done.succeeded, done.failed), (60, 2));
            assert_eq!(
                done.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
                [Some(4), Some(5)],
                "each bad row reported once"
            );
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM raw_leads").await,
                60,
                "no row ingested twice"
            );
            assert_eq!(
                db.scalar("SELECT COUNT(DISTINCT domain) FROM raw_leads")
                    .await,
                60
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_of_a_file_without_usable_columns_fails_saying_why() {
    on_each_backend(|db| async move {
        let queue = JobQueue::new(db.store.clone());
        let job = queue
            .enqueue_import(
                "x.csv",
                b"Firma,Telefon\nAcme,123\n".to_vec(),
                false,
                Detection::Exact,
            )
            .await
            .unwrap();
        let workers = start(
            &queue,
            scanner("127.0.0.1:9".parse().unwrap(), 8),
            options(),
        );
        let done = wait_until(&db.store, &job.id, finished).await;
        workers.stop().await;
        assert_eq!(done.status, JobStatus::Failed);
        let reason = done.result.unwrap()["error"].as_str().unwrap().to_owned();
        assert!(reason.contains("none of the columns"), "{reason}");
        assert_eq!(done.errors.len(), 1);
        assert_eq!(done.errors[0].message, reason);
        let turkish = done.errors[0].message_tr.as_deref().unwrap_or_default();
        assert_eq!(turkish, format!("iş tamamlanamadı: {reason}"));
    })
    .await;
}
