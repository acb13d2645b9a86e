//! Hunter's DNS probe (`hunter.md` §3.1–3.2, §3.7): every lookup of one domain, started
//! together under one deadline, returned as [`RawDns`] for `hunter_core::analysis` to interpret.
//!
//! The network sits behind two small traits, [`DnsLookup`] and [`TenantLookup`], so [`probe`] can
//! be tested with fakes; [`StubResolver`] and [`HttpTenantDiscovery`] are the real ones and
//! [`Prober`] bundles them from a [`ProbeConfig`].

mod stub;
mod tenant;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use futures::future::join_all;
use hunter_core::Domain;
use hunter_core::dns::{DkimProbe, Lookup, MxRecord, RawDns};
use hunter_core::tables::DKIM_SELECTORS;
use tokio::time::{Instant, timeout_at};

pub use stub::StubResolver;
pub use tenant::HttpTenantDiscovery;

/// The DNS lookups the probe needs. Names are absolute, without the trailing dot.
pub trait DnsLookup: Sync {
    /// MX records at `name`.
    fn mx(&self, name: &str) -> impl Future<Output = Lookup<MxRecord>> + Send;
    /// TXT records at `name`, CNAME chain followed, each record's strings joined.
    fn txt(&self, name: &str) -> impl Future<Output = Lookup<String>> + Send;
    /// CNAME targets at `name` (lowercase, no trailing dot), not followed.
    fn cname(&self, name: &str) -> impl Future<Output = Lookup<String>> + Send;
}

/// Microsoft Entra tenant discovery: the tenant GUID `domain` belongs to, if any. Any failure
/// is `None`: discovery is corroborating evidence and never fails a scan (§3.7).
pub trait TenantLookup: Sync {
    fn tenant_id(&self, domain: &str) -> impl Future<Output = Option<String>> + Send;
}

/// `None` is discovery switched off.
impl<T: TenantLookup> TenantLookup for Option<T> {
    async fn tenant_id(&self, domain: &str) -> Option<String> {
        match self {
            Some(lookup) => lookup.tenant_id(domain).await,
            None => None,
        }
    }
}

/// Runs every lookup of `domain` at once: MX, apex TXT, `_dmarc` TXT, TXT and CNAME of each
/// DKIM selector, autodiscover CNAME and tenant discovery. Whatever is still open at `deadline`
/// is dropped and counts as [`Lookup::Timeout`] (tenant: `None`), so this returns by the deadline.
pub async fn probe<D: DnsLookup, T: TenantLookup>(
    dns: &D,
    tenant: &T,
    domain: &Domain,
    deadline: Instant,
) -> RawDns {
    let d = domain.as_str();
    let dmarc = format!("_dmarc.{d}");
    let autodiscover = format!("autodiscover.{d}");
    let selectors: Vec<(&str, String)> = DKIM_SELECTORS
        .iter()
        .map(|s| (*s, format!("{s}._domainkey.{d}")))
        .collect();
    let dkim = join_all(selectors.iter().map(|(selector, name)| async move {
        let (txt, cname) = tokio::join!(by(deadline, dns.txt(name)), by(deadline, dns.cname(name)));
        DkimProbe {
            selector: (*selector).to_owned(),
            txt,
            cname,
        }
    }));
    let tenant = async {
        timeout_at(deadline, tenant.tenant_id(d))
            .await
            .ok()
            .flatten()
    };
    let (mx, apex_txt, dmarc_txt, dkim, autodiscover_cname, entra_tenant_id) = tokio::join!(
        by(deadline, dns.mx(d)),
        by(deadline, dns.txt(d)),
        by(deadline, dns.txt(&dmarc)),
        dkim,
        by(deadline, dns.cname(&autodiscover)),
        tenant,
    );
    RawDns {
        mx,
        apex_txt,
        dmarc_txt,
        dkim,
        autodiscover_cname,
        entra_tenant_id,
    }
}

/// A lookup cut off at the domain deadline.
async fn by<R>(deadline: Instant, lookup: impl Future<Output = Lookup<R>>) -> Lookup<R> {
    timeout_at(deadline, lookup)
        .await
        .unwrap_or(Lookup::Timeout)
}

/// The default Entra authority (`HUNTER_PARTNER_CENTER_AUTHORITY_URL`).
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// The longest a tenant discovery request may take; the domain deadline may cut it shorter.
const TENANT_TIMEOUT: Duration = Duration::from_secs(3);

/// Probe settings (`contract.md` §2). [`Default`] gives the contract's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeConfig {
    /// `HUNTER_DNS_SERVERS`; `None` uses the system resolver (`/etc/resolv.conf`).
    pub servers: Option<Vec<SocketAddr>>,
    /// `HUNTER_DNS_TIMEOUT_MS`: one query; a timed-out query is retried once.
    pub query_timeout: Duration,
    /// `HUNTER_SCAN_DEADLINE_MS`: all lookups of one domain together.
    pub deadline: Duration,
    /// Global cap on queries in flight across all domains.
    pub max_in_flight: usize,
    /// Entra authority base URL for tenant discovery; `None` switches discovery off
    /// (`HUNTER_TENANT_DISCOVERY_ENABLED=false`).
    pub tenant_discovery: Option<String>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            servers: None,
            query_timeout: Duration::from_millis(3000),
            deadline: Duration::from_millis(10_000),
            max_in_flight: 1024,
            tenant_discovery: Some(DEFAULT_AUTHORITY.to_owned()),
        }
    }
}

/// Why a [`Prober`] could not be built. Each variant names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    #[error("the DNS server list is empty")]
    NoServers,
    #[error("cannot read the system resolver configuration (/etc/resolv.conf): {0}")]
    SystemResolver(#[source] hickory_resolver::net::NetError),
    #[error("tenant discovery authority `{url}` is not usable: {reason}")]
    AuthorityUrl { url: String, reason: String },
    #[error("cannot build the HTTP client for tenant discovery: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// The real probe: the stub resolver plus optional HTTP tenant discovery. Build once and share
/// (cloning is cheap and shares the sockets, the in-flight cap and the rate limit).
#[derive(Debug, Clone)]
pub struct Prober {
    dns: StubResolver,
    tenant: Option<HttpTenantDiscovery>,
    deadline: Duration,
}

impl Prober {
    pub fn new(config: &ProbeConfig) -> Result<Prober, ProbeError> {
        if config.deadline.is_zero() {
            return Err(ProbeError::Zero("the scan deadline"));
        }
        let dns = StubResolver::new(
            config.servers.as_deref(),
            config.query_timeout,
            config.max_in_flight,
        )?;
        let tenant = config
            .tenant_discovery
            .as_deref()
            .map(|authority| {
                HttpTenantDiscovery::new(authority, TENANT_TIMEOUT.min(config.deadline))
            })
            .transpose()?;
        Ok(Prober {
            dns,
            tenant,
            deadline: config.deadline,
        })
    }

    /// Probes one domain; returns within the configured deadline.
    pub async fn probe(&self, domain: &Domain) -> RawDns {
        probe(
            &self.dns,
            &self.tenant,
            domain,
            Instant::now() + self.deadline,
        )
        .await
    }
}
