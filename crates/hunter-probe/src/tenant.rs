//! [`TenantLookup`] over HTTPS: Entra's OpenID configuration document names the tenant.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::{Instant, sleep_until};

use crate::{ProbeError, TenantLookup};

/// Least time between two discovery requests: 10 per second (§3.7).
const SPACING: Duration = Duration::from_millis(100);

/// `GET {authority}/{domain}/v2.0/.well-known/openid-configuration`; a 200 whose `issuer` holds
/// a tenant GUID gives the tenant. Requests are spaced to 10/s across all clones.
#[derive(Debug, Clone)]
pub struct HttpTenantDiscovery {
    client: reqwest::Client,
    /// Without a trailing slash.
    authority: String,
    /// When the next request may start. A tokio mutex queues waiters fairly, and a waiter
    /// cancelled by its domain deadline gives up its turn without using it.
    next_slot: Arc<Mutex<Instant>>,
}

#[derive(Deserialize)]
struct OpenIdConfiguration {
    issuer: String,
}

impl HttpTenantDiscovery {
    /// `authority`: the Entra base URL, e.g. `https://login.microsoftonline.com`.
    /// `timeout`: the longest one request may take.
    pub fn new(authority: &str, timeout: Duration) -> Result<HttpTenantDiscovery, ProbeError> {
        let invalid = |reason: String| ProbeError::AuthorityUrl {
            url: authority.to_owned(),
            reason,
        };
        let url = Url::parse(authority).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid(String::from("expected an http(s) URL with a host")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(String::from("a query or fragment is not allowed")));
        }
        // reqwest panics without a process-wide rustls provider. Another component may have
        // installed one already, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hunter/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ProbeError::HttpClient)?;
        Ok(HttpTenantDiscovery {
            client,
            authority: authority.trim_end_matches('/').to_owned(),
            next_slot: Arc::new(Mutex::new(Instant::now())),
        })
    }

    async fn wait_for_slot(&self) {
        let mut next = self.next_slot.lock().await;
        sleep_until(*next).await;
        *next = Instant::now() + SPACING;
    }
}

impl TenantLookup for HttpTenantDiscovery {
    async fn tenant_id(&self, domain: &str) -> Option<String> {
        self.wait_for_slot().await;
        let url = format!(
            "{}/{domain}/v2.0/.well-known/openid-configuration",
            self.authority
        );
        let response = match self.client.get(url).send().await {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(domain, %error, "tenant discovery request failed");
                return None;
            }
        };
        // 400 (AADSTS90002, tenant not found) is the usual "no tenant" answer.
        if response.status() != StatusCode::OK {
            return None;
        }
        match response.json::<OpenIdConfiguration>().await {
            Ok(config) => tenant_guid(&config.issuer),
            Err(error) => {
                tracing::debug!(domain, %error, "tenant discovery answer unreadable");
                None
            }
        }
    }
}

/// The tenant GUID in an issuer such as `https://login.microsoftonline.com/{guid}/v2.0`.
fn tenant_guid(issuer: &str) -> Option<String> {
    issuer
        .split('/')
        .find(|segment| is_guid(segment))
        .map(str::to_ascii_lowercase)
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_guid_is_found_and_lowercased() {
        assert_eq!(
            tenant_guid(
                "https://login.microsoftonline.com/72F988BF-86f1-41af-91ab-2d7cd011db47/v2.0"
            )
            .as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert_eq!(
            tenant_guid("https://login.microsoftonline.com/{tenantid}/v2.0"),
            None
        );
        assert_eq!(
            tenant_guid("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db4/"),
            None
        );
        assert_eq!(tenant_guid(""), None);
    }

    #[test]
    fn authority_must_be_an_http_url() {
        for bad in [
            "login.microsoftonline.com",
            "ftp://example.com",
            "https://x.test/?a=1",
        ] {
            let error = HttpTenantDiscovery::new(bad, Duration::from_secs(1)).unwrap_err();
            assert!(
                matches!(error, ProbeError::AuthorityUrl { .. }),
                "{bad}: {error}"
            );
        }
        assert!(HttpTenantDiscovery::new("http://127.0.0.1:9/", Duration::from_secs(1)).is_ok());
    }
}
