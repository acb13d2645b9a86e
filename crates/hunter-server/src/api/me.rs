//! `GET /api/me`: who the UI is talking to.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::access::{Access, Principal};
use crate::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// `local` (no sign-in, this machine only) or `entra`.
    pub mode: &'static str,
    pub user: MeUser,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeUser {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<String>,
    /// Holds the admin role (`HUNTER_AUTH_ADMIN_ROLE`); always true in local mode.
    pub admin: bool,
}

/// The signed-in person (in local mode: `local`, an admin).
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "health",
    responses((status = 200, description = "Who is signed in", body = MeView))
)]
pub async fn me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<MeView>, ApiError> {
    let mode = match *state.access {
        Access::Local => "local",
        Access::Entra(_) => "entra",
    };
    let user = match principal {
        Principal::User(user) => MeUser {
            id: user.id,
            name: user.name,
            email: user.email,
            roles: user.roles,
            admin: user.admin,
        },
        // Only sessions reach this route in Entra mode (the access table); local is the rest.
        Principal::Local | Principal::ApiKey { .. } => MeUser {
            id: "local".to_owned(),
            name: "local".to_owned(),
            email: None,
            roles: vec!["Hunter.Admin".to_owned()],
            admin: true,
        },
    };
    Ok(Json(MeView { mode, user }))
}
