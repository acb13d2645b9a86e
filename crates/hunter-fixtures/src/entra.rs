//! A fake Microsoft Entra sign-in endpoint: device code flow and refresh tokens
//! (`partner-center-api.md` §15, §17).

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// What the token endpoint answers to one device-code poll, when scripted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    Pending,
    SlowDown,
    Declined,
    Expired,
    BadVerificationCode,
    /// The user finished signing in: this poll gets the tokens.
    Approve,
}

/// Which endpoint a recorded request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntraEndpoint {
    DeviceCode,
    Token,
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct EntraRequest {
    pub at: Instant,
    pub endpoint: EntraEndpoint,
    /// The `{tenant}` path segment.
    pub tenant: String,
    pub form: HashMap<String, String>,
}

impl EntraRequest {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.get(name).map(String::as_str)
    }

    pub fn grant_type(&self) -> Option<&str> {
        self.field("grant_type")
    }
}

/// Whether the fake would accept an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Valid,
    Expired,
    Unknown,
}

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Answers `POST /{tenant}/oauth2/v2.0/devicecode` and `/token` on 127.0.0.1 like
/// `login.microsoftonline.com`, scriptable per test. Clones share one server; it stops when the
/// last clone is dropped.
#[derive(Clone)]
pub struct FakeEntra {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

pub(crate) struct Shared {
    state: Mutex<EntraState>,
}

struct ServerTask(JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct EntraState {
    interval_secs: u64,
    expires_in_secs: u64,
    access_token_lifetime: Duration,
    public_client_flows: bool,
    numbers_as_strings: bool,
    script: VecDeque<PollOutcome>,
    /// device_code → its sign-in.
    device_codes: HashMap<String, DeviceCode>,
    /// access token → when it stops being valid.
    access_tokens: HashMap<String, Instant>,
    /// refresh token → still usable.
    refresh_tokens: HashMap<String, bool>,
    requests: Vec<EntraRequest>,
}

struct DeviceCode {
    user_code: String,
    status: DeviceStatus,
    expires_at: Instant,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DeviceStatus {
    Pending,
    Approved,
    Declined,
    Expired,
    /// Tokens were issued; a device code is good for one sign-in only.
    Redeemed,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, EntraState> {
        // A panicking test thread must not hide the state from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn token_state(&self, token: &str) -> TokenState {
        match self.lock().access_tokens.get(token) {
            Some(until) if *until > Instant::now() => TokenState::Valid,
            Some(_) => TokenState::Expired,
            None => TokenState::Unknown,
        }
    }
}

impl FakeEntra {
    /// Defaults as Entra's: `interval` 5 s, `expires_in` 900 s, access tokens for 3600 s.
    pub async fn start() -> FakeEntra {
        let shared = Arc::new(Shared {
            state: Mutex::new(EntraState {
                interval_secs: 5,
                expires_in_secs: 900,
                access_token_lifetime: Duration::from_secs(3600),
                public_client_flows: true,
                numbers_as_strings: false,
                script: VecDeque::new(),
                device_codes: HashMap::new(),
                access_tokens: HashMap::new(),
                refresh_tokens: HashMap::new(),
                requests: Vec::new(),
            }),
        });
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/devicecode", post(device_code))
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .with_state(shared.clone());
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the fake Entra on 127.0.0.1");
        let addr = listener.local_addr().expect("listener has a local address");
        let server = tokio::spawn(async move {
            // The server only ends with the test; an accept error then is of no interest.
            let _ = axum::serve(listener, app).await;
        });
        FakeEntra {
            addr,
            shared,
            _server: Arc::new(ServerTask(server)),
        }
    }

    /// The authority base URL to configure (`HUNTER_PARTNER_CENTER_AUTHORITY_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// The `interval` (seconds) handed out with new device codes.
    pub fn set_interval(&self, secs: u64) {
        self.shared.lock().interval_secs = secs;
    }

    /// The `expires_in` (seconds) handed out with new device codes.
    pub fn set_device_code_expires_in(&self, secs: u64) {
        self.shared.lock().expires_in_secs = secs;
    }

    /// Lifetime of access tokens issued from now on; `expires_in` says the same (whole seconds).
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        self.shared.lock().access_token_lifetime = lifetime;
    }

    /// With `false`, token requests fail as for an app without "Allow public client flows".
    pub fn set_public_client_flows(&self, enabled: bool) {
        self.shared.lock().public_client_flows = enabled;
    }

    /// Sends `expires_in` and `interval` as strings, as the older v1 endpoint does.
    pub fn set_numbers_as_strings(&self, enabled: bool) {
        self.shared.lock().numbers_as_strings = enabled;
    }

    /// The next device-code polls get these answers, in order, whatever the code's state.
    pub fn script_polls(&self, outcomes: impl IntoIterator<Item = PollOutcome>) {
        self.shared.lock().script.extend(outcomes);
    }

    /// The user finished signing in with `user_code`. Returns whether such a code was pending.
    pub fn approve(&self, user_code: &str) -> bool {
        self.set_status(user_code, DeviceStatus::Approved)
    }

    /// The user declined the sign-in with `user_code`.
    pub fn decline(&self, user_code: &str) -> bool {
        self.set_status(user_code, DeviceStatus::Declined)
    }

    fn set_status(&self, user_code: &str, status: DeviceStatus) -> bool {
        let mut state = self.shared.lock();
        let found = state
            .device_codes
            .values_mut()
            .find(|d| d.user_code == user_code && d.status == DeviceStatus::Pending);
        match found {
            Some(code) => {
                code.status = status;
                true
            }
            None => false,
        }
    }

    /// Every access token issued so far is expired from now on.
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for until in self.shared.lock().access_tokens.values_mut() {
            *until = now;
        }
    }

    /// Every refresh token issued so far is revoked (password change, administrator action).
    pub fn revoke_refresh_tokens(&self) {
        for usable in self.shared.lock().refresh_tokens.values_mut() {
            *usable = false;
        }
    }

    pub fn token_state(&self, access_token: &str) -> TokenState {
        self.shared.token_state(access_token)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<EntraRequest> {
        self.shared.lock().requests.clone()
    }

    /// When each device-code poll arrived.
    pub fn poll_times(&self) -> Vec<Instant> {
        self.requests_with_grant(DEVICE_CODE_GRANT)
    }

    /// The shortest time between two device-code polls, if there were two.
    pub fn min_poll_gap(&self) -> Option<Duration> {
        min_gap(&self.poll_times())
    }

    /// How many refresh-token requests arrived.
    pub fn refresh_count(&self) -> usize {
        self.requests_with_grant("refresh_token").len()
    }

    fn requests_with_grant(&self, grant: &str) -> Vec<Instant> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.endpoint == EntraEndpoint::Token && r.grant_type() == Some(grant))
            .map(|r| r.at)
            .collect()
    }
}

async fn device_code(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = shared.lock();
    state.requests.push(EntraRequest {
        at: Instant::now(),
        endpoint: EntraEndpoint::DeviceCode,
        tenant,
        form: form.clone(),
    });
    if form.get("client_id").is_none_or(String::is_empty) {
        return entra_error(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    }
    if form.get("scope").is_none_or(String::is_empty) {
        return entra_error(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    let device_code = format!("DAQABAAEAAA{}", Uuid::new_v4().simple());
    let user_code = Uuid::new_v4().simple().to_string()[..9].to_ascii_uppercase();
    let expires_at = Instant::now() + Duration::from_secs(state.expires_in_secs);
    state.device_codes.insert(
        device_code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            status: DeviceStatus::Pending,
            expires_at,
        },
    );
    let verification_uri = "https://microsoft.com/devicelogin";
    let message = format!(
        "To sign in, use a web browser to open the page {verification_uri} and enter the code \
         {user_code} to authenticate."
    );
    let (expires_in, interval) = (state.expires_in_secs, state.interval_secs);
    let mut body = json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": expires_in,
        "interval": interval,
        "message": message,
    });
    if state.numbers_as_strings {
        body["expires_in"] = json!(expires_in.to_string());
        body["interval"] = json!(interval.to_string());
    }
    Json(body).into_response()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = shared.lock();
    state.requests.push(EntraRequest {
        at: Instant::now(),
        endpoint: EntraEndpoint::Token,
        tenant,
        form: form.clone(),
    });
    if !state.public_client_flows {
        return entra_error(
            "invalid_client",
            7000218,
            "AADSTS7000218: The request body must contain the following parameter: \
             'client_assertion' or 'client_secret'.",
        );
    }
    if form.get("client_id").is_none_or(String::is_empty) {
        return entra_error(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    }
    match form.get("grant_type").map(String::as_str) {
        Some(DEVICE_CODE_GRANT) => poll(&mut state, form.get("device_code")),
        Some("refresh_token") => refresh(&mut state, form.get("refresh_token")),
        _ => entra_error(
            "unsupported_grant_type",
            70003,
            "AADSTS70003: The app requested an unsupported grant type.",
        ),
    }
}

fn poll(state: &mut EntraState, device_code: Option<&String>) -> Response {
    let Some(code) = device_code.and_then(|c| state.device_codes.get_mut(c)) else {
        return bad_verification_code();
    };
    if code.expires_at <= Instant::now() && code.status == DeviceStatus::Pending {
        code.status = DeviceStatus::Expired;
    }
    let outcome = match state.script.pop_front() {
        Some(outcome) => outcome,
        None => match code.status {
            DeviceStatus::Pending => PollOutcome::Pending,
            DeviceStatus::Approved => PollOutcome::Approve,
            DeviceStatus::Declined => PollOutcome::Declined,
            DeviceStatus::Expired => PollOutcome::Expired,
            DeviceStatus::Redeemed => {
                return entra_error(
                    "invalid_grant",
                    70000,
                    "AADSTS70000: The provided value for the 'device_code' has already been used.",
                );
            }
        },
    };
    match outcome {
        PollOutcome::Pending => entra_error(
            "authorization_pending",
            70016,
            "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ),
        PollOutcome::SlowDown => entra_error(
            "slow_down",
            70016,
            "AADSTS70016: Polling too fast. Slow down.",
        ),
        PollOutcome::Declined => {
            code.status = DeviceStatus::Declined;
            entra_error(
                "authorization_declined",
                70000,
                "AADSTS70000: The user declined the authorization request.",
            )
        }
        PollOutcome::Expired => {
            code.status = DeviceStatus::Expired;
            entra_error(
                "expired_token",
                70019,
                "AADSTS70019: Verification code expired.",
            )
        }
        PollOutcome::BadVerificationCode => bad_verification_code(),
        PollOutcome::Approve => {
            code.status = DeviceStatus::Redeemed;
            issue_tokens(state)
        }
    }
}

fn refresh(state: &mut EntraState, refresh_token: Option<&String>) -> Response {
    let usable = refresh_token.and_then(|t| state.refresh_tokens.get(t).copied());
    if usable != Some(true) {
        return entra_error(
            "invalid_grant",
            700082,
            "AADSTS700082: The refresh token has expired or was revoked.",
        );
    }
    // Entra leaves the old refresh token usable; the client keeps only the newest (§15.3).
    issue_tokens(state)
}

fn issue_tokens(state: &mut EntraState) -> Response {
    let access_token = format!("eyJ0eXAiOiJKV1Qi.{}", Uuid::new_v4().simple());
    let refresh_token = format!("1.AQEA{}", Uuid::new_v4().simple());
    let lifetime = state.access_token_lifetime;
    state
        .access_tokens
        .insert(access_token.clone(), Instant::now() + lifetime);
    state.refresh_tokens.insert(refresh_token.clone(), true);
    let expires_in = lifetime.as_secs();
    let expires_in = if state.numbers_as_strings {
        json!(expires_in.to_string())
    } else {
        json!(expires_in)
    };
    Json(json!({
        "token_type": "Bearer",
        "scope": "https://api.partner.microsoft.com/user_impersonation",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
        "refresh_token": refresh_token,
    }))
    .into_response()
}

fn bad_verification_code() -> Response {
    entra_error(
        "bad_verification_code",
        70000,
        "AADSTS70000: The provided value for the 'device_code' is not valid.",
    )
}

/// Entra's HTTP 400 error body (§15.2).
fn entra_error(error: &str, code: u32, description: &str) -> Response {
    let trace_id = Uuid::new_v4();
    let correlation_id = Uuid::new_v4();
    let timestamp = "2026-01-01 00:00:00Z";
    let body: Value = json!({
        "error": error,
        "error_description": format!(
            "{description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id.to_string(),
        "correlation_id": correlation_id.to_string(),
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// The shortest gap between consecutive instants.
pub(crate) fn min_gap(times: &[Instant]) -> Option<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).min()
}
