//! Test and benchmark support for Hunter's DNS probe.
//!
//! - [`DnsServer`]: an in-process authoritative DNS server (hickory-server) on 127.0.0.1 serving
//!   many [`Zone`]s over UDP and TCP on one ephemeral port, with optional latency and loss.
//! - [`dead_dns_addr`]: a loopback address where nothing ever answers.
//! - [`catalogue`] and [`synthetic`]: fixture domains with the zones that describe them and what
//!   `hunter.md` says a scan of them must produce ([`Expected`]).
//! - [`TenantServer`]: a fake Microsoft Entra OpenID-configuration endpoint for tenant discovery.

mod catalogue;
mod dns;
mod tenant;

pub use catalogue::{Expected, Fixture, catalogue, synthetic, tenants, zones};
pub use dns::{DeadDns, DnsServer, Faults, Zone, dead_dns_addr};
pub use tenant::TenantServer;
