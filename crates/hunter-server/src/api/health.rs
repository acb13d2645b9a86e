use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;
use crate::views::{Health, UiConfig};

/// Whether the server and its database answer.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, description = "Up", body = Health),
        (status = 503, description = "The database is unreachable", body = Health),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "ok",
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database: "unreachable",
                }),
            )
        }
    }
}

/// Settings the web UI needs.
#[utoipa::path(
    get,
    path = "/api/config",
    tag = "health",
    responses((status = 200, description = "The settings", body = UiConfig))
)]
pub async fn ui_config(State(state): State<AppState>) -> Json<UiConfig> {
    Json(UiConfig {
        partner_center_enabled: state.partner_center.is_some(),
    })
}
