//! The JSON API of `contract.md` §4. Each handler parses its input, calls the engine or the
//! store, and renders the result; the OpenAPI document is generated from the same handlers.

mod admin;
mod dashboard;
mod doc;
mod health;
mod ingest;
mod jobs;
mod leads;
mod me;
mod referrals;
mod scan;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Largest upload (`POST /api/ingest/file`).
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hunter",
        description = "Lead intelligence from public DNS: mail provider, security signals, readiness score and CSP priority for company domains.\n\nErrors are `{\"error\": {\"code\", \"message\"}}` (schema `ErrorBody`), with `message` in the language `Accept-Language` asks for (`tr` or English). A documented path asked with another method answers 405 `method_not_allowed` with an `Allow` header; an unknown `/api/` path answers 404 `not_found`.\n\nEach operation names who may call it (`security`, and the \"Access\" line of its description): a signed-in user (`session` cookie) or an API key with a scope (`api_key`, `bearer`). In local mode (`HUNTER_AUTH_MODE=local`, a loopback bind without Entra settings) nobody signs in and every request acts as the local administrator."
    ),
    tags(
        (name = "health", description = "Liveness and settings"),
        (name = "ingest", description = "Adding companies"),
        (name = "scan", description = "Scanning domains"),
        (name = "jobs", description = "Background jobs"),
        (name = "leads", description = "Scored leads"),
        (name = "dashboard", description = "Lead counts"),
        (name = "referrals", description = "Partner Center referrals"),
        (name = "admin", description = "API keys, team members and the audit trail (Hunter.Admin)"),
    )
)]
struct ApiDoc;

/// Every API route, with its OpenAPI description (completed by [`doc::Rules`]).
pub fn routes() -> OpenApiRouter<AppState> {
    // Only the upload may be large; every other body stays under the global limit.
    let upload = OpenApiRouter::new()
        .routes(routes!(ingest::ingest_file))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .layer(middleware::from_fn(ingest::reject_oversized));
    let webhook = OpenApiRouter::new()
        .routes(routes!(ingest::ingest_webhook))
        .layer(DefaultBodyLimit::max(ingest::WEBHOOK_LIMIT));
    let mut router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::ui_config))
        .routes(routes!(ingest::ingest_domain))
        .merge(upload)
        .routes(routes!(scan::scan_domain))
        .routes(routes!(scan::scan_bulk))
        .routes(routes!(jobs::job))
        .routes(routes!(leads::list_leads))
        .routes(routes!(leads::export_leads))
        .routes(routes!(leads::lead))
        .routes(routes!(leads::score_breakdown))
        .routes(routes!(dashboard::kpis))
        .routes(routes!(referrals::list_referrals))
        .routes(routes!(referrals::sync))
        .merge(webhook)
        .routes(routes!(me::me))
        .routes(routes!(admin::create_api_key, admin::list_api_keys))
        .routes(routes!(admin::revoke_api_key))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::enable_user))
        .routes(routes!(admin::audit_trail));
    // After the routes: a modifier named in `#[openapi]` runs before any path exists.
    doc::Rules.modify(router.get_openapi_mut());
    router
}
