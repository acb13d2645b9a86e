//! Team access settings (`team.md` §1–§2, `contract.md` §6): the mode, and sign-in with
//! Microsoft Entra ID. Which mode a server runs in depends on its listen address too, so the
//! choice is made by [`AuthConfig::resolve`] once the address is known.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

use super::{ConfigError, Vars};

/// `HUNTER_AUTH_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeSetting {
    Auto,
    Local,
    Entra,
}

/// How Entra hands the authorization code back (`HUNTER_AUTH_RESPONSE_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    FormPost,
    Query,
}

impl ResponseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::FormPost => "form_post",
            ResponseMode::Query => "query",
        }
    }
}

/// A client secret: usable through [`SecretText::expose`], never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(String);

impl SecretText {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([redacted])")
    }
}

/// How Hunter proves itself to Entra when it redeems a code: exactly one is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Secret(SecretText),
    /// The secret is read from this file at start (its content is trimmed).
    SecretFile(PathBuf),
    /// A certificate (PEM) and its private key (PEM, PKCS#8), preferred by Microsoft.
    Certificate {
        cert: PathBuf,
        key: PathBuf,
    },
}

impl Credential {
    /// What the start-up log may say about it.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Secret(_) | Credential::SecretFile(_) => "client secret",
            Credential::Certificate { .. } => "certificate",
        }
    }
}

/// Sign-in with Microsoft; present when any Entra setting is given (then all are required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    /// The external origin, without a trailing slash: `https://hunter.contoso.com`.
    pub public_url: String,
    pub authority_url: String,
    /// A tenant GUID, lower case.
    pub tenant_id: String,
    pub client_id: String,
    pub credential: Credential,
    pub response_mode: ResponseMode,
    pub user_role: String,
    pub admin_role: String,
    pub session_idle_timeout: Duration,
    pub session_max_age: Duration,
    pub clock_skew: Duration,
}

impl EntraConfig {
    /// `{PUBLIC_URL}/auth/callback`, registered in the app registration.
    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/callback", self.public_url)
    }

    /// Whether the public URL is plain http on this machine (then cookies are not `Secure`).
    pub fn is_loopback_http(&self) -> bool {
        self.public_url.starts_with("http://")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    pub mode: ModeSetting,
    pub entra: Option<EntraConfig>,
    /// Proxies whose `X-Forwarded-For` is believed for the client address (audit, logs).
    pub trusted_proxies: Vec<IpNet>,
}

/// The mode a server runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// No sign-in: every request acts as the principal `local` with the Admin role.
    Local,
    Entra(Box<EntraConfig>),
}

/// A server that would be reachable beyond this machine without sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Hunter will not listen on {bind} without sign-in, because people beyond this machine could \
     reach every lead: set HUNTER_AUTH_MODE=entra with your Entra app's HUNTER_AUTH_* settings \
     (README, Team access), or set HUNTER_BIND to a loopback address such as 127.0.0.1:8000."
)]
pub struct NotLoopback {
    pub bind: SocketAddr,
}

impl AuthConfig {
    /// The mode for a server listening on `bind` (`team.md` §1): Entra when configured (or
    /// asked for), otherwise local — on a loopback address only, with no override.
    pub fn resolve(&self, bind: SocketAddr) -> Result<AuthMode, NotLoopback> {
        match (self.mode, &self.entra) {
            (ModeSetting::Entra | ModeSetting::Auto, Some(entra)) => {
                Ok(AuthMode::Entra(Box::new(entra.clone())))
            }
            _ if bind.ip().is_loopback() => Ok(AuthMode::Local),
            _ => Err(NotLoopback { bind }),
        }
    }
}

/// The Entra settings; one of them present makes the rest required.
const ENTRA_VARS: &[&str] = &[
    "HUNTER_AUTH_PUBLIC_URL",
    "HUNTER_AUTH_TENANT_ID",
    "HUNTER_AUTH_CLIENT_ID",
    "HUNTER_AUTH_CLIENT_SECRET",
    "HUNTER_AUTH_CLIENT_SECRET_FILE",
    "HUNTER_AUTH_CLIENT_CERT_PATH",
    "HUNTER_AUTH_CLIENT_KEY_PATH",
];

pub(super) fn load(v: &Vars) -> Result<AuthConfig, ConfigError> {
    let mode = v
        .parse(
            "HUNTER_AUTH_MODE",
            "`auto`, `local` or `entra`",
            |s| match s.to_ascii_lowercase().as_str() {
                "auto" => Some(ModeSetting::Auto),
                "local" => Some(ModeSetting::Local),
                "entra" => Some(ModeSetting::Entra),
                _ => None,
            },
        )?
        .unwrap_or(ModeSetting::Auto);
    let trusted_proxies = v
        .parse(
            "HUNTER_AUTH_TRUSTED_PROXIES",
            "a comma-separated list of addresses or CIDR ranges like `10.0.0.0/8`",
            parse_networks,
        )?
        .unwrap_or_default();
    let configured = ENTRA_VARS.iter().find(|name| v.text(name).is_some());
    let entra = match (mode, configured) {
        (ModeSetting::Local, _) | (ModeSetting::Auto, None) => None,
        (ModeSetting::Entra, None) => {
            return Err(ConfigError::Missing {
                name: "HUNTER_AUTH_CLIENT_ID",
                because: "HUNTER_AUTH_MODE is `entra`".to_owned(),
            });
        }
        (_, Some(first)) => Some(load_entra(v, first)?),
    };
    Ok(AuthConfig {
        mode,
        entra,
        trusted_proxies,
    })
}

fn load_entra(v: &Vars, first: &'static str) -> Result<EntraConfig, ConfigError> {
    let because = || match v.text("HUNTER_AUTH_MODE") {
        Some(_) => "HUNTER_AUTH_MODE is `entra`".to_owned(),
        None => format!("{first} is set"),
    };
    let required = |name: &'static str| {
        v.text(name).ok_or_else(|| ConfigError::Missing {
            name,
            because: because(),
        })
    };
    let public_url = v
        .parse(
            "HUNTER_AUTH_PUBLIC_URL",
            "Hunter's external origin like `https://hunter.contoso.com` (http only on localhost or 127.0.0.1)",
            parse_public_url,
        )?
        .ok_or_else(|| ConfigError::Missing {
            name: "HUNTER_AUTH_PUBLIC_URL",
            because: because(),
        })?;
    required("HUNTER_AUTH_TENANT_ID")?;
    let tenant_id = v
        .parse(
            "HUNTER_AUTH_TENANT_ID",
            "your directory's tenant id, a GUID (`common`, `organizations` and `consumers` would let other tenants sign in)",
            parse_guid,
        )?
        .unwrap_or_default();
    let client_id = required("HUNTER_AUTH_CLIENT_ID")?;
    let secret = v.text("HUNTER_AUTH_CLIENT_SECRET");
    let secret_file = v.text("HUNTER_AUTH_CLIENT_SECRET_FILE");
    let cert = v.text("HUNTER_AUTH_CLIENT_CERT_PATH");
    let key = v.text("HUNTER_AUTH_CLIENT_KEY_PATH");
    let credential = match (secret, secret_file, cert, key) {
        (Some(s), None, None, None) => Credential::Secret(SecretText(s)),
        (None, Some(f), None, None) => Credential::SecretFile(PathBuf::from(f)),
        (None, None, Some(cert), Some(key)) => Credential::Certificate {
            cert: PathBuf::from(cert),
            key: PathBuf::from(key),
        },
        (None, None, Some(_), None) => {
            return Err(ConfigError::Missing {
                name: "HUNTER_AUTH_CLIENT_KEY_PATH",
                because: "HUNTER_AUTH_CLIENT_CERT_PATH is set".to_owned(),
            });
        }
        (None, None, None, Some(_)) => {
            return Err(ConfigError::Missing {
                name: "HUNTER_AUTH_CLIENT_CERT_PATH",
                because: "HUNTER_AUTH_CLIENT_KEY_PATH is set".to_owned(),
            });
        }
        (None, None, None, None) => {
            return Err(ConfigError::Missing {
                name: "HUNTER_AUTH_CLIENT_SECRET",
                because: format!(
                    "{} (or HUNTER_AUTH_CLIENT_SECRET_FILE, or HUNTER_AUTH_CLIENT_CERT_PATH with HUNTER_AUTH_CLIENT_KEY_PATH)",
                    because()
                ),
            });
        }
        _ => return Err(ConfigError::TwoCredentials),
    };
    let role = |name: &'static str, default: &str| {
        v.parse(name, "an app role value without spaces", |s| {
            (!s.contains(char::is_whitespace)).then(|| s.to_owned())
        })
        .map(|r| r.unwrap_or_else(|| default.to_owned()))
    };
    let seconds = |name: &'static str, expected: &'static str, range, default| {
        v.number(name, expected, range, default)
            .map(Duration::from_secs)
    };
    Ok(EntraConfig {
        public_url,
        authority_url: v.url(
            "HUNTER_AUTH_AUTHORITY_URL",
            "https://login.microsoftonline.com",
        )?,
        tenant_id,
        client_id,
        credential,
        response_mode: v
            .parse(
                "HUNTER_AUTH_RESPONSE_MODE",
                "`form_post` or `query`",
                |s| match s {
                    "form_post" => Some(ResponseMode::FormPost),
                    "query" => Some(ResponseMode::Query),
                    _ => None,
                },
            )?
            .unwrap_or(ResponseMode::FormPost),
        user_role: role("HUNTER_AUTH_USER_ROLE", "Hunter.User")?,
        admin_role: role("HUNTER_AUTH_ADMIN_ROLE", "Hunter.Admin")?,
        session_idle_timeout: seconds(
            "HUNTER_AUTH_SESSION_IDLE_TIMEOUT",
            "a whole number of seconds from 60 to 86400",
            60..=86_400,
            1800,
        )?,
        session_max_age: seconds(
            "HUNTER_AUTH_SESSION_MAX_AGE",
            "a whole number of seconds from 60 to 2592000",
            60..=2_592_000,
            43_200,
        )?,
        clock_skew: seconds(
            "HUNTER_AUTH_CLOCK_SKEW",
            "a whole number of seconds from 0 to 3600",
            0..=3600,
            300,
        )?,
    })
}

/// An origin: `https://host[:port]`, or `http://` on a loopback host; no path, query or user.
fn parse_public_url(s: &str) -> Option<String> {
    let url = url::Url::parse(s).ok()?;
    let host = url.host()?;
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    let bare = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    (scheme_ok && bare).then(|| url.origin().ascii_serialization())
}

/// A GUID in its 8-4-4-4-12 form, lowered.
fn parse_guid(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split('-').collect();
    let shape = [8, 4, 4, 4, 12];
    let ok = groups.len() == shape.len()
        && groups
            .iter()
            .zip(shape)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| s.to_ascii_lowercase())
}

fn parse_networks(s: &str) -> Option<Vec<IpNet>> {
    s.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .ok()
                .or_else(|| item.parse::<IpAddr>().ok().map(IpNet::from))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    const TENANT: &str = "7f4b2c1e-5d3a-4e8b-9c6f-2a1b0c9d8e7f";

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_vars(vars.iter().map(|(k, v)| (*k, *v)))
    }

    fn entra(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut vars = vec![
            ("HUNTER_AUTH_PUBLIC_URL", "https://hunter.contoso.com/"),
            ("HUNTER_AUTH_TENANT_ID", TENANT),
            (
                "HUNTER_AUTH_CLIENT_ID",
                "0c1d2e3f-aaaa-bbbb-cccc-123456789abc",
            ),
            ("HUNTER_AUTH_CLIENT_SECRET", "s3cr3t-value"),
        ];
        for (name, value) in extra {
            match vars.iter_mut().find(|(k, _)| k == name) {
                Some(var) => var.1 = value,
                None => vars.push((name, value)),
            }
        }
        vars
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_settings_a_loopback_server_is_local_and_any_other_refuses_to_start() {
        let auth = load(&[]).unwrap().auth;
        assert_eq!(auth.mode, ModeSetting::Auto);
        for bind in ["127.0.0.1:8000", "127.9.9.9:80", "[::1]:8000"] {
            assert_eq!(auth.resolve(addr(bind)), Ok(AuthMode::Local), "{bind}");
        }
        for bind in ["0.0.0.0:8000", "[::]:8000", "192.168.1.20:8000"] {
            let err = auth.resolve(addr(bind)).unwrap_err().to_string();
            assert!(
                err.contains("HUNTER_BIND") && err.contains("HUNTER_AUTH_MODE"),
                "{err}"
            );
            assert!(err.contains(bind), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let local = load(&[("HUNTER_AUTH_MODE", "local")]).unwrap().auth;
        assert!(local.resolve(addr("0.0.0.0:8000")).is_err(), "no override");
    }

    #[test]
    fn entra_settings_select_entra_on_any_bind_with_the_contract_defaults() {
        let auth = load(&entra(&[])).unwrap().auth;
        let Ok(AuthMode::Entra(e)) = auth.resolve(addr("0.0.0.0:443")) else {
            panic!("entra mode");
        };
        assert_eq!(e.public_url, "https://hunter.contoso.com");
        assert_eq!(e.redirect_uri(), "https://hunter.contoso.com/auth/callback");
        assert_eq!(e.authority_url, "https://login.microsoftonline.com");
        assert_eq!(e.tenant_id, TENANT);
        assert_eq!(e.response_mode, ResponseMode::FormPost);
        assert_eq!(
            (e.user_role.as_str(), e.admin_role.as_str()),
            ("Hunter.User", "Hunter.Admin")
        );
        assert_eq!(e.session_idle_timeout, Duration::from_secs(1800));
        assert_eq!(e.session_max_age, Duration::from_secs(43_200));
        assert_eq!(e.clock_skew, Duration::from_secs(300));
        assert!(!e.is_loopback_http());
        assert_eq!(e.credential.kind(), "client secret");
        assert!(matches!(
            auth.resolve(addr("127.0.0.1:8000")),
            Ok(AuthMode::Entra(_))
        ));
        let local = load(&entra(&[("HUNTER_AUTH_MODE", "local")])).unwrap().auth;
        assert_eq!(local.resolve(addr("127.0.0.1:8000")), Ok(AuthMode::Local));
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let c = load(&entra(&[])).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert!(!format!("{:?}", c.auth).contains("s3cr3t"));
    }

    #[test]
    fn a_partial_or_contradictory_entra_setup_names_what_to_fix() {
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("HUNTER_AUTH_MODE", "entra")], "HUNTER_AUTH_CLIENT_ID"),
            (
                vec![("HUNTER_AUTH_TENANT_ID", TENANT)],
                "HUNTER_AUTH_PUBLIC_URL",
            ),
            (
                entra(&[])
                    .into_iter()
                    .filter(|(k, _)| *k != "HUNTER_AUTH_CLIENT_SECRET")
                    .collect(),
                "HUNTER_AUTH_CLIENT_SECRET",
            ),
            (
                entra(&[("HUNTER_AUTH_CLIENT_CERT_PATH", "/etc/hunter/cert.pem")]),
                "HUNTER_AUTH_CLIENT_CERT_PATH",
            ),
            (
                entra(&[("HUNTER_AUTH_TENANT_ID", "common")]),
                "HUNTER_AUTH_TENANT_ID",
            ),
            (
                entra(&[("HUNTER_AUTH_TENANT_ID", "organizations")]),
                "HUNTER_AUTH_TENANT_ID",
            ),
            (
                entra(&[("HUNTER_AUTH_TENANT_ID", "consumers")]),
                "HUNTER_AUTH_TENANT_ID",
            ),
            (
                entra(&[("HUNTER_AUTH_PUBLIC_URL", "http://hunter.contoso.com")]),
                "HUNTER_AUTH_PUBLIC_URL",
            ),
            (
                entra(&[("HUNTER_AUTH_PUBLIC_URL", "https://hunter.contoso.com/app")]),
                "HUNTER_AUTH_PUBLIC_URL",
            ),
            (
                entra(&[("HUNTER_AUTH_RESPONSE_MODE", "fragment")]),
                "HUNTER_AUTH_RESPONSE_MODE",
            ),
            (
                entra(&[("HUNTER_AUTH_SESSION_IDLE_TIMEOUT", "5")]),
                "HUNTER_AUTH_SESSION_IDLE_TIMEOUT",
            ),
            (
                entra(&[("HUNTER_AUTH_ADMIN_ROLE", "Hunter Admin")]),
                "HUNTER_AUTH_ADMIN_ROLE",
            ),
            (
                vec![("HUNTER_AUTH_TRUSTED_PROXIES", "10.0.0.0/33")],
                "HUNTER_AUTH_TRUSTED_PROXIES",
            ),
            (vec![("HUNTER_AUTH_MODE", "open")], "HUNTER_AUTH_MODE"),
        ];
        for (vars, name) in cases {
            let err = load(&vars).unwrap_err().to_string();
            assert!(err.contains(name), "{name}: {err}");
            assert!(!err.contains('\n'), "{err}");
            assert!(!err.contains("s3cr3t"), "{err}");
        }
        let err = load(&entra(&[("HUNTER_AUTH_CLIENT_SECRET_FILE", "/run/secret")])).unwrap_err();
        assert_eq!(err, ConfigError::TwoCredentials);
    }

    #[test]
    fn loopback_http_public_urls_and_other_credentials_are_accepted() {
        let vars: Vec<_> = entra(&[])
            .into_iter()
            .filter(|(k, _)| *k != "HUNTER_AUTH_CLIENT_SECRET" && *k != "HUNTER_AUTH_PUBLIC_URL")
            .chain([
                ("HUNTER_AUTH_PUBLIC_URL", "http://127.0.0.1:8000"),
                ("HUNTER_AUTH_CLIENT_CERT_PATH", "/etc/hunter/cert.pem"),
                ("HUNTER_AUTH_CLIENT_KEY_PATH", "/etc/hunter/key.pem"),
                ("HUNTER_AUTH_RESPONSE_MODE", "query"),
                ("HUNTER_AUTH_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.5,::1"),
            ])
            .collect();
        let auth = load(&vars).unwrap().auth;
        assert_eq!(auth.trusted_proxies.len(), 3);
        let e = auth.entra.unwrap();
        assert!(e.is_loopback_http());
        assert_eq!(e.public_url, "http://127.0.0.1:8000");
        assert_eq!(e.response_mode, ResponseMode::Query);
        assert_eq!(e.credential.kind(), "certificate");
        let localhost = load(&entra(&[(
            "HUNTER_AUTH_PUBLIC_URL",
            "http://LOCALHOST:8000/",
        )]));
        assert_eq!(
            localhost.unwrap().auth.entra.unwrap().public_url,
            "http://localhost:8000"
        );
    }
}
