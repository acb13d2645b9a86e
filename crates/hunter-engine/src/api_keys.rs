//! API keys for integrators (`team.md` §4), created the same way from the admin API and from
//! `hunter api-key create` on the host.

use chrono::{Duration, Utc};
use hunter_core::access::{NewApiKey, Scope};
use hunter_store::{ApiKeyRecord, NewApiKeyRecord, NewAuditEvent, Outcome, Store, StoreError};

pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;
pub const DEFAULT_EXPIRES_IN_DAYS: u32 = 90;
pub const MAX_EXPIRES_IN_DAYS: u32 = 365;
/// Above this a limit is no limit; it also keeps the counter far from overflow.
pub const MAX_RATE_LIMIT_PER_MINUTE: u32 = 100_000;
pub const MAX_NAME_CHARS: usize = 100;

/// What a caller asks for; `None` takes the default.
#[derive(Debug, Clone, Default)]
pub struct KeyRequest {
    pub name: String,
    pub scopes: Vec<String>,
    pub rate_limit_per_minute: Option<u32>,
    pub expires_in_days: Option<u32>,
}

/// A request that cannot become a key; each names the field and says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRequestError {
    #[error("name must be 1 to {MAX_NAME_CHARS} characters")]
    Name,
    #[error("scopes must name at least one of: {}", scope_names())]
    NoScopes,
    #[error("unknown scope {0:?}; scopes are: {names}", names = scope_names())]
    UnknownScope(String),
    #[error("rate_limit_per_minute must be 1 to {MAX_RATE_LIMIT_PER_MINUTE}")]
    RateLimit,
    #[error("expires_in_days must be 1 to {MAX_EXPIRES_IN_DAYS}")]
    Expiry,
}

impl KeyRequestError {
    /// The same sentence in Turkish, for the API's `Accept-Language: tr`.
    pub fn turkish(&self) -> String {
        match self {
            KeyRequestError::Name => format!("ad 1 ile {MAX_NAME_CHARS} karakter arasında olmalı"),
            KeyRequestError::NoScopes => {
                format!("scopes en az birini içermeli: {}", scope_names())
            }
            KeyRequestError::UnknownScope(s) => {
                format!("bilinmeyen kapsam {s:?}; kapsamlar: {}", scope_names())
            }
            KeyRequestError::RateLimit => {
                format!("rate_limit_per_minute 1 ile {MAX_RATE_LIMIT_PER_MINUTE} arasında olmalı")
            }
            KeyRequestError::Expiry => {
                format!("expires_in_days 1 ile {MAX_EXPIRES_IN_DAYS} arasında olmalı")
            }
        }
    }
}

fn scope_names() -> String {
    Scope::ALL.map(Scope::as_str).join(", ")
}

#[derive(Debug, thiserror::Error)]
pub enum CreateKeyError {
    #[error(transparent)]
    Invalid(#[from] KeyRequestError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A validated request: scopes known and deduplicated in the contract's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidKeyRequest {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub rate_limit_per_minute: u32,
    pub expires_in_days: u32,
}

pub fn validate(request: &KeyRequest) -> Result<ValidKeyRequest, KeyRequestError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(KeyRequestError::Name);
    }
    let mut scopes = Vec::new();
    for s in &request.scopes {
        let scope =
            Scope::parse(s.trim()).ok_or_else(|| KeyRequestError::UnknownScope(s.clone()))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(KeyRequestError::NoScopes);
    }
    scopes.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
    let rate_limit_per_minute = request
        .rate_limit_per_minute
        .unwrap_or(DEFAULT_RATE_LIMIT_PER_MINUTE);
    if !(1..=MAX_RATE_LIMIT_PER_MINUTE).contains(&rate_limit_per_minute) {
        return Err(KeyRequestError::RateLimit);
    }
    let expires_in_days = request.expires_in_days.unwrap_or(DEFAULT_EXPIRES_IN_DAYS);
    if !(1..=MAX_EXPIRES_IN_DAYS).contains(&expires_in_days) {
        return Err(KeyRequestError::Expiry);
    }
    Ok(ValidKeyRequest {
        name: name.to_owned(),
        scopes,
        rate_limit_per_minute,
        expires_in_days,
    })
}

/// A key just created: its stored entry, and the key itself, which exists nowhere else.
pub struct CreatedKey {
    pub record: ApiKeyRecord,
    pub key: String,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

/// Creates a key for `actor` (a user id, or `local` on the host) and audits it.
pub async fn create_api_key(
    store: &Store,
    request: &KeyRequest,
    actor: &str,
) -> Result<CreatedKey, CreateKeyError> {
    let valid = validate(request)?;
    let new = NewApiKey::from_random(rand::random(), rand::random());
    let scopes: Vec<String> = valid.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let record = store
        .create_api_key(&NewApiKeyRecord {
            id: &new.key_id,
            secret_sha256: &new.secret_sha256,
            name: &valid.name,
            scopes: &scopes,
            rate_limit_per_minute: valid.rate_limit_per_minute,
            created_by: actor,
            expires_at: Utc::now() + Duration::days(i64::from(valid.expires_in_days)),
        })
        .await?;
    store
        .record_audit(&NewAuditEvent {
            event: "api_key.created",
            actor,
            outcome: Outcome::Success,
            target: Some(&record.id),
            request_id: None,
            ip: None,
            details: serde_json::json!({
                "name": record.name,
                "scopes": record.scopes,
                "rate_limit_per_minute": record.rate_limit_per_minute,
                "expires_at": record.expires_at,
            }),
        })
        .await?;
    Ok(CreatedKey {
        record,
        key: new.key,
    })
}

/// Revokes a key and audits it; `None` when there is no such key.
pub async fn revoke_api_key(
    store: &Store,
    id: &str,
    actor: &str,
) -> Result<Option<ApiKeyRecord>, StoreError> {
    let Some(record) = store.revoke_api_key(id).await? else {
        return Ok(None);
    };
    store
        .record_audit(&NewAuditEvent {
            event: "api_key.revoked",
            actor,
            outcome: Outcome::Success,
            target: Some(&record.id),
            request_id: None,
            ip: None,
            details: serde_json::json!({ "name": record.name }),
        })
        .await?;
    Ok(Some(record))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: &str, scopes: &[&str], rate: Option<u32>, days: Option<u32>) -> KeyRequest {
        KeyRequest {
            name: name.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            rate_limit_per_minute: rate,
            expires_in_days: days,
        }
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        type Limits = Result<(u32, u32), KeyRequestError>;
        let cases: [(KeyRequest, Limits); 9] = [
            (req("crm", &["ingest"], None, None), Ok((60, 90))),
            (req("crm", &["ingest"], Some(1), Some(365)), Ok((1, 365))),
            (
                req("  ", &["ingest"], None, None),
                Err(KeyRequestError::Name),
            ),
            (
                req(&"x".repeat(101), &["ingest"], None, None),
                Err(KeyRequestError::Name),
            ),
            (req("crm", &[], None, None), Err(KeyRequestError::NoScopes)),
            (
                req("crm", &["admin"], None, None),
                Err(KeyRequestError::UnknownScope("admin".into())),
            ),
            (
                req("crm", &["scan"], Some(0), None),
                Err(KeyRequestError::RateLimit),
            ),
            (
                req("crm", &["scan"], None, Some(366)),
                Err(KeyRequestError::Expiry),
            ),
            (
                req("crm", &["scan"], None, Some(0)),
                Err(KeyRequestError::Expiry),
            ),
        ];
        for (request, want) in cases {
            let got = validate(&request).map(|v| (v.rate_limit_per_minute, v.expires_in_days));
            assert_eq!(got, want, "{request:?}");
        }
    }

    #[test]
    fn scopes_are_deduplicated_in_the_contract_order() {
        let valid = validate(&req("crm", &["scan", "leads:read", "scan"], None, None)).unwrap();
        assert_eq!(valid.scopes, [Scope::LeadsRead, Scope::Scan]);
    }
}
