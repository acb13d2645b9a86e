//! Fresh databases for tests and benchmarks: a SQLite file in a temporary directory, and a new
//! PostgreSQL database on the server that `HUNTER_TEST_PG_URL` names (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped again afterwards.

use std::future::Future;
use std::path::Path;

use sqlx::{AnyConnection, Connection, Executor};
use tempfile::TempDir;

/// The variable naming the PostgreSQL server; unset or empty means SQLite only.
pub const PG_URL_VAR: &str = "HUNTER_TEST_PG_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `HUNTER_TEST_PG_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if std::env::var(PG_URL_VAR).is_ok_and(|u| !u.is_empty()) {
        list.push(Backend::Postgres);
    }
    list
}

/// One test's database. [`TestDatabase::remove`] drops a PostgreSQL database; the SQLite file
/// goes with the temporary directory.
pub struct TestDatabase {
    url: String,
    dir: TempDir,
    postgres: Option<Postgres>,
}

struct Postgres {
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates an empty database. PostgreSQL ones compare text byte by byte (`C` collation),
    /// as SQLite does, so expected orders hold whatever the server's default locale is.
    pub async fn create(backend: Backend) -> TestDatabase {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.path().join("hunter.db").display()),
                dir,
                postgres: None,
            },
            Backend::Postgres => {
                let admin_url = std::env::var(PG_URL_VAR).expect("HUNTER_TEST_PG_URL");
                let name = format!("hunter_test_{}", uuid::Uuid::new_v4().simple());
                admin(
                    &admin_url,
                    &format!(
                        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'"
                    ),
                )
                .await;
                TestDatabase {
                    url: with_database(&admin_url, &name),
                    dir,
                    postgres: Some(Postgres { admin_url, name }),
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A temporary directory for the test's other files; removed with the database.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Drops the PostgreSQL database (closing what is still connected to it) and removes the
    /// temporary directory.
    pub async fn remove(self) {
        if let Some(Postgres { admin_url, name }) = &self.postgres {
            admin(
                admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

/// Runs `test` with the URL of a fresh database on each of [`backends`], one after the other.
/// A panic in `test` still removes its database, then is raised again, saying which backend
/// failed.
pub async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        // A spawned task turns a panic into a JoinError, so the database is still removed.
        let outcome = tokio::spawn(test(database.url().to_owned())).await;
        database.remove().await;
        if let Err(e) = outcome {
            eprintln!("failed on {backend:?}");
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

async fn admin(admin_url: &str, statement: &str) {
    let mut connection = AnyConnection::connect(admin_url)
        .await
        .expect("PostgreSQL reachable at HUNTER_TEST_PG_URL");
    connection
        .execute(sqlx::AssertSqlSafe(statement.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    connection.close().await.expect("close admin connection");
}

/// `url` with its database name replaced by `name` (query string kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        let cases = [
            ("postgres://u@h:5432/postgres", "postgres://u@h:5432/t1"),
            (
                "postgres://u@h:5432/postgres?sslmode=disable",
                "postgres://u@h:5432/t1?sslmode=disable",
            ),
            ("postgres://u@h:5432", "postgres://u@h:5432/t1"),
        ];
        for (url, want) in cases {
            assert_eq!(with_database(url, "t1"), want, "{url}");
        }
    }
}
