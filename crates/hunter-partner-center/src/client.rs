//! The Referrals API, read page by page (`partner-center-api.md` §3–§7).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::{Instant, sleep, sleep_until};
use uuid::Uuid;

use crate::auth::{AuthError, Authenticator};
use crate::{Settings, http_client, percent_encode};

/// A run stops with an error after this many pages (§5 loop guard).
const MAX_PAGES: usize = 10_000;
/// The wait for 429/503 without `Retry-After` (§6).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);
/// A longer requested wait fails the run instead; the next scheduled run tries again (§6).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// First back-off for other 5xx and transport errors, doubled per failure (§6).
const BACKOFF_BASE: Duration = Duration::from_secs(1);
const LIST_FILTER: &str = "direction eq 'Incoming'";
const LIST_ORDER: &str = "updatedDateTime desc";
const PAGE_SIZE: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid Partner Center settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(
        "Partner Center refused the access token again after a refresh (401 {code}): \
         sign in again with `hunter partner-center login`"
    )]
    Unauthorized { code: String },
    #[error(
        "Partner Center refused access (403 {code}: {message}): the signed-in user needs the \
         Referrals Admin or Referrals User role, or Conditional Access blocks the token"
    )]
    Forbidden { code: String, message: String },
    #[error("Partner Center answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error(
        "Partner Center asked to wait {} s (HTTP {status}), longer than a run waits; \
         the next run tries again",
        wait.as_secs()
    )]
    Throttled { status: u16, wait: Duration },
    #[error("could not reach Partner Center: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("Partner Center sent an unexpected answer: {0}")]
    Protocol(String),
    #[error(
        "the @odata.nextLink points at host {host}, not the configured API host; \
         the access token is not sent there"
    )]
    ForeignNextLink { host: String },
}

impl ClientError {
    /// Only a new `hunter partner-center login` helps.
    pub fn is_sign_in_required(&self) -> bool {
        match self {
            ClientError::Auth(e) => e.is_sign_in_required(),
            ClientError::Unauthorized { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status Partner Center answered with, when the error is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Unauthorized { .. } => Some(401),
            ClientError::Forbidden { .. } => Some(403),
            ClientError::Api { status, .. } | ClientError::Throttled { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}

/// One page of referrals, each as received, so one malformed referral spoils nothing else.
#[derive(Debug, Clone)]
pub struct Page {
    /// 1 for the first page of a listing.
    pub number: usize,
    pub referrals: Vec<Value>,
}

/// Reads the Referrals API for one [`Authenticator`]. Requests go out one at a time, at least
/// `request_spacing` apart, across all listings of this client.
pub struct ReferralsClient {
    http: reqwest::Client,
    api_base: Url,
    auth: Arc<Authenticator>,
    max_attempts: u32,
    spacing: Duration,
    /// When the next request may start; held for the whole request, so requests never overlap.
    next_slot: Mutex<Instant>,
}

impl ReferralsClient {
    pub fn new(
        settings: &Settings,
        auth: Arc<Authenticator>,
    ) -> Result<ReferralsClient, ClientError> {
        let api_base = Url::parse(&settings.api_url)
            .map_err(|e| ClientError::Settings(format!("API URL: {e}")))?;
        if !matches!(api_base.scheme(), "http" | "https") || api_base.host().is_none() {
            return Err(ClientError::Settings(String::from(
                "the API URL must be http(s) with a host",
            )));
        }
        if settings.max_attempts == 0 {
            return Err(ClientError::Settings(String::from(
                "max attempts must be at least 1",
            )));
        }
        Ok(ReferralsClient {
            http: http_client(settings.request_timeout).map_err(ClientError::Transport)?,
            api_base,
            auth,
            max_attempts: settings.max_attempts,
            spacing: settings.request_spacing,
            next_slot: Mutex::new(Instant::now()),
        })
    }

    /// Incoming referrals, most recently updated first; nothing is fetched until
    /// [`ReferralPages::next_page`].
    pub fn list_referrals(&self) -> ReferralPages<'_> {
        let mut first = self.api_base.clone();
        first.set_path(&format!(
            "{}/v1.0/engagements/referrals",
            self.api_base.path().trim_end_matches('/')
        ));
        first.set_query(Some(&format!(
            "$filter={}&$orderby={}&$top={PAGE_SIZE}",
            percent_encode(LIST_FILTER),
            percent_encode(LIST_ORDER)
        )));
        ReferralPages {
            client: self,
            next: Next::Fetch(first),
            seen: HashSet::new(),
            pages: 0,
        }
    }

    /// Where a nextLink leads: its path and query as given, on the configured scheme, host and
    /// port; a link to any other host is refused, so the token goes nowhere else (§5).
    fn follow(&self, link: &str) -> Result<Url, Refusal> {
        let target = self
            .api_base
            .join(link)
            .map_err(|e| Refusal::Protocol(format!("unreadable @odata.nextLink: {e}")))?;
        if target.host_str() != self.api_base.host_str() {
            return Err(Refusal::ForeignHost(
                target.host_str().unwrap_or_default().to_owned(),
            ));
        }
        let mut url = self.api_base.clone();
        url.set_path(target.path());
        url.set_query(target.query());
        Ok(url)
    }

    /// One logical GET: retried per §6, refreshing the token once after a 401.
    async fn get_json(&self, url: &Url) -> Result<Value, ClientError> {
        let request_id = Uuid::new_v4().to_string();
        let mut failures = 0;
        let mut refreshed = false;
        loop {
            let token = self.auth.access_token().await?;
            let (error, wait) = match self.send(url, token.expose(), &request_id).await {
                Ok((status, _, body)) if status.is_success() => {
                    return serde_json::from_slice(&body).map_err(|_| {
                        ClientError::Protocol(format!("a {status} answer that is not JSON"))
                    });
                }
                Ok((StatusCode::UNAUTHORIZED, _, body)) => {
                    if refreshed {
                        return Err(ClientError::Unauthorized {
                            code: error_envelope(&body).0,
                        });
                    }
                    tracing::info!("Partner Center answered 401; refreshing the access token");
                    self.auth.refresh_rejected(&token).await?;
                    refreshed = true;
                    continue;
                }
                Ok((status, headers, body))
                    if status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::SERVICE_UNAVAILABLE =>
                {
                    let wait = retry_after(&headers).unwrap_or(DEFAULT_RETRY_AFTER);
                    if wait > MAX_RETRY_AFTER {
                        return Err(ClientError::Throttled {
                            status: status.as_u16(),
                            wait,
                        });
                    }
                    (api_error(status, &body), wait)
                }
                Ok((status, _, body)) if status.is_server_error() => {
                    (api_error(status, &body), backoff(failures))
                }
                Ok((status, _, body)) => return Err(api_error(status, &body)),
                Err(error) => (ClientError::Transport(error), backoff(failures)),
            };
            failures += 1;
            if failures >= self.max_attempts {
                return Err(error);
            }
            let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            tracing::warn!(%error, wait_ms, "Partner Center request failed; retrying");
            sleep(wait).await;
        }
    }

    async fn send(
        &self,
        url: &Url,
        token: &str,
        request_id: &str,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error> {
        let mut slot = self.next_slot.lock().await;
        sleep_until(*slot).await;
        let result = async {
            let response = self
                .http
                .get(url.clone())
                .bearer_auth(token)
                .header("accept", "application/json")
                .header("ms-correlationid", Uuid::new_v4().to_string())
                .header("client-request-id", Uuid::new_v4().to_string())
                .header("ms-requestid", request_id)
                .send()
                .await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?.to_vec();
            Ok((status, headers, body))
        }
        .await;
        // Spacing counts from the end of a request, so the service never sees two closer.
        *slot = Instant::now() + self.spacing;
        result
    }
}

/// A listing in progress; see [`ReferralsClient::list_referrals`].
pub struct ReferralPages<'a> {
    client: &'a ReferralsClient,
    next: Next,
    seen: HashSet<String>,
    pages: usize,
}

/// What the next call does. A bad nextLink is reported on the call after the page that carried
/// it, so that page's referrals are still delivered.
enum Next {
    Fetch(Url),
    Refuse(Refusal),
    Done,
}

#[derive(Clone)]
enum Refusal {
    ForeignHost(String),
    Protocol(String),
}

impl From<Refusal> for ClientError {
    fn from(refusal: Refusal) -> ClientError {
        match refusal {
            Refusal::ForeignHost(host) => ClientError::ForeignNextLink { host },
            Refusal::Protocol(message) => ClientError::Protocol(message),
        }
    }
}

impl ReferralPages<'_> {
    /// The next page, or `None` after the last. After a failed request the same page is tried
    /// again on the next call; the caller may also just stop, e.g. when it has caught up
    /// (incremental sync).
    pub async fn next_page(&mut self) -> Result<Option<Page>, ClientError> {
        let url = match &self.next {
            Next::Fetch(url) => url.clone(),
            Next::Refuse(refusal) => return Err(refusal.clone().into()),
            Next::Done => return Ok(None),
        };
        let mut body = self.client.get_json(&url).await?;
        let referrals = match body.get_mut("value").map(Value::take) {
            Some(Value::Array(referrals)) => referrals,
            _ => {
                return Err(ClientError::Protocol(String::from(
                    "a page without a `value` array",
                )));
            }
        };
        self.pages += 1;
        self.next = match body.get("@odata.nextLink") {
            None | Some(Value::Null) => Next::Done,
            Some(Value::String(link)) => self.next_from(link),
            Some(_) => Next::Refuse(Refusal::Protocol(String::from(
                "an @odata.nextLink that is not a string",
            ))),
        };
        Ok(Some(Page {
            number: self.pages,
            referrals,
        }))
    }

    fn next_from(&mut self, link: &str) -> Next {
        let url = match self.client.follow(link) {
            Ok(url) => url,
            Err(refusal) => return Next::Refuse(refusal),
        };
        if !self.seen.insert(url.to_string()) {
            return Next::Refuse(Refusal::Protocol(String::from(
                "an @odata.nextLink seen before in this listing",
            )));
        }
        if self.pages >= MAX_PAGES {
            return Next::Refuse(Refusal::Protocol(format!(
                "more than {MAX_PAGES} pages in one listing"
            )));
        }
        Next::Fetch(url)
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.to_utc() - chrono::Utc::now())
            .to_std()
            .unwrap_or_default(),
    )
}

/// 1 s · 2ⁿ plus up to a quarter more, so clients that failed together do not retry together.
fn backoff(failures: u32) -> Duration {
    let base = BACKOFF_BASE * 2u32.saturating_pow(failures.min(6));
    let quarter = u64::try_from(base.as_millis() / 4)
        .unwrap_or(u64::MAX)
        .max(1);
    let jitter = u64::try_from(Uuid::new_v4().as_u128() % u128::from(quarter)).unwrap_or(0);
    base + Duration::from_millis(jitter)
}

fn api_error(status: StatusCode, body: &[u8]) -> ClientError {
    let (code, message) = error_envelope(body);
    if status == StatusCode::FORBIDDEN {
        return ClientError::Forbidden { code, message };
    }
    ClientError::Api {
        status: status.as_u16(),
        code,
        message,
    }
}

/// `code` and `message` of the Microsoft error envelope (§6), with stand-ins when absent.
fn error_envelope(body: &[u8]) -> (String, String) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    (
        field("code").unwrap_or_else(|| String::from("unknown")),
        field("message").unwrap_or_else(|| String::from("no error details")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            "retry-after",
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for failures in 0..3 {
            let base = BACKOFF_BASE * 2u32.pow(failures);
            let wait = backoff(failures);
            assert!(wait >= base && wait <= base + base / 4, "{wait:?}");
        }
    }

    #[test]
    fn error_envelope_is_read() {
        let body = br#"{"error":{"code":"accessDenied","message":"No role."}}"#;
        assert_eq!(
            error_envelope(body),
            (String::from("accessDenied"), String::from("No role."))
        );
        assert_eq!(error_envelope(b"<html>").0, "unknown");
    }
}
