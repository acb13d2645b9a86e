//! Partner Center I/O (`partner-center-api.md`): Entra device-code sign-in with a token cache
//! ([`auth`]) and the Referrals API read page by page ([`client`]). No database here: the engine
//! maps its configuration into [`Settings`] and processes the pages.

pub mod auth;
pub mod client;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use auth::{AuthError, Authenticator, DeviceCodePrompt, SessionInfo};
pub use client::{ClientError, Page, ReferralPages, ReferralsClient};

/// What this crate needs to know, mapped from the `HUNTER_PARTNER_CENTER_*` settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Entra application (public client) id.
    pub client_id: String,
    /// Tenant GUID or domain (also `organizations` or `common`).
    pub tenant: String,
    /// Referrals API base, e.g. `https://api.partner.microsoft.com`.
    pub api_url: String,
    /// Entra base, e.g. `https://login.microsoftonline.com`.
    pub authority_url: String,
    /// Scope without `offline_access`, which [`Settings::scopes`] adds.
    pub scope: String,
    pub token_cache_path: PathBuf,
    /// Attempts per request before the page fails.
    pub max_attempts: u32,
    /// Least time between the end of one Partner Center request and the start of the next.
    pub request_spacing: Duration,
    /// Longest time one HTTP request may take.
    pub request_timeout: Duration,
}

impl Settings {
    /// The contract's defaults (`contract.md` §2) for everything but the app and tenant.
    pub fn new(client_id: impl Into<String>, tenant: impl Into<String>) -> Settings {
        Settings {
            client_id: client_id.into(),
            tenant: tenant.into(),
            api_url: String::from("https://api.partner.microsoft.com"),
            authority_url: String::from("https://login.microsoftonline.com"),
            scope: String::from("https://api.partner.microsoft.com/.default"),
            token_cache_path: PathBuf::from(".token_cache"),
            max_attempts: 2,
            request_spacing: Duration::from_millis(1000),
            request_timeout: Duration::from_secs(30),
        }
    }

    /// The scope sent to Entra: the configured one plus `offline_access`, which makes Entra hand
    /// out a refresh token.
    pub fn scopes(&self) -> String {
        let scope = self.scope.trim();
        if scope.split_whitespace().any(|s| s == "offline_access") {
            scope.to_owned()
        } else {
            format!("{scope} offline_access")
        }
    }
}

/// A token or code: usable through [`Secret::expose`], never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters; right for query values and
/// for `application/x-www-form-urlencoded` bodies alike.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Builds an HTTP client: no redirects (a token must not follow one), `timeout` per request.
fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    // reqwest panics without a process-wide rustls provider. Another component may have
    // installed one already, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hunter/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_access_is_added_once() {
        let mut settings = Settings::new("app", "contoso.com");
        assert_eq!(
            settings.scopes(),
            "https://api.partner.microsoft.com/.default offline_access"
        );
        settings.scope = String::from("x offline_access");
        assert_eq!(settings.scopes(), "x offline_access");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let secret = Secret::new("eyJ0eXAi.secret");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert_eq!(secret.expose(), "eyJ0eXAi.secret");
    }

    #[test]
    fn percent_encoding_keeps_unreserved_only() {
        assert_eq!(
            percent_encode("direction eq 'Incoming'"),
            "direction%20eq%20%27Incoming%27"
        );
        assert_eq!(percent_encode("a/b:c~d"), "a%2Fb%3Ac~d");
    }
}
