use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hunter_engine::referral_sync::{SyncMode, sync_referrals};
use hunter_store::{ReferralQuery, SyncRunStatus};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::params::{PageParams, ReferralFilterParams};
use crate::views::{JobAccepted, ReferralPageView, ReferralView, SyncResultView};

/// Tracked Partner Center referrals, newest first, skipped ones included (their `domain` is
/// null), so a referral that did not become a lead can be found and explained.
#[utoipa::path(
    get,
    path = "/api/referrals",
    tag = "referrals",
    params(ReferralFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of referrals", body = ReferralPageView),
        (status = 400, description = "An unknown or out-of-range parameter value", body = ErrorBody),
    )
)]
pub async fn list_referrals(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<ReferralFilterParams>,
    ApiQuery(paging): ApiQuery<PageParams>,
) -> Result<Json<ReferralPageView>, ApiError> {
    let (page, page_size) = (paging.page().get(), paging.page_size().get());
    let found = state
        .store
        .referrals(&ReferralQuery {
            filter: filter.into_filter(),
            page,
            page_size,
        })
        .await?;
    Ok(Json(ReferralPageView {
        referrals: found
            .referrals
            .into_iter()
            .map(ReferralView::from)
            .collect(),
        total: found.total,
        page,
        page_size,
        total_pages: found.total.div_ceil(u64::from(page_size)),
    }))
}

/// `POST /api/referrals/sync` body; both fields are optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Read every referral, not only those updated since the last sync, and rescan their domains.
    /// Needs the Admin role (`team.md` §3): an API key or a User is refused (403 `forbidden`).
    #[serde(default)]
    pub force: bool,
    /// Answer when the run has finished, with its counts, instead of at once with a job id.
    #[serde(default)]
    pub wait: bool,
}

/// Starts a Partner Center sync run: at once as a job (202 with its id; `GET /api/jobs/{id}`
/// shows the counts when done), or, with `wait`, in the request (200 with the counts, also when
/// some referrals failed).
#[utoipa::path(
    post,
    path = "/api/referrals/sync",
    tag = "referrals",
    request_body = SyncRequest,
    responses(
        (status = 200, description = "With `wait`: the run finished", body = SyncResultView),
        (status = 202, description = "Without `wait`: the run is queued", body = JobAccepted),
        (status = 400, description = "Partner Center is switched off (`partner_center_disabled`), or a malformed body", body = ErrorBody),
        (status = 409, description = "A sync is already running (`sync_running`)", body = ErrorBody),
        (status = 500, description = "The run failed as a whole, e.g. no valid sign-in (`sync_failed`), or another failure on the server's side (`internal`)", body = ErrorBody),
    )
)]
pub async fn sync(
    State(state): State<AppState>,
    principal: crate::access::Principal,
    meta: crate::access::RequestMeta,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<Response, ApiError> {
    // A full sync rereads and rescans every referral: an admin's decision (`team.md` §3).
    if request.force && !principal.is_admin() {
        return Err(crate::access::forbidden());
    }
    let Some(pc) = &state.partner_center else {
        return Err(ApiError::bad_request(
            "partner_center_disabled",
            "Partner Center is switched off: set HUNTER_PARTNER_CENTER_ENABLED=true to sync referrals",
            "Partner Center kapalı: yönlendirmeleri eşitlemek için HUNTER_PARTNER_CENTER_ENABLED=true ayarlayın",
        ));
    };
    let mode = match request.force {
        true => SyncMode::Full,
        false => SyncMode::Incremental,
    };
    crate::access::audit_success(
        &state.store,
        &principal,
        meta,
        "referrals.synced",
        None,
        serde_json::json!({ "force": request.force, "wait": request.wait }),
    )
    .await;
    if !request.wait {
        if sync_running(&state).await? {
            return Err(already_running());
        }
        let job = state.jobs.enqueue_referral_sync(mode).await?;
        let accepted = JobAccepted { job_id: job.id };
        return Ok((StatusCode::ACCEPTED, Json(accepted)).into_response());
    }
    match sync_referrals(
        &state.store,
        &pc.client,
        &state.scanner,
        pc.scoring,
        mode,
        None,
    )
    .await
    {
        Ok(result) => Ok(Json(SyncResultView::from(result)).into_response()),
        Err(e) if e.is_already_running() => Err(already_running()),
        Err(e) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "sync_failed",
            format!("the Partner Center sync failed: {e}"),
            format!("Partner Center eşitlemesi başarısız oldu: {e}"),
        )),
    }
}

async fn sync_running(state: &AppState) -> Result<bool, ApiError> {
    let latest = state.store.sync_runs(1).await?;
    Ok(latest
        .first()
        .is_some_and(|run| run.status == SyncRunStatus::Running))
}

fn already_running() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "sync_running",
        "a Partner Center sync is already running; try again when it has finished",
        "bir Partner Center eşitlemesi zaten sürüyor; bittiğinde yeniden deneyin",
    )
}
