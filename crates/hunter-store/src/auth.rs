//! Team access (`team.md` §2–§6): people, their server-side sessions, sign-ins in progress, API
//! keys with their shared per-minute counter, and the audit trail.
//!
//! Tokens are never stored: a session, a login flow and an API key are found by the SHA-256 of
//! their random secret, which the caller computes. Every check that must hold "at once, on every
//! process" (a revoked key, a disabled user, an ended session) is made by the database in the
//! same statement that finds the row, so no process can act on a stale copy.

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::codec::{Cols, format_time, to_json};
use crate::{Store, StoreError};

/// Sessions one person may hold at once (browsers, devices); signing in beyond it ends the
/// oldest, so an abandoned laptop's session cannot pile up forever.
pub const MAX_SESSIONS_PER_USER: i64 = 10;

/// How often a session's `last_seen_at` is written: a request within a minute of the last
/// write reads only, so a busy page costs no write per request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub tenant_id: String,
    pub entra_oid: String,
    pub display_name: String,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub disabled_at: Option<String>,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// Who signed in, as the ID token says.
#[derive(Debug, Clone)]
pub struct SignIn<'a> {
    pub tenant_id: &'a str,
    pub oid: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub roles: &'a [String],
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_sha256: &'a str,
    pub user_id: &'a str,
    pub roles: &'a [String],
    pub idle_timeout: Duration,
    pub max_age: Duration,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// A live session and its person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    pub session_id: String,
    pub user: UserRecord,
    /// The roles of the sign-in that opened the session.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub rate_limit_per_minute: u32,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewApiKeyRecord<'a> {
    pub id: &'a str,
    pub secret_sha256: &'a str,
    pub name: &'a str,
    pub scopes: &'a [String],
    pub rate_limit_per_minute: u32,
    pub created_by: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// A request counted against a valid key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub scopes: Vec<String>,
    pub rate_limit_per_minute: u32,
    /// Requests in the current minute, this one included.
    pub used_this_minute: u64,
    /// Seconds until the minute's counter starts again (1..=60).
    pub seconds_to_next_minute: u64,
}

impl KeyUse {
    pub fn over_limit(&self) -> bool {
        self.used_this_minute > u64::from(self.rate_limit_per_minute)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn as_str(&self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAuditEvent<'a> {
    pub event: &'a str,
    pub actor: &'a str,
    pub outcome: Outcome,
    pub target: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub event: String,
    pub actor: String,
    pub outcome: String,
    pub target: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub events: Vec<AuditRecord>,
    pub total: u64,
}

const USER_COLUMNS: &str = "id, tenant_id, entra_oid, display_name, email, roles, disabled_at, \
                            created_at, last_login_at";

/// [`USER_COLUMNS`] of `users u` in a join.
fn joined_user_columns() -> String {
    USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const KEY_COLUMNS: &str = "id, name, scopes, rate_limit_per_minute, created_by, created_at, \
                           expires_at, last_used_at, revoked_at";

fn user_from_row(row: &AnyRow) -> Result<UserRecord, StoreError> {
    let c = Cols(row);
    Ok(UserRecord {
        id: c.text("id")?,
        tenant_id: c.text("tenant_id")?,
        entra_oid: c.text("entra_oid")?,
        display_name: c.text("display_name")?,
        email: c.opt_text("email")?,
        roles: c.json("roles")?,
        disabled_at: c.opt_text("disabled_at")?,
        created_at: c.text("created_at")?,
        last_login_at: c.opt_text("last_login_at")?,
    })
}

fn key_from_row(row: &AnyRow) -> Result<ApiKeyRecord, StoreError> {
    let c = Cols(row);
    Ok(ApiKeyRecord {
        id: c.text("id")?,
        name: c.text("name")?,
        scopes: c.json("scopes")?,
        rate_limit_per_minute: c.int("rate_limit_per_minute")?,
        created_by: c.text("created_by")?,
        created_at: c.text("created_at")?,
        expires_at: c.text("expires_at")?,
        last_used_at: c.opt_text("last_used_at")?,
        revoked_at: c.opt_text("revoked_at")?,
    })
}

fn audit_from_row(row: &AnyRow) -> Result<AuditRecord, StoreError> {
    let c = Cols(row);
    Ok(AuditRecord {
        id: c.int("id")?,
        at: c.text("at")?,
        event: c.text("event")?,
        actor: c.text("actor")?,
        outcome: c.text("outcome")?,
        target: c.opt_text("target")?,
        request_id: c.opt_text("request_id")?,
        details: c.json("details")?,
    })
}

impl Store {
    /// Records a sign-in: the person (tenant, object id) is created on first sign-in, and their
    /// name, e-mail and roles are refreshed at every one. A disabled person stays disabled; the
    /// caller refuses them by [`UserRecord::disabled_at`].
    pub async fn record_sign_in(&self, who: &SignIn<'_>) -> Result<UserRecord, StoreError> {
        let now = format_time(Utc::now());
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO users
                 (id, tenant_id, entra_oid, display_name, email, roles, created_at, last_login_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (tenant_id, entra_oid) DO UPDATE SET
                 display_name = excluded.display_name,
                 email = excluded.email,
                 roles = excluded.roles,
                 last_login_at = excluded.last_login_at
             RETURNING {USER_COLUMNS}"
        )))
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(who.tenant_id)
        .bind(who.oid)
        .bind(who.name)
        .bind(who.email)
        .bind(to_json(who.roles)?)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        user_from_row(&row)
    }

    /// Everyone who has signed in, by name.
    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY display_name, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Disables a person and ends their sessions in the same transaction, so none of them works
    /// a moment longer. `None` when there is no such person.
    pub async fn disable_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let now = format_time(Utc::now());
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE users SET disabled_at = COALESCE(disabled_at, $2)
             WHERE id = $1 RETURNING {USER_COLUMNS}"
        )))
        .bind(id)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $2, revoke_reason = 'user disabled'
             WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Lets a disabled person sign in again (their old sessions stay ended).
    pub async fn enable_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE users SET disabled_at = NULL WHERE id = $1 RETURNING {USER_COLUMNS}"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Opens a session; beyond [`MAX_SESSIONS_PER_USER`] live ones the oldest are ended.
    /// Returns the session id (not its token).
    pub async fn create_session(&self, new: &NewSession<'_>) -> Result<String, StoreError> {
        let now = Utc::now();
        let id = uuid::Uuid::now_v7().to_string();
        let absolute = now + new.max_age;
        let idle = (now + new.idle_timeout).min(absolute);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (id, token_sha256, user_id, roles, created_at, last_seen_at,
                                   idle_expires_at, absolute_expires_at, ip, user_agent)
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(new.token_sha256)
        .bind(new.user_id)
        .bind(to_json(new.roles)?)
        .bind(format_time(now))
        .bind(format_time(idle))
        .bind(format_time(absolute))
        .bind(new.ip)
        .bind(
            new.user_agent
                .map(|ua| ua.chars().take(300).collect::<String>()),
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $2, revoke_reason = 'too many sessions'
             WHERE user_id = $1 AND revoked_at IS NULL AND id NOT IN (
                 SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL
                 ORDER BY created_at DESC, id DESC LIMIT $3)",
        )
        .bind(new.user_id)
        .bind(format_time(now))
        .bind(MAX_SESSIONS_PER_USER)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The live session with this token hash: not revoked, within its idle and absolute
    /// expiry, its person not disabled. Extends the idle expiry (at most once a minute).
    pub async fn active_session(
        &self,
        token_sha256: &str,
        idle_timeout: Duration,
    ) -> Result<Option<ActiveSession>, StoreError> {
        let now = Utc::now();
        let now_text = format_time(now);
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT s.id AS session_id, s.roles AS session_roles, s.last_seen_at,
                    s.absolute_expires_at, {}
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = $1 AND s.revoked_at IS NULL AND u.disabled_at IS NULL
               AND s.idle_expires_at > $2 AND s.absolute_expires_at > $2",
            joined_user_columns()
        )))
        .bind(token_sha256)
        .bind(&now_text)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let c = Cols(&row);
        let session_id = c.text("session_id")?;
        let last_seen = c.text("last_seen_at")?;
        if last_seen < format_time(now - TOUCH_EVERY) {
            let absolute = parse_time("absolute_expires_at", &c.text("absolute_expires_at")?)?;
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3
                 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(&session_id)
            .bind(&now_text)
            .bind(format_time((now + idle_timeout).min(absolute)))
            .execute(&self.pool)
            .await?;
        }
        Ok(Some(ActiveSession {
            session_id,
            roles: c.json("session_roles")?,
            user: user_from_row(&row)?,
        }))
    }

    /// Ends a session (sign-out); the token is refused from then on, by every process.
    pub async fn revoke_session(&self, token_sha256: &str, reason: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $2, revoke_reason = $3
             WHERE token_sha256 = $1 AND revoked_at IS NULL",
        )
        .bind(token_sha256)
        .bind(format_time(Utc::now()))
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps a sign-in in progress for `ttl`, found later by the hash of its cookie.
    pub async fn insert_login_flow(
        &self,
        id_sha256: &str,
        return_to: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO auth_login_flows (id_sha256, return_to, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id_sha256)
        .bind(return_to)
        .bind(format_time(now))
        .bind(format_time(now + ttl))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes a sign-in in progress, once: the row is deleted by the statement that reads it, so
    /// a replayed callback finds nothing. Returns its `return_to` unless it had expired.
    pub async fn take_login_flow(&self, id_sha256: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM auth_login_flows WHERE id_sha256 = $1 RETURNING return_to, expires_at",
        )
        .bind(id_sha256)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let c = Cols(&row);
        (c.text("expires_at")? > format_time(Utc::now()))
            .then(|| c.text("return_to"))
            .transpose()
    }

    pub async fn create_api_key(
        &self,
        new: &NewApiKeyRecord<'_>,
    ) -> Result<ApiKeyRecord, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO api_keys (id, secret_sha256, name, scopes, rate_limit_per_minute,
                                   created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING {KEY_COLUMNS}"
        )))
        .bind(new.id)
        .bind(new.secret_sha256)
        .bind(new.name)
        .bind(to_json(new.scopes)?)
        .bind(i64::from(new.rate_limit_per_minute))
        .bind(new.created_by)
        .bind(format_time(Utc::now()))
        .bind(format_time(new.expires_at))
        .fetch_one(&self.pool)
        .await?;
        key_from_row(&row)
    }

    /// Every key, newest first (never a secret).
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes a key (idempotent: a revoked key keeps its first revocation time). `None` when
    /// there is no such key.
    pub async fn revoke_api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2)
             WHERE id = $1 RETURNING {KEY_COLUMNS}"
        )))
        .bind(id)
        .bind(format_time(Utc::now()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    /// Checks a presented key and counts the request, in one statement: the key must exist
    /// with this secret, be unrevoked and unexpired. The counter is a fixed window per Unix
    /// minute kept in the key's row, so every process sharing the database counts together.
    /// `None` for any invalid key (the caller cannot tell which check failed, nor can a caller
    /// probing keys).
    pub async fn use_api_key(
        &self,
        id: &str,
        secret_sha256: &str,
    ) -> Result<Option<KeyUse>, StoreError> {
        let now = Utc::now();
        let minute = now.timestamp().div_euclid(60);
        let row = sqlx::query(
            "UPDATE api_keys SET
                 rate_count = CASE WHEN rate_window = $3 THEN rate_count + 1 ELSE 1 END,
                 rate_window = $3,
                 last_used_at = $4
             WHERE id = $1 AND secret_sha256 = $2 AND revoked_at IS NULL AND expires_at > $4
             RETURNING scopes, rate_limit_per_minute, rate_count",
        )
        .bind(id)
        .bind(secret_sha256)
        .bind(minute)
        .bind(format_time(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let c = Cols(&row);
        let into_minute = u64::try_from(now.timestamp().rem_euclid(60)).unwrap_or(0);
        Ok(Some(KeyUse {
            scopes: c.json("scopes")?,
            rate_limit_per_minute: c.int("rate_limit_per_minute")?,
            used_this_minute: c.int("rate_count")?,
            seconds_to_next_minute: 60 - into_minute,
        }))
    }

    pub async fn record_audit(&self, event: &NewAuditEvent<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_events (at, event, actor, outcome, target, request_id, ip, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(format_time(Utc::now()))
        .bind(event.event)
        .bind(event.actor)
        .bind(event.outcome.as_str())
        .bind(event.target)
        .bind(event.request_id)
        .bind(event.ip)
        .bind(to_json(&event.details)?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One page of the audit trail, newest first, optionally one event name only.
    pub async fn audit_events(
        &self,
        event: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<AuditPage, StoreError> {
        let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
        let rows = sqlx::query(
            "SELECT id, at, event, actor, outcome, target, request_id, details FROM audit_events
             WHERE ($1 IS NULL OR event = $1)
             ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .bind(event)
        .bind(i64::from(page_size))
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM audit_events WHERE ($1 IS NULL OR event = $1)")
                .bind(event)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        Ok(AuditPage {
            events: rows.iter().map(audit_from_row).collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Deletes what can no longer be used: sign-ins in progress past their expiry, and sessions
    /// ended or expired a day ago or more (kept that long for support questions).
    pub async fn delete_expired_access(&self) -> Result<u64, StoreError> {
        let now = Utc::now();
        let flows = sqlx::query("DELETE FROM auth_login_flows WHERE expires_at <= $1")
            .bind(format_time(now))
            .execute(&self.pool)
            .await?
            .rows_affected();
        let day_ago = format_time(now - Duration::days(1));
        let sessions = sqlx::query(
            "DELETE FROM sessions
             WHERE absolute_expires_at <= $1 OR idle_expires_at <= $1 OR revoked_at <= $1",
        )
        .bind(day_ago)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(flows + sessions)
    }
}

fn parse_time(col: &'static str, value: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::corrupt(col, value, e))
}
