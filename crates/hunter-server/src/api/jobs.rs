use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiPath;
use crate::views::JobView;

/// A background job's status and exact counters (`processed = succeeded + failed`).
#[utoipa::path(
    get,
    path = "/api/jobs/{job_id}",
    tag = "jobs",
    params(("job_id" = String, Path, description = "The id returned when the job was queued")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 400, description = "A job id that is not UTF-8 once percent-decoded (`invalid_path`)", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    )
)]
pub async fn job(
    State(state): State<AppState>,
    ApiPath(job_id): ApiPath<String>,
) -> Result<Json<JobView>, ApiError> {
    // No job id holds U+0000, and PostgreSQL cannot even compare text holding it.
    let found = match job_id.contains('\0') {
        true => None,
        false => state.store.job(&job_id).await?,
    };
    let job = found.ok_or_else(|| {
        ApiError::not_found(
            format!("no job {job_id}"),
            format!("{job_id} diye bir iş yok"),
        )
    })?;
    Ok(Json(job.into()))
}
