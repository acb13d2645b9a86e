//! Browser tests of the web UI (`ui/`, served at `/`): the real server (`hunter_server::run`) on a
//! temporary SQLite database, scanning the fixture DNS zones, driven through Debian's
//! `/usr/bin/chromedriver` and headless `/usr/bin/chromium` (installed by `.ci/run`).
//!
//! Each test starts its own server, chromedriver and browser; a lock runs them one after the
//! other so that two Chromiums never compete for a small CI machine. Screenshots of the main page
//! (laptop and phone width, `main.png`, `phone.png`) and of the breakdown dialog
//! (`breakdown.png`) go to `target/screenshots/` for review.

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hunter_engine::config::Config;
use hunter_fixtures::oidc::{FakeIdp, IdpClient, IdpCredential, IdpUser};
use hunter_fixtures::{
    DnsServer, FakeEntra, FakePartnerCenter, Fixture, PollOutcome, catalogue, zones,
};
use hunter_partner_center::Authenticator;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Mutex, MutexGuard, oneshot};
use tokio::task::JoinHandle;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The longest any UI state may take to appear (a whole catalogue import included).
const WAIT: Duration = Duration::from_secs(30);

/// One browser test at a time.
static SERIAL: Mutex<()> = Mutex::const_new(());

// ---------------------------------------------------------------------------------------------
// Harness

/// chromedriver in its own process group, so that killing the group also ends the Chromium
/// processes it started, even when a test panics.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(log: &Path) -> Driver {
        let port = free_port();
        let log = std::fs::File::create(log).expect("create the chromedriver log");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {CHROMEDRIVER}: {e}"));
        let driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within 15 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and the browser processes it started.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn owned(settings: &[(&str, &str)]) -> Vec<(String, String)> {
    settings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// A running Hunter with a browser pointed at it.
struct Ui {
    client: Client,
    base: String,
    dir: TempDir,
    fixtures: Vec<Fixture>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<Result<(), hunter_server::ServerError>>>,
    // Dropped last: the browser, then the DNS server, then the lock.
    _driver: Driver,
    _dns: DnsServer,
    _serial: MutexGuard<'static, ()>,
}

impl Ui {
    /// A browser in English (`en-US`), whatever the machine's locale.
    async fn start() -> Ui {
        Ui::start_with(&[]).await
    }

    /// Starts with extra `HUNTER_*` settings, the browser in English.
    async fn start_with(settings: &[(&str, &str)]) -> Ui {
        let settings = owned(settings);
        Ui::launch(move |_| settings, "en-US").await
    }

    /// A browser whose language is `lang` (`tr-TR`, `en-US`): its UI locale and the languages
    /// it asks pages for (`navigator.languages`, `Accept-Language`).
    async fn start_with_lang(lang: &str) -> Ui {
        Ui::launch(|_| Vec::new(), lang).await
    }

    /// Starts with settings that depend on the server's own address (`http://127.0.0.1:PORT`,
    /// bound before the settings are read), such as `HUNTER_AUTH_PUBLIC_URL` for sign-in.
    async fn start_at(settings: impl FnOnce(&str) -> Vec<(String, String)>, lang: &str) -> Ui {
        Ui::launch(settings, lang).await
    }

    async fn launch(settings: impl FnOnce(&str) -> Vec<(String, String)>, lang: &str) -> Ui {
        let serial = SERIAL.lock().await;
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "the browser tests need {path}: install the Debian package `{package}` \
                 (`apt-get install chromium chromium-driver`; `bash .ci/run` does it)"
            );
        }
        install_crypto_provider();

        let dir = tempfile::tempdir().expect("temp dir");
        let fixtures = catalogue();
        let dns = DnsServer::start(&zones(&fixtures)).await;
        let db = dir.path().join("hunter.db");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the server");
        let addr: SocketAddr = listener.local_addr().expect("server address");
        let base = format!("http://{addr}");
        let settings = settings(&base);
        let config = Config::from_vars(
            [
                ("HUNTER_DATABASE_URL", format!("sqlite://{}", db.display())),
                ("HUNTER_DNS_SERVERS", dns.addr().to_string()),
                ("HUNTER_DNS_TIMEOUT_MS", "1000".to_owned()),
                ("HUNTER_SCAN_DEADLINE_MS", "5000".to_owned()),
                ("HUNTER_TENANT_DISCOVERY_ENABLED", "false".to_owned()),
                ("HUNTER_LOG", "warn".to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .chain(settings),
        )
        .expect("test settings");
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(hunter_server::run(config, listener, async {
            let _ = stop.await;
        }));
        wait_healthy(&base, &server).await;

        let driver = Driver::start(&dir.path().join("chromedriver.log"));
        let profile = dir.path().join("chromium-profile");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--hide-scrollbars",
                    "--window-size=1366,900",
                    format!("--lang={lang}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": { "intl.accept_languages": accept_languages(lang) },
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::rustls()
            .expect("WebDriver HTTP client")
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| {
                let log = std::fs::read_to_string(dir.path().join("chromedriver.log"))
                    .unwrap_or_default();
                panic!("could not start headless Chromium through chromedriver: {e}\n{log}")
            });

        Ui {
            client,
            base,
            dir,
            fixtures,
            shutdown: Some(shutdown),
            server: Some(server),
            _driver: driver,
            _dns: dns,
            _serial: serial,
        }
    }

    /// Ends the browser session and stops the server (a panic skips this; `Drop` then kills).
    async fn finish(mut self) {
        let _ = self.client.clone().close().await;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            match tokio::time::timeout(Duration::from_secs(10), server).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => panic!("the server stopped with an error: {e}"),
                Ok(Err(e)) => panic!("the server task failed: {e}"),
                Err(_) => panic!("the server did not stop within 10 s of its shutdown signal"),
            }
        }
    }

    async fn open(&self, query: &str) {
        self.client
            .goto(&format!("{}/{query}", self.base))
            .await
            .expect("open the UI");
        self.wait_js(
            "the lead list to finish loading",
            "return document.getElementById('leads-table')?.getAttribute('aria-busy') === 'false'",
        )
        .await;
    }

    async fn reload(&self) {
        self.client.refresh().await.expect("reload");
        self.wait_js(
            "the lead list to finish loading after a reload",
            "return document.getElementById('leads-table')?.getAttribute('aria-busy') === 'false'",
        )
        .await;
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls `script` until it returns something truthy, and returns that.
    async fn wait_js(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.js(script).await;
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let toasts = self
                    .js("return [...document.querySelectorAll('.toast')].map(t => t.innerText).join(' | ')")
                    .await;
                panic!("timed out waiting for {what} (last value {v}); toasts: {toasts}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn by_testid(&self, id: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(&format!("[data-testid='{id}']")))
            .await
            .unwrap_or_else(|e| panic!("no element with data-testid={id}: {e}"))
    }

    async fn click(&self, id: &str) {
        self.by_testid(id)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click on {id}: {e}"));
    }

    async fn select(&self, id: &str, value: &str) {
        self.by_testid(id)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {id}: {e}"));
    }

    async fn text(&self, id: &str) -> String {
        self.by_testid(id).await.text().await.expect("element text")
    }

    /// The visible rows' values of one column, by `data-testid` of the cell's element and one
    /// of its `data-*` attributes.
    async fn column(&self, testid: &str, attr: &str) -> Vec<String> {
        let script = format!(
            "return [...document.querySelectorAll(\"[data-testid='lead-row'] [data-testid='{testid}']\")]\
             .map(e => e.dataset.{attr})"
        );
        serde_json::from_value(self.js(&script).await).expect("column values")
    }

    async fn domains(&self) -> Vec<String> {
        self.column("lead-link", "domain").await
    }

    async fn rows(&self) -> usize {
        self.domains().await.len()
    }

    /// Waits until the list is not loading and `pred` (a JS function of its rows) holds.
    async fn wait_rows(&self, what: &str, pred: &str) {
        self.wait_js(
            what,
            &format!(
                "const t = document.getElementById('leads-table');
                 if (t.getAttribute('aria-busy') !== 'false') return false;
                 const rows = [...document.querySelectorAll(\"[data-testid='lead-row']\")];
                 return ({pred})(rows);"
            ),
        )
        .await;
    }

    /// A CSV of every catalogue domain plus one row that is not a domain (row 3 of the file,
    /// counting the header as row 1).
    fn catalogue_csv(&self) -> PathBuf {
        let mut csv = String::from("domain,company_name\n");
        for (i, f) in self.fixtures.iter().enumerate() {
            if i == 1 {
                csv.push_str("n/a,Broken Row Ltd\n");
            }
            let name = f
                .domain
                .split('.')
                .next()
                .unwrap_or_default()
                .replace('-', " ");
            csv.push_str(&format!("{},{} Ltd\n", f.domain, title_case(&name)));
        }
        let path = self.dir.path().join("companies.csv");
        std::fs::write(&path, csv).expect("write the CSV");
        path
    }

    /// Uploads the catalogue CSV through the UI, waits for the job to complete and for the
    /// (unfiltered) list to show it.
    async fn upload_catalogue(&self) {
        let rows = self.fixtures.len().min(50);
        self.upload_catalogue_then(&format!("rows => rows.length === {rows}"))
            .await;
    }

    /// Uploads the catalogue CSV through the UI, waits for the job to complete and then for
    /// `rows_ready` (a JS predicate over the list's rows).
    async fn upload_catalogue_then(&self, rows_ready: &str) {
        let path = self.catalogue_csv();
        self.by_testid("upload-file")
            .await
            .send_keys(&path.display().to_string())
            .await
            .expect("choose the file");
        self.click("upload-submit").await;
        self.wait_js(
            "the import job to complete",
            "const j = document.querySelector(\"[data-testid='job']\");
             return j && !j.hidden && j.dataset.status === 'completed';",
        )
        .await;
        self.wait_rows("the imported leads in the list", rows_ready)
            .await;
        self.dismiss_toasts().await;
    }

    /// Closes every toast with its close button, as a user would before working the list.
    async fn dismiss_toasts(&self) {
        let deadline = Instant::now() + WAIT;
        while self
            .js("return document.querySelectorAll('.toast').length")
            .await
            != 0
        {
            assert!(Instant::now() < deadline, "the toasts did not close");
            if let Ok(close) = self
                .client
                .find(Locator::Css(".toast:not(.toast-leaving) .toast-close"))
                .await
            {
                close.click().await.expect("close a toast");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let dir = dir.canonicalize().expect("the screenshot directory");
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Resizes the window so that the viewport is `width` wide and shows the whole page.
    async fn fit_window(&self, width: u32, min_height: u32) {
        self.client
            .set_window_size(width, min_height)
            .await
            .expect("resize");
        let height = self
            .js("return Math.ceil(document.documentElement.scrollHeight)")
            .await
            .as_u64()
            .unwrap_or(u64::from(min_height)) as u32;
        let chrome = self
            .js("return window.outerHeight - window.innerHeight")
            .await
            .as_u64()
            .unwrap_or(0) as u32;
        self.client
            .set_window_size(width, height.max(min_height) + chrome)
            .await
            .expect("resize to the page height");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The WebDriver client and reqwest use rustls, which needs a process-wide crypto provider when
/// more than one is compiled in. This test crate cannot name `rustls` itself (it is not one of
/// its dependencies), but the probe installs the ring provider when it builds its tenant
/// discovery client: build one, once, and throw it away.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let config = Config::from_vars([
            ("HUNTER_TENANT_DISCOVERY_ENABLED", "true"),
            ("HUNTER_PARTNER_CENTER_AUTHORITY_URL", "http://127.0.0.1:9"),
        ])
        .expect("settings");
        let rules = hunter_engine::rules::load_rules(None).expect("embedded rules");
        hunter_engine::scan::Scanner::new(&config, std::sync::Arc::new(rules))
            .expect("a scanner with tenant discovery");
    });
}

/// Waits for `GET /healthz` to answer 200 (or the server task to end, which is a failure).
async fn wait_healthy(base: &str, server: &JoinHandle<Result<(), hunter_server::ServerError>>) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(
            !server.is_finished(),
            "the server stopped during start-up (see the test output above)"
        );
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not answer /healthz within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `tr-TR` → `tr-TR,tr`: the browser's preferred languages, most wanted first.
fn accept_languages(lang: &str) -> String {
    match lang.split_once('-') {
        Some((base, _)) => format!("{lang},{base}"),
        None => lang.to_owned(),
    }
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// Scenarios

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_database_shows_the_empty_state_with_what_to_do() {
    let ui = Ui::start().await;
    ui.open("").await;

    ui.wait_js(
        "the empty state",
        "const e = document.querySelector(\"[data-testid='empty-state']\"); return e && !e.hidden;",
    )
    .await;
    let empty = ui.text("empty-state").await;
    assert!(
        empty.contains("No leads yet — upload a CSV/XLSX or scan a domain above"),
        "{empty}"
    );
    assert_eq!(ui.rows().await, 0);
    assert!(
        !ui.by_testid("leads-table")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    ui.wait_js(
        "the KPIs",
        "return document.getElementById('kpis').getAttribute('aria-busy') === 'false'",
    )
    .await;
    assert_eq!(ui.text("kpi-total").await, "0");

    // Partner Center is off: its sync button stays hidden.
    assert!(
        !ui.by_testid("sync-partner-center")
            .await
            .is_displayed()
            .await
            .unwrap()
    );

    // Every form control has a label (or an accessible name) and is reachable by keyboard.
    let unlabeled = ui
        .js(
            "return [...document.querySelectorAll('input, select, button, a[href]')]
              .filter(e => !e.closest('[hidden]'))
              .filter(e => {
                const name = (e.labels && e.labels.length ? e.labels[0].innerText : '')
                  || e.getAttribute('aria-label') || e.innerText || e.title || '';
                return !name.trim() || e.tabIndex < 0;
              })
              .map(e => e.outerHTML.slice(0, 80))",
        )
        .await;
    assert_eq!(unlabeled, json!([]), "controls without a name or tab stop");
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_scan_input_shows_a_human_toast_and_a_good_one_shows_the_lead() {
    let ui = Ui::start().await;
    ui.open("").await;

    // Nothing typed: the UI says what to enter without asking the server.
    ui.click("scan-submit").await;
    let toast = ui
        .wait_js(
            "a toast for the empty scan input",
            "return document.querySelector(\"[data-testid='toast-error']\")?.innerText",
        )
        .await;
    assert!(
        toast.as_str().unwrap().contains("Enter a domain"),
        "{toast}"
    );
    ui.js("document.querySelectorAll('.toast').forEach(t => t.remove())")
        .await;

    // Not a domain: the server answers 422 and the toast carries its message, not raw JSON.
    let input = ui.by_testid("scan-input").await;
    input.send_keys("not a domain!").await.unwrap();
    ui.click("scan-submit").await;
    let toast = ui
        .wait_js(
            "a toast for the bad scan input",
            "return document.querySelector(\"[data-testid='toast-error']\")?.innerText",
        )
        .await;
    let toast = toast.as_str().unwrap();
    assert!(toast.contains("could not be scanned"), "{toast}");
    assert!(
        !toast.contains('{') && !toast.contains("\"error\""),
        "a human message, not an envelope: {toast}"
    );
    let message = ui
        .js("return document.querySelector(\"[data-testid='toast-error'] [data-testid='toast-message']\")?.innerText || ''")
        .await;
    assert!(
        message.as_str().unwrap().len() > 10,
        "the server's message is shown: {toast}"
    );
    assert_eq!(
        input.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );

    // A real domain: the lead is shown at once, and lands in the list and the KPIs.
    input.clear().await.unwrap();
    input
        .send_keys("https://www.Contoso-M365.com/contact")
        .await
        .unwrap();
    ui.click("scan-submit").await;
    ui.wait_js(
        "the scanned lead",
        "const r = document.querySelector(\"[data-testid='scan-result']\");
         return r && !r.hidden && r.innerText.includes('contoso-m365.com');",
    )
    .await;
    let result = ui.text("scan-result").await;
    assert!(result.contains("P4"), "{result}");
    assert!(result.contains("M365"), "{result}");
    ui.wait_js(
        "a success toast",
        "return document.querySelector(\"[data-testid='toast-success']\")?.innerText.includes('contoso-m365.com')",
    )
    .await;
    ui.wait_rows("the lead in the list", "rows => rows.length === 1")
        .await;
    assert_eq!(ui.domains().await, ["contoso-m365.com"]);
    ui.wait_js(
        "the KPI total",
        "return document.querySelector(\"[data-testid='kpi-total']\").innerText === '1'",
    )
    .await;
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_upload_shows_progress_to_100_percent_and_the_bad_rows() {
    let ui = Ui::start().await;
    ui.open("").await;
    // Record every percentage the bar shows while the job runs, and every toast.
    ui.js(
        "window.__seen = []; window.__toasts = [];
         new MutationObserver(() => window.__seen.push(document.getElementById('job-percent').innerText))
           .observe(document.getElementById('job'), {subtree: true, childList: true, characterData: true, attributes: true});
         new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => window.__toasts.push([n.dataset.testid, n.innerText]))))
           .observe(document.getElementById('toasts'), {childList: true});",
    )
    .await;
    ui.upload_catalogue().await;

    assert_eq!(ui.text("job-percent").await, "100%");
    assert_eq!(
        ui.by_testid("job-progress")
            .await
            .attr("aria-valuenow")
            .await
            .unwrap()
            .as_deref(),
        Some("100")
    );
    let status = ui.text("job-status").await;
    assert!(status.starts_with("Completed"), "{status}");
    let seen: Vec<String> = serde_json::from_value(ui.js("return window.__seen").await).unwrap();
    assert_eq!(seen.last().map(String::as_str), Some("100%"), "{seen:?}");
    eprintln!(
        "progress seen: {seen:?}; counts: {}",
        ui.text("job-counts").await
    );

    // The row that is not a domain is listed with its row number.
    let errors = ui.text("job-errors").await;
    assert!(errors.contains("Row 3"), "{errors}");
    // A success toast names the file; the bad row does not make the import a failure.
    let toasts: Vec<(String, String)> =
        serde_json::from_value(ui.js("return window.__toasts").await).unwrap();
    assert!(
        toasts
            .iter()
            .any(|(kind, text)| kind == "toast-success" && text.contains("companies.csv")),
        "{toasts:?}"
    );

    // The list and the KPIs show every imported domain.
    let n = ui.fixtures.len();
    let summary = ui.text("page-summary").await;
    assert!(summary.ends_with(&format!("of {n} leads")), "{summary}");
    ui.wait_js(
        "the KPI total",
        &format!(
            "return document.querySelector(\"[data-testid='kpi-total']\").innerText === '{n}'"
        ),
    )
    .await;
    // Default order: P1 first.
    let priorities = ui.column("priority-badge", "priority").await;
    let mut sorted = priorities.clone();
    sorted.sort();
    assert_eq!(priorities, sorted, "default order is by priority");
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_narrow_the_list_and_survive_a_reload() {
    let ui = Ui::start().await;
    ui.open("").await;
    ui.upload_catalogue().await;

    ui.select("filter-segment", "Existing").await;
    ui.wait_rows(
        "only Existing leads",
        "rows => rows.length > 0 && rows.every(r => r.querySelector(\"[data-testid='segment-badge']\").dataset.segment === 'Existing')",
    )
    .await;
    let existing = ui.rows().await;
    assert!(existing < ui.fixtures.len());
    // The segment badge explains itself with the lead's reason.
    let tip = ui
        .js("return document.querySelector(\"[data-testid='lead-row'] [data-testid='segment-badge']\").dataset.tip")
        .await;
    assert!(
        tip.as_str().unwrap().contains("Microsoft 365"),
        "segment tooltip: {tip}"
    );
    let tip = ui
        .js("return document.querySelector(\"[data-testid='lead-row'] [data-testid='priority-badge']\").dataset.tip")
        .await;
    assert!(
        ["Existing Microsoft but Weak Partner", "Renewal Pressure"]
            .iter()
            .any(|l| tip.as_str().unwrap().contains(l)),
        "priority tooltip: {tip}"
    );

    // Kept in the URL, so a reload (or a shared link) shows the same list.
    let url = ui.client.current_url().await.unwrap();
    assert!(
        url.query().unwrap_or("").contains("segment=Existing"),
        "{url}"
    );
    ui.reload().await;
    assert_eq!(
        ui.by_testid("filter-segment")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Existing")
    );
    assert_eq!(ui.rows().await, existing);

    // Provider on top of it narrows further; search is debounced and narrows again.
    ui.select("filter-segment", "").await;
    ui.select("filter-provider", "Google").await;
    ui.wait_rows(
        "only Google leads",
        "rows => rows.length > 0 && rows.every(r => r.querySelector(\"[data-testid='provider-badge']\").dataset.provider === 'Google')",
    )
    .await;
    let google = ui.domains().await;
    assert!(
        google.contains(&"adatum-google.com".to_owned()),
        "{google:?}"
    );
    ui.by_testid("filter-search")
        .await
        .send_keys("adatum")
        .await
        .unwrap();
    ui.wait_rows(
        "the search result",
        "rows => rows.length === 1 && rows[0].dataset.domain === 'adatum-google.com'",
    )
    .await;

    // Min score: every shown lead reaches it.
    ui.click("filter-reset").await;
    ui.by_testid("filter-min-score")
        .await
        .send_keys("60")
        .await
        .unwrap();
    ui.wait_rows(
        "leads with a score of 60 or more",
        "rows => rows.length > 0 && rows.every(r => Number(r.querySelector(\"[data-testid='score']\").dataset.score) >= 60)",
    )
    .await;
    let url = ui.client.current_url().await.unwrap();
    assert!(url.query().unwrap_or("").contains("min_score=60"), "{url}");

    // Clearing brings the whole list back.
    ui.click("filter-reset").await;
    let n = ui.fixtures.len();
    ui.wait_rows("the whole list", &format!("rows => rows.length === {n}"))
        .await;
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicking_a_column_header_sorts_and_a_second_click_reverses() {
    let ui = Ui::start().await;
    ui.open("").await;
    ui.upload_catalogue().await;
    let before = ui.domains().await;

    ui.click("sort-domain").await;
    ui.wait_js(
        "ascending domain order",
        "return document.querySelector(\"[data-testid='col-domain']\").getAttribute('aria-sort') === 'ascending'
            && document.getElementById('leads-table').getAttribute('aria-busy') === 'false'",
    )
    .await;
    let asc = ui.domains().await;
    let mut expected = asc.clone();
    expected.sort();
    assert_eq!(asc, expected, "ascending by domain");
    assert_ne!(asc, before, "the order changed");
    assert_eq!(
        ui.by_testid("col-score")
            .await
            .attr("aria-sort")
            .await
            .unwrap()
            .as_deref(),
        Some("none")
    );

    ui.click("sort-domain").await;
    ui.wait_js(
        "descending domain order",
        "return document.querySelector(\"[data-testid='col-domain']\").getAttribute('aria-sort') === 'descending'
            && document.getElementById('leads-table').getAttribute('aria-busy') === 'false'",
    )
    .await;
    let desc = ui.domains().await;
    expected.reverse();
    assert_eq!(desc, expected, "descending by domain");

    // Score starts with the best leads, and the sort survives a reload.
    ui.click("sort-score").await;
    ui.wait_js(
        "descending score order",
        "return document.querySelector(\"[data-testid='col-score']\").getAttribute('aria-sort') === 'descending'
            && document.getElementById('leads-table').getAttribute('aria-busy') === 'false'",
    )
    .await;
    let scores: Vec<i64> = ui
        .column("score", "score")
        .await
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.first() > scores.last(), "{scores:?}");
    ui.reload().await;
    assert_eq!(
        ui.by_testid("col-score")
            .await
            .attr("aria-sort")
            .await
            .unwrap()
            .as_deref(),
        Some("descending")
    );
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_page_size_pages_through_the_list() {
    let ui = Ui::start().await;
    ui.open("").await;
    ui.upload_catalogue().await;
    let n = ui.fixtures.len();
    assert!(n > 25 && n <= 50, "the catalogue fills two pages of 25");

    ui.select("page-size", "25").await;
    ui.wait_rows("a page of 25", "rows => rows.length === 25")
        .await;
    assert_eq!(
        ui.text("page-summary").await,
        format!("Showing 1–25 of {n} leads")
    );
    assert_eq!(ui.text("page-of").await, "Page 1 of 2");
    assert!(!ui.by_testid("page-prev").await.is_enabled().await.unwrap());
    let first = ui.domains().await;

    ui.click("page-next").await;
    ui.wait_rows(
        "the second page",
        &format!("rows => rows.length === {}", n - 25),
    )
    .await;
    assert_eq!(
        ui.text("page-summary").await,
        format!("Showing 26–{n} of {n} leads")
    );
    assert_eq!(ui.text("page-of").await, "Page 2 of 2");
    assert!(!ui.by_testid("page-next").await.is_enabled().await.unwrap());
    let second = ui.domains().await;
    assert!(
        second.iter().all(|d| !first.contains(d)),
        "pages do not overlap"
    );

    // Page and size survive a reload.
    ui.reload().await;
    assert_eq!(ui.domains().await, second);
    assert_eq!(
        ui.by_testid("page-size")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("25")
    );

    ui.click("page-prev").await;
    ui.wait_rows("the first page again", "rows => rows.length === 25")
        .await;
    assert_eq!(ui.domains().await, first);
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_score_breakdown_dialog_lists_every_line_and_closes_three_ways() {
    let ui = Ui::start().await;
    ui.open("?search=contoso-m365").await;
    ui.upload_catalogue_then("rows => rows.length === 1").await;

    let open_dialog = async || {
        ui.client
            .find(Locator::Css(
                "[data-testid='lead-link'][data-domain='contoso-m365.com']",
            ))
            .await
            .expect("the lead link")
            .click()
            .await
            .expect("open the breakdown");
        ui.wait_js(
            "the breakdown",
            "const d = document.querySelector(\"[data-testid='breakdown-dialog']\");
             return d.open && document.querySelectorAll(\"[data-testid='breakdown-line']\").length > 0;",
        )
        .await;
    };
    let is_open = async || {
        ui.js("return document.querySelector(\"[data-testid='breakdown-dialog']\").open")
            .await
            .as_bool()
            .unwrap()
    };

    open_dialog().await;
    // contoso-m365.com: M365 50, SPF +10, DKIM +10, DMARC quarantine +15 = 85.
    let lines = ui
        .js(
            "return [...document.querySelectorAll(\"[data-testid='breakdown-line']\")]
              .map(r => [r.dataset.name, r.querySelector('.bd-points').innerText])",
        )
        .await;
    let lines: Vec<(String, String)> = serde_json::from_value(lines).unwrap();
    let names: Vec<&str> = lines.iter().map(|(n, _)| n.as_str()).collect();
    for name in ["provider", "spf", "dkim", "dmarc_quarantine", "total"] {
        assert!(names.contains(&name), "line {name} in {lines:?}");
    }
    let points = |s: &str| -> i64 { s.replace('−', "-").replace('+', "").parse().unwrap() };
    let sum: i64 = lines
        .iter()
        .filter(|(n, _)| n != "total")
        .map(|(_, p)| points(p))
        .sum();
    let total = lines.iter().find(|(n, _)| n == "total").unwrap();
    assert_eq!(sum, points(&total.1), "the lines add up: {lines:?}");
    assert_eq!(points(&total.1), 85, "{lines:?}");
    let evidence = ui.text("breakdown-evidence").await;
    assert!(evidence.contains("outlook.com"), "MX evidence: {evidence}");
    assert_eq!(
        ui.text("breakdown-domain").await,
        "contoso-m365.com · Contoso M365 Ltd"
    );
    ui.screenshot("breakdown.png").await;

    // 1. Esc.
    ui.client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    ui.wait_js(
        "Esc to close the dialog",
        "return !document.querySelector(\"[data-testid='breakdown-dialog']\").open",
    )
    .await;

    // 2. The close button.
    open_dialog().await;
    ui.click("breakdown-close").await;
    ui.wait_js(
        "the close button to close the dialog",
        "return !document.querySelector(\"[data-testid='breakdown-dialog']\").open",
    )
    .await;

    // 3. A click outside it, on the backdrop (top-left corner of the viewport).
    open_dialog().await;
    let inside = MouseActions::new("mouse".to_owned())
        .then(PointerAction::MoveToElement {
            element: ui.by_testid("breakdown-body").await,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    ui.client.perform_actions(inside).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(is_open().await, "a click inside keeps the dialog open");
    let outside = MouseActions::new("mouse".to_owned())
        .then(PointerAction::MoveTo {
            duration: None,
            x: 4.0,
            y: 4.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    ui.client.perform_actions(outside).await.unwrap();
    ui.client.release_actions().await.unwrap();
    ui.wait_js(
        "a click outside to close the dialog",
        "return !document.querySelector(\"[data-testid='breakdown-dialog']\").open",
    )
    .await;
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_links_download_the_filtered_leads() {
    let ui = Ui::start().await;
    ui.open("").await;
    ui.upload_catalogue().await;
    ui.select("filter-provider", "M365").await;
    ui.wait_rows(
        "only M365 leads",
        "rows => rows.length > 0 && rows.every(r => r.dataset.domain && r.querySelector(\"[data-testid='provider-badge']\").dataset.provider === 'M365')",
    )
    .await;

    let csv_href = ui
        .by_testid("export-csv")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(csv_href.starts_with("/api/leads/export?"), "{csv_href}");
    assert!(csv_href.contains("format=csv"), "{csv_href}");
    assert!(csv_href.contains("provider=M365"), "{csv_href}");
    let xlsx_href = ui
        .by_testid("export-xlsx")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(xlsx_href.contains("format=xlsx") && xlsx_href.contains("provider=M365"));

    // Fetch both from the page, as the browser's download would.
    let fetch = |href: &str| {
        format!(
            "const done = arguments[arguments.length - 1];
             fetch({href:?}).then(async r => {{
               const bytes = new Uint8Array(await r.arrayBuffer());
               done({{status: r.status, type: r.headers.get('content-type') || '',
                      disposition: r.headers.get('content-disposition') || '',
                      head: [...bytes.slice(0, 4)], text: new TextDecoder().decode(bytes)}});
             }}).catch(e => done({{status: 0, type: String(e)}}));"
        )
    };
    let csv = ui
        .client
        .execute_async(&fetch(&csv_href), Vec::new())
        .await
        .unwrap();
    assert_eq!(csv["status"], 200, "{csv}");
    assert!(
        csv["type"].as_str().unwrap().contains("csv"),
        "{}",
        csv["type"]
    );
    let disposition = csv["disposition"].as_str().unwrap();
    assert!(
        disposition.contains("attachment") && disposition.contains(".csv"),
        "{disposition}"
    );
    let text = csv["text"].as_str().unwrap().trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or_default();
    assert!(header.contains("domain"), "{header}");
    assert!(text.contains("contoso-m365.com"), "M365 leads are exported");
    assert!(!text.contains("adatum-google.com"), "the filter applies");

    let xlsx = ui
        .client
        .execute_async(&fetch(&xlsx_href), Vec::new())
        .await
        .unwrap();
    assert_eq!(xlsx["status"], 200);
    assert_eq!(
        xlsx["head"],
        json!([0x50, 0x4b, 3, 4]),
        "an XLSX is a zip file"
    );
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_page_on_a_laptop_and_a_phone() {
    let ui = Ui::start().await;
    ui.open("").await;
    ui.upload_catalogue().await;

    ui.fit_window(1366, 900).await;
    let width = ui.js("return window.innerWidth").await;
    assert_eq!(width, 1366, "laptop viewport");
    let fits = ui
        .js("const w = document.getElementById('table-wrap'); return w.scrollWidth <= w.clientWidth")
        .await;
    assert_eq!(fits, true, "every column fits a laptop screen");
    let main = ui.screenshot("main.png").await;

    ui.fit_window(390, 844).await;
    let layout = ui
        .js(
            "return {inner: window.innerWidth, page: document.documentElement.scrollWidth,
                     table: document.getElementById('table-wrap').scrollWidth,
                     wrap: document.getElementById('table-wrap').clientWidth}",
        )
        .await;
    assert_eq!(layout["inner"], 390, "phone viewport: {layout}");
    assert!(
        layout["page"].as_u64() <= layout["inner"].as_u64(),
        "the page itself never scrolls sideways on a phone: {layout}"
    );
    assert!(
        layout["table"].as_u64() > layout["wrap"].as_u64(),
        "the table scrolls inside its box: {layout}"
    );
    let phone = ui.screenshot("phone.png").await;
    // Scrolled sideways, the priority and the domain stay in view, side by side.
    let sticky = ui
        .js(
            "const w = document.getElementById('table-wrap'); w.scrollLeft = w.scrollWidth;
             const row = document.querySelector(\"[data-testid='lead-row']\");
             const p = row.querySelector('td.col-priority').getBoundingClientRect();
             const d = row.querySelector('td.col-domain').getBoundingClientRect();
             const s = row.querySelector('td.col-score').getBoundingClientRect();
             return {scrolled: w.scrollLeft > 0, p_left: p.left, p_right: p.right, d_left: d.left,
                     d_right: d.right, s_right: s.right, view: w.getBoundingClientRect().right};",
        )
        .await;
    assert_eq!(sticky["scrolled"], true, "{sticky}");
    let at = |k: &str| sticky[k].as_f64().unwrap();
    assert!(
        at("p_left") >= 0.0 && at("p_right") <= at("d_left") + 1.0,
        "{sticky}"
    );
    assert!(at("d_right") < 390.0, "the domain stays visible: {sticky}");
    assert!(
        at("s_right") <= at("view") + 1.0,
        "the score is reachable: {sticky}"
    );
    ui.js("document.getElementById('table-wrap').scrollLeft = 0")
        .await;
    eprintln!("screenshots: {} {}", main.display(), phone.display());
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auto_detect_checkbox_imports_a_file_with_turkish_headers() {
    let ui = Ui::start().await;
    ui.open("").await;
    let path = ui.dir.path().join("firmalar.csv");
    std::fs::write(
        &path,
        "Firma Adı;Web Sitesi;Telefon\n\
         Contoso;https://www.contoso-m365.com/;0212 000 00 00\n\
         Adatum;adatum-google.com;0216 000 00 00\n",
    )
    .unwrap();
    let choose = async || {
        ui.by_testid("upload-file")
            .await
            .send_keys(&path.display().to_string())
            .await
            .expect("choose the file");
    };

    // Without auto-detect the file has no known column: the job fails and says why.
    choose().await;
    ui.click("upload-submit").await;
    ui.wait_js(
        "the import to fail",
        "const j = document.querySelector(\"[data-testid='job']\");
         return j && !j.hidden && j.dataset.status === 'failed';",
    )
    .await;
    let toast = ui
        .wait_js(
            "a toast saying why",
            "return document.querySelector(\"[data-testid='toast-error']\")?.innerText",
        )
        .await;
    let toast = toast.as_str().unwrap();
    assert!(toast.contains("firmalar.csv"), "{toast}");
    assert!(
        toast.contains("auto-detect"),
        "the way out is named: {toast}"
    );
    ui.dismiss_toasts().await;
    assert_eq!(ui.rows().await, 0);

    // With it, the company and website columns are found.
    ui.click("upload-auto-detect").await;
    choose().await;
    ui.click("upload-submit").await;
    ui.wait_js(
        "the import to complete",
        "const j = document.querySelector(\"[data-testid='job']\");
         return j && !j.hidden && j.dataset.status === 'completed';",
    )
    .await;
    ui.wait_rows("the two leads", "rows => rows.length === 2")
        .await;
    let mut domains = ui.domains().await;
    domains.sort();
    assert_eq!(domains, ["adatum-google.com", "contoso-m365.com"]);
    let companies = ui
        .js("return [...document.querySelectorAll(\"[data-testid='lead-row'] td[data-col='company']\")].map(td => td.innerText).sort()")
        .await;
    assert_eq!(companies, json!(["Adatum", "Contoso"]));
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_referral_column_follows_the_company_and_the_sync_button_needs_partner_center() {
    // Partner Center off (the default): no sync button, and "-" for leads without a referral.
    let ui = Ui::start().await;
    ui.open("").await;
    ui.upload_catalogue().await;
    let headers = ui
        .js("return [...document.querySelectorAll('#leads-head-row th')].map(th => th.dataset.testid)")
        .await;
    assert_eq!(
        headers,
        json!([
            "col-priority",
            "col-domain",
            "col-company",
            "col-referral",
            "col-provider",
            "col-gateway",
            "col-local_provider",
            "col-tenant_size",
            "col-segment",
            "col-score"
        ])
    );
    let referrals = ui
        .js("return [...document.querySelectorAll(\"[data-testid='lead-row'] [data-testid='referral-badge']\")].map(b => b.innerText)")
        .await;
    let referrals: Vec<String> = serde_json::from_value(referrals).unwrap();
    assert_eq!(referrals.len(), ui.fixtures.len());
    assert!(referrals.iter().all(|r| r == "-"), "{referrals:?}");
    assert!(
        !ui.by_testid("sync-partner-center")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    ui.finish().await;

    // Partner Center on, against the fake Entra and Referrals API: the button appears, a sync
    // ends in a toast with the counts, and the synced lead shows its Co-sell badge.
    let entra = FakeEntra::start().await;
    entra.set_interval(1);
    let api = FakePartnerCenter::start(&entra).await;
    api.set_referrals(vec![
        json!({"id": "r1", "direction": "Incoming", "type": "Shared", "qualification": "None",
               "updatedDateTime": "2026-11-20T10:00:00Z",
               "customerProfile": {"name": "Contoso", "team": [{"email": "ayse@contoso-m365.com"}]}}),
        json!({"id": "r2", "direction": "Incoming", "updatedDateTime": "2026-11-19T10:00:00Z",
               "customerProfile": {"name": "No Contact"}}),
    ]);
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = cache_dir.path().join(".token_cache").display().to_string();
    let (authority, api_url) = (entra.base_url(), api.base_url());
    let on = [
        ("HUNTER_PARTNER_CENTER_ENABLED", "true"),
        (
            "HUNTER_PARTNER_CENTER_CLIENT_ID",
            "11111111-2222-3333-4444-555555555555",
        ),
        ("HUNTER_PARTNER_CENTER_TENANT_ID", "contoso.com"),
        ("HUNTER_PARTNER_CENTER_AUTHORITY_URL", authority.as_str()),
        ("HUNTER_PARTNER_CENTER_API_URL", api_url.as_str()),
        ("HUNTER_PARTNER_CENTER_TOKEN_CACHE_PATH", cache.as_str()),
        ("HUNTER_PARTNER_CENTER_REQUEST_SPACING_MS", "0"),
    ];
    let settings = Config::from_vars(on).expect("settings");
    let auth = Authenticator::new(&hunter_engine::partner_center::settings(&settings).unwrap())
        .unwrap()
        .with_poll_sleep(|d| Box::pin(tokio::time::sleep(d / 100)));
    entra.script_polls([PollOutcome::Approve]);
    auth.login(|_| {}).await.unwrap();

    let ui = Ui::start_with(&on).await;
    ui.open("").await;
    ui.wait_js(
        "the sync button",
        "return !document.querySelector(\"[data-testid='sync-partner-center']\").hidden",
    )
    .await;
    assert!(
        ui.by_testid("sync-partner-center")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    ui.click("sync-partner-center").await;
    let toast = ui
        .wait_js(
            "the sync toast",
            "const t = [...document.querySelectorAll('.toast')].map(t => t.innerText).join(' | '); \
             return t.includes('Partner Center sync finished') ? t : null",
        )
        .await;
    let toast = toast.as_str().unwrap();
    assert!(
        toast.contains("1 linked") && toast.contains("1 skipped") && toast.contains("of 2"),
        "{toast}"
    );
    let badge = ui
        .wait_js(
            "the Co-sell badge",
            "const b = document.querySelector(\"[data-testid='referral-badge'][data-referral='co-sell']\"); \
             return b ? b.innerText : null",
        )
        .await;
    assert_eq!(badge, json!("Co-sell"));
    ui.finish().await;
}

// ---------------------------------------------------------------------------------------------
// English and Turkish (team.md §7)

/// Words of the English catalog that the Turkish one does not use (technical terms and brand
/// names both catalogs share, such as "DMARC", "Microsoft" or "quarantine", drop out), and a
/// function that lists the texts a person reads on the page (visible text nodes, the
/// `title`/`placeholder`/`aria-label`/`alt` attributes and tooltips of visible elements, the
/// options of visible selects, the document title) with the English words found in them.
/// Machine text is skipped: `<code>` and `translate="no"` (domains, company names, DNS
/// records, ids), domain names and e-mail addresses anywhere, and the provider code the
/// server names in a reason ("Sağlayıcı: M365"), a brand.
const ENGLISH_CHECK: &str = r#"
  const M = window.HunterI18n.MESSAGES;
  const values = (m) => Object.values(m).flatMap(v => typeof v === 'string' ? [v] : Object.values(v));
  const words = (s) => (String(s)
      .replace(/\{\w+\}/g, ' ').replace(/<[^>]*>/g, ' ')
      .replace(/[\p{L}\p{N}_-]+(@[\p{L}\p{N}_-]+)?(\.[\p{L}\p{N}_-]+)+/gu, ' ')
      .match(/\p{L}+/gu) || [])
    .map(w => w.toLowerCase()).filter(w => w.length >= 3);
  const turkish = new Set(values(M.tr).flatMap(words));
  const english = new Set(values(M.en).flatMap(words).filter(w => !turkish.has(w)));
  const machine = (e) => !!(e && e.closest && e.closest('code, [translate="no"], script, style'));
  const visible = (e) => e.checkVisibility ? e.checkVisibility() : !!e.getClientRects().length;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!n.nodeValue.trim() || machine(p)) continue;
    const inSelect = p.closest('select');
    if (inSelect ? !visible(inSelect) : !visible(p)) continue;
    texts.push(['text', p.tagName.toLowerCase() + (p.id ? '#' + p.id : ''), n.nodeValue]);
  }
  for (const e of document.body.querySelectorAll('*')) {
    if (machine(e)) continue;
    const inSelect = e.closest('select');
    if (inSelect ? !visible(inSelect) : !visible(e)) continue;
    for (const a of ['title', 'placeholder', 'aria-label', 'alt', 'data-tip']) {
      const v = e.getAttribute(a);
      if (v && v.trim()) texts.push([a, e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''), v]);
    }
  }
  texts.push(['title', 'document', document.title]);
  const found = [];
  for (const [kind, where, text] of texts) {
    const clean = text.replace(/Sağlayıcı: \w+/g, ' ').replace(/Provider: \w+/g, ' ');
    const bad = words(clean).filter(w => english.has(w));
    if (bad.length) found.push(`${kind} ${where}: ${bad.join(',')} in "${text.trim().slice(0, 120)}"`);
  }
  return {english: english.size, checked: texts.length, found};
"#;

impl Ui {
    /// The page's language as the page shows it: `<html lang>` and the switch's state.
    async fn lang(&self) -> Value {
        self.js(
            "return {lang: document.documentElement.lang,
                     en: document.querySelector(\"[data-testid='lang-en']\").getAttribute('aria-pressed'),
                     tr: document.querySelector(\"[data-testid='lang-tr']\").getAttribute('aria-pressed'),
                     heading: document.getElementById('leads-title').innerText,
                     stored: localStorage.getItem('hunter.lang')}",
        )
        .await
    }

    /// Waits until the page is in `lang` and its lead list has finished loading again.
    async fn wait_lang(&self, lang: &str) {
        self.wait_js(
            &format!("the page in {lang}"),
            &format!(
                "return document.documentElement.lang === '{lang}'
                   && document.getElementById('leads-table').getAttribute('aria-busy') === 'false'
                   && document.getElementById('kpis').getAttribute('aria-busy') === 'false'"
            ),
        )
        .await;
    }

    /// Scans `domain` through the scan form and waits for its row in the list.
    async fn scan(&self, domain: &str) {
        let input = self.by_testid("scan-input").await;
        input.send_keys(domain).await.expect("type the domain");
        self.click("scan-submit").await;
        self.wait_rows(
            &format!("{domain} in the list"),
            &format!("rows => rows.some(r => r.dataset.domain === '{domain}')"),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_text_of_the_catalog_exists_in_english_and_turkish() {
    let ui = Ui::start().await;
    ui.open("").await;
    let report = ui
        .js(
            "const M = window.HunterI18n.MESSAGES;
             const shape = (v) => typeof v === 'string' ? 'text' : Object.keys(v).sort().join('/');
             const forms = (v) => typeof v === 'string' ? [v] : Object.values(v);
             const params = (v) => [...new Set(forms(v).flatMap(s => s.match(/\\{\\w+\\}/g) || []))].sort().join(' ');
             const en = Object.keys(M.en).sort(), tr = Object.keys(M.tr).sort();
             const empty = [], shapes = [], placeholders = [], same = [];
             for (const lang of ['en', 'tr']) for (const [k, v] of Object.entries(M[lang])) {
               if (forms(v).some(s => typeof s !== 'string' || !s.trim())) empty.push(`${lang} ${k}`);
             }
             for (const k of en.filter(k => k in M.tr)) {
               if (shape(M.en[k]) !== shape(M.tr[k])) shapes.push(k);
               if (!['text', 'one/other'].includes(shape(M.en[k]))) shapes.push(k);
               if (params(M.en[k]) !== params(M.tr[k])) placeholders.push(k);
               if (JSON.stringify(M.en[k]) === JSON.stringify(M.tr[k])) same.push(k);
             }
             // Every key the page refers to exists.
             const used = [...document.querySelectorAll('*')].flatMap(e =>
               ['i18n', 'i18nHtml', 'i18nTitle', 'i18nPlaceholder', 'i18nAriaLabel', 'i18nTip']
                 .map(a => e.dataset[a]).filter(Boolean));
             const missing = used.filter(k => !(k in M.en));
             return {langs: Object.keys(M), en, tr, empty, shapes, placeholders, same, used: used.length, missing};",
        )
        .await;
    assert_eq!(report["langs"], json!(["en", "tr"]), "{report}");
    assert_eq!(
        report["en"], report["tr"],
        "the same keys in both languages"
    );
    let keys = report["en"].as_array().unwrap().len();
    assert!(
        keys > 150,
        "the catalog has every text of the UI: {keys} keys"
    );
    assert_eq!(report["empty"], json!([]), "texts without words");
    assert_eq!(
        report["shapes"],
        json!([]),
        "a text in one language, a plural in the other"
    );
    assert_eq!(
        report["placeholders"],
        json!([]),
        "the same {{placeholders}} in both languages"
    );
    assert_eq!(report["missing"], json!([]), "keys the page uses");
    assert!(report["used"].as_u64().unwrap() > 40, "{report}");
    // Codes, brand names and a few technical terms read the same in both languages; nearly
    // everything else differs.
    let same: Vec<String> = serde_json::from_value(report["same"].clone()).unwrap();
    eprintln!("the same in English and Turkish: {same:?}");
    assert!(
        same.len() * 4 < keys,
        "{} of {keys} texts are the same in both languages: {same:?}",
        same.len()
    );
    for key in [
        "leads.title",
        "scan.title",
        "bd.title",
        "segment.Existing",
        "pager.summary",
    ] {
        assert!(!same.contains(&key.to_owned()), "{key} is translated");
    }

    // t(): placeholders, plurals by Intl.PluralRules, numbers in the language's way, codes.
    let t = ui
        .js("const I = window.HunterI18n;
             const out = {};
             I.setLang('en');
             out.en = [I.t('pager.summary', {from: 1, to: 1, count: 1}),
                       I.t('pager.summary', {from: 1, to: 50, count: 12345}),
                       I.label('segment', 'Migration'), I.label('segment', 'Nope')];
             I.setLang('tr');
             out.tr = [I.t('pager.summary', {from: 1, to: 1, count: 1}),
                       I.t('pager.summary', {from: 1, to: 50, count: 12345}),
                       I.label('segment', 'Migration'), I.label('segment', 'Nope')];
             I.setLang('en');
             return out;")
        .await;
    assert_eq!(
        t["en"],
        json!([
            "Showing 1–1 of 1 lead",
            "Showing 1–50 of 12,345 leads",
            "Migration",
            "Nope"
        ])
    );
    assert_eq!(
        t["tr"],
        json!([
            "1 potansiyel müşteriden 1–1 arası gösteriliyor",
            "12.345 potansiyel müşteriden 1–50 arası gösteriliyor",
            "Geçiş",
            "Nope"
        ])
    );
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_in_turkish_opens_the_page_in_turkish() {
    let ui = Ui::start_with_lang("tr-TR").await;
    ui.open("").await;
    let navigator = ui.js("return navigator.languages").await;
    assert_eq!(navigator[0], "tr-TR", "the browser asks for Turkish");
    ui.wait_lang("tr").await;
    let state = ui.lang().await;
    assert_eq!(state["lang"], "tr", "{state}");
    assert_eq!(state["heading"], "Potansiyel müşteriler", "{state}");
    assert_eq!(state["tr"], "true", "{state}");
    assert_eq!(state["en"], "false", "{state}");
    // Nothing chosen yet: the browser's language is not stored as a choice.
    assert_eq!(state["stored"], Value::Null, "{state}");
    assert_eq!(
        ui.text("scan-panel").await.lines().next(),
        Some("Alan adı tara")
    );
    let title = ui.js("return document.title").await;
    assert_eq!(title, "Hunter · Potansiyel müşteri istihbaratı");
    ui.wait_js(
        "the empty state",
        "const e = document.querySelector(\"[data-testid='empty-state']\"); return e && !e.hidden;",
    )
    .await;
    let empty = ui.text("empty-state").await;
    assert!(empty.contains("Henüz potansiyel müşteri yok"), "{empty}");
    // The page asks the server for Turkish texts; the export links too.
    let href = ui
        .by_testid("export-csv")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.contains("lang=tr"), "{href}");

    // A server message comes in Turkish: a scan of something that is not a domain (typed in
    // Turkish: the message quotes it).
    ui.by_testid("scan-input")
        .await
        .send_keys("geçersiz girdi!")
        .await
        .unwrap();
    ui.click("scan-submit").await;
    let toast = ui
        .wait_js(
            "a toast for the bad scan input",
            "return document.querySelector(\"[data-testid='toast-error']\")?.innerText",
        )
        .await;
    let toast = toast.as_str().unwrap();
    assert!(toast.contains("taranamadı"), "{toast}");
    let english = ui
        .js(&format!("return (() => {{ {ENGLISH_CHECK} }})()"))
        .await;
    assert_eq!(english["found"], json!([]), "English on the Turkish page");
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_applies_without_a_reload_and_is_remembered() {
    let ui = Ui::start().await;
    ui.open("").await;
    ui.scan("contoso-m365.com").await;
    ui.dismiss_toasts().await;
    let state = ui.lang().await;
    assert_eq!(state["lang"], "en", "an English browser: {state}");
    assert_eq!(state["en"], "true", "{state}");
    assert_eq!(state["heading"], "Leads", "{state}");
    let badge =
        "document.querySelector(\"[data-testid='lead-row'] [data-testid='segment-badge']\")";
    assert_eq!(
        ui.js(&format!("return {badge}.innerText")).await,
        "Existing"
    );

    // A marker that a reload would wipe, and a log of the languages the API calls ask for.
    ui.js(
        "window.__marker = 'still here'; window.__asked = [];
         const real = window.fetch;
         window.fetch = (url, opts) => {
           if (String(url).startsWith('/api/')) window.__asked.push([String(url), (opts && opts.headers || {})['Accept-Language']]);
           return real(url, opts);
         };",
    )
    .await;
    ui.click("lang-tr").await;
    ui.wait_lang("tr").await;
    ui.wait_js(
        "the Turkish segment badge",
        &format!("return {badge}?.innerText === 'Mevcut'"),
    )
    .await;
    let state = ui.lang().await;
    assert_eq!(state["heading"], "Potansiyel müşteriler", "{state}");
    assert_eq!(state["tr"], "true", "{state}");
    assert_eq!(state["en"], "false", "{state}");
    assert_eq!(state["stored"], "tr", "{state}");
    assert_eq!(
        ui.js("return window.__marker").await,
        "still here",
        "no reload"
    );
    // The texts from the server were fetched again, in Turkish.
    let tip = ui.js(&format!("return {badge}.dataset.tip")).await;
    assert!(
        tip.as_str()
            .unwrap()
            .contains("Zaten Microsoft 365 kullanıyor"),
        "the reason in Turkish: {tip}"
    );
    let asked: Vec<(String, Option<String>)> =
        serde_json::from_value(ui.js("return window.__asked").await).unwrap();
    assert!(
        asked.iter().any(|(url, _)| url.starts_with("/api/leads?")),
        "{asked:?}"
    );
    assert!(
        asked.iter().all(|(_, lang)| lang.as_deref() == Some("tr")),
        "every API call asks for Turkish: {asked:?}"
    );
    let sort_title = ui
        .by_testid("sort-score")
        .await
        .attr("title")
        .await
        .unwrap()
        .unwrap();
    assert!(sort_title.contains("puan"), "{sort_title}");
    let option = ui
        .js("return document.querySelector(\"#f-segment option[value='Migration']\").textContent")
        .await;
    assert_eq!(option, "Geçiş");

    // Remembered: a reload keeps Turkish (and wipes the marker: it was a reload).
    ui.reload().await;
    ui.wait_lang("tr").await;
    assert_eq!(ui.lang().await["heading"], "Potansiyel müşteriler");
    assert_eq!(ui.js("return window.__marker ?? null").await, Value::Null);

    // And back to English, remembered as well.
    ui.js("window.__marker = 'again'").await;
    ui.click("lang-en").await;
    ui.wait_lang("en").await;
    ui.wait_js(
        "the English segment badge",
        &format!("return {badge}?.innerText === 'Existing'"),
    )
    .await;
    assert_eq!(ui.js("return window.__marker").await, "again", "no reload");
    let state = ui.lang().await;
    assert_eq!(state["heading"], "Leads", "{state}");
    assert_eq!(state["stored"], "en", "{state}");
    ui.reload().await;
    ui.wait_lang("en").await;
    assert_eq!(ui.lang().await["en"], "true");
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_english_is_left_on_the_turkish_page_with_leads_and_the_dialog_open() {
    let ui = Ui::start_with_lang("tr-TR").await;
    ui.open("").await;
    ui.wait_lang("tr").await;
    ui.upload_catalogue().await;
    // The import's panel stays with its counts and the bad row; a scan shows its result.
    ui.scan("contoso-m365.com").await;
    ui.wait_js(
        "the scan result",
        "return !document.querySelector(\"[data-testid='scan-result']\").hidden",
    )
    .await;
    ui.client
        .find(Locator::Css(
            "[data-testid='lead-link'][data-domain='contoso-m365.com']",
        ))
        .await
        .expect("the lead link")
        .click()
        .await
        .expect("open the breakdown");
    ui.wait_js(
        "the breakdown",
        "const d = document.querySelector(\"[data-testid='breakdown-dialog']\");
         return d.open && document.querySelectorAll(\"[data-testid='breakdown-line']\").length > 0;",
    )
    .await;
    let title = ui
        .js("return document.getElementById('bd-title').innerText")
        .await;
    assert!(
        title
            .as_str()
            .unwrap()
            .starts_with("Bu puan nereden geliyor?"),
        "{title}"
    );

    let report = ui
        .js(&format!("return (() => {{ {ENGLISH_CHECK} }})()"))
        .await;
    eprintln!(
        "checked {} texts against {} English words",
        report["checked"], report["english"]
    );
    assert!(report["english"].as_u64().unwrap() > 200, "{report}");
    assert!(report["checked"].as_u64().unwrap() > 300, "{report}");
    let found: Vec<String> = serde_json::from_value(report["found"].clone()).unwrap();
    assert!(
        found.is_empty(),
        "English on the Turkish page:\n{}",
        found.join("\n")
    );
    // The server's texts are Turkish too: the reason, the breakdown lines, the row error.
    let body = ui.text("breakdown-body").await;
    assert!(body.contains("SPF kaydı var"), "{body}");
    assert!(body.contains("Hazırlık puanı"), "{body}");
    assert!(ui.text("job-errors").await.contains("Satır 3"));
    ui.screenshot("breakdown-tr.png").await;
    ui.client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    ui.fit_window(1366, 900).await;
    ui.screenshot("main-tr.png").await;
    let fits = ui
        .js("const w = document.getElementById('table-wrap');
             return w.scrollWidth <= w.clientWidth ? true
               : [w.scrollWidth, w.clientWidth, ...[...document.querySelectorAll('#leads-head-row th')].map(th => th.dataset.testid + ':' + Math.round(th.getBoundingClientRect().width))].join(' ')")
        .await;
    assert_eq!(
        fits, true,
        "every column fits a laptop screen in Turkish too"
    );

    // The check itself sees English: the same page in English is full of it.
    ui.click("lang-en").await;
    ui.wait_lang("en").await;
    let report = ui
        .js(&format!("return (() => {{ {ENGLISH_CHECK} }})()"))
        .await;
    assert!(
        report["found"].as_array().unwrap().len() > 50,
        "the check finds English on the English page: {report}"
    );
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turkish_company_name_is_found_with_or_without_its_turkish_letters() {
    let ui = Ui::start_with_lang("tr-TR").await;
    ui.open("").await;
    let path = ui.dir.path().join("firmalar.csv");
    std::fs::write(
        &path,
        "domain,company_name\n\
         contoso-m365.com,İstanbul Danışmanlık Ltd. Şti.\n\
         adatum-google.com,Adatum Ltd\n",
    )
    .unwrap();
    ui.by_testid("upload-file")
        .await
        .send_keys(&path.display().to_string())
        .await
        .expect("choose the file");
    ui.click("upload-submit").await;
    ui.wait_js(
        "the import to complete",
        "const j = document.querySelector(\"[data-testid='job']\");
         return j && !j.hidden && j.dataset.status === 'completed';",
    )
    .await;
    ui.wait_rows("the two leads", "rows => rows.length === 2")
        .await;
    ui.dismiss_toasts().await;
    let company = ui
        .js("return document.querySelector(\"[data-testid='lead-row'][data-domain='contoso-m365.com'] td[data-col='company']\").innerText")
        .await;
    assert_eq!(company, "İstanbul Danışmanlık Ltd. Şti.");

    for search in ["istanbul", "İSTANBUL", "danismanlik", "Danışmanlık"] {
        ui.by_testid("filter-search")
            .await
            .send_keys(search)
            .await
            .unwrap();
        ui.wait_rows(
            &format!("the search for {search}"),
            "rows => rows.length === 1 && rows[0].dataset.domain === 'contoso-m365.com'",
        )
        .await;
        // The text went to the server as typed.
        let url = ui.client.current_url().await.unwrap();
        let sent: Vec<String> = url
            .query_pairs()
            .filter(|(k, _)| k == "search")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(sent, [search], "{url}");
        assert_eq!(
            ui.by_testid("filter-search")
                .await
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some(search)
        );
        ui.click("filter-reset").await;
        ui.wait_rows("the whole list again", "rows => rows.length === 2")
            .await;
    }
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_are_grouped_the_way_the_language_writes_them() {
    let ui = Ui::start().await;
    ui.open("").await;
    // Counts this machine cannot make in a test's time: the KPI answer, replaced in the page.
    ui.js("const real = window.fetch;
         window.fetch = (url, opts) => String(url).startsWith('/api/dashboard/kpis')
           ? Promise.resolve(new Response(JSON.stringify({total_leads: 1234567,
               by_priority: {P1: 12345, P2: 1234, P3: 7}, by_segment: {Existing: 23456}}),
               {status: 200, headers: {'Content-Type': 'application/json'}}))
           : real(url, opts);")
        .await;
    let kpis = async || {
        ui.js(
            "return [document.querySelector(\"[data-testid='kpi-total']\").innerText,
                     document.querySelector(\"[data-testid='kpi-priority-P1'] .chip-val\").innerText,
                     document.querySelector(\"[data-testid='kpi-priority-P2'] .chip-val\").innerText,
                     document.querySelector(\"[data-testid='kpi-segment-Existing'] .chip-val\").innerText]",
        )
        .await
    };
    ui.click("lang-tr").await;
    ui.wait_lang("tr").await;
    assert_eq!(
        kpis().await,
        json!(["1.234.567", "12.345", "1.234", "23.456"])
    );
    let formats = ui
        .js("const I = window.HunterI18n;
             return [I.number(12345), I.t('common.percent', {value: 85}),
                     I.dateTime('2026-12-03T10:00:00Z').includes('Ara')];")
        .await;
    assert_eq!(formats, json!(["12.345", "%85", true]));

    ui.click("lang-en").await;
    ui.wait_lang("en").await;
    assert_eq!(
        kpis().await,
        json!(["1,234,567", "12,345", "1,234", "23,456"])
    );
    let formats = ui
        .js("const I = window.HunterI18n;
             return [I.number(12345), I.t('common.percent', {value: 85}),
                     I.dateTime('2026-12-03T10:00:00Z').includes('Dec')];")
        .await;
    assert_eq!(formats, json!(["12,345", "85%", true]));
    ui.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Sign-in, the header and the admin page (team.md §2, §4, §6)

impl Ui {
    /// Opens the admin page from the header and waits for its three lists.
    async fn open_admin(&self) {
        self.wait_js(
            "the admin link in the header",
            "const a = document.querySelector(\"[data-testid='open-admin']\"); return a && !a.hidden;",
        )
        .await;
        self.click("open-admin").await;
        self.wait_admin().await;
    }

    /// Waits until the admin page shows and its lists have finished loading.
    async fn wait_admin(&self) {
        self.wait_js(
            "the admin page with its lists loaded",
            "const p = document.querySelector(\"[data-testid='admin-page']\");
             return p && !p.hidden && location.hash === '#admin'
               && ['keys-table', 'users-table', 'audit-table']
                    .every(id => document.getElementById(id).getAttribute('aria-busy') === 'false');",
        )
        .await;
    }

    /// Creates an API key through the form; returns the key shown once.
    async fn create_key(&self, name: &str, scopes: &[&str]) -> String {
        self.by_testid("key-name")
            .await
            .send_keys(name)
            .await
            .expect("type the key's name");
        for scope in scopes {
            self.click(&format!("scope-{scope}")).await;
        }
        self.click("key-submit").await;
        let key = self
            .wait_js(
                "the new key, shown once",
                "const b = document.querySelector(\"[data-testid='new-api-key']\");
                 return b && !b.hidden && document.querySelector(\"[data-testid='new-api-key-value']\").textContent;",
            )
            .await;
        // The success toast sits over the list's last column: closed, as a user would.
        self.dismiss_toasts().await;
        key.as_str().expect("the key's text").to_owned()
    }

    /// Waits for the audit table to list `event` (and the list to be idle).
    async fn wait_audit_event(&self, event: &str) {
        self.wait_js(
            &format!("{event} in the audit trail"),
            &format!(
                "return document.getElementById('audit-table').getAttribute('aria-busy') === 'false'
                   && !!document.querySelector(\"[data-testid='audit-row'][data-event='{event}']\")"
            ),
        )
        .await;
    }

    /// The label the audit table shows for `event` (its first row of that event).
    async fn audit_label(&self, event: &str) -> Value {
        self.js(&format!(
            "return document.querySelector(\"[data-testid='audit-row'][data-event='{event}'] [data-testid='audit-event-label']\")?.innerText ?? null"
        ))
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_creates_a_key_shows_it_once_and_revokes_it() {
    let ui = Ui::start().await;
    ui.open("").await;
    // Local mode: the badge with its explanation instead of a name and a sign-out button.
    ui.wait_js(
        "the local mode badge",
        "return !document.querySelector(\"[data-testid='local-mode']\").hidden",
    )
    .await;
    let header = ui
        .js("const b = document.querySelector(\"[data-testid='local-mode']\");
             return {text: b.innerText, tip: b.dataset.tip,
                     user: document.querySelector(\"[data-testid='user-box']\").hidden,
                     signOut: document.querySelector(\"[data-testid='sign-out']\").checkVisibility()}")
        .await;
    assert_eq!(header["text"], "Local mode — this machine only", "{header}");
    assert!(
        header["tip"].as_str().unwrap().contains("Nobody signs in"),
        "{header}"
    );
    assert_eq!(header["user"], true, "no user box in local mode: {header}");
    assert_eq!(
        header["signOut"], false,
        "no sign-out in local mode: {header}"
    );

    ui.open_admin().await;
    assert_eq!(
        ui.js("return document.getElementById('leads-section').hidden")
            .await,
        true,
        "the admin page replaces the lead list"
    );
    assert!(ui.text("api-keys-body").await.contains("No API keys yet"));
    assert!(
        ui.text("users-body")
            .await
            .contains("Local mode has no sign-in")
    );
    // The form's defaults (team.md §4).
    let defaults = ui
        .js("return [document.getElementById('key-rate').value, document.getElementById('key-expiry').value]")
        .await;
    assert_eq!(defaults, json!(["60", "90"]));

    // No name: refused in the page, nothing created.
    ui.click("key-submit").await;
    ui.wait_js(
        "a toast asking for a name",
        "return document.querySelector(\"[data-testid='toast-error']\")?.innerText.includes('Give the key a name')",
    )
    .await;
    ui.dismiss_toasts().await;

    let key = ui
        .create_key("CRM webhook", &["leads:read", "ingest"])
        .await;
    assert!(key.starts_with("hunter_"), "{key}");
    let warning = ui.text("new-api-key").await;
    assert!(warning.contains("will not be shown again"), "{warning}");
    ui.wait_js(
        "the new key in the list",
        "return document.querySelectorAll(\"[data-testid='key-row']\").length === 1
           && document.getElementById('keys-table').getAttribute('aria-busy') === 'false'",
    )
    .await;
    let row = ui
        .js(
            "const r = document.querySelector(\"[data-testid='key-row']\");
             return {id: r.dataset.id, status: r.dataset.status, text: r.innerText,
                     prefix: r.querySelector(\"[data-testid='key-prefix']\").textContent}",
        )
        .await;
    let id = row["id"].as_str().unwrap().to_owned();
    let prefix = row["prefix"].as_str().unwrap().to_owned();
    assert!(key.starts_with(&prefix), "{key} starts with {prefix}");
    assert!(prefix.len() < key.len() / 2, "the prefix is not the key");
    assert_eq!(row["status"], "active", "{row}");
    let text = row["text"].as_str().unwrap();
    for part in [
        "CRM webhook",
        "leads:read",
        "ingest",
        "60/min",
        "never",
        "Active",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(!text.contains("scan"), "only the chosen scopes: {text}");
    // The copy button copies (or at least says it did not).
    ui.click("copy-api-key").await;

    // Shown once: after a reload the key is nowhere on the page, its prefix is.
    ui.reload().await;
    ui.wait_admin().await;
    ui.wait_js(
        "the key's row after the reload",
        "return document.querySelectorAll(\"[data-testid='key-row']\").length === 1",
    )
    .await;
    let page = ui
        .js("return {html: document.documentElement.outerHTML, text: document.body.innerText,
                     stored: JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage}),
                     box: document.querySelector(\"[data-testid='new-api-key']\").hidden}")
        .await;
    assert_eq!(
        page["box"], true,
        "the new-key box is gone: {}",
        page["text"]
    );
    assert!(
        !page["html"].as_str().unwrap().contains(&key),
        "the key is not on the page after a reload"
    );
    assert!(
        !page["stored"].as_str().unwrap().contains(&key),
        "nor in the browser's storage"
    );
    assert!(page["text"].as_str().unwrap().contains(&prefix));

    // Revoke, with a confirmation first; cancel keeps the key.
    ui.click(&format!("revoke-{id}")).await;
    ui.wait_js(
        "the confirmation",
        "return document.querySelector(\"[data-testid='confirm-dialog']\").open",
    )
    .await;
    let question = ui.text("confirm-dialog").await;
    assert!(question.contains("Revoke “CRM webhook”?"), "{question}");
    ui.click("confirm-cancel").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        ui.js("return document.querySelector(\"[data-testid='key-row']\").dataset.status")
            .await,
        "active"
    );
    ui.click(&format!("revoke-{id}")).await;
    ui.wait_js(
        "the confirmation again",
        "return document.querySelector(\"[data-testid='confirm-dialog']\").open",
    )
    .await;
    ui.click("confirm-ok").await;
    ui.wait_js(
        "the key shown as revoked",
        "const r = document.querySelector(\"[data-testid='key-row']\");
         return r && r.dataset.status === 'revoked'
           && document.getElementById('keys-table').getAttribute('aria-busy') === 'false'",
    )
    .await;
    let row = ui
        .js("return document.querySelector(\"[data-testid='key-row']\").innerText")
        .await;
    assert!(row.as_str().unwrap().contains("Revoked"), "{row}");
    assert_eq!(
        ui.js(&format!(
            "return document.querySelectorAll(\"[data-testid='revoke-{id}']\").length"
        ))
        .await,
        0,
        "no revoke button on a revoked key"
    );

    // The audit trail, with readable labels.
    ui.wait_audit_event("api_key.created").await;
    ui.wait_audit_event("api_key.revoked").await;
    assert_eq!(ui.audit_label("api_key.created").await, "API key created");
    assert_eq!(ui.audit_label("api_key.revoked").await, "API key revoked");
    let first = ui
        .js("return document.querySelector(\"[data-testid='audit-row']\").innerText")
        .await;
    let first = first.as_str().unwrap();
    assert!(first.contains("API key revoked"), "newest first: {first}");
    assert!(first.contains("This machine (local mode)"), "{first}");
    assert!(first.contains("CRM webhook"), "the key by name: {first}");
    assert!(first.contains("Success"), "{first}");
    // The filter asks the server for one event.
    ui.select("audit-event", "api_key.created").await;
    ui.wait_js(
        "only api_key.created",
        "const rows = [...document.querySelectorAll(\"[data-testid='audit-row']\")];
         return document.getElementById('audit-table').getAttribute('aria-busy') === 'false'
           && rows.length === 1 && rows[0].dataset.event === 'api_key.created'",
    )
    .await;
    assert_eq!(ui.text("audit-summary").await, "1 event");
    assert_eq!(ui.text("audit-page-of").await, "Page 1 of 1");
    let options = ui
        .js("return [...document.querySelectorAll('#audit-event option')].map(o => o.textContent)")
        .await;
    assert_eq!(options.as_array().unwrap().len(), 13, "{options}");
    assert!(
        options.as_array().unwrap().contains(&json!("Signed in")),
        "{options}"
    );

    // Every control of the admin page has a name and a tab stop.
    let unlabeled = ui
        .js(
            "return [...document.querySelectorAll('#admin-page input, #admin-page select, #admin-page button, #admin-page a[href]')]
              .filter(e => !e.closest('[hidden]'))
              .filter(e => {
                const name = (e.labels && e.labels.length ? e.labels[0].innerText : '')
                  || e.getAttribute('aria-label') || e.innerText || e.title || '';
                return !name.trim() || e.tabIndex < 0;
              })
              .map(e => e.outerHTML.slice(0, 80))",
        )
        .await;
    assert_eq!(unlabeled, json!([]), "controls without a name or tab stop");
    ui.fit_window(1366, 900).await;
    ui.screenshot("admin.png").await;

    // Back to the leads.
    ui.click("close-admin").await;
    ui.wait_js(
        "the lead list again",
        "return !document.getElementById('leads-section').hidden
           && document.getElementById('admin-page').hidden",
    )
    .await;
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_in_turkish_has_no_english_left() {
    let ui = Ui::start_with_lang("tr-TR").await;
    ui.open("").await;
    ui.wait_lang("tr").await;
    let badge = ui.text("local-mode").await;
    assert_eq!(badge, "Yerel kip — yalnızca bu bilgisayar");
    ui.open_admin().await;
    assert_eq!(ui.text("open-admin").await, "Yönetim");

    // A key, revoked, and a second one still active: every state of the list, and events.
    let key = ui
        .create_key("CRM entegrasyonu", &["leads:read", "scan"])
        .await;
    assert!(key.starts_with("hunter_"));
    ui.wait_js(
        "the key in the list",
        "return document.querySelectorAll(\"[data-testid='key-row']\").length === 1",
    )
    .await;
    let id = ui
        .js("return document.querySelector(\"[data-testid='key-row']\").dataset.id")
        .await;
    ui.click(&format!("revoke-{}", id.as_str().unwrap())).await;
    ui.wait_js(
        "the confirmation",
        "return document.querySelector(\"[data-testid='confirm-dialog']\").open",
    )
    .await;
    let report = ui
        .js(&format!("return (() => {{ {ENGLISH_CHECK} }})()"))
        .await;
    let found: Vec<String> = serde_json::from_value(report["found"].clone()).unwrap();
    assert!(
        found.is_empty(),
        "English in the Turkish confirmation:\n{}",
        found.join("\n")
    );
    ui.click("confirm-ok").await;
    ui.wait_js(
        "the key revoked",
        "return document.querySelector(\"[data-testid='key-row']\")?.dataset.status === 'revoked'",
    )
    .await;
    ui.dismiss_toasts().await;
    ui.create_key("Webhook betiği", &["ingest"]).await;
    ui.wait_audit_event("api_key.revoked").await;
    ui.wait_js(
        "two keys and three events",
        "return document.querySelectorAll(\"[data-testid='key-row']\").length === 2
           && document.querySelectorAll(\"[data-testid='audit-row']\").length === 3
           && ['keys-table', 'audit-table'].every(id => document.getElementById(id).getAttribute('aria-busy') === 'false')",
    )
    .await;
    assert_eq!(
        ui.audit_label("api_key.created").await,
        "API anahtarı oluşturuldu"
    );
    assert_eq!(
        ui.audit_label("api_key.revoked").await,
        "API anahtarı iptal edildi"
    );
    let row = ui
        .js("return document.querySelector(\"[data-testid='key-row'][data-status='revoked']\").innerText")
        .await;
    assert!(row.as_str().unwrap().contains("İptal edildi"), "{row}");
    assert!(row.as_str().unwrap().contains("60/dk"), "{row}");

    let report = ui
        .js(&format!("return (() => {{ {ENGLISH_CHECK} }})()"))
        .await;
    eprintln!(
        "checked {} texts of the admin page against {} English words",
        report["checked"], report["english"]
    );
    assert!(report["checked"].as_u64().unwrap() > 100, "{report}");
    let found: Vec<String> = serde_json::from_value(report["found"].clone()).unwrap();
    assert!(
        found.is_empty(),
        "English on the Turkish admin page:\n{}",
        found.join("\n")
    );
    ui.screenshot("admin-tr.png").await;

    // The check sees English on the same page in English; the switch redraws the lists.
    ui.click("lang-en").await;
    ui.wait_js(
        "the English audit labels",
        "return document.querySelector(\"[data-testid='audit-event-label']\")?.innerText === 'API key created'",
    )
    .await;
    let report = ui
        .js(&format!("return (() => {{ {ENGLISH_CHECK} }})()"))
        .await;
    assert!(
        report["found"].as_array().unwrap().len() > 20,
        "the check finds English on the English admin page: {report}"
    );
    ui.finish().await;
}

impl Ui {
    /// Waits until `/auth/login` sends browsers on to the identity provider (discovery runs in
    /// the background; 503 until then).
    async fn wait_sign_in_ready(&self) {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("HTTP client");
        let deadline = Instant::now() + WAIT;
        loop {
            let login = http
                .get(format!("{}/auth/login", self.base))
                .send()
                .await
                .expect("GET /auth/login");
            if login.status() == reqwest::StatusCode::FOUND {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the identity provider was never discovered: {}",
                login.status()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The status of `GET path` fetched by the page itself (with its cookies).
    async fn fetch_status(&self, path: &str) -> Value {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0], {headers: {Accept: 'application/json'}})
                   .then(r => done(r.status), e => done(String(e)));",
                vec![json!(path)],
            )
            .await
            .expect("fetch from the page")
    }
}

/// Hunter in Entra mode against `idp`, its public URL its own address.
async fn entra_ui(idp: &FakeIdp, mode: &str) -> Ui {
    let authority = idp.authority();
    Ui::start_at(
        |base| {
            idp.register_client(IdpClient {
                client_id: "hunter-browser".to_owned(),
                redirect_uris: vec![format!("{base}/auth/callback")],
                post_logout_redirect_uris: vec![format!("{base}/")],
                credential: IdpCredential::Secret("browser-test-secret".to_owned()),
            });
            owned(&[
                ("HUNTER_AUTH_MODE", "entra"),
                ("HUNTER_AUTH_PUBLIC_URL", base),
                ("HUNTER_AUTH_AUTHORITY_URL", authority.as_str()),
                ("HUNTER_AUTH_TENANT_ID", FakeIdp::TENANT),
                ("HUNTER_AUTH_CLIENT_ID", "hunter-browser"),
                ("HUNTER_AUTH_CLIENT_SECRET", "browser-test-secret"),
                ("HUNTER_AUTH_RESPONSE_MODE", mode),
            ])
        },
        "en-US",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_out_browser_signs_in_with_microsoft_and_comes_back() {
    for (mode, role) in [("form_post", "Hunter.User"), ("query", "Hunter.Admin")] {
        let idp = FakeIdp::start().await;
        idp.sign_in_as(Some(IdpUser::member("oid-ayse", "Ayşe Yılmaz", &[role])));
        let ui = entra_ui(&idp, mode).await;
        ui.wait_sign_in_ready().await;

        // Signed out: through the identity provider and back to the same view.
        ui.client
            .goto(&format!("{}/?segment=Migration", ui.base))
            .await
            .expect("open the UI");
        ui.wait_js(
            &format!("the signed-in page ({mode})"),
            "return location.pathname === '/' && location.search === '?segment=Migration'
               && document.querySelector(\"[data-testid='user-name']\")?.innerText === 'Ayşe Yılmaz'
               && document.getElementById('leads-table').getAttribute('aria-busy') === 'false'",
        )
        .await;
        let admin = role == "Hunter.Admin";
        let header = ui
            .js("return {role: document.querySelector(\"[data-testid='user-role']\").innerText,
                         admin: !document.querySelector(\"[data-testid='open-admin']\").hidden,
                         local: !document.querySelector(\"[data-testid='local-mode']\").hidden,
                         signOut: document.querySelector(\"[data-testid='sign-out']\").checkVisibility(),
                         segment: document.getElementById('f-segment').value}")
            .await;
        assert_eq!(
            header,
            json!({"role": if admin { "Admin" } else { "User" }, "admin": admin,
                   "local": false, "signOut": true, "segment": "Migration"}),
            "{mode}"
        );
        assert_eq!(ui.fetch_status("/api/me").await, 200, "{mode}");
        let requests = idp.requests();
        assert!(
            requests
                .iter()
                .any(|r| r.param("response_mode") == Some(mode)),
            "the browser went through the identity provider in {mode}"
        );
        if admin {
            ui.open_admin().await;
            let me = ui
                .js("return document.querySelector(\"[data-testid='user-row']\").innerText")
                .await;
            assert!(me.as_str().unwrap().contains("Ayşe Yılmaz"), "{me}");
            assert!(me.as_str().unwrap().contains("you"), "{me}");
            // Nobody disables themselves (the server answers 409 too).
            let own = ui
                .js("const b = document.querySelector(\"[data-testid='user-row'] [data-testid^='disable-']\");
                     return {disabled: b.disabled, tip: b.closest('td').dataset.tip}")
                .await;
            assert_eq!(own["disabled"], true, "{own}");
            assert!(
                own["tip"]
                    .as_str()
                    .unwrap()
                    .contains("cannot disable yourself"),
                "{own}"
            );
            ui.wait_audit_event("login.success").await;
            assert_eq!(ui.audit_label("login.success").await, "Signed in");
        } else {
            // A member without the Admin role: no admin page, even by its address.
            ui.client
                .goto(&format!("{}/#admin", ui.base))
                .await
                .expect("open #admin");
            ui.wait_js(
                "the lead list instead of the admin page",
                "return document.getElementById('leads-table').getAttribute('aria-busy') === 'false'
                   && document.getElementById('admin-page').hidden",
            )
            .await;
            let toast = ui
                .wait_js(
                    "the not-allowed toast",
                    "return document.querySelector(\"[data-testid='toast-error']\")?.innerText",
                )
                .await;
            assert!(
                toast.as_str().unwrap().contains("You do not have the role"),
                "{toast}"
            );
            // The admin API answers 403 to this member.
            assert_eq!(ui.fetch_status("/api/admin/audit").await, 403);
            ui.dismiss_toasts().await;
        }

        // Sign out: the session ends at Hunter and at the identity provider, back at `/`,
        // where the page says so instead of signing in again.
        ui.click("sign-out").await;
        ui.wait_js(
            &format!("the signed-out page ({mode})"),
            "return location.pathname === '/' && location.search === ''
               && !document.querySelector(\"[data-testid='signed-out']\").hidden",
        )
        .await;
        assert_eq!(ui.fetch_status("/api/me").await, 401, "{mode}");
        assert!(!idp.logouts().is_empty(), "the sign-out reached the IdP");
        let gate = ui.text("signed-out").await;
        assert!(gate.contains("You are signed out"), "{gate}");
        assert!(gate.contains("Sign in with Microsoft"), "{gate}");
        ui.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_disables_and_enables_a_team_member() {
    let idp = FakeIdp::start().await;
    let ui = entra_ui(&idp, "query").await;
    ui.wait_sign_in_ready().await;
    let signed_in = |name: &str| {
        format!(
            "return document.querySelector(\"[data-testid='user-name']\")?.innerText === '{name}'
               && document.getElementById('leads-table').getAttribute('aria-busy') === 'false'"
        )
    };

    // Mehmet signs in once (a member), then signs out; Ayşe, an admin, signs in from the
    // signed-out page's button.
    idp.sign_in_as(Some(IdpUser::member(
        "oid-mehmet",
        "Mehmet Öztürk",
        &["Hunter.User"],
    )));
    ui.client.goto(&ui.base).await.expect("open the UI");
    ui.wait_js("Mehmet signed in", &signed_in("Mehmet Öztürk"))
        .await;
    ui.click("sign-out").await;
    ui.wait_js(
        "the signed-out page",
        "return !document.querySelector(\"[data-testid='signed-out']\").hidden",
    )
    .await;
    idp.sign_in_as(Some(IdpUser::member(
        "oid-ayse",
        "Ayşe Yılmaz",
        &["Hunter.Admin"],
    )));
    ui.click("sign-in").await;
    ui.wait_js("Ayşe signed in", &signed_in("Ayşe Yılmaz"))
        .await;
    ui.open_admin().await;
    ui.wait_js(
        "both members",
        "return document.querySelectorAll(\"[data-testid='user-row']\").length === 2",
    )
    .await;
    let mehmet = ui
        .js(
            "return [...document.querySelectorAll(\"[data-testid='user-row']\")]
               .find(r => r.innerText.includes('Mehmet')).dataset.id",
        )
        .await;
    let mehmet = mehmet.as_str().unwrap().to_owned();
    let status = |id: &str| {
        format!(
            "return document.querySelector(\"[data-testid='user-row'][data-id='{id}']\")?.dataset.status"
        )
    };

    ui.click(&format!("disable-{mehmet}")).await;
    ui.wait_js(
        "the confirmation",
        "return document.querySelector(\"[data-testid='confirm-dialog']\").open",
    )
    .await;
    assert!(
        ui.text("confirm-dialog")
            .await
            .contains("Disable Mehmet Öztürk?")
    );
    ui.click("confirm-ok").await;
    ui.wait_js(
        "Mehmet disabled",
        &format!("{} === 'disabled'", status(&mehmet).trim_end()),
    )
    .await;
    ui.wait_audit_event("user.disabled").await;
    assert_eq!(ui.audit_label("user.disabled").await, "Member disabled");
    let row = ui
        .js("return document.querySelector(\"[data-testid='audit-row'][data-event='user.disabled']\").innerText")
        .await;
    assert!(row.as_str().unwrap().contains("Ayşe Yılmaz"), "who: {row}");
    assert!(
        row.as_str().unwrap().contains("Mehmet Öztürk"),
        "whom: {row}"
    );
    ui.dismiss_toasts().await;

    ui.click(&format!("enable-{mehmet}")).await;
    ui.wait_js(
        "Mehmet enabled",
        &format!("{} === 'active'", status(&mehmet).trim_end()),
    )
    .await;
    ui.wait_audit_event("user.enabled").await;
    assert_eq!(ui.audit_label("user.enabled").await, "Member enabled");
    ui.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_after_the_session_ended_goes_to_sign_in_instead_of_saving_the_error() {
    let idp = FakeIdp::start().await;
    idp.sign_in_as(Some(IdpUser::member(
        "oid-ece",
        "Ece Kaya",
        &["Hunter.User"],
    )));
    let ui = entra_ui(&idp, "query").await;
    ui.wait_sign_in_ready().await;
    ui.client
        .goto(&format!("{}/?segment=Migration", ui.base))
        .await
        .expect("open the UI");
    ui.wait_js(
        "the signed-in page",
        "return document.querySelector(\"[data-testid='user-name']\")?.innerText === 'Ece Kaya'
           && document.getElementById('leads-table').getAttribute('aria-busy') === 'false'",
    )
    .await;
    let codes = idp.codes_issued();

    // The session ends on the server (idle timeout, an admin, another tab's sign-out).
    let db = format!("sqlite://{}", ui.dir.path().join("hunter.db").display());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db)
        .await
        .expect("the test database");
    sqlx::query("UPDATE sessions SET revoked_at = '2026-01-01T00:00:00.000000Z'")
        .execute(&pool)
        .await
        .expect("end the session");
    pool.close().await;
    // The last sign-in is long ago as far as the page's loop guard knows.
    ui.js("sessionStorage.clear(); return true").await;

    ui.click("export-csv").await;
    ui.wait_js(
        "back from signing in again",
        "return document.querySelector(\"[data-testid='user-name']\")?.innerText === 'Ece Kaya'
           && location.search === '?segment=Migration'",
    )
    .await;
    assert_eq!(
        idp.codes_issued(),
        codes + 1,
        "the export went through sign-in"
    );
    assert_eq!(ui.fetch_status("/api/me").await, 200);
    ui.finish().await;
}
