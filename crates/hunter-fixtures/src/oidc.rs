//! A fake Microsoft Entra ID OpenID Connect provider for sign-in tests (`team.md` §2; `notes/auth.md`
//! §1 and "What a faithful local fake IdP must do").
//!
//! Entra's paths under `{base}/{tenant}`: discovery, authorize (`query`, `fragment`, `form_post`),
//! token (authorization code + PKCE; a client secret in the body or by Basic, or a certificate
//! assertion), JWKS and logout. It is strict where Entra is lenient (nonce and S256 required) unless
//! [`FakeIdp::set_strict`] says otherwise, and every defect a relying party must catch can be
//! ordered with [`FakeIdp::forge_next`].
//!
//! ```no_run
//! use hunter_fixtures::{AuthorizeAnswer, FakeIdp, IdpClient, IdpCredential, IdpUser};
//! # async fn demo(login_location: &str) {
//! let idp = FakeIdp::start().await;
//! idp.register_client(IdpClient {
//!     client_id: "hunter".into(),
//!     redirect_uris: vec!["http://127.0.0.1:8080/auth/callback".into()],
//!     post_logout_redirect_uris: vec!["http://127.0.0.1:8080/".into()],
//!     credential: IdpCredential::Secret("secret".into()),
//! });
//! idp.sign_in_as(Some(IdpUser::member("0b1c…", "Ayşe Yılmaz", &["Hunter.User"])));
//! // Hunter runs with HUNTER_AUTH_AUTHORITY_URL = idp.authority() and
//! // HUNTER_AUTH_TENANT_ID = FakeIdp::TENANT; its /auth/login redirect is `login_location`.
//! let answer = hunter_fixtures::follow_authorize(login_location).await;
//! if let AuthorizeAnswer::FormPost { action, fields } = &answer {
//!     println!("POST {fields:?} to {action} (Hunter's callback) with the login cookie");
//! }
//! # }
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, RsaKeyPair, RsaPublicKeyComponents, UnparsedPublicKey};
use ring::{digest, hmac};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;
use url::form_urlencoded;
use uuid::Uuid;

/// A test client certificate (self-signed X.509) and its PKCS#8 key, for `private_key_jwt`.
pub mod test_client_cert {
    use std::path::PathBuf;

    pub const CERT_PEM: &str = include_str!("../keys/client.cert.pem");
    pub const KEY_PEM: &str = include_str!("../keys/client.key.pem");

    /// The committed certificate file, for `HUNTER_AUTH_CLIENT_CERT_PATH`.
    pub fn cert_path() -> PathBuf {
        super::key_file("client.cert.pem")
    }

    /// The committed key file, for `HUNTER_AUTH_CLIENT_KEY_PATH`.
    pub fn key_path() -> PathBuf {
        super::key_file("client.key.pem")
    }
}

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("keys")
        .join(name)
}

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ID_TOKEN_LIFETIME_SECS: i64 = 3600;
const ACCESS_TOKEN_LIFETIME_SECS: i64 = 3599;
/// Entra caps a client assertion's lifetime at 10 minutes (certificate-credentials).
const MAX_ASSERTION_LIFETIME_SECS: i64 = 600;
/// Entra tolerates clock skew of about 5 minutes on an assertion's `nbf`.
const ASSERTION_NBF_LEEWAY_SECS: i64 = 300;
/// Well past any relying party's skew (Hunter's is 300 s), so a time forgery is unambiguous.
const FORGED_TIME_SHIFT_SECS: i64 = 3600;
const REDACTED: &str = "[redacted]";
/// Parameters that are credentials or one-time secrets, never kept in [`FakeIdp::requests`].
const SECRET_PARAMS: [&str; 5] = [
    "client_secret",
    "client_assertion",
    "code",
    "code_verifier",
    "id_token_hint",
];

/// The IdP signing keys: two published at start, one for [`FakeIdp::rotate_signing_key`] and one
/// that is never published ([`Forgery::UnknownKey`]). Parsed once per process: ring checks each
/// RSA key, which is slow in debug builds.
static KEYS: LazyLock<Vec<IdpKey>> = LazyLock::new(|| {
    [
        (
            include_str!("../keys/idp-1.key.pem"),
            include_str!("../keys/idp-1.cert.pem"),
        ),
        (
            include_str!("../keys/idp-2.key.pem"),
            include_str!("../keys/idp-2.cert.pem"),
        ),
        (
            include_str!("../keys/idp-3.key.pem"),
            include_str!("../keys/idp-3.cert.pem"),
        ),
        (
            include_str!("../keys/idp-unpublished.key.pem"),
            include_str!("../keys/idp-unpublished.cert.pem"),
        ),
    ]
    .into_iter()
    .map(|(key, cert)| IdpKey::load(key, cert))
    .collect()
});
const ROTATION_KEY: usize = 2;
const UNPUBLISHED_KEY: usize = 3;

struct IdpKey {
    kid: String,
    pair: RsaKeyPair,
    /// `{kty, use, kid, x5t, n, e, x5c}`; the JWKS adds `issuer` per tenant, as Entra does.
    jwk: Value,
    /// The public key as PEM, the "secret" a confused HS256 verifier would use.
    public_pem: String,
}

impl IdpKey {
    fn load(key_pem: &str, cert_pem: &str) -> IdpKey {
        let pair = RsaKeyPair::from_pkcs8(&pem_der(key_pem, "PRIVATE KEY"))
            .expect("committed IdP key is PKCS#8 RSA");
        let cert = pem_der(cert_pem, "CERTIFICATE");
        // Entra's `kid` is the certificate's SHA-1 thumbprint, the same as `x5t`.
        let kid = b64url(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &cert));
        let public: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "kid": kid,
            "x5t": kid,
            "n": b64url(&public.n),
            "e": b64url(&public.e),
            "x5c": [STANDARD.encode(&cert)],
        });
        let spki = cert_spki(&cert).expect("committed IdP certificate is X.509 DER");
        IdpKey {
            kid,
            pair,
            jwk,
            public_pem: pem_encode("PUBLIC KEY", spki),
        }
    }

    fn sign_rs256(&self, input: &[u8]) -> Vec<u8> {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input,
                &mut sig,
            )
            .expect("RSA signing succeeds");
        sig
    }
}

/// An app registration.
#[derive(Debug, Clone)]
pub struct IdpClient {
    pub client_id: String,
    /// Compared byte for byte, as Entra does (case, trailing slash, port, query).
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub credential: IdpCredential,
}

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone)]
pub enum IdpCredential {
    /// `client_secret_post` or `client_secret_basic`.
    Secret(String),
    /// `private_key_jwt`: an assertion signed by this certificate's key, named by `x5t#S256`.
    Certificate { cert_pem: String },
}

/// The person who signs in at the next authorize request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpUser {
    pub oid: String,
    /// The home tenant; tokens for a tenant-specific authority carry that tenant instead.
    pub tid: String,
    pub name: String,
    pub preferred_username: String,
    /// Sent as `email` only when set and the `email` scope was asked for.
    pub email: Option<String>,
    /// App roles; the `roles` claim is left out when empty, as Entra does.
    pub roles: Vec<String>,
}

impl IdpUser {
    /// A member of [`FakeIdp::TENANT`] with a username and e-mail made from `name`.
    pub fn member(oid: &str, name: &str, roles: &[&str]) -> IdpUser {
        let local: String = name
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                c if c.is_whitespace() => Some('.'),
                c if c.is_ascii_alphanumeric() => Some(c),
                _ => None,
            })
            .collect();
        let local = if local.is_empty() {
            oid
        } else {
            local.as_str()
        };
        let username = format!("{local}@hunter-test.example");
        IdpUser {
            oid: oid.to_owned(),
            tid: FakeIdp::TENANT.to_owned(),
            name: name.to_owned(),
            preferred_username: username.clone(),
            email: Some(username),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}

/// A defect put into the next ID token issued, one each; the rest of the token is normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// Signed by a key whose `kid` the JWKS never lists.
    UnknownKey,
    /// `alg: none` and an empty signature.
    AlgNone,
    /// `alg: HS256`, HMAC keyed with the signing key's public key PEM (algorithm confusion).
    Hs256WithPublicKey,
    /// `iss` and `tid` of [`FakeIdp::OTHER_TENANT`], validly signed.
    OtherTenant,
    /// Only `tid` names [`FakeIdp::OTHER_TENANT`]; `iss` is right.
    WrongTenantClaim,
    /// `aud` is another application's id.
    WrongAudience,
    /// `exp` an hour ago.
    Expired,
    /// `nbf` an hour ahead.
    NotYetValid,
    /// `iat` an hour ahead (`nbf` is now).
    IssuedInFuture,
    /// No `nonce` claim.
    NoNonce,
    /// A `nonce` other than the one sent.
    ForeignNonce,
    /// The v1 issuer `https://sts.windows.net/{tid}/` of the right tenant.
    WrongIssuer,
    /// No `roles` claim although the user has roles.
    NoRoles,
}

/// One request as the fake received it, secrets replaced by `[redacted]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// The body's fields when it was `application/x-www-form-urlencoded`.
    pub form: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// The `Authorization` scheme (e.g. `Basic`), never its value.
    pub authorization_scheme: Option<String>,
}

impl IdpRequest {
    /// A parameter from the query or else the form.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(&self.form)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One call of the logout endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpLogout {
    pub tenant: String,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    /// Whether the browser was sent to `post_logout_redirect_uri`.
    pub redirected: bool,
}

/// Serves Entra's OpenID Connect endpoints on 127.0.0.1, scriptable per test. Clones share one
/// server; it stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeIdp {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

struct ServerTask(JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Shared {
    base: String,
    state: Mutex<IdpState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, IdpState> {
        // A panicking test thread must not hide the state from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct IdpState {
    clients: HashMap<String, Client>,
    user: Option<IdpUser>,
    forgeries: VecDeque<Forgery>,
    authorize_failures: VecDeque<String>,
    code_lifetime: Duration,
    clock_offset_secs: i64,
    strict: bool,
    down: bool,
    /// Indexes into [`KEYS`], in JWKS order.
    published: Vec<usize>,
    signing: usize,
    codes: HashMap<String, Code>,
    seen_jti: HashSet<String>,
    requests: Vec<IdpRequest>,
    logouts: Vec<IdpLogout>,
    jwks_fetches: usize,
    discovery_fetches: usize,
    codes_issued: usize,
    codes_redeemed: usize,
}

impl IdpState {
    /// The IdP's clock: real time shifted by [`FakeIdp::set_clock_offset`].
    fn now(&self) -> SystemTime {
        let shift = Duration::from_secs(self.clock_offset_secs.unsigned_abs());
        if self.clock_offset_secs >= 0 {
            SystemTime::now() + shift
        } else {
            SystemTime::now() - shift
        }
    }
}

struct Client {
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    credential: Credential,
}

enum Credential {
    Secret(String),
    Certificate {
        /// base64url SHA-256 of the certificate DER, as `x5t#S256` carries it.
        thumbprint: String,
        /// PKCS#1 RSAPublicKey DER.
        public_key: Vec<u8>,
    },
}

/// What an authorization code stands for.
struct Code {
    tenant: String,
    client_id: String,
    redirect_uri: String,
    challenge: Option<Challenge>,
    nonce: Option<String>,
    scope: String,
    user: IdpUser,
    sid: String,
    expires_at: SystemTime,
    used: bool,
}

struct Challenge {
    s256: bool,
    value: String,
}

#[derive(Clone, Copy)]
enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

impl FakeIdp {
    /// The tenant Hunter is configured for.
    pub const TENANT: &str = "5f0c8e2a-3b71-4d9a-9e64-2c8b1a7d4e35";
    /// Another organisation's tenant, for cross-tenant tests.
    pub const OTHER_TENANT: &str = "b93d6a14-7e28-4c05-a1f9-6d2e0c8b3f71";

    /// Strict, no clients, nobody signed in, codes live 600 s, keys 1 and 2 published, 1 signs.
    pub async fn start() -> FakeIdp {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the fake IdP on 127.0.0.1");
        let addr: SocketAddr = listener.local_addr().expect("listener has a local address");
        let shared = Arc::new(Shared {
            base: format!("http://{addr}"),
            state: Mutex::new(IdpState {
                clients: HashMap::new(),
                user: None,
                forgeries: VecDeque::new(),
                authorize_failures: VecDeque::new(),
                code_lifetime: Duration::from_secs(600),
                clock_offset_secs: 0,
                strict: true,
                down: false,
                published: vec![0, 1],
                signing: 0,
                codes: HashMap::new(),
                seen_jti: HashSet::new(),
                requests: Vec::new(),
                logouts: Vec::new(),
                jwks_fetches: 0,
                discovery_fetches: 0,
                codes_issued: 0,
                codes_redeemed: 0,
            }),
        });
        let app = Router::new()
            .route(
                "/{tenant}/v2.0/.well-known/openid-configuration",
                get(discovery),
            )
            .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/{tenant}/discovery/v2.0/keys", get(jwks))
            .route("/{tenant}/oauth2/v2.0/logout", get(logout).post(logout))
            .layer(middleware::from_fn_with_state(shared.clone(), record))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            // The server only ends with the test; an accept error then is of no interest.
            let _ = axum::serve(listener, app).await;
        });
        FakeIdp {
            shared,
            _server: Arc::new(ServerTask(server)),
        }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base_url(&self) -> String {
        self.shared.base.clone()
    }

    /// The authority to configure (`HUNTER_AUTH_AUTHORITY_URL`): the base URL, without a tenant.
    pub fn authority(&self) -> String {
        self.base_url()
    }

    /// `{base}/{TENANT}/v2.0`, byte-equal to the `iss` of the tokens it issues.
    pub fn issuer(&self) -> String {
        format!("{}/{}/v2.0", self.shared.base, Self::TENANT)
    }

    /// `{base}/{TENANT}/v2.0/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer())
    }

    /// `{base}/{TENANT}/oauth2/v2.0/authorize`.
    pub fn authorize_endpoint(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/authorize",
            self.shared.base,
            Self::TENANT
        )
    }

    /// `{base}/{TENANT}/oauth2/v2.0/token`, the `aud` a client assertion must name.
    pub fn token_endpoint(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.shared.base, Self::TENANT)
    }

    /// Adds or replaces an app registration. Panics on a certificate that is not PEM X.509 RSA.
    pub fn register_client(&self, client: IdpClient) {
        let credential = match client.credential {
            IdpCredential::Secret(secret) => Credential::Secret(secret),
            IdpCredential::Certificate { cert_pem } => {
                let der = pem_der(&cert_pem, "CERTIFICATE");
                let public_key = cert_spki(&der)
                    .and_then(spki_rsa_key)
                    .expect("client certificate holds an RSA key")
                    .to_vec();
                Credential::Certificate {
                    thumbprint: b64url(digest::digest(&digest::SHA256, &der)),
                    public_key,
                }
            }
        };
        self.shared.lock().clients.insert(
            client.client_id,
            Client {
                redirect_uris: client.redirect_uris,
                post_logout_redirect_uris: client.post_logout_redirect_uris,
                credential,
            },
        );
    }

    /// Who signs in at the next authorize requests; `None` makes them answer `access_denied`
    /// (`login_required` with `prompt=none`).
    pub fn sign_in_as(&self, user: Option<IdpUser>) {
        self.shared.lock().user = user;
    }

    /// Puts `forgery` into the next ID token issued; several calls queue one per token.
    pub fn forge_next(&self, forgery: Forgery) {
        self.shared.lock().forgeries.push_back(forgery);
    }

    /// The next authorize request that could redirect answers with `error` instead
    /// (e.g. `server_error`, `temporarily_unavailable`, `access_denied`).
    pub fn fail_next_authorize(&self, error: &str) {
        self.shared
            .lock()
            .authorize_failures
            .push_back(error.to_owned());
    }

    /// Lifetime of codes issued from now on (Entra: about 10 minutes).
    pub fn set_code_lifetime(&self, lifetime: Duration) {
        self.shared.lock().code_lifetime = lifetime;
    }

    /// Shifts the IdP's clock (token times, code expiry, assertion checks) by `seconds`.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.shared.lock().clock_offset_secs = seconds;
    }

    /// Strict (the default) requires `nonce` and an S256 `code_challenge`; lenient accepts what
    /// Entra accepts (no nonce, no PKCE, or `plain`).
    pub fn set_strict(&self, strict: bool) {
        self.shared.lock().strict = strict;
    }

    /// Publishes the third key and signs with it from now on; the old keys stay published.
    /// Returns its `kid`.
    pub fn rotate_signing_key(&self) -> String {
        let mut state = self.shared.lock();
        if !state.published.contains(&ROTATION_KEY) {
            state.published.push(ROTATION_KEY);
        }
        state.signing = ROTATION_KEY;
        KEYS[ROTATION_KEY].kid.clone()
    }

    /// Stops publishing `kid` (tokens it still signs then carry an unknown `kid`). Returns whether
    /// it was published.
    pub fn drop_key(&self, kid: &str) -> bool {
        let mut state = self.shared.lock();
        let before = state.published.len();
        state.published.retain(|&i| KEYS[i].kid != kid);
        state.published.len() != before
    }

    /// The `kid` that signs ID tokens now.
    pub fn signing_kid(&self) -> String {
        KEYS[self.shared.lock().signing].kid.clone()
    }

    /// The `kid`s the JWKS lists now.
    pub fn published_kids(&self) -> Vec<String> {
        let state = self.shared.lock();
        state
            .published
            .iter()
            .map(|&i| KEYS[i].kid.clone())
            .collect()
    }

    pub fn jwks_fetches(&self) -> usize {
        self.shared.lock().jwks_fetches
    }

    pub fn discovery_fetches(&self) -> usize {
        self.shared.lock().discovery_fetches
    }

    /// Every request received so far (also while down), in order.
    pub fn requests(&self) -> Vec<IdpRequest> {
        self.shared.lock().requests.clone()
    }

    pub fn codes_issued(&self) -> usize {
        self.shared.lock().codes_issued
    }

    /// Codes that were exchanged for tokens.
    pub fn codes_redeemed(&self) -> usize {
        self.shared.lock().codes_redeemed
    }

    pub fn logouts(&self) -> Vec<IdpLogout> {
        self.shared.lock().logouts.clone()
    }

    /// While down, every endpoint answers 503 (requests are still recorded).
    pub fn set_down(&self, down: bool) {
        self.shared.lock().down = down;
    }
}

/// Records the request, then answers 503 when down.
async fn record(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let form = if is_form(&parts.headers) {
        redact(pairs(&body))
    } else {
        Vec::new()
    };
    let authorization_scheme = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_whitespace().next())
        .map(str::to_owned);
    let down = {
        let mut state = shared.lock();
        state.requests.push(IdpRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: redact(pairs(parts.uri.query().unwrap_or("").as_bytes())),
            form,
            content_type,
            authorization_scheme,
        });
        state.down
    };
    if down {
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

fn redact(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            if SECRET_PARAMS.contains(&k.as_str()) {
                (k, REDACTED.to_owned())
            } else {
                (k, v)
            }
        })
        .collect()
}

async fn discovery(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    if !known_tenant(&tenant) {
        return tenant_not_found(&shared, &tenant);
    }
    let methods = {
        let mut state = shared.lock();
        state.discovery_fetches += 1;
        if state.strict {
            json!(["S256"])
        } else {
            json!(["plain", "S256"])
        }
    };
    let base = &shared.base;
    let tenant_url = format!("{base}/{tenant}");
    axum::Json(json!({
        "token_endpoint": format!("{tenant_url}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported":
            ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{tenant_url}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": discovery_issuer(base, &tenant),
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{tenant_url}/oauth2/v2.0/authorize"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{tenant_url}/oauth2/v2.0/logout"),
        "claims_supported": [
            "sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
            "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr",
            "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email",
        ],
        // Entra leaves this out; the fake lists what it enforces so a client can check for S256.
        "code_challenge_methods_supported": methods,
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
    }))
    .into_response()
}

async fn jwks(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    if !known_tenant(&tenant) {
        return tenant_not_found(&shared, &tenant);
    }
    let issuer = discovery_issuer(&shared.base, &tenant);
    let mut state = shared.lock();
    state.jwks_fetches += 1;
    let keys: Vec<Value> = state
        .published
        .iter()
        .map(|&i| {
            let mut jwk = KEYS[i].jwk.clone();
            jwk["issuer"] = json!(issuer);
            jwk
        })
        .collect();
    axum::Json(json!({ "keys": keys })).into_response()
}

async fn authorize(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match single_valued(pairs(query.unwrap_or_default().as_bytes())) {
        Ok(params) => params,
        Err(name) => {
            return error_page(
                "AADSTS90015",
                &format!("Requested query string is invalid: '{name}' appears more than once."),
            );
        }
    };
    if !known_tenant(&tenant) {
        return error_page("AADSTS90002", &format!("Tenant '{tenant}' not found."));
    }
    let get = |name: &str| params.get(name).map(String::as_str);
    let mut state = shared.lock();
    let client_id = get("client_id").unwrap_or_default();
    let Some(client) = state.clients.get(client_id) else {
        return error_page(
            "AADSTS700016",
            &format!(
                "Application with identifier '{client_id}' was not found in the directory \
                 '{tenant}'."
            ),
        );
    };
    // Never redirect to a URI that is not registered byte for byte (RFC 6749 §4.1.2.1).
    let redirect_uri = match get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        uri => {
            return error_page(
                "AADSTS50011",
                &format!(
                    "The redirect URI '{}' specified in the request does not match the redirect \
                     URIs configured for the application '{client_id}'.",
                    uri.unwrap_or_default()
                ),
            );
        }
    };
    let (mode, bad_mode) = match get("response_mode") {
        None | Some("query") => (ResponseMode::Query, None),
        Some("fragment") => (ResponseMode::Fragment, None),
        Some("form_post") => (ResponseMode::FormPost, None),
        Some(other) => (ResponseMode::Query, Some(other.to_owned())),
    };
    let reply = |fields: Vec<(&str, String)>| {
        let mut fields = fields;
        if let Some(s) = get("state") {
            fields.push(("state", s.to_owned()));
        }
        deliver(mode, &redirect_uri, fields)
    };
    let fail = |error: &str, description: &str| {
        reply(vec![
            ("error", error.to_owned()),
            ("error_description", description.to_owned()),
        ])
    };
    if let Some(mode) = bad_mode {
        return fail(
            "invalid_request",
            &format!("AADSTS900144: The response_mode '{mode}' is not supported."),
        );
    }
    if let Some(error) = state.authorize_failures.pop_front() {
        return fail(error.as_str(), "AADSTS90000: Injected by the test.");
    }
    if get("response_type") != Some("code") {
        return fail(
            "unsupported_response_type",
            "AADSTS700054: Only response_type 'code' is enabled for the application.",
        );
    }
    let scope = get("scope").unwrap_or_default().to_owned();
    if !scope.split(' ').any(|s| s == "openid") {
        return fail(
            "invalid_scope",
            "AADSTS70011: The provided value for the input parameter 'scope' must contain \
             'openid' for an ID token.",
        );
    }
    let nonce = get("nonce").map(str::to_owned);
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, _) => None,
        (Some(value), Some("S256")) if is_s256_challenge(value) => Some(Challenge {
            s256: true,
            value: value.to_owned(),
        }),
        // RFC 7636 §4.3: no method means plain.
        (Some(value), None | Some("plain")) if is_verifier(value) && !state.strict => {
            Some(Challenge {
                s256: false,
                value: value.to_owned(),
            })
        }
        _ => {
            return fail(
                "invalid_request",
                "AADSTS501491: Invalid size of Code_Challenge parameter or unsupported \
                 code_challenge_method.",
            );
        }
    };
    if state.strict && nonce.is_none() {
        return fail(
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'nonce'.",
        );
    }
    if state.strict && challenge.is_none() {
        return fail(
            "invalid_request",
            "AADSTS9002325: Proof Key for Code Exchange is required for this request.",
        );
    }
    let Some(user) = state.user.clone() else {
        return if get("prompt") == Some("none") {
            fail(
                "login_required",
                "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            )
        } else {
            fail(
                "access_denied",
                "AADSTS65004: User declined to consent to access the app.",
            )
        };
    };
    let code = format!("1.A{}", random_b64url(48));
    let expires_at = state.now() + state.code_lifetime;
    state.codes.insert(
        code.clone(),
        Code {
            tenant,
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.clone(),
            challenge,
            nonce,
            scope,
            user,
            sid: Uuid::new_v4().to_string(),
            expires_at,
            used: false,
        },
    );
    state.codes_issued += 1;
    reply(vec![("code", code)])
}

/// Sends the browser back to the client as `response_mode` says.
fn deliver(mode: ResponseMode, redirect_uri: &str, fields: Vec<(&str, String)>) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return error_page(
            "AADSTS50011",
            &format!("The registered redirect URI '{redirect_uri}' is not a URL."),
        );
    };
    match mode {
        ResponseMode::Query => {
            url.query_pairs_mut().extend_pairs(&fields);
        }
        ResponseMode::Fragment => {
            let fragment = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&fields)
                .finish();
            url.set_fragment(Some(&fragment));
        }
        ResponseMode::FormPost => {
            // Entra's page: a hidden form posted by script, with a button when script is off.
            let inputs: String = fields
                .iter()
                .map(|(name, value)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\" />",
                        html_escape(name),
                        html_escape(value)
                    )
                })
                .collect();
            return Html(format!(
                "<html><head><title>Working...</title></head><body><form method=\"POST\" \
                 name=\"hiddenform\" action=\"{}\">{inputs}<noscript><p>Script is disabled. \
                 Click Submit to continue.</p><input type=\"submit\" value=\"Submit\" />\
                 </noscript></form><script language=\"javascript\">\
                 document.forms[0].submit();</script></body></html>",
                html_escape(redirect_uri)
            ))
            .into_response();
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut state = shared.lock();
    let now = state.now();
    let bad_request = |error: &str, code: u32, description: &str| {
        entra_error(StatusCode::BAD_REQUEST, error, code, description, now)
    };
    if !is_form(&headers) {
        return bad_request(
            "invalid_request",
            900144,
            "AADSTS900144: The request body must be application/x-www-form-urlencoded.",
        );
    }
    let in_query = pairs(query.unwrap_or_default().as_bytes());
    if in_query
        .iter()
        .any(|(k, _)| SECRET_PARAMS.contains(&k.as_str()))
    {
        return bad_request(
            "invalid_request",
            90023,
            "AADSTS90023: Credentials and codes must not be sent in the query string.",
        );
    }
    let params = match single_valued(pairs(&body)) {
        Ok(params) => params,
        Err(name) => {
            return bad_request(
                "invalid_request",
                90015,
                &format!("AADSTS90015: The parameter '{name}' appears more than once."),
            );
        }
    };
    if !known_tenant(&tenant) {
        return bad_request(
            "invalid_request",
            90002,
            &format!("AADSTS90002: Tenant '{tenant}' not found."),
        );
    }
    let token_url = format!("{}/{tenant}/oauth2/v2.0/token", shared.base);
    let client_id = match authenticate(&mut state, &token_url, &headers, &params, now) {
        Ok(id) => id,
        Err((code, description)) => {
            return entra_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                code,
                &format!("AADSTS{code}: {description}"),
                now,
            );
        }
    };
    let get = |name: &str| params.get(name).map(String::as_str);
    if get("grant_type") != Some("authorization_code") {
        return bad_request(
            "unsupported_grant_type",
            70003,
            "AADSTS70003: The app requested an unsupported grant type.",
        );
    }
    let invalid_grant =
        |code: u32, description: &str| bad_request("invalid_grant", code, description);
    let Some(code) = get("code").and_then(|c| state.codes.get_mut(c)) else {
        return invalid_grant(
            70000,
            "AADSTS70000: The provided value for the 'code' parameter is not valid.",
        );
    };
    // Another client must not be able to burn this client's code.
    if code.client_id != client_id {
        return invalid_grant(
            70000,
            "AADSTS70000: The code was issued to another application.",
        );
    }
    if code.used {
        return invalid_grant(
            54005,
            "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new \
             valid code.",
        );
    }
    // Any attempt by the right client uses the code up, so a guessed verifier gets one try.
    code.used = true;
    if code.tenant != tenant {
        return invalid_grant(
            70000,
            "AADSTS70000: The code was issued for another tenant.",
        );
    }
    if now >= code.expires_at {
        return invalid_grant(
            70008,
            "AADSTS70008: The provided authorization code or refresh token has expired.",
        );
    }
    if get("redirect_uri") != Some(code.redirect_uri.as_str()) {
        return invalid_grant(
            500112,
            "AADSTS500112: The reply address does not match the reply address provided when \
             requesting the authorization code.",
        );
    }
    if let Some(challenge) = &code.challenge {
        let matches = get("code_verifier").is_some_and(|verifier| {
            is_verifier(verifier)
                && if challenge.s256 {
                    b64url(digest::digest(&digest::SHA256, verifier.as_bytes())) == challenge.value
                } else {
                    verifier == challenge.value
                }
        });
        if !matches {
            return invalid_grant(
                50148,
                "AADSTS50148: The code_verifier does not match the code_challenge supplied in the \
                 authorization request for PKCE.",
            );
        }
    }
    let (user, nonce, scope, sid) = (
        code.user.clone(),
        code.nonce.clone(),
        code.scope.clone(),
        code.sid.clone(),
    );
    state.codes_redeemed += 1;
    let claims = TokenClaims {
        tenant: &tenant,
        client_id: &client_id,
        user: &user,
        nonce: nonce.as_deref(),
        scope: &scope,
        sid: &sid,
    };
    let id_token = id_token(&mut state, &shared.base, &claims, now);
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": ACCESS_TOKEN_LIFETIME_SECS,
            "ext_expires_in": ACCESS_TOKEN_LIFETIME_SECS,
            "access_token": random_b64url(64),
            "id_token": id_token,
        })),
    )
        .into_response()
}

/// Exactly one client authentication; returns the client id, or an AADSTS code and message.
fn authenticate(
    state: &mut IdpState,
    token_url: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    now: SystemTime,
) -> Result<String, (u32, String)> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| basic_credentials(v.to_str().unwrap_or_default()));
    let secret = params.get("client_secret");
    let assertion =
        params.contains_key("client_assertion") || params.contains_key("client_assertion_type");
    let methods = usize::from(authorization.is_some())
        + usize::from(secret.is_some())
        + usize::from(assertion);
    match methods {
        0 => {
            return Err((
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or \
                 'client_secret'."
                    .to_owned(),
            ));
        }
        1 => {}
        _ => {
            return Err((
                7000219,
                "More than one client authentication method was sent.".to_owned(),
            ));
        }
    }
    let form_client_id = params.get("client_id");
    if let Some(basic) = authorization {
        let (id, secret) =
            basic.ok_or((7000216, "Malformed Basic client authentication.".to_owned()))?;
        if form_client_id.is_some_and(|c| *c != id) {
            return Err((
                700021,
                "The client_id does not match the Basic credentials.".to_owned(),
            ));
        }
        return check_secret(state, &id, &secret).map(|()| id);
    }
    if let Some(secret) = secret {
        let id = form_client_id.ok_or((
            900144,
            "The request body must contain the following parameter: 'client_id'.".to_owned(),
        ))?;
        return check_secret(state, id, secret).map(|()| id.clone());
    }
    check_assertion(state, token_url, params, now)
}

/// `Authorization: Basic` with the id and secret form-urlencoded (RFC 6749 §2.3.1).
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

fn check_secret(state: &IdpState, client_id: &str, secret: &str) -> Result<(), (u32, String)> {
    match state.clients.get(client_id).map(|c| &c.credential) {
        None => Err((
            700016,
            format!("Application with identifier '{client_id}' was not found."),
        )),
        Some(Credential::Secret(registered)) if registered == secret => Ok(()),
        Some(_) => Err((7000215, "Invalid client secret provided.".to_owned())),
    }
}

/// `private_key_jwt` as Entra checks it (certificate-credentials).
fn check_assertion(
    state: &mut IdpState,
    token_url: &str,
    params: &HashMap<String, String>,
    now: SystemTime,
) -> Result<String, (u32, String)> {
    let invalid = |code: u32, message: &str| (code, message.to_owned());
    if params.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
        return Err(invalid(
            700024,
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        ));
    }
    let jwt = params
        .get("client_assertion")
        .ok_or_else(|| invalid(900144, "client_assertion is missing."))?;
    let malformed = || invalid(700025, "The client assertion is not a well-formed JWT.");
    let (input, sig) = jwt.rsplit_once('.').ok_or_else(malformed)?;
    let (header, payload) = input.split_once('.').ok_or_else(malformed)?;
    let decode = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let (header, claims) = decode(header).zip(decode(payload)).ok_or_else(malformed)?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| malformed())?;
    let algorithm: &'static dyn signature::VerificationAlgorithm = match header["alg"].as_str() {
        Some("PS256") => &signature::RSA_PSS_2048_8192_SHA256,
        Some("RS256") => &signature::RSA_PKCS1_2048_8192_SHA256,
        _ => {
            return Err(invalid(
                700027,
                "The client assertion must be PS256 or RS256.",
            ));
        }
    };
    let iss = claims["iss"].as_str().unwrap_or_default();
    if claims["sub"].as_str() != Some(iss) {
        return Err(invalid(
            700023,
            "The assertion's iss and sub must both be the client id.",
        ));
    }
    if params.get("client_id").is_some_and(|c| c != iss) {
        return Err(invalid(
            700021,
            "The client assertion's issuer does not match client_id.",
        ));
    }
    let Some(Client {
        credential:
            Credential::Certificate {
                thumbprint,
                public_key,
            },
        ..
    }) = state.clients.get(iss)
    else {
        return Err(invalid(
            700027,
            "The client has no certificate credential registered.",
        ));
    };
    if header["x5t#S256"].as_str() != Some(thumbprint.as_str()) {
        return Err(invalid(
            700027,
            "The assertion's x5t#S256 names no registered certificate.",
        ));
    }
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(input.as_bytes(), &sig)
        .map_err(|_| invalid(700027, "Client assertion failed signature validation."))?;
    let aud_ok = match &claims["aud"] {
        Value::String(aud) => aud == token_url,
        Value::Array(auds) => auds.iter().any(|a| a.as_str() == Some(token_url)),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid(
            700016,
            "The assertion's aud must be this tenant's token endpoint.",
        ));
    }
    let now = unix(now);
    let exp = claims["exp"].as_i64().unwrap_or(i64::MIN);
    let start = claims["nbf"].as_i64().or(claims["iat"].as_i64());
    let in_range = start.is_some_and(|start| {
        exp > now
            && exp - start <= MAX_ASSERTION_LIFETIME_SECS
            && start <= now + ASSERTION_NBF_LEEWAY_SECS
    });
    if !in_range {
        return Err(invalid(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    let jti = claims["jti"]
        .as_str()
        .ok_or_else(|| invalid(700025, "The client assertion has no jti."))?;
    if !state.seen_jti.insert(format!("{iss}\n{jti}")) {
        return Err(invalid(
            7000215,
            "The client assertion was already used (jti).",
        ));
    }
    Ok(iss.to_owned())
}

struct TokenClaims<'a> {
    tenant: &'a str,
    client_id: &'a str,
    user: &'a IdpUser,
    nonce: Option<&'a str>,
    scope: &'a str,
    sid: &'a str,
}

/// An Entra v2.0 ID token, with the next queued forgery applied.
fn id_token(state: &mut IdpState, base: &str, t: &TokenClaims<'_>, now: SystemTime) -> String {
    let forgery = state.forgeries.pop_front();
    let now = unix(now);
    // A tenant-specific authority issues for that tenant (members and guests alike); `common`
    // and `organizations` issue for the user's home tenant.
    let tid = if is_guid(t.tenant) {
        t.tenant
    } else {
        &t.user.tid
    };
    let scopes: Vec<&str> = t.scope.split(' ').collect();
    let mut claims = Map::new();
    let mut set = |name: &str, value: Value| {
        claims.insert(name.to_owned(), value);
    };
    set("ver", json!("2.0"));
    set("iss", json!(format!("{base}/{tid}/v2.0")));
    set("aud", json!(t.client_id));
    set("iat", json!(now));
    set("nbf", json!(now));
    set("exp", json!(now + ID_TOKEN_LIFETIME_SECS));
    set("tid", json!(tid));
    set("sub", json!(pairwise_sub(&t.user.oid, t.client_id)));
    set("sid", json!(t.sid));
    set("uti", json!(random_b64url(16)));
    set("aio", json!(random_b64url(48)));
    if let Some(nonce) = t.nonce {
        set("nonce", json!(nonce));
    }
    if scopes.contains(&"profile") {
        set("oid", json!(t.user.oid));
        set("name", json!(t.user.name));
        set("preferred_username", json!(t.user.preferred_username));
    }
    if let Some(email) = t.user.email.as_ref().filter(|_| scopes.contains(&"email")) {
        set("email", json!(email));
    }
    if !t.user.roles.is_empty() {
        set("roles", json!(t.user.roles));
    }
    let other_issuer = format!("{base}/{}/v2.0", FakeIdp::OTHER_TENANT);
    match forgery {
        Some(Forgery::OtherTenant) => {
            set("iss", json!(other_issuer));
            set("tid", json!(FakeIdp::OTHER_TENANT));
        }
        Some(Forgery::WrongTenantClaim) => set("tid", json!(FakeIdp::OTHER_TENANT)),
        Some(Forgery::WrongAudience) => set("aud", json!(Uuid::new_v4().to_string())),
        Some(Forgery::Expired) => {
            let iat = now - 2 * FORGED_TIME_SHIFT_SECS;
            set("iat", json!(iat));
            set("nbf", json!(iat));
            set("exp", json!(now - FORGED_TIME_SHIFT_SECS));
        }
        Some(Forgery::NotYetValid) => {
            set("nbf", json!(now + FORGED_TIME_SHIFT_SECS));
            set("exp", json!(now + 2 * FORGED_TIME_SHIFT_SECS));
        }
        Some(Forgery::IssuedInFuture) => {
            set("iat", json!(now + FORGED_TIME_SHIFT_SECS));
            set("exp", json!(now + 2 * FORGED_TIME_SHIFT_SECS));
        }
        Some(Forgery::NoNonce) => {
            claims.remove("nonce");
        }
        Some(Forgery::ForeignNonce) => set("nonce", json!(random_b64url(16))),
        Some(Forgery::WrongIssuer) => set("iss", json!(format!("https://sts.windows.net/{tid}/"))),
        Some(Forgery::NoRoles) => {
            claims.remove("roles");
        }
        Some(Forgery::UnknownKey | Forgery::AlgNone | Forgery::Hs256WithPublicKey) | None => {}
    }
    let key = match forgery {
        Some(Forgery::UnknownKey) => &KEYS[UNPUBLISHED_KEY],
        _ => &KEYS[state.signing],
    };
    let alg = match forgery {
        Some(Forgery::AlgNone) => "none",
        Some(Forgery::Hs256WithPublicKey) => "HS256",
        _ => "RS256",
    };
    let mut header = json!({ "typ": "JWT", "alg": alg });
    if alg != "none" {
        header["kid"] = json!(key.kid);
    }
    let input = format!(
        "{}.{}",
        b64url(header.to_string()),
        b64url(Value::Object(claims).to_string())
    );
    let sig = match alg {
        "none" => Vec::new(),
        "HS256" => {
            let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, key.public_pem.as_bytes());
            hmac::sign(&hmac_key, input.as_bytes()).as_ref().to_vec()
        }
        _ => key.sign_rs256(input.as_bytes()),
    };
    format!("{input}.{}", b64url(sig))
}

/// Entra's `sub`: stable per user and application, different across applications.
fn pairwise_sub(oid: &str, client_id: &str) -> String {
    b64url(digest::digest(
        &digest::SHA256,
        format!("{client_id}\n{oid}").as_bytes(),
    ))
}

async fn logout(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut all = pairs(query.unwrap_or_default().as_bytes());
    if is_form(&headers) {
        all.extend(pairs(&body));
    }
    let get = |name: &str| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    // The client is named by client_id, else by the aud of id_token_hint, as Entra does.
    let client_id = get("client_id").or_else(|| {
        let hint = get("id_token_hint")?;
        let payload = URL_SAFE_NO_PAD.decode(hint.split('.').nth(1)?).ok()?;
        let claims: Value = serde_json::from_slice(&payload).ok()?;
        claims["aud"].as_str().map(str::to_owned)
    });
    let (redirect_uri, state_param) = (get("post_logout_redirect_uri"), get("state"));
    let mut state = shared.lock();
    let registered = redirect_uri.as_ref().is_some_and(|uri| {
        client_id
            .as_ref()
            .and_then(|id| state.clients.get(id))
            .is_some_and(|c| c.post_logout_redirect_uris.contains(uri))
    });
    state.logouts.push(IdpLogout {
        tenant,
        client_id,
        post_logout_redirect_uri: redirect_uri.clone(),
        state: state_param.clone(),
        redirected: registered,
    });
    match redirect_uri {
        None => Html(
            "<html><head><title>Sign out</title></head><body><p>You signed out of your account.\
             </p></body></html>",
        )
        .into_response(),
        Some(uri) if registered => {
            let fields: Vec<(&str, String)> =
                state_param.into_iter().map(|s| ("state", s)).collect();
            deliver(ResponseMode::Query, &uri, fields)
        }
        Some(uri) => error_page(
            "AADSTS50011",
            &format!("The post_logout_redirect_uri '{uri}' is not registered for the application."),
        ),
    }
}

/// What a browser got from the authorize endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeAnswer {
    /// 302 to this URL (`query` or `fragment` mode, answers and errors alike).
    Redirect(Url),
    /// 200 with an auto-submitting form (`form_post`): POST `fields` to `action`.
    FormPost {
        action: String,
        fields: Vec<(String, String)>,
    },
    /// Anything else, such as the 400 page for an unknown client or redirect URI.
    Page { status: u16, body: String },
}

impl AuthorizeAnswer {
    /// `code`, `state`, `error`… from the redirect's query or fragment, or the form's fields.
    pub fn param(&self, name: &str) -> Option<String> {
        let found = |pairs: Vec<(String, String)>| {
            pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
        };
        match self {
            AuthorizeAnswer::Redirect(url) => found(pairs(url.query().unwrap_or("").as_bytes()))
                .or_else(|| found(pairs(url.fragment().unwrap_or("").as_bytes()))),
            AuthorizeAnswer::FormPost { fields, .. } => found(fields.clone()),
            AuthorizeAnswer::Page { .. } => None,
        }
    }
}

/// The browser's step: GET `authorize_url` (as a client's login redirect gives it) without
/// following redirects, and tell what the IdP answered.
pub async fn follow_authorize(authorize_url: &str) -> AuthorizeAnswer {
    // reqwest panics without a process-wide rustls provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // A proxy from the environment must not see (or swallow) loopback test traffic.
        .no_proxy()
        .build()
        .expect("build an HTTP client");
    let response = client
        .get(authorize_url)
        .send()
        .await
        .expect("the authorize endpoint answers");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.expect("a text body");
    if let (302, Some(location)) = (status, location) {
        return AuthorizeAnswer::Redirect(Url::parse(&location).expect("Location is a URL"));
    }
    if status == 200 && body.contains("name=\"hiddenform\"") {
        return parse_form_post(&body);
    }
    AuthorizeAnswer::Page { status, body }
}

/// Reads the page [`deliver`] writes for `form_post`.
fn parse_form_post(body: &str) -> AuthorizeAnswer {
    let attribute = |tag: &str, name: &str| {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let len = tag[start..].find('"')?;
        Some(html_unescape(&tag[start..start + len]))
    };
    let form = body
        .split("<form")
        .nth(1)
        .and_then(|s| s.split('>').next())
        .unwrap_or_default();
    let fields = body
        .split("<input type=\"hidden\"")
        .skip(1)
        .filter_map(|tag| {
            let tag = tag.split("/>").next()?;
            Some((attribute(tag, "name")?, attribute(tag, "value")?))
        })
        .collect();
    AuthorizeAnswer::FormPost {
        action: attribute(form, "action").unwrap_or_default(),
        fields,
    }
}

/// Entra's error page: HTTP 400, no redirect.
fn error_page(code: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<html><head><title>Sign in to your account</title></head><body><h1>Sorry, but \
             we're having trouble signing you in.</h1><p>{code}: {}</p></body></html>",
            html_escape(message)
        )),
    )
        .into_response()
}

/// Entra's JSON error body (`error_codes`, `trace_id`, `correlation_id`, `timestamp`).
fn entra_error(
    status: StatusCode,
    error: &str,
    code: u32,
    description: &str,
    now: SystemTime,
) -> Response {
    let trace_id = Uuid::new_v4().to_string();
    let correlation_id = Uuid::new_v4().to_string();
    let timestamp = chrono::DateTime::<chrono::Utc>::from(now)
        .format("%Y-%m-%d %H:%M:%SZ")
        .to_string();
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({
            "error": error,
            "error_description": format!(
                "{description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n\
                 Timestamp: {timestamp}"
            ),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        })),
    )
        .into_response()
}

fn tenant_not_found(shared: &Shared, tenant: &str) -> Response {
    entra_error(
        StatusCode::BAD_REQUEST,
        "invalid_tenant",
        90002,
        &format!("AADSTS90002: Tenant '{tenant}' not found."),
        shared.lock().now(),
    )
}

fn known_tenant(tenant: &str) -> bool {
    [
        FakeIdp::TENANT,
        FakeIdp::OTHER_TENANT,
        "common",
        "organizations",
    ]
    .contains(&tenant)
}

fn is_guid(tenant: &str) -> bool {
    tenant.len() == 36 && Uuid::try_parse(tenant).is_ok()
}

/// For `common` and `organizations` Entra publishes the literal `{tenantid}` template.
fn discovery_issuer(base: &str, tenant: &str) -> String {
    if is_guid(tenant) {
        format!("{base}/{tenant}/v2.0")
    } else {
        format!("{base}/{{tenantid}}/v2.0")
    }
}

/// S256 challenges are BASE64URL(SHA-256), always 43 characters (RFC 7636 §4.2).
fn is_s256_challenge(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

/// 43–128 unreserved characters (RFC 7636 §4.1).
fn is_verifier(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn pairs(input: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(input).into_owned().collect()
}

/// OAuth parameters must not repeat (RFC 6749 §3.1); returns the first repeated name.
fn single_valued(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, String> {
    let mut map = HashMap::new();
    for (k, v) in pairs {
        if map.contains_key(&k) {
            return Err(k);
        }
        map.insert(k, v);
    }
    Ok(map)
}

fn unix(time: SystemTime) -> i64 {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn random_b64url(len: usize) -> String {
    let mut bytes = vec![0; len];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system RNG works");
    b64url(bytes)
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The DER inside the first `-----BEGIN {label}-----` block. Panics on bad input (test data).
fn pem_der(pem: &str, label: &str) -> Vec<u8> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = pem
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(body, _)| body)
        .unwrap_or_else(|| panic!("no {label} PEM block"));
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(b64)
        .unwrap_or_else(|e| panic!("{label} PEM is not base64: {e}"))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// One DER element (tag, length, contents) and the input after it.
struct Der<'a> {
    tag: u8,
    contents: &'a [u8],
    whole: &'a [u8],
    rest: &'a [u8],
}

fn der_next(input: &[u8]) -> Option<Der<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some(Der {
        tag,
        contents: &rest[..len],
        whole: &input[..header + len],
        rest: &rest[len..],
    })
}

/// An X.509 certificate's SubjectPublicKeyInfo (RFC 5280 §4.1), without a full parser.
fn cert_spki(cert: &[u8]) -> Option<&[u8]> {
    let certificate = der_next(cert)?.contents;
    let mut rest = der_next(certificate)?.contents; // tbsCertificate
    if rest.first() == Some(&0xA0) {
        rest = der_next(rest)?.rest; // [0] version
    }
    for _ in 0..5 {
        rest = der_next(rest)?.rest; // serial, signature, issuer, validity, subject
    }
    Some(der_next(rest)?.whole)
}

/// The PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo, which ring verifies with.
fn spki_rsa_key(spki: &[u8]) -> Option<&[u8]> {
    let info = der_next(spki)?.contents;
    let algorithm = der_next(info)?;
    let key = der_next(algorithm.rest)?;
    if key.tag != 0x03 {
        return None; // not a BIT STRING
    }
    key.contents.strip_prefix(&[0])
}
