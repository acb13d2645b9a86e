//! Turning `HUNTER_DATABASE_URL` into a backend, a URL sqlx accepts, and a form safe to show.

use crate::{Backend, StoreError};

pub(crate) struct DbUrl {
    pub backend: Backend,
    /// What sqlx connects to (for SQLite: with `mode=rwc` so a missing file is created).
    pub connect_url: String,
    /// Scheme, host, port and path only: no user info, no query (either may carry a password).
    pub display: String,
}

pub(crate) fn parse(url: &str) -> Result<DbUrl, StoreError> {
    let url = url.trim();
    let invalid = |reason: &str| StoreError::InvalidUrl {
        url: redact(url),
        reason: reason.to_owned(),
    };
    let Some((scheme, _)) = url.split_once(':') else {
        return Err(invalid(
            "expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE",
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => parse_sqlite(url).map_err(|reason| invalid(&reason)),
        "postgres" | "postgresql" => Ok(DbUrl {
            backend: Backend::Postgres,
            connect_url: url.to_owned(),
            display: redact(url),
        }),
        other => Err(invalid(&format!(
            "unsupported scheme `{other}`; use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
        ))),
    }
}

fn parse_sqlite(url: &str) -> Result<DbUrl, String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or("expected sqlite://PATH")?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err("no database file path after sqlite://".into());
    }
    let params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    // sqlx's Any driver re-parses the URL for every pooled connection, and each parse of an
    // in-memory URL names a new database: the pool would see several unrelated databases.
    if path == ":memory:" || params.contains(&"mode=memory") {
        return Err("in-memory SQLite is not supported (each pooled connection would get its own database); use a file path".into());
    }
    let connect_url = if params.iter().any(|p| p.starts_with("mode=")) {
        url.to_owned()
    } else {
        let sep = if query.is_empty() { "?" } else { "&" };
        let base = url.trim_end_matches('?');
        format!("{base}{sep}mode=rwc")
    };
    Ok(DbUrl {
        backend: Backend::Sqlite,
        connect_url,
        display: format!("sqlite://{path}"),
    })
}

/// The URL without its query and without anything before the last `@` of the authority,
/// so neither a `user:password@` prefix nor a `?password=` parameter is ever printed.
pub(crate) fn redact(url: &str) -> String {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{rest}")
        }
        None => base
            .rsplit_once('@')
            .map_or(base, |(_, host)| host)
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials_and_query() {
        assert_eq!(
            redact("postgres://hunter:s3cr/et@db.example:5432/hunter?password=x&sslmode=require"),
            "postgres://db.example:5432/hunter"
        );
        assert_eq!(redact("postgres://db/hunter"), "postgres://db/hunter");
        assert_eq!(redact("mysql:u:p@h"), "h");
    }

    #[test]
    fn sqlite_urls_create_missing_files() {
        let u = parse("sqlite://hunter.db").unwrap();
        assert_eq!(u.backend, Backend::Sqlite);
        assert_eq!(u.connect_url, "sqlite://hunter.db?mode=rwc");
        assert_eq!(u.display, "sqlite://hunter.db");
        assert_eq!(
            parse("sqlite:/tmp/x.db?cache=private").unwrap().connect_url,
            "sqlite:/tmp/x.db?cache=private&mode=rwc"
        );
        assert_eq!(
            parse("sqlite://x.db?mode=ro").unwrap().connect_url,
            "sqlite://x.db?mode=ro"
        );
    }

    #[test]
    fn rejects_unusable_urls_without_leaking_passwords() {
        for bad in [
            "sqlite::memory:",
            "sqlite://",
            "mysql://u:pw@h/db",
            "hunter.db",
        ] {
            let err = parse(bad).err().unwrap().to_string();
            assert!(err.starts_with("invalid database URL"), "{err}");
            assert!(!err.contains("pw"), "{err}");
        }
        assert_eq!(
            parse("postgresql://u:pw@h:5432/db").unwrap().display,
            "postgresql://h:5432/db"
        );
    }
}
