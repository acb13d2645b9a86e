//! Several `hunter worker` processes sharing one bulk scan on PostgreSQL (issue 5): the job's
//! items are claimed in batches, every domain is scanned once, and a worker killed midway loses
//! nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use hunter_core::Domain;
use hunter_engine::jobs::JobQueue;
use hunter_fixtures::{DnsServer, Faults, Fixture, synthetic, zones};
use hunter_store::{Job, JobStatus, Store};

use crate::support::{Backend, Hunter, TestDb, backends, ok};

const DOMAINS: usize = 5_000;

/// The workers' log level: warnings, plus one line per committed batch.
const LOG: &str = "warn,hunter_engine::jobs::shared=debug";

/// Queues a bulk scan of every fixture domain, as `POST /api/scan/bulk` would.
async fn enqueue(url: &str, fixtures: &[Fixture]) -> (Store, Job) {
    let store = Store::connect(url).await.unwrap();
    let domains = fixtures
        .iter()
        .map(|f| Domain::parse(&f.domain).unwrap())
        .collect();
    let job = JobQueue::new(store.clone())
        .enqueue_bulk_scan(domains)
        .await
        .unwrap();
    assert_eq!(job.total, DOMAINS as u64);
    (store, job)
}

/// Polls the job until `done` holds, checking the counters on the way.
async fn wait_for(store: &Store, id: &str, limit: Duration, done: impl Fn(&Job) -> bool) -> Job {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let job = store.job(id).await.unwrap().unwrap();
        assert_eq!(job.processed, job.succeeded + job.failed, "{job:?}");
        assert!(job.processed <= job.total, "{job:?}");
        if done(&job) {
            return job;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job did not get there in {limit:?}: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Items a worker committed, summed from its per-batch log lines (`counted=N`).
fn items_recorded(log: &Path) -> u64 {
    let text = std::fs::read_to_string(log).unwrap();
    text.lines()
        .filter(|l| l.contains("scanned items recorded"))
        .filter_map(|l| {
            let rest = &l[l.find("counted=")? + "counted=".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

/// Checks what every completed run must show: exact counters, the statuses the fixtures call
/// for, and one stored result per domain.
async fn assert_completed_exactly(db: &TestDb, job: &Job, fixtures: &[Fixture]) {
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!((job.processed, job.total), (DOMAINS as u64, DOMAINS as u64));
    let mut expected = BTreeMap::new();
    for f in fixtures {
        *expected
            .entry(f.expect.scan_status.to_owned())
            .or_insert(0u64) += 1;
    }
    let statuses: BTreeMap<String, u64> =
        serde_json::from_value(job.result.clone().unwrap()["statuses"].clone()).unwrap();
    assert_eq!(statuses, expected);
    assert_eq!(db.count("lead_scores").await, DOMAINS as i64);
    assert_eq!(db.count("job_items").await, 0);
}

async fn setup() -> Option<(TestDb, DnsServer, Vec<Fixture>, Hunter)> {
    if !backends().contains(&Backend::Postgres) {
        return None;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let fixtures = synthetic(DOMAINS);
    // A little latency keeps the job going long enough for both workers to take part (and for
    // one to be killed midway).
    let faults = Faults {
        latency: Duration::from_millis(20),
        ..Faults::default()
    };
    let dns = DnsServer::start_with_faults(&zones(&fixtures), faults).await;
    // Generous DNS timeouts: a query retried because a loaded CI machine answered late would
    // count as a second scan of its domain.
    let hunter = Hunter::new(&db.url, db.dir())
        .env("HUNTER_DNS_SERVERS", dns.addr().to_string())
        .env("HUNTER_DNS_TIMEOUT_MS", "15000")
        .env("HUNTER_SCAN_DEADLINE_MS", "40000")
        .env("HUNTER_LOG", LOG);
    ok(&hunter.run(&["migrate", "up"]).await);
    Some((db, dns, fixtures, hunter))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_on_postgresql_share_a_bulk_scan_and_scan_every_domain_once() {
    let Some((db, dns, fixtures, hunter)) = setup().await else {
        return;
    };
    let (store, job) = enqueue(&db.url, &fixtures).await;
    let logs = [db.dir().join("first.log"), db.dir().join("second.log")];
    let workers: Vec<_> = logs
        .iter()
        .map(|log| hunter.spawn_logging_to(&["worker"], log))
        .collect();

    let done = wait_for(&store, &job.id, Duration::from_secs(240), |j| {
        j.status.is_finished()
    })
    .await;
    drop(workers);
    assert_completed_exactly(&db, &done, &fixtures).await;

    let asked = dns.mx_queries();
    for f in &fixtures {
        assert_eq!(asked.get(&f.domain), Some(&1), "{} scanned once", f.domain);
    }
    let shares: Vec<u64> = logs.iter().map(|log| items_recorded(log)).collect();
    assert_eq!(shares.iter().sum::<u64>(), DOMAINS as u64, "{shares:?}");
    assert!(
        shares.iter().all(|&n| n > 0),
        "both workers took part: {shares:?}"
    );
    store.close().await;
    dns.shutdown().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_midway_loses_nothing_and_the_other_finishes_the_job() {
    let Some((db, dns, fixtures, hunter)) = setup().await else {
        return;
    };
    let (store, job) = enqueue(&db.url, &fixtures).await;
    let killed_log = db.dir().join("killed.log");
    let mut killed = hunter.spawn_logging_to(&["worker"], &killed_log);
    let survivor_log = db.dir().join("survivor.log");
    let survivor = hunter.spawn_logging_to(&["worker"], &survivor_log);

    let midway = wait_for(&store, &job.id, Duration::from_secs(120), |j| {
        j.processed >= 1_000
    })
    .await;
    assert!(midway.processed < DOMAINS as u64, "{midway:?}");
    // SIGKILL: no shutdown, its claimed batches stay claimed until their claims run out.
    killed.kill().await.unwrap();
    let committed_by_killed = items_recorded(&killed_log);

    // The survivor takes the dead worker's batches once their claims expire (30 s).
    let done = wait_for(&store, &job.id, Duration::from_secs(240), |j| {
        j.status.is_finished()
    })
    .await;
    drop(survivor);
    assert_completed_exactly(&db, &done, &fixtures).await;
    // From the logs: the killed worker may die between a commit and its log line, so its share
    // can read up to one batch short. Exactness itself is checked above, in the database.
    let logged = committed_by_killed + items_recorded(&survivor_log);
    assert!(
        (DOMAINS as u64 - 100..=DOMAINS as u64).contains(&logged),
        "{committed_by_killed} + survivor's share: nothing counted twice"
    );
    assert!(committed_by_killed > 0, "the killed worker had committed");

    // Only what the killed worker had in flight was scanned again.
    let asked = dns.mx_queries();
    let again: u32 = fixtures
        .iter()
        .map(|f| {
            let n = asked.get(&f.domain).copied().unwrap_or(0);
            assert!(n >= 1, "{} was scanned", f.domain);
            n - 1
        })
        .sum();
    // The killed worker held at most this many items (`hunter worker` defaults: 256 scans at
    // once, batches of 100, one batch more than the scans need).
    let claimed_at_most = (256u32.div_ceil(100) + 1) * 100;
    assert!(
        again <= claimed_at_most,
        "{again} repeated scans: more than the killed worker's claims"
    );
    store.close().await;
    dns.shutdown().await;
    db.cleanup().await;
}
