//! Lead-list benchmark: N synthetic leads stored in a fresh database, then `GET /api/leads`
//! against the real server on 127.0.0.1:0, timed from the client (query, JSON and HTTP together).
//!
//! cargo bench -p hunter-server --bench leads -- [N] [--requests R] [--backend sqlite|postgres]
//!
//! N defaults to 100,000 and R to 200 per query. Both backends run unless `--backend` picks one;
//! PostgreSQL needs `HUNTER_TEST_PG_URL` (an admin URL: a database `hunter_bench_<pid>` is created
//! and dropped). Prints p50, p95 and max per query. Under `cargo test` (no `--bench` argument) it
//! runs a small smoke round so the benchmark cannot rot.
//!
//! Then the cost of authentication (`team.md` §2, §4): the first page in local mode (no
//! credential), and in Entra mode with a session cookie and with an API key, each a lookup in
//! the database per request (the key's also a write: its per-minute counter).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hunter_core::dns::MxRecord;
use hunter_core::model::{
    BreakdownLine, CommercialHeat, CommercialSegment, DmarcPolicy, PriorityCategory, Provider,
    ScanStatus, Score, Segment, Signals, TechnicalHeat, TenantSize,
};
use hunter_engine::config::Config;
use hunter_fixtures::with_database;
use hunter_store::{NewInput, ScanRecord, Source, Store};
use tokio::sync::oneshot;

/// The queries a sales user makes all day: the first page, a deep page, a filtered page, a
/// sort on another column and two searches (a common word and a rare fragment).
const QUERIES: &[(&str, &str)] = &[
    ("default order, page 1", "/api/leads"),
    ("default order, page 500", "/api/leads?page=500"),
    (
        "filtered: Migration + Google, score >= 50",
        "/api/leads?segment=Migration&provider=Google&min_score=50",
    ),
    ("filtered: P2", "/api/leads?priority_category=P2"),
    (
        "sorted by company_name",
        "/api/leads?sort_by=company_name&sort_order=asc",
    ),
    ("search: common word `tekstil`", "/api/leads?search=tekstil"),
    ("search: rare fragment `77123`", "/api/leads?search=77123"),
];

struct Args {
    n: usize,
    requests: usize,
    backends: Vec<&'static str>,
    /// Reuse (or create and keep) this SQLite file instead of a temporary one.
    sqlite_path: Option<String>,
    /// Reuse (or create and keep) this PostgreSQL database instead of a temporary one.
    pg_database: Option<String>,
}

fn parse_args() -> Args {
    let mut bench = false;
    let mut n = None;
    let mut requests = None;
    let mut backends = vec!["sqlite", "postgres"];
    let mut sqlite_path = None;
    let mut pg_database = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bench" => bench = true,
            "--sqlite-path" => sqlite_path = Some(it.next().expect("a path")),
            "--pg-database" => pg_database = Some(it.next().expect("a database name")),
            "--requests" => requests = Some(it.next().expect("R").parse().expect("a number")),
            "--backend" => {
                backends = match it.next().as_deref() {
                    Some("sqlite") => vec!["sqlite"],
                    Some("postgres") => vec!["postgres"],
                    other => panic!("--backend sqlite|postgres, not {other:?}"),
                }
            }
            other => n = Some(other.parse().expect("N, the number of leads")),
        }
    }
    // `cargo test --all-targets` runs this without `--bench`: a smoke round.
    let (default_n, default_requests) = if bench { (100_000, 200) } else { (2_000, 3) };
    Args {
        n: n.unwrap_or(default_n),
        requests: requests.unwrap_or(default_requests),
        backends,
        sqlite_path,
        pg_database,
    }
}

static RULES_VERSION: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hunter_core::rules::Rules::embedded().version);

/// xorshift64*: reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A word of the company name and its ASCII form in the domain.
const WORDS: &[(&str, &str)] = &[
    ("Tekstil", "tekstil"),
    ("Gıda", "gida"),
    ("İnşaat", "insaat"),
    ("Holding", "holding"),
    ("Lojistik", "lojistik"),
    ("Yazılım", "yazilim"),
    ("Enerji", "enerji"),
    ("Otomotiv", "otomotiv"),
    ("Sağlık", "saglik"),
    ("Turizm", "turizm"),
    ("Kimya", "kimya"),
    ("Mobilya", "mobilya"),
    ("Danışmanlık", "danismanlik"),
    ("Elektrik", "elektrik"),
    ("Makina", "makina"),
    ("Plastik", "plastik"),
];

/// Weighted like a Turkish SME list: many M365 and hosting customers, a tail of the rest.
const PROVIDERS: &[Provider] = &[
    Provider::M365,
    Provider::M365,
    Provider::M365,
    Provider::Google,
    Provider::Google,
    Provider::Hosting,
    Provider::Hosting,
    Provider::Hosting,
    Provider::Local,
    Provider::Local,
    Provider::Yandex,
    Provider::Zoho,
    Provider::Unknown,
    Provider::Unknown,
];

fn lead(i: usize, rng: &mut Rng) -> (NewInput, ScanRecord) {
    let (word, slug) = *rng.pick(WORDS);
    let domain = format!("firma{i:06}-{slug}.com.tr");
    let name = format!("Firma {i} {word} A.Ş.");
    let provider = *rng.pick(PROVIDERS);
    let score = rng.below(101) as i32;
    let segment = *rng.pick(Segment::ALL);
    let priority = *rng.pick(PriorityCategory::ALL);
    let mut signals = Signals::empty(&domain, ScanStatus::Ok);
    signals.provider = provider;
    signals.mx_records = vec![MxRecord {
        preference: 10,
        host: format!("mx.{domain}"),
    }];
    signals.mx_root = Some(domain.clone());
    signals.gateway = (rng.below(10) == 0).then(|| "mimecast".to_owned());
    signals.spf = Some(rng.below(4) != 0);
    signals.dkim = Some(rng.below(3) != 0);
    signals.dmarc_policy = match rng.below(4) {
        0 => None,
        1 => Some(DmarcPolicy::None),
        2 => Some(DmarcPolicy::Quarantine),
        _ => Some(DmarcPolicy::Reject),
    };
    signals.tenant_size = Some(*rng.pick(&[TenantSize::Small, TenantSize::Medium]));
    let score = Score {
        provider,
        dns_score: score,
        readiness_score: score,
        segment,
        segment_rule: "1".into(),
        reason: format!("{provider} mail, score {score}"),
        reason_tr: format!("{provider} e-postası, puan {score}"),
        technical_heat: TechnicalHeat::Warm,
        commercial_segment: CommercialSegment::Competitive,
        commercial_heat: CommercialHeat::Medium,
        priority_category: priority,
        priority_label: format!("{priority} label"),
        priority_label_tr: format!("{priority} etiketi"),
        breakdown: vec![BreakdownLine {
            name: "base".into(),
            label: "Base".into(),
            label_tr: "Taban".into(),
            points: score,
        }],
        // The embedded rules' version: a lead scored under other rules is re-scored in the
        // background at every start, which would run during the measurements.
        rules_version: RULES_VERSION.clone(),
    };
    let input = NewInput {
        source: Source::Domain,
        source_ref: None,
        domain: domain.clone(),
        company_name: Some(name),
        email: None,
        website: None,
        payload: serde_json::json!({}),
    };
    let record = ScanRecord {
        signals,
        score,
        company_name: None,
        job_id: None,
        scanned_at: "2026-11-28T10:00:00Z".into(),
    };
    (input, record)
}

async fn seed(url: &str, n: usize) {
    let store = Store::connect(url).await.expect("database");
    store.migrate_up().await.expect("migrations");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let batch: Vec<_> = (i..n.min(i + 1000)).map(|j| lead(j, &mut rng)).collect();
        let (inputs, records): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        store.ingest(&inputs).await.expect("ingest");
        store.save_scans(&records).await.expect("save");
        i += 1000;
    }
    store.close().await;
    println!(
        "  seeded {n} leads in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if url.starts_with("postgres") {
        // What autovacuum does after a bulk load (statistics, and the visibility map that
        // index-only scans need); it is switched off on some machines, so do not wait for it.
        let pool = sqlx::AnyPool::connect(url).await.expect("database");
        sqlx::query("VACUUM ANALYZE")
            .execute(&pool)
            .await
            .expect("vacuum");
        pool.close().await;
        println!("  ran VACUUM ANALYZE, as autovacuum would");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// A running server on `url` with `extra` settings.
struct Running {
    base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), hunter_server::ServerError>>,
}

async fn start(url: &str, extra: &[(&str, &str)]) -> Running {
    let config = Config::from_vars(
        [
            ("HUNTER_DATABASE_URL", url),
            // Nothing is scanned; a closed port keeps the resolver settings valid.
            ("HUNTER_DNS_SERVERS", "127.0.0.1:9"),
            ("HUNTER_TENANT_DISCOVERY_ENABLED", "false"),
        ]
        .into_iter()
        .chain(extra.iter().copied()),
    )
    .expect("settings");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address: SocketAddr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(hunter_server::run(config, listener, async {
        let _ = stopped.await;
    }));
    let base = format!("http://{address}");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    // Wait for the listener to answer.
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Running { base, stop, task }
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("server task").expect("server");
    }
}

/// Times `requests` GETs of `url` (after ten to warm up); returns the sorted times and the
/// answer's `total`.
async fn time_get(
    client: &reqwest::Client,
    url: &str,
    header: Option<(&str, &str)>,
    requests: usize,
) -> (Vec<Duration>, u64) {
    let mut times = Vec::with_capacity(requests);
    let mut total = 0;
    for round in 0..requests + 10 {
        let started = Instant::now();
        let mut request = client.get(url);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("request");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        let body: serde_json::Value = response.json().await.expect("JSON");
        let elapsed = started.elapsed();
        total = body["total"].as_u64().expect("total");
        if round >= 10 {
            times.push(elapsed);
        }
    }
    times.sort();
    (times, total)
}

fn print_row(label: &str, times: &[Duration], total: u64) {
    println!(
        "  {label:<44} {:>10} {:>10} {:>10} {total:>8}",
        ms(percentile(times, 0.50)),
        ms(percentile(times, 0.95)),
        ms(*times.last().expect("a request")),
    );
}

async fn measure(url: &str, args: &Args) {
    let server = start(url, &[]).await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    println!(
        "  {:<44} {:>10} {:>10} {:>10} {:>8}",
        "query", "p50", "p95", "max", "total"
    );
    for (label, path) in QUERIES {
        let (times, total) = time_get(
            &client,
            &format!("{}{path}", server.base),
            None,
            args.requests,
        )
        .await;
        print_row(label, &times, total);
    }
    server.stop().await;
    measure_auth(url, args, &client).await;
}

/// The first page without a credential (local mode), then with a session and with an API key
/// (Entra mode; no identity provider is needed for either, the session is opened directly).
async fn measure_auth(url: &str, args: &Args, client: &reqwest::Client) {
    let store = Store::connect(url).await.expect("database");
    let roles = vec!["Hunter.User".to_owned()];
    let user = store
        .record_sign_in(&hunter_store::SignIn {
            tenant_id: "bench",
            oid: "bench",
            name: "Bench",
            email: None,
            roles: &roles,
        })
        .await
        .expect("user");
    let token = format!("bench-session-{}", std::process::id());
    store
        .create_session(&hunter_store::NewSession {
            token_sha256: &hunter_core::access::sha256_hex(&token),
            user_id: &user.id,
            roles: &roles,
            idle_timeout: chrono::Duration::hours(1),
            max_age: chrono::Duration::hours(2),
            ip: None,
            user_agent: None,
        })
        .await
        .expect("session");
    let key = hunter_engine::api_keys::create_api_key(
        &store,
        &hunter_engine::api_keys::KeyRequest {
            name: "bench".into(),
            scopes: vec!["leads:read".into()],
            rate_limit_per_minute: Some(100_000),
            expires_in_days: Some(1),
        },
        "bench",
    )
    .await
    .expect("key")
    .key;
    store.close().await;

    println!("  authentication on `GET /api/leads` (page 1):");
    let local = start(url, &[]).await;
    let (times, total) = time_get(
        client,
        &format!("{}/api/leads", local.base),
        None,
        args.requests,
    )
    .await;
    print_row("local mode, no credential", &times, total);
    let base_p50 = percentile(&times, 0.50);
    let base_p95 = percentile(&times, 0.95);
    local.stop().await;

    let entra = start(
        url,
        &[
            ("HUNTER_AUTH_MODE", "entra"),
            ("HUNTER_AUTH_PUBLIC_URL", "http://localhost:1"),
            ("HUNTER_AUTH_AUTHORITY_URL", "http://127.0.0.1:9"),
            (
                "HUNTER_AUTH_TENANT_ID",
                "00000000-0000-4000-8000-000000000000",
            ),
            ("HUNTER_AUTH_CLIENT_ID", "bench"),
            ("HUNTER_AUTH_CLIENT_SECRET", "bench"),
        ],
    )
    .await;
    let cookie = format!("hunter_session={token}");
    for (label, header) in [
        ("entra mode, session cookie", ("cookie", cookie.as_str())),
        ("entra mode, API key", ("x-api-key", key.as_str())),
    ] {
        let (times, total) = time_get(
            client,
            &format!("{}/api/leads", entra.base),
            Some(header),
            args.requests,
        )
        .await;
        print_row(label, &times, total);
        let added = |p: Duration, base: Duration| (p.as_secs_f64() - base.as_secs_f64()) * 1e3;
        println!(
            "  {:<44} {:>+8.2} ms {:>+7.2} ms",
            "  added by it (p50, p95)",
            added(percentile(&times, 0.50), base_p50),
            added(percentile(&times, 0.95), base_p95),
        );
    }
    entra.stop().await;
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let _ = rustls::crypto::ring::default_provider().install_default();
    sqlx::any::install_default_drivers();
    println!(
        "GET /api/leads on {} leads, {} requests per query, one client at a time",
        args.n, args.requests
    );
    for backend in &args.backends {
        match *backend {
            "sqlite" => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = args
                    .sqlite_path
                    .clone()
                    .map_or_else(|| dir.path().join("hunter.db"), std::path::PathBuf::from);
                let url = format!("sqlite://{}", path.display());
                println!("SQLite ({url})");
                if path.exists() {
                    println!("  reusing the leads already there");
                } else {
                    seed(&url, args.n).await;
                }
                measure(&url, &args).await;
            }
            _ => {
                let Ok(admin) = std::env::var("HUNTER_TEST_PG_URL") else {
                    println!("PostgreSQL: skipped, HUNTER_TEST_PG_URL is not set");
                    continue;
                };
                let kept = args.pg_database.clone();
                let name = kept
                    .clone()
                    .unwrap_or_else(|| format!("hunter_bench_{}", std::process::id()));
                let pool = sqlx::AnyPool::connect(&admin).await.expect("PostgreSQL");
                let exists: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                        .bind(&name)
                        .fetch_optional(&pool)
                        .await
                        .expect("list databases");
                let url = with_database(&admin, &name);
                println!("PostgreSQL ({name})");
                if exists.is_some() {
                    println!("  reusing the leads already there");
                } else {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&pool)
                        .await
                        .expect("create database");
                    seed(&url, args.n).await;
                }
                measure(&url, &args).await;
                if kept.is_none() {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE {name} WITH (FORCE)"
                    )))
                    .execute(&pool)
                    .await
                    .expect("drop database");
                }
                pool.close().await;
            }
        }
    }
}
