//! The admin API (`team.md` §4, §6): API keys, team members and the audit trail. Admin only
//! (the access table); keys never reach these routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hunter_core::access::api_key_prefix;
use hunter_engine::api_keys::{self, CreateKeyError, KeyRequest};
use hunter_store::{ApiKeyRecord, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::{Principal, RequestMeta, audit_success};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::params::AuditParams;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// Who or what uses the key: "CRM webhook".
    #[schema(schema_with = crate::views::key_name)]
    pub name: String,
    /// What the key may do (`team.md` §3).
    #[schema(schema_with = crate::views::scopes)]
    pub scopes: Vec<String>,
    /// Requests a minute before 429 (default 60).
    #[schema(minimum = 1, maximum = 100000)]
    #[serde(default, deserialize_with = "crate::params::whole_number")]
    pub rate_limit_per_minute: Option<u32>,
    /// Days until the key stops working (default 90, at most 365).
    #[schema(minimum = 1, maximum = 365)]
    #[serde(default, deserialize_with = "crate::params::whole_number")]
    pub expires_in_days: Option<u32>,
}

/// A key just created: the only answer that ever holds `key`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKeyView {
    pub id: String,
    pub name: String,
    /// The key itself, shown this once; store it now.
    pub key: String,
    pub scopes: Vec<String>,
    pub rate_limit_per_minute: u32,
    pub expires_at: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The key's visible start (`hunter_` and its id), to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub rate_limit_per_minute: u32,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<ApiKeyRecord> for ApiKeyView {
    fn from(r: ApiKeyRecord) -> ApiKeyView {
        ApiKeyView {
            prefix: api_key_prefix(&r.id),
            id: r.id,
            name: r.name,
            scopes: r.scopes,
            rate_limit_per_minute: r.rate_limit_per_minute,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKeyView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub created_at: String,
    pub last_login_at: Option<String>,
    pub disabled: bool,
}

impl From<UserRecord> for UserView {
    fn from(u: UserRecord) -> UserView {
        UserView {
            id: u.id,
            name: u.display_name,
            email: u.email,
            roles: u.roles,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
            disabled: u.disabled_at.is_some(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: i64,
    pub at: String,
    pub event: String,
    pub actor: String,
    /// `success` or `failure`.
    pub outcome: String,
    pub target: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub events: Vec<AuditEventView>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub total_pages: u64,
}

fn key_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        format!("no API key {id}"),
        format!("{id} diye bir API anahtarı yok"),
    )
}

fn user_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        format!("no team member {id}"),
        format!("{id} diye bir ekip üyesi yok"),
    )
}

/// Creates an API key; the answer holds the key, shown this once.
#[utoipa::path(
    post,
    path = "/api/admin/api-keys",
    tag = "admin",
    request_body = CreateKeyRequest,
    responses(
        (status = 201, description = "Created; `key` is shown only now", body = CreatedKeyView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "A field out of range or an unknown scope (`invalid_api_key_request`)", body = ErrorBody),
    )
)]
pub async fn create_api_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateKeyRequest>,
) -> Result<(StatusCode, Json<CreatedKeyView>), ApiError> {
    let request = KeyRequest {
        name: request.name,
        scopes: request.scopes,
        rate_limit_per_minute: request.rate_limit_per_minute,
        expires_in_days: request.expires_in_days,
    };
    let created = api_keys::create_api_key(&state.store, &request, &principal.actor())
        .await
        .map_err(|e| match e {
            CreateKeyError::Invalid(invalid) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_api_key_request",
                invalid.to_string(),
                invalid.turkish(),
            ),
            CreateKeyError::Store(e) => e.into(),
        })?;
    tracing::info!(key_id = %created.record.id, "API key created");
    let r = created.record;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKeyView {
            id: r.id,
            name: r.name,
            key: created.key,
            scopes: r.scopes,
            rate_limit_per_minute: r.rate_limit_per_minute,
            expires_at: r.expires_at,
            created_at: r.created_at,
        }),
    ))
}

/// Every API key, newest first; never the keys themselves.
#[utoipa::path(
    get,
    path = "/api/admin/api-keys",
    tag = "admin",
    responses((status = 200, description = "The keys", body = ApiKeyList))
)]
pub async fn list_api_keys(State(state): State<AppState>) -> Result<Json<ApiKeyList>, ApiError> {
    let api_keys = state.store.api_keys().await?;
    Ok(Json(ApiKeyList {
        api_keys: api_keys.into_iter().map(ApiKeyView::from).collect(),
    }))
}

/// Revokes a key: every process refuses it from the next request on.
#[utoipa::path(
    post,
    path = "/api/admin/api-keys/{id}/revoke",
    tag = "admin",
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 200, description = "Revoked (again, if it already was)", body = ApiKeyView),
        (status = 404, description = "No such key", body = ErrorBody),
    )
)]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiKeyView>, ApiError> {
    let record = api_keys::revoke_api_key(&state.store, &id, &principal.actor())
        .await?
        .ok_or_else(|| key_not_found(&id))?;
    tracing::info!(key_id = %record.id, "API key revoked");
    Ok(Json(record.into()))
}

/// Everyone who has signed in.
#[utoipa::path(
    get,
    path = "/api/admin/users",
    tag = "admin",
    responses((status = 200, description = "Team members", body = UserList))
)]
pub async fn list_users(State(state): State<AppState>) -> Result<Json<UserList>, ApiError> {
    let users = state.store.users().await?;
    Ok(Json(UserList {
        users: users.into_iter().map(UserView::from).collect(),
    }))
}

/// Disables a member and ends their sessions at once.
#[utoipa::path(
    post,
    path = "/api/admin/users/{id}/disable",
    tag = "admin",
    params(("id" = String, Path, description = "The member's id")),
    responses(
        (status = 200, description = "Disabled", body = UserView),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "Admins cannot disable themselves (`cannot_disable_self`)", body = ErrorBody),
    )
)]
pub async fn disable_user(
    State(state): State<AppState>,
    principal: Principal,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserView>, ApiError> {
    if principal.actor() == id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "cannot_disable_self",
            "you cannot disable yourself; ask another admin",
            "kendinizi devre dışı bırakamazsınız; başka bir yöneticiye başvurun",
        ));
    }
    let user = state
        .store
        .disable_user(&id)
        .await?
        .ok_or_else(|| user_not_found(&id))?;
    audit_user(&state, &principal, meta, "user.disabled", &user.id).await;
    Ok(Json(user.into()))
}

/// Lets a disabled member sign in again.
#[utoipa::path(
    post,
    path = "/api/admin/users/{id}/enable",
    tag = "admin",
    params(("id" = String, Path, description = "The member's id")),
    responses(
        (status = 200, description = "Enabled", body = UserView),
        (status = 404, description = "No such member", body = ErrorBody),
    )
)]
pub async fn enable_user(
    State(state): State<AppState>,
    principal: Principal,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = state
        .store
        .enable_user(&id)
        .await?
        .ok_or_else(|| user_not_found(&id))?;
    audit_user(&state, &principal, meta, "user.enabled", &user.id).await;
    Ok(Json(user.into()))
}

async fn audit_user(
    state: &AppState,
    principal: &Principal,
    meta: RequestMeta,
    event: &'static str,
    user_id: &str,
) {
    audit_success(
        &state.store,
        principal,
        meta,
        event,
        Some(user_id.to_owned()),
        serde_json::json!({}),
    )
    .await;
}

/// The audit trail, newest first.
#[utoipa::path(
    get,
    path = "/api/admin/audit",
    tag = "admin",
    params(AuditParams),
    responses(
        (status = 200, description = "One page of events", body = AuditList),
        (status = 400, description = "A parameter out of range (`invalid_query`)", body = ErrorBody),
    )
)]
pub async fn audit_trail(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditList>, ApiError> {
    let page = params.page().get();
    let page_size = params.page_size().get();
    let event = params.event();
    let found = state.store.audit_events(event, page, page_size).await?;
    Ok(Json(AuditList {
        total_pages: found.total.div_ceil(u64::from(page_size)),
        total: found.total,
        page,
        page_size,
        events: found
            .events
            .into_iter()
            .map(|e| AuditEventView {
                id: e.id,
                at: e.at,
                event: e.event,
                actor: e.actor,
                outcome: e.outcome,
                target: e.target,
                details: e.details,
            })
            .collect(),
    }))
}
