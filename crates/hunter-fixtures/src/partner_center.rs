//! A fake Partner Center Referrals API (`partner-center-api.md` §1–§7, §17) that accepts the
//! access tokens a [`FakeEntra`] issued.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::entra::{FakeEntra, Shared as EntraShared, TokenState, min_gap};

/// The largest page the service hands out (§5).
const MAX_TOP: usize = 100;
/// Fields `$filter` may compare (§4); anything else is refused with 400 `invalidRequest`.
const FILTER_FIELDS: &[&str] = &[
    "status",
    "substatus",
    "type",
    "direction",
    "qualification",
    "engagementId",
    "customerProfile/address/country",
];

/// A scripted answer to one request, given before the token is even looked at (a throttling
/// gateway answers first).
#[derive(Debug, Clone)]
pub enum Fault {
    /// `status` with the Microsoft error envelope carrying `code`, and `Retry-After` when given
    /// (seconds or an HTTP date, sent as written).
    Status {
        status: u16,
        code: String,
        retry_after: Option<String>,
    },
    /// 200 with a body that is not JSON.
    NotJson,
    /// 200 with an envelope that lacks `value`.
    NoValue,
    /// Waits this long, then answers normally (for client timeouts).
    Delay(Duration),
}

impl Fault {
    /// 429 with `Retry-After: {retry_after}`.
    pub fn throttled(retry_after: &str) -> Fault {
        Fault::Status {
            status: 429,
            code: String::from("tooManyRequests"),
            retry_after: Some(retry_after.to_owned()),
        }
    }

    /// 503 `serviceNotAvailable`, with `Retry-After` when given.
    pub fn unavailable(retry_after: Option<&str>) -> Fault {
        Fault::Status {
            status: 503,
            code: String::from("serviceNotAvailable"),
            retry_after: retry_after.map(str::to_owned),
        }
    }

    /// `status` with the error envelope carrying `code`, no `Retry-After`.
    pub fn status(status: u16, code: &str) -> Fault {
        Fault::Status {
            status,
            code: code.to_owned(),
            retry_after: None,
        }
    }
}

/// What `@odata.nextLink` looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextLinks {
    /// `{base}/v1.0/engagements/referrals?$skiptoken=…`.
    Absolute,
    /// The shape of Microsoft's own documentation example: `http://` and no `/engagements`
    /// (the fake serves that path too).
    Malformed,
    /// Points at another host, e.g. `evil.example:8443`; a client must not follow it.
    ForeignHost(String),
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub at: Instant,
    pub method: String,
    pub path: String,
    /// The raw query string, still URL-encoded.
    pub query: Option<String>,
    pub headers: HeaderMap,
    /// The status the fake answered with; 0 while the answer is still being made.
    pub status: u16,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The bearer token sent, if any.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
    }

    /// One decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(self.query.as_deref())
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// Answers the Referrals API on 127.0.0.1, serving the referrals a test gives as JSON values.
/// Clones share one server; it stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakePartnerCenter {
    addr: SocketAddr,
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
    base_url: String,
    entra: Arc<EntraShared>,
    state: Mutex<ApiState>,
}

struct ApiState {
    referrals: Vec<Value>,
    faults: HashMap<usize, Fault>,
    next_links: NextLinks,
    filter_honoured: bool,
    cursors: HashMap<String, Cursor>,
    requests: Vec<RecordedRequest>,
}

/// Where a paged listing stands; a `$skiptoken` names one.
#[derive(Clone)]
struct Cursor {
    filter: Vec<(String, String)>,
    order: Option<(String, bool)>,
    top: usize,
    offset: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, ApiState> {
        // A panicking test thread must not hide the state from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FakePartnerCenter {
    /// Serves no referrals yet; accepts only tokens `entra` issued and still considers valid.
    pub async fn start(entra: &FakeEntra) -> FakePartnerCenter {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the fake Partner Center on 127.0.0.1");
        let addr = listener.local_addr().expect("listener has a local address");
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            entra: entra.shared(),
            state: Mutex::new(ApiState {
                referrals: Vec::new(),
                faults: HashMap::new(),
                next_links: NextLinks::Absolute,
                filter_honoured: true,
                cursors: HashMap::new(),
                requests: Vec::new(),
            }),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            // The server only ends with the test; an accept error then is of no interest.
            let _ = axum::serve(listener, app).await;
        });
        FakePartnerCenter {
            addr,
            shared,
            _server: Arc::new(ServerTask(server)),
        }
    }

    /// The API base URL to configure (`HUNTER_PARTNER_CENTER_API_URL`).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the referrals served; malformed ones are served as given.
    pub fn set_referrals(&self, referrals: Vec<Value>) {
        self.shared.lock().referrals = referrals;
    }

    /// The `n`th request (1-based, counting every request to this fake) gets `fault`.
    pub fn fail_request(&self, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(n, fault);
    }

    pub fn set_next_links(&self, next_links: NextLinks) {
        self.shared.lock().next_links = next_links;
    }

    /// With `false`, a valid `$filter` is accepted but not applied, so referrals it would drop
    /// (Outgoing, no `direction`) still reach the client.
    pub fn set_filter_honoured(&self, honoured: bool) {
        self.shared.lock().filter_honoured = honoured;
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The shortest time between two requests' arrivals, if there were two.
    pub fn min_request_gap(&self) -> Option<Duration> {
        let times: Vec<Instant> = self.shared.lock().requests.iter().map(|r| r.at).collect();
        min_gap(&times)
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (n, fault) = {
        let mut state = shared.lock();
        state.requests.push(RecordedRequest {
            at: Instant::now(),
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: headers.clone(),
            status: 0,
        });
        let n = state.requests.len();
        (n, state.faults.remove(&n))
    };
    let mut response = match fault {
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            answer(&shared, &method, &uri, &headers)
        }
        Some(fault) => fault_response(fault),
        None => answer(&shared, &method, &uri, &headers),
    };
    if let Some(id) = headers.get("client-request-id") {
        response
            .headers_mut()
            .insert("client-request-id", id.clone());
    }
    if let Ok(id) = HeaderValue::from_str(&Uuid::new_v4().to_string()) {
        response.headers_mut().insert("request-id", id);
    }
    // Requests are only ever appended, so the `n`th entry is this one.
    if let Some(request) = shared.lock().requests.get_mut(n - 1) {
        request.status = response.status().as_u16();
    }
    response
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Status {
            status,
            code,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = ms_error(status, &code, "Injected by the test.");
            if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        Fault::NotJson => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "<html>Service Unavailable</html>",
        )
            .into_response(),
        Fault::NoValue => Json(json!({"@odata.context": "x", "items": []})).into_response(),
        Fault::Delay(_) => unreachable!("delays are answered normally"),
    }
}

fn answer(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.map(|t| shared.entra.token_state(t)) {
        Some(TokenState::Valid) => {}
        Some(TokenState::Expired) => {
            return ms_error(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "The access token has expired.",
            );
        }
        _ => {
            return ms_error(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication failed: a valid bearer token is required.",
            );
        }
    }
    if method != Method::GET {
        return ms_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalidRequest",
            "Only GET is served by this fake.",
        );
    }
    let path = uri.path().trim_end_matches('/');
    let list = path == "/v1.0/engagements/referrals" || path == "/v1.0/referrals";
    if list {
        return list_referrals(shared, uri.query());
    }
    match path.strip_prefix("/v1.0/engagements/referrals/") {
        Some(id) if !id.contains('/') => referral_by_id(shared, id),
        _ => ms_error(StatusCode::NOT_FOUND, "itemNotFound", "No such resource."),
    }
}

fn referral_by_id(shared: &Shared, id: &str) -> Response {
    let state = shared.lock();
    let found = state
        .referrals
        .iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(id));
    match found {
        Some(referral) => {
            let mut body = referral.clone();
            if let Some(object) = body.as_object_mut() {
                object.insert(
                    String::from("@odata.context"),
                    json!(format!(
                        "{}/v1.0/$metadata#Referrals/$entity",
                        shared.base_url
                    )),
                );
            }
            Json(body).into_response()
        }
        None => ms_error(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            "The referral was not found.",
        ),
    }
}

fn list_referrals(shared: &Shared, query: Option<&str>) -> Response {
    let pairs = query_pairs(query);
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut state = shared.lock();
    let cursor = match param("$skiptoken") {
        Some(token) => match state.cursors.get(token) {
            Some(cursor) => cursor.clone(),
            None => return invalid_request("Unknown $skiptoken."),
        },
        None => match new_cursor(param("$filter"), param("$orderby"), param("$top")) {
            Ok(cursor) => cursor,
            Err(message) => return invalid_request(&message),
        },
    };
    let mut matched: Vec<&Value> = state
        .referrals
        .iter()
        .filter(|r| !state.filter_honoured || cursor.filter.iter().all(|c| matches(r, c)))
        .collect();
    if let Some((field, descending)) = &cursor.order {
        // Ties broken by id, so the order is stable between pages.
        matched.sort_by(|a, b| {
            let order = text(a, field).cmp(&text(b, field));
            let order = if *descending { order.reverse() } else { order };
            order.then_with(|| text(a, "id").cmp(&text(b, "id")))
        });
    }
    let total = matched.len();
    let page: Vec<Value> = matched
        .iter()
        .skip(cursor.offset)
        .take(cursor.top)
        .map(|r| (*r).clone())
        .collect();
    let next_offset = cursor.offset + page.len();
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#Referrals", shared.base_url),
        "@odata.count": total,
        "value": page,
    });
    if next_offset < total && !page.is_empty() {
        let token = Uuid::new_v4().simple().to_string();
        state.cursors.insert(
            token.clone(),
            Cursor {
                offset: next_offset,
                ..cursor
            },
        );
        let host = shared.base_url.trim_start_matches("http://");
        let link = match &state.next_links {
            NextLinks::Absolute => {
                format!(
                    "{}/v1.0/engagements/referrals?$skiptoken={token}",
                    shared.base_url
                )
            }
            NextLinks::Malformed => format!("http://{host}/v1.0/referrals?$skiptoken={token}"),
            NextLinks::ForeignHost(foreign) => {
                format!("http://{foreign}/v1.0/engagements/referrals?$skiptoken={token}")
            }
        };
        body["@odata.nextLink"] = json!(link);
    }
    Json(body).into_response()
}

fn new_cursor(
    filter: Option<&str>,
    orderby: Option<&str>,
    top: Option<&str>,
) -> Result<Cursor, String> {
    let top = match top {
        Some(t) => t
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("Invalid $top '{t}'."))?,
        None => MAX_TOP,
    };
    let order = match orderby {
        Some(o) => {
            let mut words = o.split_whitespace();
            let field = words.next().unwrap_or_default();
            if field != "createdDateTime" && field != "updatedDateTime" {
                return Err(format!("Unsupported $orderby '{o}'."));
            }
            let descending = match words.next() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => return Err(format!("Unsupported $orderby '{o}'.")),
            };
            Some((field.to_owned(), descending))
        }
        None => None,
    };
    let filter = match filter {
        Some(f) => parse_filter(f)?,
        None => Vec::new(),
    };
    Ok(Cursor {
        filter,
        order,
        top: top.clamp(1, MAX_TOP),
        offset: 0,
    })
}

/// `field eq 'value'` comparisons joined by `and`, parentheses allowed (§4).
fn parse_filter(filter: &str) -> Result<Vec<(String, String)>, String> {
    let unsupported = || format!("Unsupported $filter '{filter}'.");
    let flat: String = filter.chars().filter(|c| *c != '(' && *c != ')').collect();
    flat.split(" and ")
        .map(|clause| {
            let (field, value) = clause.trim().split_once(" eq ").ok_or_else(unsupported)?;
            let field = field.trim();
            let value = value.trim();
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .ok_or_else(unsupported)?;
            if !FILTER_FIELDS.contains(&field) {
                return Err(unsupported());
            }
            Ok((field.to_owned(), value.to_owned()))
        })
        .collect()
}

fn matches(referral: &Value, (field, value): &(String, String)) -> bool {
    text(referral, field).is_some_and(|t| t.eq_ignore_ascii_case(value))
}

/// A string field by OData path (`customerProfile/address/country`).
fn text<'a>(referral: &'a Value, path: &str) -> Option<&'a str> {
    path.split('/')
        .try_fold(referral, |v, key| v.get(key))
        .and_then(Value::as_str)
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    let uri: Uri = match format!("/?{query}").parse() {
        Ok(uri) => uri,
        Err(_) => return Vec::new(),
    };
    Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

fn invalid_request(message: &str) -> Response {
    ms_error(StatusCode::BAD_REQUEST, "invalidRequest", message)
}

/// The Microsoft error envelope (§6).
fn ms_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "target": "referral",
            "innerError": {"code": code, "message": message},
        }
    });
    (status, Json(body)).into_response()
}
