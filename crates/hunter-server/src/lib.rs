//! Hunter's HTTP server: the JSON API of `contract.md` §4, OpenAPI at `/api/openapi.json`,
//! browsable docs at `/docs`, the embedded web UI at `/`, and the background job workers
//! (`hunter serve`); or the workers alone (`hunter worker`).

mod access;
mod api;
mod error;
mod export;
mod extract;
mod i18n;
mod params;
mod signin;
mod ui;
mod views;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::Request;
use axum::response::IntoResponse;
use hunter_engine::config::Config;
use hunter_engine::config::auth::{AuthMode, NotLoopback};
use hunter_engine::jobs::{JobQueue, WorkerOptions};
use hunter_engine::partner_center::{self, PartnerCenter, SetupError};
use hunter_engine::referral_sync::run_scheduler;
use hunter_engine::rescan::run_rescan_scheduler;
use hunter_engine::rescore::rescore_stale;
use hunter_engine::rules::{LoadRulesError, load_rules};
use hunter_engine::scan::{ScanError, Scanner};
use hunter_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::ServiceBuilderExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::MakeRequestUuid;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;

/// JSON bodies larger than this are refused (413); a bulk scan of 1,000 domains is far below.
const JSON_LIMIT: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rules(#[from] LoadRulesError),
    #[error(transparent)]
    Scanner(#[from] ScanError),
    #[error(transparent)]
    PartnerCenter(#[from] SetupError),
    #[error(transparent)]
    NotLoopback(#[from] NotLoopback),
    #[error("sign-in with Microsoft cannot start: {0}")]
    SignIn(String),
    #[error("the HTTP server stopped: {0}")]
    Serve(std::io::Error),
}

/// What the handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    scanner: Arc<Scanner>,
    jobs: JobQueue,
    /// Present when Partner Center is enabled (`HUNTER_PARTNER_CENTER_ENABLED`).
    partner_center: Option<Arc<PartnerCenter>>,
    access: Arc<access::Access>,
}

impl AppState {
    /// Jobs enqueued through this state wake the workers run by [`AppState::jobs`] at once.
    pub fn new(
        store: Store,
        scanner: Arc<Scanner>,
        partner_center: Option<Arc<PartnerCenter>>,
        mode: AuthMode,
        trusted_proxies: Vec<ipnet::IpNet>,
    ) -> Result<AppState, ServerError> {
        Ok(AppState {
            jobs: queue(&store, partner_center.as_ref()),
            access: access::from_mode(mode, trusted_proxies).map_err(ServerError::SignIn)?,
            store,
            scanner,
            partner_center,
        })
    }

    pub fn jobs(&self) -> &JobQueue {
        &self.jobs
    }
}

fn queue(store: &Store, partner_center: Option<&Arc<PartnerCenter>>) -> JobQueue {
    let queue = JobQueue::new(store.clone());
    match partner_center {
        Some(pc) => queue.with_partner_center(pc.clone()),
        None => queue,
    }
}

/// What both commands need.
struct Started {
    store: Store,
    scanner: Arc<Scanner>,
    partner_center: Option<Arc<PartnerCenter>>,
}

/// The store (migrated), the scanner and, when enabled, the Partner Center client.
async fn start(config: &Config) -> Result<Started, ServerError> {
    // Rules, resolver and Partner Center settings are checked before the database is touched.
    let rules = load_rules(config.rules_path.as_deref())?;
    let scanner = Arc::new(Scanner::new(config, Arc::new(rules))?);
    let partner_center = match config.partner_center.enabled {
        true => Some(Arc::new(partner_center::connect(config)?)),
        false => None,
    };
    let store = Store::connect(&config.database_url).await?;
    let applied = store.migrate_up().await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied database migrations");
    }
    Ok(Started {
        store,
        scanner,
        partner_center,
    })
}

/// Leads scored under other rules are re-scored from stored signals in the background after
/// start-up (`hunter.md` §5.1); the caller aborts it at shutdown.
fn spawn_rescore(store: Store, scanner: Arc<Scanner>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let version = &scanner.rules().version;
        match rescore_stale(&store, scanner.rules(), scanner.partner_scoring()).await {
            Ok(0) => {}
            Ok(leads) => tracing::info!(leads, version, "re-scored leads under the current rules"),
            Err(e) => tracing::warn!(error = %e, "re-scoring under the current rules failed"),
        }
    })
}

/// Builds everything from the settings (store + migrations, rules, scanner, job workers, the
/// Partner Center schedule, the nightly rescan) and serves HTTP on `listener` until `shutdown` completes; then drains open requests, stops the
/// workers (a running job goes back to the queue) and waits for them.
pub async fn run(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let address = listener.local_addr().map_err(ServerError::Serve)?;
    let mode = config.auth.resolve(address)?;
    if mode == AuthMode::Local {
        tracing::warn!(
            "no sign-in (local mode): everyone who can open http://{address} on this machine \
             acts as admin; requests by another host name or through a proxy are refused"
        );
    }
    let Started {
        store,
        scanner,
        partner_center,
    } = start(&config).await?;
    let rescore = spawn_rescore(store.clone(), scanner.clone());
    let stop_workers = CancellationToken::new();
    let scheduler = tokio::spawn(run_scheduler(
        store.clone(),
        scanner.clone(),
        partner_center.clone(),
        config.partner_center.sync_interval,
        stop_workers.clone(),
    ));
    let state = AppState::new(
        store.clone(),
        scanner.clone(),
        partner_center,
        mode,
        config.auth.trusted_proxies.clone(),
    )?;
    let signin = match &*state.access {
        access::Access::Entra(entra) => vec![
            tokio::spawn(entra.rp.clone().keep_fresh(stop_workers.clone())),
            tokio::spawn(sweep_access(store.clone(), stop_workers.clone())),
        ],
        access::Access::Local => Vec::new(),
    };
    let queue = state.jobs().clone();
    let rescans = tokio::spawn(run_rescan_scheduler(
        queue.clone(),
        config.rescan,
        stop_workers.clone(),
    ));
    let workers = queue.run_workers(scanner, WorkerOptions::default(), stop_workers.clone());
    tracing::info!("Hunter is listening on http://{address}");
    let serve = async {
        let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        tracing::info!("HTTP server stopped; stopping job workers");
        stop_workers.cancel();
        served
    };
    let (served, ()) = tokio::join!(serve, workers);
    let _ = tokio::join!(scheduler, rescans);
    for task in signin {
        let _ = task.await;
    }
    rescore.abort();
    store.close().await;
    tracing::info!("Hunter stopped");
    served.map_err(ServerError::Serve)
}

/// Runs the job workers alone until `shutdown` completes, then lets them put their running jobs
/// back in the queue and returns.
pub async fn run_worker(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let Started {
        store,
        scanner,
        partner_center,
    } = start(&config).await?;
    let rescore = spawn_rescore(store.clone(), scanner.clone());
    let stop = CancellationToken::new();
    let scheduler = tokio::spawn(run_scheduler(
        store.clone(),
        scanner.clone(),
        partner_center.clone(),
        config.partner_center.sync_interval,
        stop.clone(),
    ));
    let queue = queue(&store, partner_center.as_ref());
    let rescans = tokio::spawn(run_rescan_scheduler(
        queue.clone(),
        config.rescan,
        stop.clone(),
    ));
    let workers = queue.run_workers(scanner, WorkerOptions::default(), stop.clone());
    tracing::info!("Hunter job workers are running");
    let signal = async {
        shutdown.await;
        tracing::info!("stopping job workers");
        stop.cancel();
    };
    tokio::join!(workers, signal);
    let _ = tokio::join!(scheduler, rescans);
    rescore.abort();
    store.close().await;
    tracing::info!("Hunter job workers stopped");
    Ok(())
}

/// The whole HTTP surface: API, OpenAPI document and docs, web UI.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::routes().split_for_parts();
    Router::new()
        .merge(api)
        .route("/auth/login", axum::routing::get(signin::login))
        .route(
            "/auth/callback",
            axum::routing::get(signin::callback_get).post(signin::callback_post),
        )
        .route("/auth/logout", axum::routing::post(signin::logout))
        .merge(SwaggerUi::new("/docs").url("/api/openapi.json", openapi))
        .fallback(ui::serve)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Inside the router, so the check knows the matched route template (`team.md` §3).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access::authorize,
        ))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(
            ServiceBuilder::new()
                // Marked before the trace layer sees them, so no log line can print them.
                .sensitive_headers([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::COOKIE,
                    axum::http::header::SET_COOKIE,
                    axum::http::HeaderName::from_static("x-api-key"),
                ])
                .set_x_request_id(MakeRequestUuid)
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .propagate_x_request_id()
                // Outside the panic guard and the CSRF check, so their answers are localized too.
                .layer(axum::middleware::from_fn(i18n::negotiate))
                .layer(CatchPanicLayer::custom(|_| {
                    ApiError::internal(&"a request handler panicked").into_response()
                })),
        )
        .with_state(state)
}

/// Deletes ended sign-ins and sessions every hour, so the tables stay small.
async fn sweep_access(store: Store, stop: CancellationToken) {
    loop {
        match store.delete_expired_access().await {
            Ok(0) => {}
            Ok(rows) => tracing::debug!(rows, "expired sign-ins and sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "expired sessions could not be deleted"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
        }
    }
}

/// One span per request: its id, method and route template. The template, not the path, so no
/// value typed into a URL (a search, an email address) reaches the log.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", MatchedPath::as_str);
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id, method = %request.method(), route)
}
