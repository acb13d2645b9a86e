//! `hunter`: the one binary (`contract.md` §1). This file is only the command line: parsing,
//! wiring settings to the engine, and printing. Errors end as one sentence on stderr.

mod output;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use futures::StreamExt;
use hunter_core::{Domain, mask};
use hunter_engine::api_keys;
use hunter_engine::config::auth::NotLoopback;
use hunter_engine::config::{Config, Environment};
use hunter_engine::import::{self, Detection};
use hunter_engine::partner_center;
use hunter_engine::referral_sync::{SyncMode, sync_referrals};
use hunter_engine::rules::load_rules;
use hunter_engine::scan::{self, ScanOutcome, Scanner};
use hunter_partner_center::Authenticator;
use hunter_store::{DownSteps, NewInput, Source, Store};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "hunter",
    version,
    about = "Lead intelligence from public DNS: mail provider, security signals, readiness score and CSP priority for company domains."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API, the web UI (at /) and the background jobs until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Scan and score domains (also URLs or email addresses) and print one result per input.
    Scan(ScanArgs),
    /// Import companies from a CSV or XLSX file, optionally scanning them.
    Import(ImportArgs),
    /// Apply, revert or list database schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Run the background jobs only, no HTTP (several processes can share one PostgreSQL).
    Worker,
    /// Microsoft Partner Center referrals.
    PartnerCenter {
        #[command(subcommand)]
        action: PartnerCenterAction,
    },
    /// API keys for integrations (webhooks, scripts): create, list, revoke. On the host, no
    /// sign-in needed.
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
}

#[derive(Subcommand)]
enum ApiKeyAction {
    /// Create a key and print it once; it cannot be shown again.
    Create {
        /// Who or what uses the key, e.g. "CRM webhook".
        #[arg(long)]
        name: String,
        /// Comma-separated: leads:read, leads:export, ingest, scan, referrals:sync,
        /// referrals:write, crm:push.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Requests a minute before the key is answered 429 (default 60).
        #[arg(long, value_name = "N")]
        rate_limit: Option<u32>,
        /// Days until the key stops working (default 90, at most 365).
        #[arg(long, value_name = "N")]
        expires_in_days: Option<u32>,
    },
    /// List the keys (never the keys themselves).
    List,
    /// Revoke a key by its id; every Hunter process refuses it from then on.
    Revoke {
        /// The key's id (the list's first column).
        id: String,
    },
}

#[derive(Subcommand)]
enum PartnerCenterAction {
    /// Sign in with an Entra device code: prints where to go and the code to type, waits, and
    /// keeps the tokens in HUNTER_PARTNER_CENTER_TOKEN_CACHE_PATH (mode 0600).
    Login,
    /// Read the referrals once, in the foreground, and print the counts (`contract.md` §5).
    Sync {
        /// Read every referral, not only those updated since the last sync, and rescan their
        /// domains.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; overrides HUNTER_BIND (default 127.0.0.1:8000, this machine only).
    #[arg(long, value_name = "ADDR")]
    bind: Option<SocketAddr>,
}

#[derive(Args)]
struct ScanArgs {
    /// Domains, websites or email addresses.
    #[arg(required = true, value_name = "DOMAIN")]
    domains: Vec<String>,
    /// Print one JSON object per line (the lead fields) instead of a table.
    #[arg(long)]
    json: bool,
    /// Do not write results to the database.
    #[arg(long)]
    no_store: bool,
}

#[derive(Args)]
struct ImportArgs {
    /// A CSV (UTF-8 or Windows-1254, comma or semicolon) or XLSX file with a header row.
    file: PathBuf,
    /// Scan the imported domains after importing them.
    #[arg(long)]
    scan: bool,
    /// Guess the company and website columns from headers (also Turkish ones) and cell contents.
    #[arg(long)]
    auto_detect: bool,
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert migrations: the last one by default.
    Down {
        /// How many migrations to revert.
        #[arg(long, value_name = "N", conflicts_with = "all")]
        steps: Option<usize>,
        /// Revert every migration (drops all of Hunter's tables).
        #[arg(long)]
        all: bool,
    },
    /// List migrations and whether each is applied.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    init_logging(&config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(format!("the async runtime could not start: {e}")),
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        // A server that would be open to the network without sign-in (`team.md` §1).
        Err(e) if e.downcast_ref::<NotLoopback>().is_some() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log redirected to a file or a collector stays plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match config.environment {
        Environment::Production => builder.json().flatten_event(true).init(),
        Environment::Development => builder.init(),
    }
}

/// Any error of a command, shown as its message.
type CliResult = Result<(), Box<dyn std::error::Error>>;

async fn run(command: Command, config: Config) -> CliResult {
    match command {
        Command::Scan(args) => run_scan(args, &config).await,
        Command::Import(args) => run_import(args, &config).await,
        Command::Migrate { action } => run_migrate(action, &config).await,
        Command::Serve(args) => run_serve(args, config).await,
        Command::Worker => Ok(hunter_server::run_worker(config, shutdown_signal()).await?),
        Command::PartnerCenter { action } => match action {
            PartnerCenterAction::Login => run_login(&config).await,
            PartnerCenterAction::Sync { force } => run_sync(force, &config).await,
        },
        Command::ApiKey { action } => run_api_key(action, &config).await,
    }
}

/// The actor of what is done on the host, in the audit trail.
const HOST_ACTOR: &str = "local";

async fn run_api_key(action: ApiKeyAction, config: &Config) -> CliResult {
    let store = open_store(config).await?;
    let done = api_key_command(action, &store).await;
    store.close().await;
    done
}

async fn api_key_command(action: ApiKeyAction, store: &Store) -> CliResult {
    match action {
        ApiKeyAction::Create {
            name,
            scopes,
            rate_limit,
            expires_in_days,
        } => {
            let request = api_keys::KeyRequest {
                name,
                scopes,
                rate_limit_per_minute: rate_limit,
                expires_in_days,
            };
            let created = api_keys::create_api_key(store, &request, HOST_ACTOR).await?;
            let r = &created.record;
            eprintln!(
                "Created API key {} ({}) with scopes {}, {} requests a minute, expiring {}. \
                 This is the only time it is shown:",
                r.id,
                r.name,
                r.scopes.join(","),
                r.rate_limit_per_minute,
                r.expires_at
            );
            println!("{}", created.key);
        }
        ApiKeyAction::List => {
            let keys = store.api_keys().await?;
            if keys.is_empty() {
                eprintln!("No API keys yet: create one with hunter api-key create.");
            }
            for k in keys {
                let state = match (&k.revoked_at, k.expires_at.as_str() <= now_text().as_str()) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, true) => format!("expired {}", k.expires_at),
                    (None, false) => format!("expires {}", k.expires_at),
                };
                println!(
                    "{}\t{}\t{}\t{}/min\t{}\tlast used {}",
                    k.id,
                    k.name,
                    k.scopes.join(","),
                    k.rate_limit_per_minute,
                    state,
                    k.last_used_at.as_deref().unwrap_or("never")
                );
            }
        }
        ApiKeyAction::Revoke { id } => {
            match api_keys::revoke_api_key(store, &id, HOST_ACTOR).await? {
                Some(k) => eprintln!("Revoked API key {} ({}).", k.id, k.name),
                None => return Err(format!("no API key {id}: see hunter api-key list").into()),
            }
        }
    }
    Ok(())
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn run_sync(force: bool, config: &Config) -> CliResult {
    if !config.partner_center.enabled {
        return Err(
            "Partner Center is switched off: set HUNTER_PARTNER_CENTER_ENABLED=true".into(),
        );
    }
    let pc = partner_center::connect(config)?;
    let scanner = scanner(config)?;
    let store = open_store(config).await?;
    let mode = match force {
        true => SyncMode::Full,
        false => SyncMode::Incremental,
    };
    let result = sync_referrals(&store, &pc.client, &scanner, pc.scoring, mode, None).await;
    store.close().await;
    let result = result?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

async fn run_login(config: &Config) -> CliResult {
    let settings = partner_center::settings(config)?;
    let auth = Authenticator::new(&settings)?;
    let session = auth
        .login(|prompt| {
            eprintln!(
                "To sign in to Partner Center, open {} and enter the code {} (valid for {} minutes).",
                prompt.verification_uri,
                prompt.user_code,
                prompt.expires_in.as_secs().div_ceil(60)
            );
        })
        .await?;
    eprintln!(
        "Signed in{}. Tokens are kept in {}; the access token is renewed without asking until \
         the sign-in expires.",
        session
            .account
            .map(|a| format!(" as {}", mask::mask(&a)))
            .unwrap_or_default(),
        settings.token_cache_path.display()
    );
    if !config.partner_center.enabled {
        eprintln!(
            "Partner Center is switched off: set HUNTER_PARTNER_CENTER_ENABLED=true to sync."
        );
    }
    Ok(())
}

async fn run_serve(args: ServeArgs, config: Config) -> CliResult {
    let bind = args.bind.unwrap_or(config.bind);
    // Refused before listening: nothing may answer on that address, not even for a moment.
    config.auth.resolve(bind)?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    Ok(hunter_server::run(config, listener, shutdown_signal()).await?)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            // Without a SIGTERM handler, Ctrl-C still stops the process.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown requested");
}

async fn open_store(config: &Config) -> Result<Store, hunter_store::StoreError> {
    let store = Store::connect(&config.database_url).await?;
    let applied = store.migrate_up().await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied database migrations");
    }
    Ok(store)
}

fn scanner(config: &Config) -> Result<Scanner, Box<dyn std::error::Error>> {
    let rules = load_rules(config.rules_path.as_deref())?;
    Ok(Scanner::new(config, Arc::new(rules))?)
}

async fn run_scan(args: ScanArgs, config: &Config) -> CliResult {
    let scanner = scanner(config)?;
    let store = match args.no_store {
        true => None,
        false => Some(open_store(config).await?),
    };

    // Each distinct domain is scanned once; every input still gets its own line.
    let parsed: Vec<Result<Domain, _>> = args.domains.iter().map(|d| Domain::parse(d)).collect();
    let mut unique: Vec<Domain> = Vec::new();
    let mut index_of: HashMap<Domain, usize> = HashMap::new();
    for domain in parsed.iter().flatten() {
        index_of.entry(domain.clone()).or_insert_with(|| {
            unique.push(domain.clone());
            unique.len() - 1
        });
    }
    if let Some(store) = &store {
        let inputs: Vec<NewInput> = unique
            .iter()
            .map(|d| NewInput {
                source: Source::Domain,
                source_ref: None,
                domain: d.as_str().to_owned(),
                company_name: None,
                email: None,
                website: None,
                payload: serde_json::json!({ "via": "cli" }),
            })
            .collect();
        store.ingest(&inputs).await?;
    }

    let format = match args.json {
        true => output::Format::Json,
        false => output::Format::Table,
    };
    let mut printer = output::Printer::new(format);
    let invalid: Vec<Option<ScanOutcome>> = parsed
        .iter()
        .zip(&args.domains)
        .map(|(p, input)| {
            p.is_err()
                .then(|| scan::invalid_outcome(input, scanner.rules()))
        })
        .collect();
    let mut done: Vec<Option<ScanOutcome>> = vec![None; unique.len()];
    let mut next = 0;
    let mut print_ready = |done: &[Option<ScanOutcome>]| {
        while next < parsed.len() {
            let outcome = match &parsed[next] {
                Err(_) => invalid[next].as_ref(),
                Ok(d) => done[index_of[d]].as_ref(),
            };
            let Some(outcome) = outcome else { break };
            printer.print(&args.domains[next], outcome);
            next += 1;
        }
    };
    print_ready(&done);
    scan::scan_many(&scanner, store.as_ref(), &unique, None, |i, outcome| {
        done[i] = Some(outcome.clone());
        print_ready(&done);
    })
    .await?;
    Ok(())
}

async fn run_import(args: ImportArgs, config: &Config) -> CliResult {
    // Settings and rules are checked before any row is written.
    let scanner = match args.scan {
        true => Some(scanner(config)?),
        false => None,
    };
    let store = open_store(config).await?;
    let detection = match args.auto_detect {
        true => Detection::Auto,
        false => Detection::Exact,
    };
    let bars = MultiProgress::new();
    let import_bar = progress_bar("importing").map(|bar| bars.add(bar));
    let scan_bar = scanner
        .as_ref()
        .and_then(|_| progress_counter("scanned"))
        .map(|bar| bars.add(bar));
    // With --scan, domains go to the scan as their batch is stored; the queue is short so a
    // large file is never held in memory.
    let (queue, queued) = match scanner {
        Some(_) => {
            let (tx, rx) = tokio::sync::mpsc::channel(SCAN_QUEUE);
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    let importing = import::import_file(
        &store,
        &args.file,
        detection,
        |p| {
            if let Some(bar) = &import_bar {
                bar.set_length(p.total);
                bar.set_position(p.done);
            }
        },
        queue,
    );
    let mut tally = output::ScanTally::default();
    let scanning = async {
        match (&scanner, queued) {
            (Some(scanner), Some(mut queued)) => {
                let items = futures::stream::poll_fn(move |cx| queued.poll_recv(cx))
                    .map(|domain| ((), domain));
                scan::scan_stream(scanner, Some(&store), items, None, |(), outcome| {
                    tally.add(outcome);
                    if let Some(bar) = &scan_bar {
                        bar.inc(1);
                    }
                })
                .await
            }
            _ => Ok(()),
        }
    };
    let (report, scanned) = tokio::join!(importing, scanning);
    for bar in [&import_bar, &scan_bar].into_iter().flatten() {
        bar.finish_and_clear();
    }
    let report =
        report.map_err(|e| format!("{} could not be imported: {e}", args.file.display()))?;
    output::print_import_report(&args.file, &report);
    scanned?;
    if scanner.is_some() {
        tally.print();
    }
    Ok(())
}

/// Domains waiting between an import and its scan.
const SCAN_QUEUE: usize = 4096;

/// A running count on stderr when it is a terminal, for work whose total is not known yet.
fn progress_counter(verb: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    let template = format!("{verb} {{pos}} domains ({{per_sec}}) {{elapsed_precise}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    Some(bar)
}

/// A progress bar on stderr when it is a terminal; nothing when output is piped or logged.
fn progress_bar(verb: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    let template = format!("{verb} [{{bar:40}}] {{percent:>3}}% {{elapsed_precise}} eta {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

async fn run_migrate(action: MigrateAction, config: &Config) -> CliResult {
    let store = Store::connect(&config.database_url).await?;
    match action {
        MigrateAction::Up => {
            let applied = store.migrate_up().await?;
            output::print_migrations("Applied", &applied);
        }
        MigrateAction::Down { steps, all } => {
            let steps = match (all, steps) {
                (true, _) => DownSteps::All,
                (false, n) => DownSteps::Count(n.unwrap_or(1)),
            };
            let reverted = store.migrate_down(steps).await?;
            output::print_migrations("Reverted", &reverted);
        }
        MigrateAction::Status => output::print_migration_status(&store.migration_status().await?),
    }
    Ok(())
}
