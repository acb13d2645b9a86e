//! Test and benchmark support for Hunter's DNS probe, Partner Center client and sign-in.
//!
//! - [`DnsServer`]: an in-process authoritative DNS server (hickory-server) on 127.0.0.1 serving
//!   many [`Zone`]s over UDP and TCP on one ephemeral port, with optional latency and loss.
//! - [`dead_dns_addr`]: a loopback address where nothing ever answers.
//! - [`catalogue`] and [`synthetic`]: fixture domains with the zones that describe them and what
//!   `hunter.md` says a scan of them must produce ([`Expected`]).
//! - [`TestDatabase`] and [`on_each_backend`]: a fresh SQLite file, and a fresh PostgreSQL
//!   database when `HUNTER_TEST_PG_URL` names a server, removed after the test.
//! - [`TenantServer`]: a fake Microsoft Entra OpenID-configuration endpoint for tenant discovery.
//! - [`FakeEntra`] and [`FakePartnerCenter`]: Entra device-code sign-in with refresh tokens, and
//!   the Partner Center Referrals API that accepts the tokens it issued (`partner-center-api.md`
//!   §17), both scriptable and recording every request.
//! - [`FakeIdp`]: Entra ID as an OpenID Connect provider for sign-in (`team.md` §2): discovery,
//!   authorize, token, JWKS and logout, strict, with forged ID tokens on demand ([`oidc`]).

mod catalogue;
mod database;
mod dns;
mod entra;
pub mod oidc;
mod partner_center;
mod tenant;

pub use catalogue::{Expected, Fixture, catalogue, synthetic, synthetic_domains, tenants, zones};
pub use database::{Backend, PG_URL_VAR, TestDatabase, backends, on_each_backend, with_database};
pub use dns::{DeadDns, DnsServer, Faults, Zone, dead_dns_addr};
pub use entra::{EntraEndpoint, EntraRequest, FakeEntra, PollOutcome, TokenState};
pub use oidc::{
    AuthorizeAnswer, FakeIdp, Forgery, IdpClient, IdpCredential, IdpLogout, IdpRequest, IdpUser,
    follow_authorize,
};
pub use partner_center::{FakePartnerCenter, Fault, NextLinks, RecordedRequest};
pub use tenant::TenantServer;
