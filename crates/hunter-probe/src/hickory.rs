//! [`DnsLookup`] over hickory-resolver.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::lookup::Lookup as Answer;
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::{ResolverBuilder, TokioResolver};
use hunter_core::dns::{Lookup, MxRecord};
use tokio::sync::Semaphore;

use crate::{DnsLookup, ProbeError};

/// hickory-resolver with Hunter's settings (§3.2): per-query timeout, one retry (on the next
/// server when there are several), EDNS0, TCP on truncation, TTL-bounded cache of answers only
/// (hickory never caches timeouts or SERVFAIL), identical in-flight queries sent once, and a
/// global cap on queries in flight.
#[derive(Debug, Clone)]
pub struct HickoryDns {
    resolver: TokioResolver,
    /// The in-flight cap. hickory answers "busy" beyond its per-connection limit instead of
    /// queueing, so queries wait here instead.
    permits: Arc<Semaphore>,
}

impl HickoryDns {
    /// `servers`: `None` reads `/etc/resolv.conf`; public resolvers are never added.
    pub fn new(
        servers: Option<&[SocketAddr]>,
        query_timeout: Duration,
        max_in_flight: usize,
    ) -> Result<HickoryDns, ProbeError> {
        if query_timeout.is_zero() {
            return Err(ProbeError::Zero("the DNS query timeout"));
        }
        if max_in_flight == 0 {
            return Err(ProbeError::Zero("the in-flight query cap"));
        }
        let mut builder = match servers {
            None => TokioResolver::builder_tokio().map_err(ProbeError::SystemResolver)?,
            Some([]) => return Err(ProbeError::NoServers),
            Some(servers) => explicit_servers(servers),
        };
        let options = builder.options_mut();
        options.timeout = query_timeout;
        // hickory counts retries, not tries: one retry.
        options.attempts = 1;
        options.edns0 = true;
        // One server at a time; the retry goes to the next one (servers that timed out sort last).
        options.num_concurrent_reqs = 1;
        options.max_active_requests = max_in_flight;
        // The hosts file only knows addresses; MX and TXT never come from it.
        options.use_hosts_file = ResolveHosts::Never;
        let resolver = builder.build().map_err(ProbeError::Resolver)?;
        Ok(HickoryDns {
            resolver,
            permits: Arc::new(Semaphore::new(max_in_flight)),
        })
    }

    async fn lookup(&self, name: &str, record_type: RecordType) -> Result<Answer, NetError> {
        // Absolute, so the search list of resolv.conf is never appended.
        let mut name = Name::from_ascii(name)?;
        name.set_fqdn(true);
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| NetError::Message("the in-flight query cap was closed"))?;
        self.resolver.lookup(name, record_type).await
    }
}

fn explicit_servers(servers: &[SocketAddr]) -> ResolverBuilder<TokioRuntimeProvider> {
    let name_servers = servers
        .iter()
        .map(|addr| {
            let mut server = NameServerConfig::udp_and_tcp(addr.ip());
            for connection in &mut server.connections {
                connection.port = addr.port();
            }
            server
        })
        .collect();
    TokioResolver::builder_with_config(
        ResolverConfig::from_name_servers(name_servers),
        TokioRuntimeProvider::default(),
    )
}

impl DnsLookup for HickoryDns {
    async fn mx(&self, name: &str) -> Lookup<MxRecord> {
        records(self.lookup(name, RecordType::MX).await, |data| match data {
            RData::MX(mx) => Some(MxRecord {
                preference: mx.preference,
                host: mx.exchange.to_ascii(),
            }),
            _ => None,
        })
    }

    async fn txt(&self, name: &str) -> Lookup<String> {
        records(
            self.lookup(name, RecordType::TXT).await,
            |data| match data {
                RData::TXT(txt) => Some(joined(&txt.txt_data)),
                // CNAMEs of the chain come along in the answer; only the TXT data counts.
                _ => None,
            },
        )
    }

    async fn cname(&self, name: &str) -> Lookup<String> {
        records(
            self.lookup(name, RecordType::CNAME).await,
            |data| match data {
                RData::CNAME(target) => Some(
                    target
                        .0
                        .to_ascii()
                        .trim_end_matches('.')
                        .to_ascii_lowercase(),
                ),
                _ => None,
            },
        )
    }
}

/// A TXT record's character-strings joined without separators (§3.4).
fn joined(strings: &[Box<[u8]>]) -> String {
    String::from_utf8_lossy(&strings.concat()).into_owned()
}

fn records<R>(result: Result<Answer, NetError>, pick: impl Fn(&RData) -> Option<R>) -> Lookup<R> {
    match result {
        Ok(answer) => Lookup::Answer(
            answer
                .answers()
                .iter()
                .filter_map(|r| pick(&r.data))
                .collect(),
        ),
        Err(error) => failure(&error),
    }
}

/// NXDOMAIN and NODATA are answers; a timeout is a timeout; every other error code (SERVFAIL,
/// REFUSED, …) and transport error is a failure.
fn failure<R>(error: &NetError) -> Lookup<R> {
    if error.is_nx_domain() {
        Lookup::NxDomain
    } else if error.is_no_records_found() {
        Lookup::Answer(Vec::new())
    } else if matches!(error, NetError::Timeout) {
        Lookup::Timeout
    } else {
        Lookup::Failed
    }
}

#[cfg(test)]
mod tests {
    use hickory_resolver::net::{DnsError, NoRecords};
    use hickory_resolver::proto::op::{Query, ResponseCode};

    use super::*;

    fn no_records(code: ResponseCode) -> NetError {
        NoRecords::new(Box::new(Query::default()), code).into()
    }

    #[test]
    fn errors_map_to_outcomes() {
        assert_eq!(
            failure::<String>(&no_records(ResponseCode::NXDomain)),
            Lookup::NxDomain
        );
        assert_eq!(
            failure::<String>(&no_records(ResponseCode::NoError)),
            Lookup::Answer(vec![])
        );
        assert_eq!(failure::<String>(&NetError::Timeout), Lookup::Timeout);
        let servfail = NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail));
        assert_eq!(failure::<String>(&servfail), Lookup::Failed);
        let refused = NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused));
        assert_eq!(failure::<String>(&refused), Lookup::Failed);
        assert_eq!(failure::<String>(&NetError::NoConnections), Lookup::Failed);
        assert_eq!(failure::<String>(&NetError::Busy), Lookup::Failed);
    }

    #[test]
    fn txt_strings_join_without_separator() {
        let strings: Vec<Box<[u8]>> =
            vec![b"v=spf1 a ".as_slice().into(), b"-all".as_slice().into()];
        assert_eq!(joined(&strings), "v=spf1 a -all");
    }

    #[test]
    fn configuration_errors_are_named() {
        let zero = HickoryDns::new(Some(&[]), Duration::ZERO, 1).unwrap_err();
        assert!(matches!(zero, ProbeError::Zero(_)), "{zero}");
        let empty = HickoryDns::new(Some(&[]), Duration::from_secs(1), 1).unwrap_err();
        assert!(matches!(empty, ProbeError::NoServers), "{empty}");
    }
}
