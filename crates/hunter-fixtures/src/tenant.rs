//! A fake Microsoft Entra OpenID-configuration endpoint for tenant discovery.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Answers `GET /{domain}/v2.0/.well-known/openid-configuration` on 127.0.0.1 like
/// `login.microsoftonline.com`: 200 with the tenant's `issuer` for known domains, 400 with an
/// `AADSTS90002` error for unknown ones. Stops when dropped.
pub struct TenantServer {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

struct State {
    /// Lowercase domain → tenant GUID.
    tenants: HashMap<String, String>,
    delay: Duration,
    requests: Arc<AtomicUsize>,
}

impl TenantServer {
    /// Serves `tenants` (domain → tenant GUID) without delay.
    pub async fn start<I, D, G>(tenants: I) -> TenantServer
    where
        I: IntoIterator<Item = (D, G)>,
        D: Into<String>,
        G: Into<String>,
    {
        TenantServer::start_with_delay(tenants, Duration::ZERO).await
    }

    /// Serves `tenants`, waiting `delay` before each answer (for deadline tests).
    pub async fn start_with_delay<I, D, G>(tenants: I, delay: Duration) -> TenantServer
    where
        I: IntoIterator<Item = (D, G)>,
        D: Into<String>,
        G: Into<String>,
    {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the tenant server on 127.0.0.1");
        let addr = listener.local_addr().expect("listener has a local address");
        let requests = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(State {
            tenants: tenants
                .into_iter()
                .map(|(d, g)| (d.into().to_ascii_lowercase(), g.into()))
                .collect(),
            delay,
            requests: requests.clone(),
        });
        let accept = tokio::spawn(accept_loop(listener, state));
        TenantServer {
            addr,
            requests,
            accept,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The authority base URL to configure (`HUNTER_PARTNER_CENTER_AUTHORITY_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests arrived so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TenantServer {
    fn drop(&mut self) {
        // Aborting the accept task drops its JoinSet, which aborts open connections too.
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        connections.spawn(serve(stream, state.clone()));
        while connections.try_join_next().is_some() {}
    }
}

/// One request per connection, answered with `Connection: close`.
async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 16 * 1024 {
            return;
        }
    }
    state.requests.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&buf);
    let mut request_line = head.lines().next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default();
    let path = request_line.next().unwrap_or_default();
    let (status, body) = respond(&state, method, path);
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json; charset=utf-8\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // The client may have gone (deadline); nothing to do about a failed write.
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn respond(state: &State, method: &str, path: &str) -> (&'static str, String) {
    let domain = path
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix("/v2.0/.well-known/openid-configuration"))
        .filter(|d| !d.is_empty() && !d.contains('/'));
    let Some(domain) = domain.filter(|_| method == "GET") else {
        return ("404 Not Found", String::from("{}"));
    };
    match state.tenants.get(&domain.to_ascii_lowercase()) {
        Some(guid) => ("200 OK", openid_configuration(guid)),
        None => ("400 Bad Request", tenant_not_found(domain)),
    }
}

fn openid_configuration(guid: &str) -> String {
    let base = "https://login.microsoftonline.com";
    format!(
        r#"{{"token_endpoint":"{base}/{guid}/oauth2/v2.0/token","token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt","client_secret_basic"],"jwks_uri":"{base}/{guid}/discovery/v2.0/keys","response_modes_supported":["query","fragment","form_post"],"subject_types_supported":["pairwise"],"id_token_signing_alg_values_supported":["RS256"],"response_types_supported":["code","id_token","code id_token","id_token token"],"scopes_supported":["openid","profile","email","offline_access"],"issuer":"{base}/{guid}/v2.0","request_uri_parameter_supported":false,"userinfo_endpoint":"https://graph.microsoft.com/oidc/userinfo","authorization_endpoint":"{base}/{guid}/oauth2/v2.0/authorize","device_authorization_endpoint":"{base}/{guid}/oauth2/v2.0/devicecode","http_logout_supported":true,"frontchannel_logout_supported":true,"end_session_endpoint":"{base}/{guid}/oauth2/v2.0/logout","claims_supported":["sub","iss","cloud_instance_name","cloud_instance_host_name","cloud_graph_host_name","msgraph_host","aud","exp","iat","auth_time","acr","nonce","preferred_username","name","tid","ver","at_hash","c_hash","email"],"kerberos_endpoint":"{base}/{guid}/kerberos","tenant_region_scope":"EU","cloud_instance_name":"microsoftonline.com","cloud_graph_host_name":"graph.windows.net","msgraph_host":"graph.microsoft.com","rbac_url":"https://pas.windows.net"}}"#
    )
}

fn tenant_not_found(domain: &str) -> String {
    format!(
        r#"{{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant '{domain}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant. Trace ID: 00000000-0000-0000-0000-000000000000 Correlation ID: 00000000-0000-0000-0000-000000000000 Timestamp: 2026-01-01 00:00:00Z","error_codes":[90002],"timestamp":"2026-01-01 00:00:00Z","trace_id":"00000000-0000-0000-0000-000000000000","correlation_id":"00000000-0000-0000-0000-000000000000","error_uri":"https://login.microsoftonline.com/error?code=90002"}}"#
    )
}
