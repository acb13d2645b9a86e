use axum::Json;
use axum::extract::State;
use axum::response::Response;
use futures::{StreamExt, TryStreamExt};
use hunter_core::Domain;
use hunter_store::{LeadQuery, Outcome};

use crate::AppState;
use crate::access::{AuditEntry, Principal, RequestMeta, audit};
use crate::error::{ApiError, ErrorBody};
use crate::export;
use crate::extract::{ApiPath, ApiQuery};
use crate::i18n;
use crate::params::{ExportParams, LeadFilterParams, PageParams, SortParams};
use crate::views::{LeadPageView, LeadView, ScoreBreakdownView};

/// Scored leads, filtered, sorted and paged in the database. Default order: priority (P1
/// first), then score (highest first), then domain.
#[utoipa::path(
    get,
    path = "/api/leads",
    tag = "leads",
    params(LeadFilterParams, SortParams, PageParams),
    responses(
        (status = 200, description = "One page of leads", body = LeadPageView),
        (status = 400, description = "An unknown or out-of-range parameter value, or `sort_order` without `sort_by` (`invalid_query`)", body = ErrorBody),
    )
)]
pub async fn list_leads(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<LeadFilterParams>,
    ApiQuery(sort): ApiQuery<SortParams>,
    ApiQuery(paging): ApiQuery<PageParams>,
) -> Result<Json<LeadPageView>, ApiError> {
    let (page, page_size) = (paging.page().get(), paging.page_size().get());
    let query = LeadQuery {
        filter: filter.into_filter(),
        sort: sort.into_sort()?,
        page,
        page_size,
    };
    let found = state.store.leads(&query).await?;
    Ok(Json(LeadPageView {
        leads: found.leads.into_iter().map(LeadView::from).collect(),
        total: found.total,
        page,
        page_size,
        total_pages: found.total.div_ceil(u64::from(page_size)),
    }))
}

/// One lead.
#[utoipa::path(
    get,
    path = "/api/leads/{domain}",
    tag = "leads",
    params(("domain" = String, Path, description = "The company domain", example = "contoso.com")),
    responses(
        (status = 200, description = "The lead", body = LeadView),
        (status = 400, description = "A domain that is not valid UTF-8 once percent-decoded (`invalid_path`)", body = ErrorBody),
        (status = 404, description = "No scanned lead for this domain", body = ErrorBody),
        (status = 422, description = "Not a usable domain (`invalid_domain`)", body = ErrorBody),
    )
)]
pub async fn lead(
    State(state): State<AppState>,
    ApiPath(domain): ApiPath<String>,
) -> Result<Json<LeadView>, ApiError> {
    let domain = Domain::parse(&domain)?;
    let lead = state
        .store
        .lead(domain.as_str())
        .await?
        .ok_or_else(|| no_lead(&domain))?;
    Ok(Json(lead.into()))
}

/// Every line that made the lead's score, with points, plus the signals, provider evidence and
/// P-model fields behind it.
#[utoipa::path(
    get,
    path = "/api/leads/{domain}/score-breakdown",
    tag = "leads",
    params(("domain" = String, Path, description = "The company domain", example = "contoso.com")),
    responses(
        (status = 200, description = "The score's lines and what is behind them", body = ScoreBreakdownView),
        (status = 400, description = "A domain that is not valid UTF-8 once percent-decoded (`invalid_path`)", body = ErrorBody),
        (status = 404, description = "No scanned lead for this domain", body = ErrorBody),
        (status = 422, description = "Not a usable domain (`invalid_domain`)", body = ErrorBody),
    )
)]
pub async fn score_breakdown(
    State(state): State<AppState>,
    ApiPath(domain): ApiPath<String>,
) -> Result<Json<ScoreBreakdownView>, ApiError> {
    let domain = Domain::parse(&domain)?;
    let store = &state.store;
    let (lead, score, signals) = tokio::try_join!(
        store.lead(domain.as_str()),
        store.score(domain.as_str()),
        store.signals(domain.as_str()),
    )?;
    let (Some(lead), Some(score)) = (lead, score) else {
        return Err(no_lead(&domain));
    };
    let signals = signals.map(|s| s.signals);
    let lang = i18n::current();
    Ok(Json(ScoreBreakdownView {
        domain: lead.domain,
        company_name: lead.company_name,
        readiness_score: score.readiness_score,
        dns_score: score.dns_score,
        lines: score.breakdown.into_iter().map(Into::into).collect(),
        provider: score.provider,
        classified_provider: signals.as_ref().map(|s| s.provider),
        segment: score.segment,
        segment_rule: score.segment_rule,
        reason: lang.pick(score.reason, score.reason_tr),
        technical_heat: score.technical_heat,
        commercial_segment: score.commercial_segment,
        commercial_heat: score.commercial_heat,
        priority_category: score.priority_category,
        priority_label: lang.pick(score.priority_label, score.priority_label_tr),
        referral_type: lead.referral_type,
        azure_tenant_id: lead.azure_tenant_id,
        scan_status: lead.scan_status,
        scanned_at: lead.scanned_at,
        mx_root: lead.mx_root,
        gateway: lead.gateway,
        local_provider: lead.local_provider,
        tenant_size: lead.tenant_size,
        spf: lead.spf,
        dkim: lead.dkim,
        dmarc_policy: lead.dmarc_policy,
        dmarc_coverage: lead.dmarc_coverage,
        entra_tenant_id: lead.entra_tenant_id,
        evidence: signals
            .map(|s| s.evidence.into_iter().map(Into::into).collect())
            .unwrap_or_default(),
        rules_version: score.rules_version,
    }))
}

/// Downloads the leads matching the list filters as `leads_YYYY-MM-DD_HH-MM-SS.csv` (UTF-8
/// with BOM) or `.xlsx` (sheet "Leads"): the lead fields plus registrar, expiry and name
/// servers, in the default order unless `sort_by` is given.
#[utoipa::path(
    get,
    path = "/api/leads/export",
    tag = "leads",
    params(ExportParams, LeadFilterParams, SortParams),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "An unknown or out-of-range parameter value, or `sort_order` without `sort_by` (`invalid_query`)", body = ErrorBody),
    )
)]
pub async fn export_leads(
    State(state): State<AppState>,
    principal: Principal,
    meta: RequestMeta,
    uri: axum::http::Uri,
    ApiQuery(params): ApiQuery<ExportParams>,
    ApiQuery(filter): ApiQuery<LeadFilterParams>,
    ApiQuery(sort): ApiQuery<SortParams>,
) -> Result<Response, ApiError> {
    let mut counted = ExportAudit {
        store: state.store.clone(),
        entry: Some(AuditEntry {
            event: "leads.exported",
            actor: principal.actor(),
            outcome: Outcome::Success,
            target: None,
            meta,
            details: serde_json::json!({ "query": uri.query().unwrap_or("") }),
        }),
        rows: 0,
    };
    let leads = state
        .store
        .export_leads(filter.into_filter(), sort.into_sort()?)
        // The whole guard moves into the stream (not just its counter), so it drops with it.
        .inspect_ok(move |_| {
            let guard = &mut counted;
            guard.rows += 1;
        })
        .boxed();
    let lang = params.lang.unwrap_or_else(i18n::current);
    export::export(params.format.unwrap_or_default(), lang, leads).await
}

/// Audits an export when its stream ends — finished, failed or abandoned by the client — with
/// the rows actually sent.
struct ExportAudit {
    store: hunter_store::Store,
    entry: Option<AuditEntry>,
    rows: u64,
}

impl Drop for ExportAudit {
    fn drop(&mut self) {
        if let Some(mut entry) = self.entry.take() {
            entry.details["rows"] = self.rows.into();
            audit(&self.store, entry);
        }
    }
}

fn no_lead(domain: &Domain) -> ApiError {
    ApiError::not_found(
        format!("no scanned lead for {domain}"),
        format!("{domain} için taranmış bir kayıt yok"),
    )
}
