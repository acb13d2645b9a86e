//! The real server (`hunter_server::run`) on 127.0.0.1:0 against a fresh database (a SQLite file,
//! and a fresh PostgreSQL database when `HUNTER_TEST_PG_URL` names a server), scanning fixture
//! zones served by an in-process DNS server; plain-HTTP requests with reqwest.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hunter_engine::config::Config;
use hunter_server::ServerError;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sqlx::AnyPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Runs `test` once per backend, each time on a fresh database that is removed afterwards (also
/// when the test panics).
pub async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let test = Arc::new(test);
    hunter_fixtures::on_each_backend(move |url| {
        let test = test.clone();
        async move { test(TestDb { url }).await }
    })
    .await;
}

/// The test's database, by URL.
pub struct TestDb {
    pub url: String,
}

impl TestDb {
    /// One text from the database.
    pub async fn scalar_text(&self, sql: &'static str) -> String {
        let pool = AnyPool::connect(&self.url).await.expect("test database");
        let text = sqlx::query_scalar(sql)
            .fetch_one(&pool)
            .await
            .expect("query runs");
        pool.close().await;
        text
    }

    /// One number from the database (row counts).
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        let pool = AnyPool::connect(&self.url).await.expect("test database");
        let n = sqlx::query_scalar(sql)
            .fetch_one(&pool)
            .await
            .expect("query runs");
        pool.close().await;
        n
    }
}

/// Settings for a test server: the database, the fixture DNS server, no tenant discovery.
pub fn config(db_url: &str, dns: SocketAddr, extra: &[(&str, &str)]) -> Config {
    let mut vars = vec![
        ("HUNTER_DATABASE_URL".to_owned(), db_url.to_owned()),
        ("HUNTER_DNS_SERVERS".to_owned(), dns.to_string()),
        (
            "HUNTER_TENANT_DISCOVERY_ENABLED".to_owned(),
            "false".to_owned(),
        ),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_vars(vars).expect("valid test settings")
}

/// A running server and a client for it.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServerError>>,
}

impl Server {
    pub async fn start(config: Config) -> Server {
        Server::start_with(|_| config).await
    }

    /// A server whose settings name its own address (a sign-in's public URL).
    pub async fn start_with(config: impl FnOnce(&str) -> Config) -> Server {
        // reqwest is built without a default TLS provider; plain HTTP still wants one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let config = config(&base);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(hunter_server::run(config, listener, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        let mut server = Server {
            base,
            client,
            stop,
            task,
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.task.is_finished() {
                let ended = (&mut self.task).await;
                panic!("the server stopped during start-up: {ended:?}");
            }
            if let Ok(r) = self.client.get(self.url("/healthz")).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not become healthy"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Shuts the server down (drain, then workers) and waits until it has stopped.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(60), self.task)
            .await
            .expect("the server stopped within a minute")
            .expect("the server task did not panic")
            .expect("the server stopped cleanly");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET answered")
    }

    /// A GET asking for answers in `accept_language`.
    pub async fn get_in(&self, path: &str, accept_language: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("accept-language", accept_language)
            .send()
            .await
            .expect("GET answered")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST answered")
    }

    /// Uploads `content` as the multipart field `file`.
    pub async fn upload(&self, path: &str, file_name: &str, content: &[u8]) -> Response {
        let boundary = "hunter-test-boundary-7d2f";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.client
            .post(self.url(path))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("upload answered")
    }

    /// Polls a job until it has finished; panics after `limit`.
    pub async fn wait_job(&self, job_id: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let job = json(self.get(&format!("/api/jobs/{job_id}")).await, 200).await;
            if matches!(job["status"].as_str(), Some("completed" | "failed")) {
                return job;
            }
            assert!(Instant::now() < deadline, "job did not finish: {job:#}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The JSON body, after checking the status.
pub async fn json(response: Response, status: u16) -> Value {
    let got = response.status();
    let text = response.text().await.expect("response body");
    assert_eq!(got.as_u16(), status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Checks an error answer: its status and the envelope `{"error": {"code", "message"}}`.
pub async fn assert_error(response: Response, status: u16, code: &str) -> String {
    let body = json(response, status).await;
    assert_eq!(body["error"]["code"], code, "{body:#}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "an error message: {body:#}");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "only the envelope: {body:#}"
    );
    message.to_owned()
}
