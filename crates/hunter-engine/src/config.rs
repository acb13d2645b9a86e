//! Settings of `contract.md` §2: `HUNTER_*` environment variables, with a `.env` file in the
//! working directory as a fallback (the real environment wins). Everything is validated at start:
//! an unknown or malformed variable is an error naming it, in one sentence.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub mod auth;

pub use auth::{
    AuthConfig, AuthMode, Credential, EntraConfig, ModeSetting, NotLoopback, ResponseMode,
    SecretText,
};

const PREFIX: &str = "HUNTER_";

/// Every variable Hunter reads. Anything else with the prefix is a typo and stops start-up.
const KNOWN: &[&str] = &[
    "HUNTER_DATABASE_URL",
    "HUNTER_ENVIRONMENT",
    "HUNTER_BIND",
    "HUNTER_LOG",
    "HUNTER_DNS_SERVERS",
    "HUNTER_DNS_TIMEOUT_MS",
    "HUNTER_SCAN_DEADLINE_MS",
    "HUNTER_SCAN_CONCURRENCY",
    "HUNTER_RULES_PATH",
    "HUNTER_TENANT_DISCOVERY_ENABLED",
    "HUNTER_RESCAN_AT",
    "HUNTER_RESCAN_MAX_AGE_HOURS",
    "HUNTER_PARTNER_CENTER_ENABLED",
    "HUNTER_PARTNER_CENTER_CLIENT_ID",
    "HUNTER_PARTNER_CENTER_TENANT_ID",
    "HUNTER_PARTNER_CENTER_API_URL",
    "HUNTER_PARTNER_CENTER_AUTHORITY_URL",
    "HUNTER_PARTNER_CENTER_SCOPE",
    "HUNTER_PARTNER_CENTER_TOKEN_CACHE_PATH",
    "HUNTER_PARTNER_CENTER_SYNC_INTERVAL",
    "HUNTER_PARTNER_CENTER_MAX_ATTEMPTS",
    "HUNTER_PARTNER_CENTER_REQUEST_SPACING_MS",
    "HUNTER_PARTNER_CENTER_COSELL_BONUS",
    "HUNTER_PARTNER_CENTER_AZURE_TENANT_SCORE",
    "HUNTER_AUTH_MODE",
    "HUNTER_AUTH_PUBLIC_URL",
    "HUNTER_AUTH_AUTHORITY_URL",
    "HUNTER_AUTH_TENANT_ID",
    "HUNTER_AUTH_CLIENT_ID",
    "HUNTER_AUTH_CLIENT_SECRET",
    "HUNTER_AUTH_CLIENT_SECRET_FILE",
    "HUNTER_AUTH_CLIENT_CERT_PATH",
    "HUNTER_AUTH_CLIENT_KEY_PATH",
    "HUNTER_AUTH_RESPONSE_MODE",
    "HUNTER_AUTH_USER_ROLE",
    "HUNTER_AUTH_ADMIN_ROLE",
    "HUNTER_AUTH_SESSION_IDLE_TIMEOUT",
    "HUNTER_AUTH_SESSION_MAX_AGE",
    "HUNTER_AUTH_CLOCK_SKEW",
    "HUNTER_AUTH_TRUSTED_PROXIES",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// A setting that could not be used. `Display` is the one sentence shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{name} is not a Hunter setting; remove it or check its spelling (see README, Configuration)"
    )]
    Unknown { name: String },
    #[error("{name} must be {expected}, but it is `{value}`")]
    Invalid {
        name: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error("{name} is needed because {because}")]
    Missing { name: &'static str, because: String },
    #[error(
        "give one sign-in credential: HUNTER_AUTH_CLIENT_SECRET, HUNTER_AUTH_CLIENT_SECRET_FILE, or HUNTER_AUTH_CLIENT_CERT_PATH with HUNTER_AUTH_CLIENT_KEY_PATH, not several"
    )]
    TwoCredentials,
    #[error("the .env file could not be read: {0}")]
    DotEnv(String),
}

/// Partner Center settings; used by the Partner Center commands and the scoring context.
#[derive(Clone, PartialEq, Eq)]
pub struct PartnerCenterConfig {
    pub enabled: bool,
    pub client_id: Option<String>,
    pub tenant_id: Option<String>,
    pub api_url: String,
    pub authority_url: String,
    pub scope: String,
    pub token_cache_path: PathBuf,
    pub sync_interval: Duration,
    pub max_attempts: u32,
    pub request_spacing: Duration,
    pub cosell_bonus: i32,
    pub azure_tenant_score: i32,
}

// Hand-written so that ids never reach a log through `{:?}`.
impl std::fmt::Debug for PartnerCenterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerCenterConfig")
            .field("enabled", &self.enabled)
            .field("api_url", &self.api_url)
            .field("authority_url", &self.authority_url)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub database_url: String,
    pub environment: Environment,
    pub bind: SocketAddr,
    pub log: String,
    /// `None`: the system resolver (`/etc/resolv.conf`).
    pub dns_servers: Option<Vec<SocketAddr>>,
    pub dns_timeout: Duration,
    pub scan_deadline: Duration,
    pub scan_concurrency: usize,
    pub rules_path: Option<PathBuf>,
    pub tenant_discovery_enabled: bool,
    pub rescan: RescanConfig,
    pub partner_center: PartnerCenterConfig,
    pub auth: AuthConfig,
}

/// The nightly rescan (`hunter.md` §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RescanConfig {
    /// The UTC time of day it runs (`HUNTER_RESCAN_AT`); `None`: switched off.
    pub at: Option<chrono::NaiveTime>,
    /// Domains whose stored result is older than this are rescanned
    /// (`HUNTER_RESCAN_MAX_AGE_HOURS`).
    pub max_age: Duration,
}

// Hand-written: a PostgreSQL URL may carry a password.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("environment", &self.environment)
            .field("bind", &self.bind)
            .field("dns_servers", &self.dns_servers)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads the process environment and `./.env`.
    pub fn load() -> Result<Config, ConfigError> {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        match dotenvy::from_path_iter(".env") {
            Ok(iter) => {
                for item in iter {
                    let (k, v) = item.map_err(|e| ConfigError::DotEnv(e.to_string()))?;
                    vars.insert(k, v);
                }
            }
            Err(e) if e.not_found() => {}
            Err(e) => return Err(ConfigError::DotEnv(e.to_string())),
        }
        // The real environment wins over .env.
        vars.extend(std::env::vars().filter(|(k, _)| k.starts_with(PREFIX)));
        Config::from_vars(vars)
    }

    /// Builds the configuration from `HUNTER_*` variables; other names are ignored.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut map = BTreeMap::new();
        for (k, v) in vars {
            let k = k.into();
            if !k.starts_with(PREFIX) {
                continue;
            }
            if !KNOWN.contains(&k.as_str()) {
                return Err(ConfigError::Unknown { name: k });
            }
            map.insert(k, v.into());
        }
        let v = Vars(map);

        let environment =
            v.parse(
                "HUNTER_ENVIRONMENT",
                "`development` or `production`",
                |s| match s {
                    "development" => Some(Environment::Development),
                    "production" => Some(Environment::Production),
                    _ => None,
                },
            )?;
        let environment = environment.unwrap_or(Environment::Development);
        let default_interval = match environment {
            Environment::Production => 600,
            Environment::Development => 30,
        };

        let partner_center = PartnerCenterConfig {
            enabled: v.flag("HUNTER_PARTNER_CENTER_ENABLED", false)?,
            client_id: v.text("HUNTER_PARTNER_CENTER_CLIENT_ID"),
            tenant_id: v.text("HUNTER_PARTNER_CENTER_TENANT_ID"),
            api_url: v.url(
                "HUNTER_PARTNER_CENTER_API_URL",
                "https://api.partner.microsoft.com",
            )?,
            authority_url: v.url(
                "HUNTER_PARTNER_CENTER_AUTHORITY_URL",
                "https://login.microsoftonline.com",
            )?,
            scope: v
                .text("HUNTER_PARTNER_CENTER_SCOPE")
                .unwrap_or_else(|| "https://api.partner.microsoft.com/.default".to_owned()),
            token_cache_path: v
                .text("HUNTER_PARTNER_CENTER_TOKEN_CACHE_PATH")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".token_cache")),
            sync_interval: Duration::from_secs(v.number(
                "HUNTER_PARTNER_CENTER_SYNC_INTERVAL",
                "a whole number of seconds from 1 to 86400",
                1..=86_400,
                default_interval,
            )?),
            max_attempts: v.number(
                "HUNTER_PARTNER_CENTER_MAX_ATTEMPTS",
                "a whole number from 1 to 10",
                1..=10,
                2,
            )?,
            request_spacing: Duration::from_millis(v.number(
                "HUNTER_PARTNER_CENTER_REQUEST_SPACING_MS",
                "a whole number of milliseconds from 0 to 60000",
                0..=60_000,
                1000,
            )?),
            cosell_bonus: v.number(
                "HUNTER_PARTNER_CENTER_COSELL_BONUS",
                "a whole number from 0 to 100",
                0..=100,
                15,
            )?,
            azure_tenant_score: v.number(
                "HUNTER_PARTNER_CENTER_AZURE_TENANT_SCORE",
                "a whole number from 0 to 100",
                0..=100,
                55,
            )?,
        };

        Ok(Config {
            database_url: v
                .parse(
                    "HUNTER_DATABASE_URL",
                    "a `sqlite://PATH` or `postgres://…` URL",
                    |s| {
                        let ok = ["sqlite:", "postgres://", "postgresql://"]
                            .iter()
                            .any(|p| s.starts_with(p));
                        ok.then(|| s.to_owned())
                    },
                )?
                .unwrap_or_else(|| "sqlite://hunter.db".to_owned()),
            environment,
            bind: v
                .parse("HUNTER_BIND", "an address like `127.0.0.1:8000`", |s| {
                    s.parse().ok()
                })?
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8000))),
            log: v.text("HUNTER_LOG").unwrap_or_else(|| "info".to_owned()),
            dns_servers: v.parse(
                "HUNTER_DNS_SERVERS",
                "a comma-separated list of `IP` or `IP:PORT`",
                parse_dns_servers,
            )?,
            dns_timeout: Duration::from_millis(v.number(
                "HUNTER_DNS_TIMEOUT_MS",
                "a whole number of milliseconds from 1 to 60000",
                1..=60_000,
                3000,
            )?),
            scan_deadline: Duration::from_millis(v.number(
                "HUNTER_SCAN_DEADLINE_MS",
                "a whole number of milliseconds from 1 to 600000",
                1..=600_000,
                10_000,
            )?),
            scan_concurrency: v.number(
                "HUNTER_SCAN_CONCURRENCY",
                "a whole number from 1 to 65536",
                1..=65_536,
                256,
            )?,
            rules_path: v.text("HUNTER_RULES_PATH").map(PathBuf::from),
            tenant_discovery_enabled: v.flag("HUNTER_TENANT_DISCOVERY_ENABLED", true)?,
            rescan: RescanConfig {
                at: v
                    .parse(
                        "HUNTER_RESCAN_AT",
                        "`off` or a UTC time of day like `02:00`",
                        |s| match s.to_ascii_lowercase().as_str() {
                            "off" => Some(None),
                            t => chrono::NaiveTime::parse_from_str(t, "%H:%M").ok().map(Some),
                        },
                    )?
                    .unwrap_or(chrono::NaiveTime::from_hms_opt(2, 0, 0)),
                max_age: Duration::from_secs(
                    3600 * v.number(
                        "HUNTER_RESCAN_MAX_AGE_HOURS",
                        "a whole number of hours from 1 to 8760",
                        1..=8760,
                        20,
                    )?,
                ),
            },
            partner_center,
            auth: auth::load(&v)?,
        })
    }
}

fn parse_dns_servers(s: &str) -> Option<Vec<SocketAddr>> {
    let servers: Option<Vec<SocketAddr>> = s
        .split(',')
        .map(str::trim)
        .map(|item| {
            item.parse::<SocketAddr>()
                .ok()
                .or_else(|| item.parse().ok().map(|ip| SocketAddr::new(ip, 53)))
        })
        .collect();
    servers.filter(|list| !list.is_empty())
}

/// The `HUNTER_*` variables present; an empty value counts as absent.
struct Vars(BTreeMap<String, String>);

impl Vars {
    fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    fn parse<T>(
        &self,
        name: &'static str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        match self.text(name) {
            None => Ok(None),
            Some(value) => parse(&value).map(Some).ok_or(ConfigError::Invalid {
                name,
                expected,
                value,
            }),
        }
    }

    fn number<T>(
        &self,
        name: &'static str,
        expected: &'static str,
        range: std::ops::RangeInclusive<T>,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + PartialOrd,
    {
        let value = self.parse(name, expected, |s| {
            s.parse::<T>().ok().filter(|n| range.contains(n))
        })?;
        Ok(value.unwrap_or(default))
    }

    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        let value = self.parse(name, "`true` or `false`", |s| {
            match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" => Some(false),
                _ => None,
            }
        })?;
        Ok(value.unwrap_or(default))
    }

    fn url(&self, name: &'static str, default: &str) -> Result<String, ConfigError> {
        let value = self.parse(name, "an `http://` or `https://` URL", |s| {
            let rest = s
                .strip_prefix("https://")
                .or_else(|| s.strip_prefix("http://"))?;
            (!rest.is_empty()).then(|| s.trim_end_matches('/').to_owned())
        })?;
        Ok(value.unwrap_or_else(|| default.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_vars(vars.iter().map(|(k, v)| (*k, *v)))
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = load(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://hunter.db");
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(c.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(c.dns_servers, None);
        assert_eq!(c.dns_timeout, Duration::from_millis(3000));
        assert_eq!(c.scan_deadline, Duration::from_millis(10_000));
        assert_eq!(c.scan_concurrency, 256);
        assert!(c.tenant_discovery_enabled);
        assert_eq!(c.rescan.at, chrono::NaiveTime::from_hms_opt(2, 0, 0));
        assert_eq!(c.rescan.max_age, Duration::from_secs(20 * 3600));
        let pc = &c.partner_center;
        assert!(!pc.enabled);
        assert_eq!(pc.api_url, "https://api.partner.microsoft.com");
        assert_eq!(pc.authority_url, "https://login.microsoftonline.com");
        assert_eq!(pc.scope, "https://api.partner.microsoft.com/.default");
        assert_eq!(pc.token_cache_path, PathBuf::from(".token_cache"));
        assert_eq!(pc.sync_interval, Duration::from_secs(30));
        assert_eq!(pc.max_attempts, 2);
        assert_eq!(pc.request_spacing, Duration::from_millis(1000));
        assert_eq!((pc.cosell_bonus, pc.azure_tenant_score), (15, 55));
    }

    #[test]
    fn production_syncs_every_ten_minutes_unless_told() {
        let c = load(&[("HUNTER_ENVIRONMENT", "production")]).unwrap();
        assert_eq!(c.partner_center.sync_interval, Duration::from_secs(600));
        let c = load(&[
            ("HUNTER_ENVIRONMENT", "production"),
            ("HUNTER_PARTNER_CENTER_SYNC_INTERVAL", "45"),
        ])
        .unwrap();
        assert_eq!(c.partner_center.sync_interval, Duration::from_secs(45));
    }

    #[test]
    fn the_nightly_rescan_can_move_or_be_switched_off() {
        let c = load(&[
            ("HUNTER_RESCAN_AT", "23:30"),
            ("HUNTER_RESCAN_MAX_AGE_HOURS", "48"),
        ])
        .unwrap();
        assert_eq!(c.rescan.at, chrono::NaiveTime::from_hms_opt(23, 30, 0));
        assert_eq!(c.rescan.max_age, Duration::from_secs(48 * 3600));
        assert_eq!(
            load(&[("HUNTER_RESCAN_AT", "OFF")]).unwrap().rescan.at,
            None
        );
    }

    #[test]
    fn dns_servers_take_ips_with_or_without_ports() {
        let c = load(&[("HUNTER_DNS_SERVERS", "127.0.0.1:5353, 10.0.0.2,[::1]:53")]).unwrap();
        let got: Vec<String> = c
            .dns_servers
            .unwrap()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(got, ["127.0.0.1:5353", "10.0.0.2:53", "[::1]:53"]);
    }

    #[test]
    fn bad_values_name_the_variable_in_one_sentence() {
        let cases = [
            ("HUNTER_DNS_TIMEOUT_MS", "abc"),
            ("HUNTER_DNS_TIMEOUT_MS", "0"),
            ("HUNTER_SCAN_CONCURRENCY", "-3"),
            ("HUNTER_ENVIRONMENT", "staging"),
            ("HUNTER_BIND", "localhost"),
            ("HUNTER_DATABASE_URL", "mysql://x"),
            ("HUNTER_DNS_SERVERS", "8.8.8.8,nonsense"),
            ("HUNTER_TENANT_DISCOVERY_ENABLED", "maybe"),
            ("HUNTER_PARTNER_CENTER_API_URL", "ftp://x"),
            ("HUNTER_PARTNER_CENTER_COSELL_BONUS", "101"),
            ("HUNTER_RESCAN_AT", "2am"),
            ("HUNTER_RESCAN_AT", "25:00"),
            ("HUNTER_RESCAN_MAX_AGE_HOURS", "0"),
        ];
        for (name, value) in cases {
            let err = load(&[(name, value)]).unwrap_err().to_string();
            assert!(err.starts_with(name), "{err}");
            assert!(err.contains(value), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn unknown_hunter_variables_stop_start_up_and_others_are_ignored() {
        let err = load(&[("HUNTER_DNS_TIMEOUT", "5")]).unwrap_err();
        assert_eq!(
            err,
            ConfigError::Unknown {
                name: "HUNTER_DNS_TIMEOUT".into()
            }
        );
        assert!(load(&[("PATH", "/bin"), ("RUST_LOG", "x")]).is_ok());
    }

    #[test]
    fn debug_output_hides_the_database_url() {
        let c = load(&[("HUNTER_DATABASE_URL", "postgres://u:secret@db/h")]).unwrap();
        assert!(!format!("{c:?}").contains("secret"));
    }
}
