use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hunter_core::Domain;
use hunter_engine::scan;
use hunter_store::{NewInput, ScanRecord, Source};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::views::{BULK_MAX, BulkScanAccepted, BulkScanRequest, LeadView, ScanDomainRequest};

/// Invalid entries quoted in a rejected bulk request, at most.
const SHOWN_INVALID: usize = 10;

/// Scans one domain now, stores the result and returns the lead. A domain not seen before is
/// ingested first (source `domain`).
#[utoipa::path(
    post,
    path = "/api/scan/domain",
    tag = "scan",
    request_body = ScanDomainRequest,
    responses(
        (status = 200, description = "The lead as stored after the scan", body = LeadView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "Not a usable domain (`invalid_domain`)", body = ErrorBody),
    )
)]
pub async fn scan_domain(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ScanDomainRequest>,
) -> Result<Json<LeadView>, ApiError> {
    let domain = Domain::parse(&request.domain)?;
    // A domain with stored signals is known; anything else is logged as a new arrival.
    if state.store.signals(domain.as_str()).await?.is_none() {
        let input = NewInput {
            source: Source::Domain,
            source_ref: None,
            domain: domain.as_str().to_owned(),
            company_name: None,
            email: None,
            website: None,
            payload: serde_json::json!({ "via": "api_scan" }),
        };
        state.store.ingest(&[input]).await?;
    }
    let outcome = scan::scan_domain(&state.scanner, &domain).await;
    let record = ScanRecord {
        signals: outcome.signals,
        score: outcome.score,
        company_name: None,
        job_id: None,
        scanned_at: outcome.scanned_at,
    };
    state.store.save_scans(&[record]).await?;
    let lead = state
        .store
        .lead(domain.as_str())
        .await?
        .ok_or_else(|| ApiError::internal(&format!("the scan of {domain} was not stored")))?;
    tracing::info!(domain = %domain, scan_status = %lead.scan_status, "domain scanned");
    Ok(Json(lead.into()))
}

/// Queues a scan of up to 1,000 domains; repeats are scanned once and unknown domains are
/// ingested (source `domain`). Every entry must be a usable domain, website or email address:
/// otherwise nothing is queued and the answer lists the invalid entries.
#[utoipa::path(
    post,
    path = "/api/scan/bulk",
    tag = "scan",
    request_body = BulkScanRequest,
    responses(
        (status = 202, description = "Queued; follow it at /api/jobs/{job_id}", body = BulkScanAccepted),
        (status = 400, description = "Malformed JSON, no domains or more than 1,000", body = ErrorBody),
        (status = 422, description = "Some entries are not usable domains (`invalid_domain`)", body = ErrorBody),
    )
)]
pub async fn scan_bulk(
    State(state): State<AppState>,
    principal: crate::access::Principal,
    meta: crate::access::RequestMeta,
    ApiJson(request): ApiJson<BulkScanRequest>,
) -> Result<(StatusCode, Json<BulkScanAccepted>), ApiError> {
    let count = request.domains.len();
    if count == 0 {
        return Err(ApiError::bad_request(
            "no_domains",
            "`domains` is empty",
            "`domains` listesi boş",
        ));
    }
    if count > BULK_MAX {
        return Err(ApiError::bad_request(
            "too_many_domains",
            format!(
                "{count} domains given; at most {BULK_MAX} per request (import a file for more)"
            ),
            format!(
                "{count} alan adı verildi; bir istekte en çok {BULK_MAX} olabilir (daha fazlası için dosya içe aktarın)"
            ),
        ));
    }
    let mut domains = Vec::with_capacity(count);
    let mut invalid = Vec::new();
    for (i, text) in request.domains.iter().enumerate() {
        match Domain::parse(text) {
            Ok(domain) => domains.push(domain),
            Err(e) => invalid.push((i + 1, e)),
        }
    }
    if !invalid.is_empty() {
        let shown = &invalid[..invalid.len().min(SHOWN_INVALID)];
        let list = |text: fn(&hunter_core::DomainError) -> String| {
            shown
                .iter()
                .map(|(n, e)| format!("#{n} {}", text(e)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let (more_en, more_tr) = match invalid.len().saturating_sub(SHOWN_INVALID) {
            0 => (String::new(), String::new()),
            n => (format!("; and {n} more"), format!("; ve {n} tane daha")),
        };
        return Err(ApiError::invalid_domain(
            format!(
                "{} of {count} entries are not usable domains (1-based positions): {}{more_en}",
                invalid.len(),
                list(|e| e.to_string()),
            ),
            format!(
                "{count} girdiden {} tanesi kullanılabilir alan adı değil (sıra numaraları 1'den başlar): {}{more_tr}",
                invalid.len(),
                list(|e| e.turkish()),
            ),
        ));
    }
    let job = state.jobs.enqueue_bulk_scan(domains).await?;
    tracing::info!(job_id = %job.id, total = job.total, "bulk scan queued");
    crate::access::audit_success(
        &state.store,
        &principal,
        meta,
        "scan.bulk",
        Some(job.id.clone()),
        serde_json::json!({ "domains": job.total }),
    )
    .await;
    Ok((
        StatusCode::ACCEPTED,
        Json(BulkScanAccepted {
            job_id: job.id,
            total: job.total,
        }),
    ))
}
