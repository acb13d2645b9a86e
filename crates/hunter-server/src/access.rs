//! Who is asking, and may they (`team.md` §1–§4). Every request passes [`authorize`], which
//! reads the route's row of [`ROUTES`] — the access table of `team.md` §3 as data — so a new
//! route without a row is refused to everyone, never opened by accident.
//!
//! Local mode: the principal `local` (Admin) behind the DNS-rebinding and proxy guards.
//! Entra mode: an API key (`X-API-Key` or `Authorization: Bearer`) or a session cookie; the key
//! wins when both come, since a browser cannot attach one to a forged cross-site request.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hunter_core::access::{PresentedApiKey, Scope, sha256_hex};
use hunter_engine::config::auth::EntraConfig;
use hunter_store::{NewAuditEvent, Outcome, Store};
use ipnet::IpNet;

use crate::AppState;
use crate::error::ApiError;
use crate::signin::oidc::RelyingParty;

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not.
    Open,
    /// A signed-in Hunter.User or Hunter.Admin, or an API key holding the scope (`None`: no
    /// key may call it).
    Member(Option<Scope>),
    /// A signed-in Hunter.Admin; never an API key.
    Admin,
}

/// `team.md` §3, one row per route template (method, path). `HEAD` is checked as `GET`.
pub const ROUTES: &[(Method, &str, Need)] = &[
    (Method::GET, "/healthz", Need::Open),
    (Method::GET, "/api/openapi.json", Need::Open),
    (Method::GET, "/auth/login", Need::Open),
    (Method::GET, "/auth/callback", Need::Open),
    (Method::POST, "/auth/callback", Need::Open),
    (Method::POST, "/auth/logout", Need::Open),
    (Method::GET, "/api/me", Need::Member(None)),
    // The UI's settings (is Partner Center on): for people, not integrations.
    (Method::GET, "/api/config", Need::Member(None)),
    (
        Method::GET,
        "/api/leads",
        Need::Member(Some(Scope::LeadsRead)),
    ),
    (
        Method::GET,
        "/api/leads/{domain}",
        Need::Member(Some(Scope::LeadsRead)),
    ),
    (
        Method::GET,
        "/api/leads/{domain}/score-breakdown",
        Need::Member(Some(Scope::LeadsRead)),
    ),
    (
        Method::GET,
        "/api/dashboard/kpis",
        Need::Member(Some(Scope::LeadsRead)),
    ),
    (
        Method::GET,
        "/api/referrals",
        Need::Member(Some(Scope::LeadsRead)),
    ),
    (
        Method::GET,
        "/api/jobs/{job_id}",
        Need::Member(Some(Scope::LeadsRead)),
    ),
    (
        Method::GET,
        "/api/leads/export",
        Need::Member(Some(Scope::LeadsExport)),
    ),
    (
        Method::POST,
        "/api/ingest/domain",
        Need::Member(Some(Scope::Ingest)),
    ),
    (
        Method::POST,
        "/api/ingest/file",
        Need::Member(Some(Scope::Ingest)),
    ),
    (
        Method::POST,
        "/api/ingest/webhook",
        Need::Member(Some(Scope::Ingest)),
    ),
    (
        Method::POST,
        "/api/scan/domain",
        Need::Member(Some(Scope::Scan)),
    ),
    (
        Method::POST,
        "/api/scan/bulk",
        Need::Member(Some(Scope::Scan)),
    ),
    // `force: true` also needs Admin; the handler asks [`Principal::is_admin`].
    (
        Method::POST,
        "/api/referrals/sync",
        Need::Member(Some(Scope::ReferralsSync)),
    ),
    (Method::GET, "/api/admin/api-keys", Need::Admin),
    (Method::POST, "/api/admin/api-keys", Need::Admin),
    (Method::POST, "/api/admin/api-keys/{id}/revoke", Need::Admin),
    (Method::GET, "/api/admin/users", Need::Admin),
    (Method::POST, "/api/admin/users/{id}/disable", Need::Admin),
    (Method::POST, "/api/admin/users/{id}/enable", Need::Admin),
    (Method::GET, "/api/admin/audit", Need::Admin),
];

/// The row for a matched route. Unmatched requests (the UI's files, unknown paths answered
/// 404) are open; the docs are open by prefix; a matched route without a row is refused.
pub fn need(method: &Method, route: Option<&str>) -> Option<Need> {
    let Some(route) = route else {
        return Some(Need::Open);
    };
    if route == "/docs" || route.starts_with("/docs/") {
        return Some(Need::Open);
    }
    let method = match *method {
        Method::HEAD => &Method::GET,
        ref m => m,
    };
    let mut rows = ROUTES
        .iter()
        .filter(|(_, path, _)| *path == route)
        .peekable();
    // A known path asked with another method: the router answers 405 and nothing runs.
    rows.peek()?;
    Some(
        rows.find(|(m, _, _)| m == method)
            .map_or(Need::Open, |(_, _, need)| *need),
    )
}

/// The caller of a request that passed [`authorize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Local mode: whoever uses this machine, as Admin.
    Local,
    User(SignedInUser),
    ApiKey {
        id: String,
        scopes: Vec<Scope>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub admin: bool,
}

impl Principal {
    /// The actor written in the audit trail.
    pub fn actor(&self) -> String {
        match self {
            Principal::Local => "local".to_owned(),
            Principal::User(user) => user.id.clone(),
            Principal::ApiKey { id, .. } => format!("api_key:{id}"),
        }
    }

    pub fn is_admin(&self) -> bool {
        match self {
            Principal::Local => true,
            Principal::User(user) => user.admin,
            Principal::ApiKey { .. } => false,
        }
    }

    /// The API key's id, when a key made the request.
    pub fn api_key_id(&self) -> Option<&str> {
        match self {
            Principal::ApiKey { id, .. } => Some(id),
            _ => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Principal, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(unauthenticated)
    }
}

/// How the server decides who is asking; fixed at start.
#[derive(Debug)]
pub enum Access {
    Local,
    Entra(Box<EntraAccess>),
}

#[derive(Debug)]
pub struct EntraAccess {
    pub config: EntraConfig,
    pub cookies: CookieNames,
    pub trusted_proxies: Vec<IpNet>,
    pub rp: Arc<RelyingParty>,
}

/// `__Host-` cookies need `Secure`, which a browser refuses to set over plain http; on a
/// loopback http public URL (development, tests) the plain names are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieNames {
    pub session: &'static str,
    pub login: &'static str,
    pub secure: bool,
}

impl CookieNames {
    pub fn for_config(config: &EntraConfig) -> CookieNames {
        match config.is_loopback_http() {
            true => CookieNames {
                session: "hunter_session",
                login: "hunter_login",
                secure: false,
            },
            false => CookieNames {
                session: "__Host-hunter_session",
                login: "__Host-hunter_login",
                secure: true,
            },
        }
    }
}

/// The request's id and client address, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<RequestMeta, std::convert::Infallible> {
        Ok(parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Writes an audit event; a failed write is logged, never turned into a failed request.
pub async fn record(store: &Store, entry: AuditEntry) {
    let written = store
        .record_audit(&NewAuditEvent {
            event: entry.event,
            actor: &entry.actor,
            outcome: entry.outcome,
            target: entry.target.as_deref(),
            request_id: entry.meta.request_id.as_deref(),
            ip: entry.meta.ip.as_deref(),
            details: entry.details,
        })
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, event = entry.event, "audit event not written");
    }
}

/// [`record`] in the background: for refusals (not worth a write before answering) and for
/// exports, audited when their stream ends.
pub fn audit(store: &Store, entry: AuditEntry) {
    let store = store.clone();
    tokio::spawn(async move { record(&store, entry).await });
}

/// Records what `principal` did before the request is answered, so an answered request is
/// always in the trail.
pub async fn audit_success(
    store: &Store,
    principal: &Principal,
    meta: RequestMeta,
    event: &'static str,
    target: Option<String>,
    details: serde_json::Value,
) {
    let entry = AuditEntry {
        event,
        actor: principal.actor(),
        outcome: Outcome::Success,
        target,
        meta,
        details,
    };
    record(store, entry).await;
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub event: &'static str,
    pub actor: String,
    pub outcome: Outcome,
    pub target: Option<String>,
    pub meta: RequestMeta,
    pub details: serde_json::Value,
}

pub fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "sign in, or send an API key in X-API-Key",
        "oturum açın ya da X-API-Key başlığında bir API anahtarı gönderin",
    )
}

pub fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "you are signed in, but this needs a role or scope you do not have",
        "oturumunuz açık, ancak bu işlem sahip olmadığınız bir rol ya da kapsam gerektiriyor",
    )
}

pub fn cross_origin() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cross_origin",
        "requests that change data must come from Hunter's own pages",
        "veriyi değiştiren istekler yalnızca Hunter'ın kendi sayfalarından gelebilir",
    )
}

/// The one access check (a layer over every route).
pub async fn authorize(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let meta = request_meta(&request, &state.access);
    request.extensions_mut().insert(meta.clone());
    let need = need(request.method(), route.as_deref());
    let decided = match &*state.access {
        Access::Local => {
            local_guards(request.headers(), request.method()).map(|()| Principal::Local)
        }
        Access::Entra(entra) => match need {
            Some(Need::Open) => return next.run(request).await,
            _ => entra_principal(&state.store, entra, request.headers(), request.method()).await,
        },
    };
    let principal = match decided {
        Ok(p) => p,
        Err(refusal) => return refusal.into_response(),
    };
    let allowed = match need {
        None => {
            tracing::error!(
                route = route.as_deref().unwrap_or("-"),
                "route has no access row"
            );
            false
        }
        Some(need) => may(&principal, need),
    };
    if !allowed {
        audit(
            &state.store,
            AuditEntry {
                event: "access.denied",
                actor: principal.actor(),
                outcome: Outcome::Failure,
                target: route.clone(),
                meta,
                details: serde_json::json!({ "method": request.method().as_str() }),
            },
        );
        return forbidden().into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

fn may(principal: &Principal, need: Need) -> bool {
    match (principal, need) {
        (_, Need::Open) | (Principal::Local, _) => true,
        (Principal::User(user), Need::Admin) => user.admin,
        (Principal::User(_), Need::Member(_)) => true,
        (Principal::ApiKey { scopes, .. }, Need::Member(Some(scope))) => scopes.contains(&scope),
        (Principal::ApiKey { .. }, Need::Member(None) | Need::Admin) => false,
    }
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Local mode's guards: the page must be asked for by this machine's name (a foreign name is
/// DNS rebinding), with no proxy in between (a proxy means remote people), and writes must come
/// from Hunter's own pages.
fn local_guards(headers: &HeaderMap, method: &Method) -> Result<(), ApiError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(is_loopback_host) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "local_mode_host",
            "without sign-in Hunter answers only to localhost, 127.0.0.1 or [::1]",
            "oturum açma olmadan Hunter yalnızca localhost, 127.0.0.1 ya da [::1] adına yanıt verir",
        ));
    }
    let proxied = [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .iter()
    .any(|h| headers.contains_key(*h));
    if proxied {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "local_mode_proxied",
            "Hunter without sign-in does not answer through a proxy: set up sign-in with Microsoft (HUNTER_AUTH_MODE=entra)",
            "oturum açma olmadan Hunter bir vekil sunucu üzerinden yanıt vermez: Microsoft ile oturum açmayı kurun (HUNTER_AUTH_MODE=entra)",
        ));
    }
    let origin_ok = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None => true,
        Some(origin) => origin_host(origin).is_some_and(|o| Some(o) == host),
    };
    if is_write(method) && (is_cross_site(headers) || !origin_ok) {
        return Err(cross_origin());
    }
    Ok(())
}

fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        // `[::1]:8000`, `localhost:8000`; a bare `[::1]` has its colons inside the brackets.
        Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "[::1]"
    )
}

/// `host[:port]` of an `Origin` header value.
fn origin_host(origin: &str) -> Option<&str> {
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
}

/// A write sent by another site's page (`team.md` §2): `Sec-Fetch-Site: cross-site`, or an
/// `Origin` that is not Hunter's public URL.
pub fn is_foreign(headers: &HeaderMap, public_url: &str) -> bool {
    let foreign_origin = headers
        .get(header::ORIGIN)
        .is_some_and(|o| o.as_bytes() != public_url.as_bytes());
    is_cross_site(headers) || foreign_origin
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
}

async fn entra_principal(
    store: &Store,
    entra: &EntraAccess,
    headers: &HeaderMap,
    method: &Method,
) -> Result<Principal, ApiError> {
    if let Some(key) = presented_key(headers) {
        return key_principal(store, key).await;
    }
    let Some(token) = cookie(headers, entra.cookies.session) else {
        return Err(unauthenticated());
    };
    if is_write(method) && is_foreign(headers, &entra.config.public_url) {
        return Err(cross_origin());
    }
    let session = store
        .active_session(
            &sha256_hex(token),
            chrono::Duration::from_std(entra.config.session_idle_timeout)
                .unwrap_or(chrono::Duration::minutes(30)),
        )
        .await?
        .ok_or_else(unauthenticated)?;
    let admin = session.roles.contains(&entra.config.admin_role);
    if !admin && !session.roles.contains(&entra.config.user_role) {
        return Err(forbidden());
    }
    Ok(Principal::User(SignedInUser {
        id: session.user.id,
        name: session.user.display_name,
        email: session.user.email,
        roles: session.roles,
        admin,
    }))
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(key) = headers.get("x-api-key") {
        return Some(key.to_str().unwrap_or(""));
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        })
        .map(|(_, key)| key.trim())
}

async fn key_principal(store: &Store, key: &str) -> Result<Principal, ApiError> {
    let Some(presented) = PresentedApiKey::parse(key) else {
        return Err(unauthenticated());
    };
    let used = store
        .use_api_key(&presented.key_id, &presented.secret_sha256)
        .await?
        .ok_or_else(unauthenticated)?;
    if used.over_limit() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "this API key may make {} requests a minute; try again in {} s",
                used.rate_limit_per_minute, used.seconds_to_next_minute
            ),
            format!(
                "bu API anahtarı dakikada {} istek yapabilir; {} sn sonra yeniden deneyin",
                used.rate_limit_per_minute, used.seconds_to_next_minute
            ),
        )
        .with_retry_after(used.seconds_to_next_minute));
    }
    Ok(Principal::ApiKey {
        id: presented.key_id,
        scopes: used.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
    })
}

/// The value of one cookie of the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn request_meta(request: &Request, access: &Access) -> RequestMeta {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted: &[IpNet] = match access {
        Access::Local => &[],
        Access::Entra(entra) => &entra.trusted_proxies,
    };
    RequestMeta {
        request_id: request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: client_ip(peer, request.headers(), trusted).map(|ip| ip.to_string()),
    }
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the last address
/// `X-Forwarded-For` names that is not itself a trusted proxy.
fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|ip| ip.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .unwrap_or(peer),
    )
}

/// The access decision for the server's whole life, from its settings. Fails when the client
/// credential cannot be loaded.
pub fn from_mode(
    mode: hunter_engine::config::auth::AuthMode,
    trusted: Vec<IpNet>,
) -> Result<Arc<Access>, String> {
    Ok(Arc::new(match mode {
        hunter_engine::config::auth::AuthMode::Local => Access::Local,
        hunter_engine::config::auth::AuthMode::Entra(config) => {
            Access::Entra(Box::new(EntraAccess {
                cookies: CookieNames::for_config(&config),
                rp: Arc::new(RelyingParty::new((*config).clone())?),
                config: *config,
                trusted_proxies: trusted,
            }))
        }
    }))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_hosts_local_mode_answers_to() {
        for (host, ok) in [
            ("localhost", true),
            ("localhost:8000", true),
            ("LOCALHOST:8000", true),
            ("127.0.0.1:8000", true),
            ("[::1]:8000", true),
            ("[::1]", true),
            ("127.0.0.2:8000", false),
            ("evil.example:8000", false),
            ("localhost.evil.example", false),
            ("", false),
        ] {
            assert_eq!(is_loopback_host(host), ok, "{host}");
        }
    }

    #[test]
    fn every_row_is_found_unknown_routes_are_refused_and_wrong_methods_reach_the_405() {
        for (method, path, want) in ROUTES {
            assert_eq!(need(method, Some(path)), Some(*want), "{method} {path}");
        }
        assert_eq!(need(&Method::HEAD, Some("/healthz")), Some(Need::Open));
        assert_eq!(need(&Method::DELETE, Some("/api/leads")), Some(Need::Open));
        assert_eq!(need(&Method::GET, Some("/api/secret")), None);
        assert_eq!(need(&Method::GET, None), Some(Need::Open));
        assert_eq!(need(&Method::GET, Some("/docs/{*rest}")), Some(Need::Open));
    }

    #[test]
    fn every_api_route_has_its_row() {
        let (_, doc) = crate::api::routes().split_for_parts();
        let mut checked = 0;
        for (path, item) in &doc.paths.paths {
            let operations = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, present) in operations {
                if present {
                    assert!(
                        need(&method, Some(path)).is_some(),
                        "{method} {path} has no row"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 20, "only {checked} operations documented");
    }

    #[test]
    fn keys_reach_only_their_scopes_and_never_admin_routes() {
        let key = Principal::ApiKey {
            id: "K".into(),
            scopes: vec![Scope::Ingest],
        };
        assert!(may(&key, Need::Member(Some(Scope::Ingest))));
        assert!(!may(&key, Need::Member(Some(Scope::LeadsRead))));
        assert!(!may(&key, Need::Member(None)));
        assert!(!may(&key, Need::Admin));
        let user = |admin| {
            Principal::User(SignedInUser {
                id: "u".into(),
                name: "U".into(),
                email: None,
                roles: vec![],
                admin,
            })
        };
        assert!(may(&user(false), Need::Member(Some(Scope::Scan))));
        assert!(!may(&user(false), Need::Admin));
        assert!(may(&user(true), Need::Admin));
        assert!(may(&Principal::Local, Need::Admin));
    }

    #[test]
    fn the_client_address_is_believed_from_trusted_proxies_only() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.5"),
        );
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "10.0.0.7".parse().unwrap();
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            client_ip(Some(proxy), &headers, &trusted),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            client_ip(Some(stranger), &headers, &trusted),
            Some(stranger)
        );
        assert_eq!(client_ip(Some(proxy), &headers, &[]), Some(proxy));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; hunter_session=abc; hunter_session_x=zzz"),
        );
        assert_eq!(cookie(&headers, "hunter_session"), Some("abc"));
        assert_eq!(cookie(&headers, "hunter_login"), None);
    }
}
