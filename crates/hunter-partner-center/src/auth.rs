//! Entra sign-in (`partner-center-api.md` §15): the device code flow, the token cache file and
//! refresh tokens.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use crate::{Secret, Settings, http_client, percent_encode};

/// Refresh when the access token has less than this left (§15.3).
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// RFC 8628: the poll interval when the answer names none, and what `slow_down` adds.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const CACHE_VERSION: u32 = 1;
const LOGIN_HINT: &str = "sign in again with `hunter partner-center login`";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid Partner Center sign-in settings: {0}")]
    Settings(String),
    #[error("Partner Center sign-in required ({reason}): {LOGIN_HINT}")]
    SignInRequired { reason: String },
    #[error("the sign-in was declined in the browser; run `hunter partner-center login` again")]
    Declined,
    #[error(
        "the sign-in code expired before sign-in finished; run `hunter partner-center login` again"
    )]
    DeviceCodeExpired,
    #[error("Entra answered {status} {error}: {description}")]
    Entra {
        status: u16,
        error: String,
        description: String,
    },
    #[error("could not reach Entra: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("Entra sent an unexpected answer: {0}")]
    Protocol(String),
    #[error("could not write the token cache {}: {source}", path.display())]
    CacheWrite {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl AuthError {
    /// Only a new `hunter partner-center login` helps.
    pub fn is_sign_in_required(&self) -> bool {
        matches!(
            self,
            AuthError::SignInRequired { .. } | AuthError::Declined | AuthError::DeviceCodeExpired
        )
    }
}

/// What the user needs to finish signing in on another device. `Debug` hides the code.
pub struct DeviceCodePrompt {
    pub verification_uri: String,
    pub user_code: String,
    /// Entra's ready-made instruction, naming the URL and the code.
    pub message: String,
    pub expires_in: Duration,
}

impl fmt::Debug for DeviceCodePrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCodePrompt")
            .field("verification_uri", &self.verification_uri)
            .field("user_code", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The signed-in session, without its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub signed_in_at: DateTime<Utc>,
    pub access_token_expires_at: DateTime<Utc>,
    pub account: Option<String>,
}

/// The token cache file (§15.5).
#[derive(Serialize, Deserialize)]
struct TokenCache {
    version: u32,
    authority: String,
    tenant: String,
    client_id: String,
    scope: String,
    access_token: Secret,
    expires_at: DateTime<Utc>,
    refresh_token: Secret,
    account: Option<String>,
    signed_in_at: DateTime<Utc>,
}

impl TokenCache {
    fn info(&self) -> SessionInfo {
        SessionInfo {
            signed_in_at: self.signed_in_at,
            access_token_expires_at: self.expires_at,
            account: self.account.clone(),
        }
    }
}

type Sleep = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Signs in with the device code flow and hands out access tokens, refreshing them through the
/// cache file. One per process: it serialises refreshes, so a rotated refresh token is never
/// used twice.
pub struct Authenticator {
    http: reqwest::Client,
    device_code_url: Url,
    token_url: Url,
    authority: String,
    tenant: String,
    client_id: String,
    scope: String,
    cache_path: PathBuf,
    /// The cache as last read or written; `None` until first needed.
    session: Mutex<Option<TokenCache>>,
    /// Waits between device-code polls; tests shorten them.
    poll_sleep: Sleep,
}

impl Authenticator {
    pub fn new(settings: &Settings) -> Result<Authenticator, AuthError> {
        let authority = settings.authority_url.trim_end_matches('/');
        let tenant = settings.tenant.trim();
        if tenant.is_empty() || tenant.contains(['/', '?', '#']) {
            return Err(AuthError::Settings(format!("bad tenant '{tenant}'")));
        }
        if settings.client_id.trim().is_empty() {
            return Err(AuthError::Settings(String::from("the client id is empty")));
        }
        let endpoint = |name: &str| {
            let url = Url::parse(&format!("{authority}/{tenant}/oauth2/v2.0/{name}"))
                .map_err(|e| AuthError::Settings(format!("authority URL: {e}")))?;
            if matches!(url.scheme(), "http" | "https") && url.host().is_some() {
                Ok(url)
            } else {
                Err(AuthError::Settings(String::from(
                    "the authority URL must be http(s) with a host",
                )))
            }
        };
        Ok(Authenticator {
            http: http_client(settings.request_timeout).map_err(AuthError::Transport)?,
            device_code_url: endpoint("devicecode")?,
            token_url: endpoint("token")?,
            authority: authority.to_owned(),
            tenant: tenant.to_owned(),
            client_id: settings.client_id.trim().to_owned(),
            scope: settings.scopes(),
            cache_path: settings.token_cache_path.clone(),
            session: Mutex::new(None),
            poll_sleep: Arc::new(|d| Box::pin(tokio::time::sleep(d))),
        })
    }

    /// Replaces how device-code polling waits; the protocol counts in whole seconds, so tests
    /// pass e.g. `|d| Box::pin(tokio::time::sleep(d / 100))`. Sign-in still gives up after
    /// `expires_in` as counted by these waits.
    pub fn with_poll_sleep<F>(mut self, sleep: F) -> Authenticator
    where
        F: Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static,
    {
        self.poll_sleep = Arc::new(sleep);
        self
    }

    /// Runs the device code flow: `show` gets the URL and code for the user, then Entra is
    /// polled until the user finishes, declines or the code expires. Success writes the cache.
    pub async fn login<F>(&self, show: F) -> Result<SessionInfo, AuthError>
    where
        F: FnOnce(&DeviceCodePrompt),
    {
        let scope = self.scope.clone();
        let (status, body) = self
            .post_form(
                &self.device_code_url,
                &[("client_id", &self.client_id), ("scope", &scope)],
            )
            .await?;
        if status != StatusCode::OK {
            return Err(entra_error(status, &body));
        }
        let start: DeviceCodeResponse = serde_json::from_value(body)
            .map_err(|e| AuthError::Protocol(format!("device code answer: {e}")))?;
        let expires_in = seconds(&start.expires_in)
            .map(Duration::from_secs)
            .ok_or_else(|| AuthError::Protocol(String::from("device code without expires_in")))?;
        let mut interval = start
            .interval
            .as_ref()
            .and_then(seconds)
            .map_or(DEFAULT_INTERVAL, Duration::from_secs);
        let prompt = DeviceCodePrompt {
            message: start.message.unwrap_or_else(|| {
                format!(
                    "To sign in, open {} and enter the code {}.",
                    start.verification_uri, start.user_code
                )
            }),
            verification_uri: start.verification_uri,
            user_code: start.user_code,
            expires_in,
        };
        show(&prompt);
        let signed_in_at = Utc::now();
        let mut waited = Duration::ZERO;
        loop {
            if waited >= expires_in {
                return Err(AuthError::DeviceCodeExpired);
            }
            (self.poll_sleep)(interval).await;
            waited += interval;
            let form = [
                ("grant_type", DEVICE_CODE_GRANT),
                ("client_id", &self.client_id),
                ("device_code", start.device_code.expose()),
            ];
            match self.token_request(&form).await? {
                TokenReply::Tokens(tokens) => {
                    let refresh_token = tokens.refresh_token.clone().ok_or_else(|| {
                        AuthError::Protocol(String::from(
                            "no refresh token although offline_access was requested",
                        ))
                    })?;
                    let cache = TokenCache {
                        version: CACHE_VERSION,
                        authority: self.authority.clone(),
                        tenant: self.tenant.clone(),
                        client_id: self.client_id.clone(),
                        scope: self.scope.clone(),
                        access_token: tokens.access_token,
                        expires_at: expiry(&tokens.expires_in)?,
                        refresh_token,
                        account: None,
                        signed_in_at,
                    };
                    write_cache(&self.cache_path, &cache).await?;
                    let info = cache.info();
                    *self.session.lock().await = Some(cache);
                    tracing::info!("signed in to Partner Center");
                    return Ok(info);
                }
                TokenReply::Refused {
                    status,
                    error,
                    description,
                } => match error.as_str() {
                    "authorization_pending" => {}
                    "slow_down" => interval += SLOW_DOWN_STEP,
                    "authorization_declined" => return Err(AuthError::Declined),
                    "expired_token" => return Err(AuthError::DeviceCodeExpired),
                    _ => {
                        return Err(AuthError::Entra {
                            status: status.as_u16(),
                            error,
                            description,
                        });
                    }
                },
            }
        }
    }

    /// The signed-in session from the cache, if there is a usable one.
    pub async fn session(&self) -> Result<Option<SessionInfo>, AuthError> {
        let mut session = self.session.lock().await;
        match self.loaded(&mut session).await {
            Ok(cache) => Ok(Some(cache.info())),
            Err(AuthError::SignInRequired { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// A current access token, refreshed first when it has less than five minutes left.
    pub async fn access_token(&self) -> Result<Secret, AuthError> {
        let mut session = self.session.lock().await;
        let cache = self.loaded(&mut session).await?;
        let left = cache.expires_at - Utc::now();
        if left.to_std().unwrap_or_default() < REFRESH_MARGIN {
            self.refresh(cache).await?;
        }
        Ok(cache.access_token.clone())
    }

    /// After the API refused `rejected` with 401: a refreshed token, unless another request
    /// already replaced `rejected`.
    pub async fn refresh_rejected(&self, rejected: &Secret) -> Result<Secret, AuthError> {
        let mut session = self.session.lock().await;
        let cache = self.loaded(&mut session).await?;
        if cache.access_token == *rejected {
            self.refresh(cache).await?;
        }
        Ok(cache.access_token.clone())
    }

    async fn loaded<'a>(
        &self,
        slot: &'a mut Option<TokenCache>,
    ) -> Result<&'a mut TokenCache, AuthError> {
        let cache = match slot.take() {
            Some(cache) => cache,
            None => self.read_cache().await?,
        };
        Ok(slot.insert(cache))
    }

    async fn read_cache(&self) -> Result<TokenCache, AuthError> {
        let path = self.cache_path.display();
        let required = |reason: String| AuthError::SignInRequired { reason };
        let bytes = match tokio::fs::read(&self.cache_path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(required(format!("no token cache at {path}")));
            }
            Err(e) => return Err(required(format!("token cache {path} unreadable: {e}"))),
        };
        // The serde error could quote the file, tokens included, so it is not passed on.
        let cache: TokenCache = serde_json::from_slice(&bytes)
            .map_err(|_| required(format!("token cache {path} is not a valid cache file")))?;
        let same = cache.version == CACHE_VERSION
            && cache.authority == self.authority
            && cache.tenant == self.tenant
            && cache.client_id == self.client_id
            && cache.scope == self.scope;
        if !same {
            return Err(required(format!(
                "token cache {path} is for another authority, tenant, client id or scope"
            )));
        }
        Ok(cache)
    }

    async fn refresh(&self, cache: &mut TokenCache) -> Result<(), AuthError> {
        let scope = self.scope.clone();
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", &self.client_id),
            ("refresh_token", cache.refresh_token.expose()),
            ("scope", &scope),
        ];
        match self.token_request(&form).await? {
            TokenReply::Tokens(tokens) => {
                cache.expires_at = expiry(&tokens.expires_in)?;
                cache.access_token = tokens.access_token;
                // Entra usually rotates it; only the newest is kept (§15.3).
                if let Some(refresh_token) = tokens.refresh_token {
                    cache.refresh_token = refresh_token;
                }
                write_cache(&self.cache_path, cache).await?;
                tracing::debug!("Partner Center access token refreshed");
                Ok(())
            }
            TokenReply::Refused {
                error, description, ..
            } if error == "invalid_grant" || error == "interaction_required" => {
                // The cache stays, so the status can still be shown.
                Err(AuthError::SignInRequired {
                    reason: format!("Entra refused the refresh token: {error}: {description}"),
                })
            }
            TokenReply::Refused {
                status,
                error,
                description,
            } => Err(AuthError::Entra {
                status: status.as_u16(),
                error,
                description,
            }),
        }
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<TokenReply, AuthError> {
        let (status, body) = self.post_form(&self.token_url, form).await?;
        if status == StatusCode::OK {
            let tokens = serde_json::from_value(body)
                .map_err(|_| AuthError::Protocol(String::from("token answer without tokens")))?;
            return Ok(TokenReply::Tokens(tokens));
        }
        match serde_json::from_value::<EntraErrorBody>(body) {
            Ok(e) => Ok(TokenReply::Refused {
                status,
                error: e.error,
                description: first_line(e.error_description.as_deref()),
            }),
            Err(_) => Err(AuthError::Protocol(format!(
                "token endpoint answered {status} without an error body"
            ))),
        }
    }

    async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
    ) -> Result<(StatusCode, Value), AuthError> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .http
            .post(url.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(AuthError::Transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(AuthError::Transport)?;
        let body = serde_json::from_slice(&bytes)
            .map_err(|_| AuthError::Protocol(format!("{status} answer from {url} is not JSON")))?;
        Ok((status, body))
    }
}

#[derive(Deserialize)]
struct DeviceCodeResponse {
    device_code: Secret,
    user_code: String,
    verification_uri: String,
    expires_in: Value,
    interval: Option<Value>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Secret,
    refresh_token: Option<Secret>,
    expires_in: Value,
}

#[derive(Deserialize)]
struct EntraErrorBody {
    error: String,
    error_description: Option<String>,
}

enum TokenReply {
    Tokens(TokenResponse),
    Refused {
        status: StatusCode,
        error: String,
        description: String,
    },
}

fn entra_error(status: StatusCode, body: &Value) -> AuthError {
    match serde_json::from_value::<EntraErrorBody>(body.clone()) {
        Ok(e) => AuthError::Entra {
            status: status.as_u16(),
            error: e.error,
            description: first_line(e.error_description.as_deref()),
        },
        Err(_) => AuthError::Protocol(format!("answer {status} without an error body")),
    }
}

/// Entra appends trace and correlation ids on further lines; the first line says what failed.
fn first_line(description: Option<&str>) -> String {
    description
        .and_then(|d| d.lines().next())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// A count of seconds, sent as a number or (older endpoints) as a string.
fn seconds(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn expiry(expires_in: &Value) -> Result<DateTime<Utc>, AuthError> {
    let secs = seconds(expires_in)
        .ok_or_else(|| AuthError::Protocol(String::from("token answer without expires_in")))?;
    let secs = i64::try_from(secs)
        .map_err(|_| AuthError::Protocol(String::from("expires_in out of range")))?;
    Ok(Utc::now() + chrono::TimeDelta::seconds(secs))
}

/// Writes the cache with mode 0600 through a temporary file in the same directory, renamed over
/// the old one, so a crash never leaves half a file and the tokens are never world-readable.
async fn write_cache(path: &Path, cache: &TokenCache) -> Result<(), AuthError> {
    let failed = |source: io::Error| AuthError::CacheWrite {
        path: path.to_owned(),
        source,
    };
    let json = serde_json::to_vec_pretty(cache).map_err(|e| failed(io::Error::other(e)))?;
    let name = path
        .file_name()
        .ok_or_else(|| failed(io::Error::other("the path names no file")))?
        .to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = async {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&temp).await?;
        file.write_all(&json).await?;
        file.sync_all().await?;
        tokio::fs::rename(&temp, path).await
    }
    .await;
    if let Err(error) = written {
        // Best effort: the temporary file holds tokens and is of no use any more.
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(failed(error));
    }
    Ok(())
}
