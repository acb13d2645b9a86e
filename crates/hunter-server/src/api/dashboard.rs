use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::error::ApiError;
use crate::views::KpisView;

/// Lead totals by segment, priority category and referral type.
#[utoipa::path(
    get,
    path = "/api/dashboard/kpis",
    tag = "dashboard",
    responses((status = 200, description = "Lead counts", body = KpisView))
)]
pub async fn kpis(State(state): State<AppState>) -> Result<Json<KpisView>, ApiError> {
    Ok(Json(state.store.kpis().await?.into()))
}
