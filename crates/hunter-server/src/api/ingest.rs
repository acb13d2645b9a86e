use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use hunter_core::InputFields;
use hunter_engine::import::Detection;
use hunter_store::{NewInput, Source};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::AppState;
use crate::api::UPLOAD_LIMIT;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::params::ImportParams;
use crate::views::{IngestDomainRequest, IngestedView, JobAccepted};

/// The form of `POST /api/ingest/file`.
pub struct UploadForm {
    file: Bytes,
    file_name: String,
}

/// Written out because the derive cannot say which other fields the form may carry: any, and
/// they are skipped, but a control character in a name leaves the part's headers unreadable
/// (400). Names are as before the form encoding, which escapes CR, LF and `"` (WHATWG); tab
/// is allowed in a header.
impl PartialSchema for UploadForm {
    fn schema() -> RefOr<Schema> {
        let file = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .min_length(Some(1))
            .description(Some("The CSV or XLSX file, up to 20 MB; not empty."));
        let name = ObjectBuilder::new().schema_type(Type::String).pattern(Some(
            "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$",
        ));
        ObjectBuilder::new()
            .description(Some(
                "The upload: the field `file`; other fields are skipped.",
            ))
            .property("file", file)
            .required("file")
            .property_names(Some(name))
            .into()
    }
}

impl ToSchema for UploadForm {}

impl UploadForm {
    /// Reads the form up to its `file` field; other fields are skipped.
    async fn read(mut form: Multipart) -> Result<UploadForm, ApiError> {
        while let Some(field) = form.next_field().await? {
            if field.name() == Some("file") {
                let file_name = field.file_name().unwrap_or("upload").to_owned();
                let file = field.bytes().await?;
                if file.is_empty() {
                    return Err(ApiError::bad_request(
                        "empty_file",
                        "the uploaded file is empty",
                        "yüklenen dosya boş",
                    ));
                }
                return Ok(UploadForm { file, file_name });
            }
        }
        Err(ApiError::bad_request(
            "missing_file",
            "the form has no `file` field",
            "formda `file` alanı yok",
        ))
    }
}

/// Adds one company. The first of website, email and domain that yields a valid domain wins.
#[utoipa::path(
    post,
    path = "/api/ingest/domain",
    tag = "ingest",
    request_body = IngestDomainRequest,
    responses(
        (status = 201, description = "Ingested (created, or logged again when known)", body = IngestedView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "No field yields a domain (`invalid_domain`)", body = ErrorBody),
    )
)]
pub async fn ingest_domain(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<IngestDomainRequest>,
) -> Result<(StatusCode, Json<IngestedView>), ApiError> {
    let domain = InputFields {
        domain: request.domain.as_deref(),
        website: request.website.as_deref(),
        email: request.email.as_deref(),
    }
    .resolve()?;
    let input = NewInput {
        source: Source::Domain,
        source_ref: None,
        domain: domain.as_str().to_owned(),
        company_name: request.company_name,
        email: request.email,
        website: request.website,
        payload: serde_json::json!({ "via": "api" }),
    };
    let ingested = state
        .store
        .ingest(std::slice::from_ref(&input))
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal(&"the store returned no ingest result"))?;
    tracing::info!(domain = %ingested.domain, created = ingested.created, "domain ingested");
    Ok((
        StatusCode::CREATED,
        Json(IngestedView {
            domain: ingested.domain,
            company_id: ingested.company_id,
        }),
    ))
}

/// Queues the import of a CSV or XLSX file (multipart field `file`, up to 20 MB). Bad rows are
/// reported with their row number in the job's `errors`.
#[utoipa::path(
    post,
    path = "/api/ingest/file",
    tag = "ingest",
    params(ImportParams),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Queued; follow it at /api/jobs/{job_id}", body = JobAccepted),
        (status = 400, description = "Not `multipart/form-data`, a malformed form, no `file` field (`missing_file`) or an empty file (`empty_file`); or an unknown query value (`invalid_query`)", body = ErrorBody),
        (status = 413, description = "Larger than 20 MB", body = ErrorBody),
    )
)]
pub async fn ingest_file(
    State(state): State<AppState>,
    principal: crate::access::Principal,
    meta: crate::access::RequestMeta,
    ApiQuery(params): ApiQuery<ImportParams>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<JobAccepted>), ApiError> {
    let UploadForm { file, file_name } = UploadForm::read(form?).await?;
    let detection = match params.auto_detect() {
        true => Detection::Auto,
        false => Detection::Exact,
    };
    let size = file.len();
    let job = state
        .jobs
        .enqueue_import(&file_name, file.into(), params.scan(), detection)
        .await?;
    tracing::info!(job_id = %job.id, bytes = size, "import queued");
    crate::access::audit_success(
        &state.store,
        &principal,
        meta,
        "file.imported",
        Some(job.id.clone()),
        serde_json::json!({ "file_name": file_name, "bytes": size, "scan": params.scan() }),
    )
    .await;
    Ok((StatusCode::ACCEPTED, Json(JobAccepted { job_id: job.id })))
}

/// Answers 413 to an upload whose declared length is over the limit, after reading and dropping
/// its body (up to twice the limit, for a few seconds at most): a server that answers and closes
/// while the client is still sending makes most clients report a reset connection instead of
/// the answer. A body without a declared length is cut off by the extractor's limit instead.
pub async fn reject_oversized(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_none_or(|n| n <= UPLOAD_LIMIT as u64) {
        return next.run(request).await;
    }
    let mut body = request.into_body().into_data_stream();
    let drain = async {
        let mut read = 0;
        while let Some(Ok(chunk)) = body.next().await {
            read += chunk.len();
            if read > 2 * UPLOAD_LIMIT {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), drain).await;
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the upload is larger than {} MB", UPLOAD_LIMIT >> 20),
        format!("yüklenen dosya {} MB sınırını aşıyor", UPLOAD_LIMIT >> 20),
    )
    .into_response()
}

/// Largest webhook body (`team.md` §5): a company, not a file.
pub const WEBHOOK_LIMIT: usize = 64 * 1024;

/// A company posted by a CRM, a form or a script (`team.md` §5).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    #[schema(examples("contoso.com"))]
    pub domain: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub company_name: Option<String>,
    /// People at the company; kept with the payload.
    #[serde(default)]
    pub contact_emails: Vec<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookAccepted {
    pub domain: String,
    pub company_id: i64,
    /// The scan queued for a domain without a result yet; null when it has one.
    pub scan_job_id: Option<String>,
}

/// Adds one company from an integration; its domain is scanned when it has no result yet.
/// The first of website, email and domain that yields a valid domain wins.
#[utoipa::path(
    post,
    path = "/api/ingest/webhook",
    tag = "ingest",
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "Ingested; `scan_job_id` names the scan queued, if one was", body = WebhookAccepted),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "No field yields a domain (`invalid_domain`)", body = ErrorBody),
    )
)]
pub async fn ingest_webhook(
    State(state): State<AppState>,
    principal: crate::access::Principal,
    ApiJson(request): ApiJson<WebhookRequest>,
) -> Result<(StatusCode, Json<WebhookAccepted>), ApiError> {
    let domain = InputFields {
        domain: request.domain.as_deref(),
        website: request.website.as_deref(),
        email: request.email.as_deref(),
    }
    .resolve()?;
    let payload = serde_json::json!({
        "via": "webhook",
        "contact_emails": request.contact_emails,
    });
    let input = NewInput {
        source: Source::Webhook,
        source_ref: None,
        domain: domain.as_str().to_owned(),
        company_name: request.company_name,
        email: request.email,
        website: request.website,
        payload,
    };
    let ingested = state
        .store
        .ingest_webhook(&input, principal.api_key_id())
        .await?;
    let scan_job_id = match state.store.signals(domain.as_str()).await? {
        Some(_) => None,
        None => Some(state.jobs.enqueue_bulk_scan(vec![domain]).await?.id),
    };
    tracing::info!(domain = %ingested.domain, created = ingested.created, "webhook ingested");
    Ok((
        StatusCode::CREATED,
        Json(WebhookAccepted {
            domain: ingested.domain,
            company_id: ingested.company_id,
            scan_job_id,
        }),
    ))
}
