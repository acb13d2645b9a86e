//! The one error type of the API. Every failure leaves as `{"error": {"code", "message"}}` with a
//! fitting status; internal errors are logged here and answered without details.

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hunter_core::DomainError;
use hunter_store::{ConstraintKind, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    en: String,
    tr: String,
    /// Seconds for a `Retry-After` header (429, 503).
    retry_after: Option<u64>,
}

/// The error envelope.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid_domain`, `not_found`, `invalid_query`, …
    code: &'static str,
    /// One sentence for people, in the language `Accept-Language` asks for (`tr` or English).
    message: String,
}

impl ApiError {
    /// An error with its message in English and in Turkish (`team.md` §7).
    pub fn new(
        status: StatusCode,
        code: &'static str,
        en: impl Into<String>,
        tr: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            en: en.into(),
            tr: tr.into(),
            retry_after: None,
        }
    }

    /// Tells the client when to try again.
    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub fn bad_request(
        code: &'static str,
        en: impl Into<String>,
        tr: impl Into<String>,
    ) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, en, tr)
    }

    pub fn not_found(en: impl Into<String>, tr: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", en, tr)
    }

    /// An input that is not a usable domain (`hunter.md` §2, field rules).
    pub fn invalid_domain(en: impl Into<String>, tr: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_domain", en, tr)
    }

    /// Something broke on our side. The cause goes to the log, never to the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not complete the request",
            "sunucu isteği tamamlayamadı",
        )
    }
}

/// A known path asked with a method it does not take (the router's fallback for that case).
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take that method",
        "bu yol bu yöntemi kabul etmiyor",
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: i18n::current().pick(self.en, self.tr),
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        if e.is_unavailable() {
            tracing::error!(error = %e, "database unavailable");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is unavailable; try again shortly",
                "veritabanına şu an ulaşılamıyor; biraz sonra yeniden deneyin",
            );
        }
        match e {
            StoreError::Constraint {
                kind: ConstraintKind::Unique,
                ..
            } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "the request conflicts with stored data (a duplicate)",
                "istek kayıtlı verilerle çakışıyor (yinelenen kayıt)",
            ),
            StoreError::Constraint { kind, .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "constraint_violation",
                format!("the request breaks a {kind} rule of the stored data"),
                format!("istek kayıtlı verilerin bir kuralını ({kind}) ihlal ediyor"),
            ),
            StoreError::InvalidInput(message) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                message.clone(),
                format!("girdi kaydedilemiyor: {message}"),
            ),
            other => ApiError::internal(&other),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> ApiError {
        ApiError::invalid_domain(
            format!("not a usable domain: {e}"),
            format!("kullanılabilir bir alan adı değil: {}", e.turkish()),
        )
    }
}

/// An extractor's rejection: 413 stays 413 (body limits), 415 stays 415, everything else is
/// the client's malformed input, 400. axum's own explanation is English; the Turkish message
/// says what was wrong and quotes it.
fn rejection(status: StatusCode, code: &'static str, what: Part, text: String) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "payload_too_large",
            format!("the request body is too large: {text}"),
            format!("istek gövdesi çok büyük: {text}"),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "unsupported_media_type",
            text.clone(),
            format!("desteklenmeyen içerik türü: {text}"),
        ),
        _ => ApiError::bad_request(code, text.clone(), format!("{}: {text}", what.turkish())),
    }
}

/// Which part of a request an extractor could not read.
#[derive(Clone, Copy)]
enum Part {
    Json,
    Query,
    Path,
    Multipart,
}

impl Part {
    fn turkish(self) -> &'static str {
        match self {
            Part::Json => "JSON gövdesi okunamadı",
            Part::Query => "sorgu parametreleri okunamadı",
            Part::Path => "yol parametresi okunamadı",
            Part::Multipart => "çok parçalı form okunamadı",
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        rejection(r.status(), "invalid_json", Part::Json, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        rejection(r.status(), "invalid_query", Part::Query, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        rejection(r.status(), "invalid_path", Part::Path, r.body_text())
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(r: MultipartRejection) -> ApiError {
        rejection(
            r.status(),
            "invalid_multipart",
            Part::Multipart,
            r.body_text(),
        )
    }
}

impl From<MultipartError> for ApiError {
    fn from(e: MultipartError) -> ApiError {
        rejection(
            e.status(),
            "invalid_multipart",
            Part::Multipart,
            e.body_text(),
        )
    }
}
