use axum::Json;
use axum::extract::State;
use hunter_store::ReferralQuery;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::params::{PageParams, ReferralFilterParams};
use crate::views::{ReferralPageView, ReferralView};

/// Tracked Partner Center referrals, newest first, skipped ones included (their `domain` is
/// null), so a referral that did not become a lead can be found and explained.
#[utoipa::path(
    get,
    path = "/api/referrals",
    tag = "referrals",
    params(ReferralFilterParams, PageParams),
    responses(
        (status = 200, body = ReferralPageView),
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
