//! End-to-end scan benchmark: N synthetic fixture domains served by an in-process DNS server on
//! loopback, scanned, scored and stored (SQLite by default) through the real pipeline.
//!
//! cargo bench -p hunter-engine --bench scan -- [N] [--latency-ms MS] [--loss FRACTION]
//!     [--database-url URL] [--no-store] [--concurrency N]
//!
//! Prints domains/s, statuses, CPU seconds per 1,000 domains, peak RSS, and DNS queries per
//! domain (counted by the server). The DNS server runs in
//! the same process, so CPU and memory include it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hunter_core::Domain;
use hunter_engine::config::Config;
use hunter_engine::rules::load_rules;
use hunter_engine::scan::{Scanner, scan_many};
use hunter_fixtures::{DnsServer, Faults, synthetic, zones};
use hunter_store::Store;

struct Args {
    n: usize,
    latency: Duration,
    loss: f64,
    database_url: Option<String>,
    store: bool,
    concurrency: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        n: 1000,
        latency: Duration::ZERO,
        loss: 0.0,
        database_url: None,
        store: true,
        concurrency: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("a value after the flag");
        match arg.as_str() {
            "--latency-ms" => args.latency = Duration::from_millis(value().parse().expect("ms")),
            "--loss" => args.loss = value().parse().expect("a fraction"),
            "--database-url" => args.database_url = Some(value()),
            "--no-store" => args.store = false,
            "--concurrency" => args.concurrency = Some(value().parse().expect("a number")),
            "--bench" => {}
            n => args.n = n.parse().expect("N, the number of domains"),
        }
    }
    args
}

/// (peak RSS in MiB, CPU seconds) of this process, from /proc.
fn usage() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports CPU time in USER_HZ, 100 on every mainstream kernel.
    (hwm_kib / 1024.0, (ticks(11) + ticks(12)) / 100.0)
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(run(args));
}

async fn run(args: Args) {
    let fixtures = synthetic(args.n);
    let faults = Faults {
        latency: args.latency,
        loss: args.loss,
        ..Faults::default()
    };
    let dns = DnsServer::start_with_faults(&zones(&fixtures), faults).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let mut vars = vec![
        ("HUNTER_DNS_SERVERS".to_owned(), dns.addr().to_string()),
        (
            "HUNTER_TENANT_DISCOVERY_ENABLED".to_owned(),
            "false".to_owned(),
        ),
        ("HUNTER_DATABASE_URL".to_owned(), url.clone()),
    ];
    if let Some(c) = args.concurrency {
        vars.push(("HUNTER_SCAN_CONCURRENCY".to_owned(), c.to_string()));
    }
    let config = Config::from_vars(vars).expect("benchmark settings");
    let rules = load_rules(None).expect("embedded rules");
    let scanner = Scanner::new(&config, Arc::new(rules)).expect("scanner");
    let store = match args.store {
        true => {
            let store = Store::connect(&url).await.expect("database");
            store.migrate_up().await.expect("migrations");
            Some(store)
        }
        false => None,
    };
    let domains: Vec<Domain> = fixtures
        .iter()
        .map(|f| Domain::parse(&f.domain).expect("fixture domains are valid"))
        .collect();

    let (_, cpu_before) = usage();
    let started = Instant::now();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    scan_many(&scanner, store.as_ref(), &domains, None, |_, outcome| {
        *statuses
            .entry(outcome.signals.scan_status.to_string())
            .or_default() += 1;
    })
    .await
    .expect("scan");
    let elapsed = started.elapsed().as_secs_f64();
    let (peak_mib, cpu_after) = usage();

    let n = args.n as f64;
    let finished: usize = statuses
        .iter()
        .filter(|(s, _)| s.as_str() != "timeout")
        .map(|(_, c)| c)
        .sum();
    println!(
        "domains: {}  latency: {:?}  loss: {}  store: {}  concurrency: {}",
        args.n,
        args.latency,
        args.loss,
        match (&store, args.database_url.is_some()) {
            (None, _) => "none",
            (Some(_), true) => "database url",
            (Some(_), false) => "sqlite",
        },
        config.scan_concurrency,
    );
    println!(
        "elapsed: {elapsed:.2} s  throughput: {:.0} domains/s",
        n / elapsed
    );
    println!(
        "finished without timeout: {:.1}%  statuses: {statuses:?}",
        100.0 * finished as f64 / n
    );
    println!(
        "cpu: {:.2} s per 1,000 domains  peak rss: {peak_mib:.0} MiB",
        (cpu_after - cpu_before) * 1000.0 / n
    );
    let queries = dns.queries() as f64;
    println!(
        "dns: {:.2} queries per domain  {:.0} queries/s",
        queries / n,
        queries / elapsed
    );
}
