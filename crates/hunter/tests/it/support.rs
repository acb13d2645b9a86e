//! Running the real `hunter` binary against a real database and a loopback DNS server.

use std::path::{Path, PathBuf};
use std::process::Output;

use hunter_fixtures::TestDatabase;
use sqlx::AnyPool;

pub use hunter_fixtures::{Backend, backends};

/// A database for one test ([`TestDatabase`]: a SQLite file in a temporary directory, or a
/// fresh PostgreSQL database), with the directory the `hunter` command runs in.
pub struct TestDb {
    pub url: String,
    database: TestDatabase,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let database = TestDatabase::create(backend).await;
        TestDb {
            url: database.url().to_owned(),
            database,
        }
    }

    /// The test's working directory (removed with the database).
    pub fn dir(&self) -> &Path {
        self.database.dir()
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
        self.database.remove().await;
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

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hunter"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("HUNTER_")) {
            cmd.env_remove(key);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .current_dir(&self.cwd)
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Starts a long-running command (`worker`, `serve`); killed when dropped.
    pub fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("hunter starts")
    }

    /// As [`Hunter::spawn`], with its log (stderr) written to `log`.
    pub fn spawn_logging_to(&self, args: &[&str], log: &Path) -> tokio::process::Child {
        let file = std::fs::File::create(log).expect("create the log file");
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .expect("hunter starts")
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let mut cmd = self.command(args);
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
