//! End-to-end scan benchmark: N synthetic fixture domains served by an in-process DNS server on
//! loopback, scanned, scored and stored (SQLite by default) through the real pipeline.
//!
//! cargo bench -p hunter-engine --bench scan -- [N] [--latency-ms MS] [--loss FRACTION]
//!     [--postgres] [--no-store] [--concurrency N] [--dnsperf-seconds S]
//!
//! Prints domains/s, p50/p99 time per domain, statuses, CPU seconds per 1,000 domains, peak
//! RSS, and DNS queries per domain (counted by the server). Results go to a fresh SQLite file,
//! or with `--postgres` to a fresh database on the server `HUNTER_TEST_PG_URL` names. The DNS
//! server runs in a child process (this benchmark again, with `--serve-dns`), so the CPU time and
//! peak RSS printed are Hunter's alone; the machine's cores are still shared with it.
//!
//! Before the scan, when Debian's `dnsperf` is installed, it replays the queries Hunter will
//! send (every name and type of every domain) against the same server for S seconds (default
//! 5, 0 skips) so the output states Hunter's query rate as a fraction of the server's capacity.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hunter_core::Domain;
use hunter_core::tables::DKIM_SELECTORS;
use hunter_engine::config::Config;
use hunter_engine::rules::load_rules;
use hunter_engine::scan::{Scanner, scan_many};
use hunter_fixtures::{
    Backend, DnsServer, Faults, TestDatabase, synthetic, synthetic_domains, zones,
};
use hunter_store::Store;

struct Args {
    n: usize,
    latency: Duration,
    loss: f64,
    backend: Backend,
    store: bool,
    concurrency: Option<usize>,
    dnsperf_seconds: u64,
    /// Be the DNS server child (see [`DnsChild`]).
    serve_dns: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        n: 1000,
        latency: Duration::ZERO,
        loss: 0.0,
        backend: Backend::Sqlite,
        store: true,
        concurrency: None,
        dnsperf_seconds: 5,
        serve_dns: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("a value after the flag");
        match arg.as_str() {
            "--latency-ms" => args.latency = Duration::from_millis(value().parse().expect("ms")),
            "--loss" => args.loss = value().parse().expect("a fraction"),
            "--postgres" => args.backend = Backend::Postgres,
            "--no-store" => args.store = false,
            "--concurrency" => args.concurrency = Some(value().parse().expect("a number")),
            "--dnsperf-seconds" => args.dnsperf_seconds = value().parse().expect("seconds"),
            "--serve-dns" => args.serve_dns = true,
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
    match args.serve_dns {
        true => runtime.block_on(serve_dns(args)),
        false => runtime.block_on(run(args)),
    }
}

/// The child: serves the fixture zones, prints `ADDR <addr>`, then answers each `queries` line
/// on stdin with the number of queries received so far; stops when stdin closes.
async fn serve_dns(args: Args) {
    let faults = Faults {
        latency: args.latency,
        loss: args.loss,
        ..Faults::default()
    };
    let dns = DnsServer::start_with_faults(&zones(&synthetic(args.n)), faults).await;
    println!("ADDR {}", dns.addr());
    let dns = Arc::new(dns);
    let counter = dns.clone();
    tokio::task::spawn_blocking(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) if l.trim() == "queries" => println!("{}", counter.queries()),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    })
    .await
    .expect("stdin reader");
    drop(dns);
}

/// The DNS server child process and a line protocol to it.
struct DnsChild {
    child: std::process::Child,
    addr: SocketAddr,
    stdout: BufReader<std::process::ChildStdout>,
}

impl DnsChild {
    fn start(args: &Args) -> DnsChild {
        let mut child = std::process::Command::new(std::env::current_exe().expect("own path"))
            .args([
                "--serve-dns",
                &args.n.to_string(),
                "--latency-ms",
                &args.latency.as_millis().to_string(),
                "--loss",
                &args.loss.to_string(),
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the DNS server child");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the child's address");
        let addr = line
            .trim()
            .strip_prefix("ADDR ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the DNS child said {line:?}"));
        DnsChild {
            child,
            addr,
            stdout,
        }
    }

    fn queries(&mut self) -> u64 {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "queries").expect("ask the DNS child");
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("the DNS child's count");
        line.trim().parse().expect("a count")
    }

    fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

async fn run(args: Args) {
    let mut dns = DnsChild::start(&args);
    let database = TestDatabase::create(args.backend).await;
    let url = database.url().to_owned();
    let mut vars = vec![
        ("HUNTER_DNS_SERVERS".to_owned(), dns.addr.to_string()),
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
    let domains: Vec<Domain> = synthetic_domains(args.n)
        .iter()
        .map(|d| Domain::parse(d).expect("fixture domains are valid"))
        .collect();

    let capacity = match args.dnsperf_seconds {
        0 => None,
        seconds => dnsperf(dns.addr, &domains, seconds, database.dir()),
    };

    let queries_before = dns.queries();
    let (_, cpu_before) = usage();
    let started = Instant::now();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut took = Vec::with_capacity(domains.len());
    scan_many(&scanner, store.as_ref(), &domains, None, |_, outcome| {
        *statuses
            .entry(outcome.signals.scan_status.to_string())
            .or_default() += 1;
        took.push(outcome.took);
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
        match (&store, args.backend) {
            (None, _) => "none",
            (Some(_), Backend::Sqlite) => "sqlite",
            (Some(_), Backend::Postgres) => "postgres",
        },
        config.scan_concurrency,
    );
    println!(
        "elapsed: {elapsed:.2} s  throughput: {:.0} domains/s",
        n / elapsed
    );
    took.sort_unstable();
    let percentile = |p: f64| {
        let i = ((took.len() as f64 * p).ceil() as usize).clamp(1, took.len()) - 1;
        took[i].as_secs_f64() * 1000.0
    };
    println!(
        "per domain: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        percentile(0.50),
        percentile(0.99),
        percentile(1.0)
    );
    println!(
        "finished without timeout: {:.1}%  statuses: {statuses:?}",
        100.0 * finished as f64 / n
    );
    println!(
        "cpu: {:.2} s per 1,000 domains  peak rss: {peak_mib:.0} MiB",
        (cpu_after - cpu_before) * 1000.0 / n
    );
    let queries = (dns.queries() - queries_before) as f64;
    let rate = queries / elapsed;
    println!(
        "dns: {:.2} queries per domain  {rate:.0} queries/s",
        queries / n
    );
    match capacity {
        Some(capacity) => println!(
            "dnsperf: the server answers {capacity:.0} queries/s alone; Hunter used {:.0}% of it",
            100.0 * rate / capacity
        ),
        None => {
            println!("dnsperf: not measured (install Debian's dnsperf, or --dnsperf-seconds > 0)")
        }
    }
    drop(store);
    database.remove().await;
    dns.stop();
}

/// The server's capacity in queries/s for Hunter's own query mix, measured by `dnsperf` with
/// as many queries outstanding as Hunter's in-flight cap. `None` when dnsperf is missing.
fn dnsperf(server: SocketAddr, domains: &[Domain], seconds: u64, dir: &Path) -> Option<f64> {
    let mut list = String::new();
    for domain in domains {
        let d = domain.as_str();
        list.push_str(&format!(
            "{d} MX\n{d} TXT\n_dmarc.{d} TXT\nautodiscover.{d} CNAME\n"
        ));
        for selector in DKIM_SELECTORS {
            list.push_str(&format!(
                "{selector}._domainkey.{d} TXT\n{selector}._domainkey.{d} CNAME\n"
            ));
        }
    }
    let file = dir.join("dnsperf-queries.txt");
    std::fs::write(&file, list).expect("write the dnsperf query list");
    let output = std::process::Command::new("dnsperf")
        .args([
            "-s",
            &server.ip().to_string(),
            "-p",
            &server.port().to_string(),
        ])
        .arg("-d")
        .arg(&file)
        .args(["-l", &seconds.to_string(), "-c", "4", "-q", "1024"])
        .output()
        .ok()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Queries per second:"))
        .and_then(|v| v.trim().parse().ok())
}
