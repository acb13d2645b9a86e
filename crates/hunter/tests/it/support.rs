//! Running the real `hunter` binary against a real database and a loopback DNS server.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::AnyPool;
use tempfile::TempDir;

/// A database for one test: a SQLite file in a temporary directory, or a fresh PostgreSQL
/// database (when `HUNTER_TEST_PG_URL` names a server) dropped by [`TestDb::cleanup`].
pub struct TestDb {
    pub url: String,
    pub dir: TempDir,
    postgres: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends this run covers: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if std::env::var("HUNTER_TEST_PG_URL").is_ok_and(|u| !u.is_empty()) {
        list.push(Backend::Postgres);
    }
    list
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.path().join("hunter.db").display()),
                dir,
                postgres: None,
            },
            Backend::Postgres => {
                let admin = std::env::var("HUNTER_TEST_PG_URL").expect("HUNTER_TEST_PG_URL");
                let name = format!(
                    "hunter_it_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed)
                );
                let pool = AnyPool::connect(&admin)
                    .await
                    .expect("PostgreSQL reachable");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .expect("create test database");
                pool.close().await;
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                TestDb {
                    url: format!("{base}/{name}"),
                    dir,
                    postgres: Some((admin.clone(), name)),
                }
            }
        }
    }

    pub async fn pool(&self) -> AnyPool {
        AnyPool::connect(&self.url).await.expect("test database")
    }

    pub async fn count(&self, table: &str) -> i64 {
        let pool = self.pool().await;
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&pool)
                .await
                .expect("count rows");
        pool.close().await;
        n
    }

    pub async fn cleanup(self) {
        if let Some((admin, name)) = &self.postgres {
            let pool = AnyPool::connect(admin).await.expect("PostgreSQL reachable");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&pool)
            .await
            .expect("drop test database");
            pool.close().await;
        }
    }
}

/// A `hunter` command with a clean `HUNTER_*` environment, run in `cwd` (so no stray `.env`).
pub struct Hunter {
    env: Vec<(String, String)>,
    cwd: PathBuf,
}

impl Hunter {
    pub fn new(db_url: &str, cwd: &Path) -> Hunter {
        Hunter {
            env: vec![
                ("HUNTER_DATABASE_URL".into(), db_url.into()),
                ("HUNTER_TENANT_DISCOVERY_ENABLED".into(), "false".into()),
                ("HUNTER_LOG".into(), "warn".into()),
            ],
            cwd: cwd.to_owned(),
        }
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Hunter {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hunter"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("HUNTER_")) {
            cmd.env_remove(key);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .current_dir(&self.cwd)
            .stdin(std::process::Stdio::null());
        // A hang is a bug; this bound only keeps a broken build from blocking CI forever.
        tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
            .await
            .expect("hunter finished within two minutes")
            .expect("hunter runs")
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "hunter failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}
