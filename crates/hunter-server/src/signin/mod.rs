//! Sign in with Microsoft (`team.md` §2): `/auth/login`, `/auth/callback` (GET for the `query`
//! response mode, POST for `form_post`) and `/auth/logout`.
//!
//! A sign-in in progress is one random value in a short-lived cookie; the database keeps only
//! its hash and where to return, and `state`, `nonce` and the PKCE verifier are derived from it
//! ([`oidc::FlowSecrets`]). The callback takes the flow row once, so a replayed callback finds
//! nothing. Failures answer an HTML page, in the request's language, and open no session.

pub mod oidc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hunter_core::access::{safe_return_to, sha256_hex};
use hunter_core::{Lang, mask};
use hunter_store::{NewSession, Outcome, SignIn};
use serde::Deserialize;

use crate::AppState;
use crate::access::{self, Access, AuditEntry, CookieNames, EntraAccess, RequestMeta, cookie};
use crate::error::ApiError;
use crate::i18n;
use oidc::{FlowSecrets, SignInError};

/// How long a browser has between leaving for Microsoft and coming back.
const FLOW_TTL_SECONDS: i64 = 600;

#[derive(Debug, Deserialize)]
pub struct LoginParams {
    return_to: Option<String>,
}

/// What Entra sends back, in the query or the form.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/login?return_to=/path`: to Microsoft, with a fresh flow.
pub async fn login(State(state): State<AppState>, Query(params): Query<LoginParams>) -> Response {
    let return_to = safe_return_to(params.return_to.as_deref()).to_owned();
    let Access::Entra(entra) = &*state.access else {
        // Nothing to sign in to on the host.
        return redirect(&return_to);
    };
    if !entra.rp.is_discovered() {
        let mut page = page(StatusCode::SERVICE_UNAVAILABLE, Text::NotReady);
        page.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return page;
    }
    let flow = random_token();
    let stored = state
        .store
        .insert_login_flow(
            &sha256_hex(&flow),
            &return_to,
            chrono::Duration::seconds(FLOW_TTL_SECONDS),
        )
        .await;
    if let Err(e) = stored {
        return ApiError::from(e).into_response();
    }
    let url = match entra.rp.authorize_url(&FlowSecrets::of(&flow)) {
        Ok(url) => url,
        Err(_) => return page(StatusCode::SERVICE_UNAVAILABLE, Text::NotReady),
    };
    let mut response = (StatusCode::FOUND, [(header::LOCATION, url)]).into_response();
    append_cookie(
        &mut response,
        &login_cookie(&entra.cookies, &flow, FLOW_TTL_SECONDS),
    );
    response
}

/// `GET /auth/callback` (`query` response mode).
pub async fn callback_get(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    callback(state, meta, headers, params).await
}

/// `POST /auth/callback` (`form_post` response mode).
pub async fn callback_post(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Form(params): Form<CallbackParams>,
) -> Response {
    callback(state, meta, headers, params).await
}

async fn callback(
    state: AppState,
    meta: RequestMeta,
    headers: HeaderMap,
    params: CallbackParams,
) -> Response {
    let Access::Entra(entra) = &*state.access else {
        return redirect("/");
    };
    let outcome = finish_sign_in(&state, entra, &meta, &headers, params).await;
    let mut response = match outcome {
        Ok(done) => {
            let mut response = redirect(&done.return_to);
            let max_age = entra.config.session_max_age.as_secs();
            append_cookie(
                &mut response,
                &session_cookie(&entra.cookies, &done.token, max_age),
            );
            response
        }
        Err(failure) => {
            record(
                &state,
                &meta,
                "login.failure",
                Outcome::Failure,
                failure.actor.as_deref(),
                serde_json::json!({ "reason": failure.reason }),
            )
            .await;
            tracing::info!(reason = failure.reason, "sign-in refused");
            page(failure.status, failure.text)
        }
    };
    // The flow is over either way.
    append_cookie(&mut response, &login_cookie(&entra.cookies, "", 0));
    response
}

struct SignedIn {
    token: String,
    return_to: String,
}

struct Failure {
    status: StatusCode,
    text: Text,
    reason: &'static str,
    actor: Option<String>,
}

fn bad_flow(reason: &'static str) -> Failure {
    Failure {
        status: StatusCode::BAD_REQUEST,
        text: Text::BadFlow,
        reason,
        actor: None,
    }
}

async fn finish_sign_in(
    state: &AppState,
    entra: &EntraAccess,
    meta: &RequestMeta,
    headers: &HeaderMap,
    params: CallbackParams,
) -> Result<SignedIn, Failure> {
    let flow = cookie(headers, entra.cookies.login).ok_or(bad_flow("no_login_cookie"))?;
    if !params
        .state
        .as_deref()
        .is_some_and(|s| FlowSecrets::state_matches(flow, s))
    {
        return Err(bad_flow("state_mismatch"));
    }
    // Taken once: a replay of this callback finds no flow.
    let return_to = state
        .store
        .take_login_flow(&sha256_hex(flow))
        .await
        .map_err(|_| bad_flow("store_unavailable"))?
        .ok_or(bad_flow("flow_used_or_expired"))?;
    if let Some(error) = params.error.as_deref() {
        tracing::info!(error, "the identity provider answered with an error");
        return Err(Failure {
            status: StatusCode::BAD_REQUEST,
            text: Text::IdpError,
            reason: "idp_error",
            actor: None,
        });
    }
    let code = params.code.as_deref().ok_or(bad_flow("no_code"))?;
    let person = entra
        .rp
        .redeem(code, &FlowSecrets::of(flow))
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "sign-in code or ID token refused");
            match e {
                SignInError::OtherTenant => Failure {
                    status: StatusCode::FORBIDDEN,
                    text: Text::OtherTenant,
                    reason: e.reason(),
                    actor: None,
                },
                _ => bad_flow(e.reason()),
            }
        })?;
    let roles: Vec<String> = person
        .roles
        .iter()
        .filter(|r| **r == entra.config.user_role || **r == entra.config.admin_role)
        .cloned()
        .collect();
    if roles.is_empty() {
        return Err(Failure {
            status: StatusCode::FORBIDDEN,
            text: Text::NoRole,
            reason: "no_role",
            actor: None,
        });
    }
    let user = state
        .store
        .record_sign_in(&SignIn {
            tenant_id: &person.tenant_id,
            oid: &person.oid,
            name: &person.name,
            email: person.email.as_deref(),
            roles: &roles,
        })
        .await
        .map_err(|_| bad_flow("store_unavailable"))?;
    if user.disabled_at.is_some() {
        return Err(Failure {
            status: StatusCode::FORBIDDEN,
            text: Text::Disabled,
            reason: "user_disabled",
            actor: Some(user.id),
        });
    }
    let token = random_token();
    let idle = chrono::Duration::from_std(entra.config.session_idle_timeout)
        .unwrap_or(chrono::Duration::minutes(30));
    let max_age = chrono::Duration::from_std(entra.config.session_max_age)
        .unwrap_or(chrono::Duration::hours(12));
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    state
        .store
        .create_session(&NewSession {
            token_sha256: &sha256_hex(&token),
            user_id: &user.id,
            roles: &roles,
            idle_timeout: idle,
            max_age,
            ip: meta.ip.as_deref(),
            user_agent,
        })
        .await
        .map_err(|_| bad_flow("store_unavailable"))?;
    record(
        state,
        meta,
        "login.success",
        Outcome::Success,
        Some(&user.id),
        serde_json::json!({
            "email": person.email.as_deref().map(mask::mask),
            "roles": roles,
        }),
    )
    .await;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(SignedIn { token, return_to })
}

/// `POST /auth/logout`: the session ends on the server (its cookie is refused from now on),
/// the cookie is cleared, and the browser signs out at Microsoft too, then comes back to `/`.
pub async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
) -> Response {
    let Access::Entra(entra) = &*state.access else {
        return redirect("/");
    };
    if access::is_foreign(&headers, &entra.config.public_url) {
        return access::cross_origin().into_response();
    }
    if let Some(token) = cookie(&headers, entra.cookies.session) {
        let hash = sha256_hex(token);
        let who = state
            .store
            .active_session(&hash, chrono::Duration::zero())
            .await
            .ok()
            .flatten();
        if state
            .store
            .revoke_session(&hash, "signed out")
            .await
            .is_ok()
            && let Some(session) = who
        {
            record(
                &state,
                &meta,
                "logout",
                Outcome::Success,
                Some(&session.user.id),
                serde_json::json!({}),
            )
            .await;
        }
    }
    let back = format!("{}/", entra.config.public_url);
    let target = entra
        .rp
        .end_session_url(&back)
        .unwrap_or_else(|| "/".to_owned());
    let mut response = redirect(&target);
    append_cookie(&mut response, &session_cookie(&entra.cookies, "", 0));
    response
        .headers_mut()
        .insert("clear-site-data", HeaderValue::from_static("\"cookies\""));
    response
}

async fn record(
    state: &AppState,
    meta: &RequestMeta,
    event: &'static str,
    outcome: Outcome,
    actor: Option<&str>,
    details: serde_json::Value,
) {
    let entry = AuditEntry {
        event,
        actor: actor.unwrap_or("anonymous").to_owned(),
        outcome,
        target: None,
        meta: meta.clone(),
        details,
    };
    access::record(&state.store, entry).await;
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The sign-in cookie must come back on Entra's cross-site form POST, so it is
/// `SameSite=None` (which needs `Secure`); on a loopback http URL it is `Lax`.
fn login_cookie(names: &CookieNames, value: &str, max_age: i64) -> String {
    let attributes = match names.secure {
        true => "Secure; SameSite=None",
        false => "SameSite=Lax",
    };
    format!(
        "{}={value}; Path=/; HttpOnly; {attributes}; Max-Age={max_age}",
        names.login
    )
}

fn session_cookie(names: &CookieNames, value: &str, max_age: u64) -> String {
    let secure = match names.secure {
        true => "; Secure",
        false => "",
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax{secure}; Max-Age={max_age}",
        names.session
    )
}

/// The pages a person sees when a sign-in cannot go on.
#[derive(Debug, Clone, Copy)]
enum Text {
    NotReady,
    BadFlow,
    IdpError,
    NoRole,
    OtherTenant,
    Disabled,
}

impl Text {
    fn title_and_body(self, lang: Lang) -> (&'static str, &'static str) {
        match (self, lang) {
            (Text::NotReady, Lang::En) => (
                "Sign-in is not available yet",
                "Hunter cannot reach Microsoft sign-in right now. Try again in a few seconds.",
            ),
            (Text::NotReady, Lang::Tr) => (
                "Oturum açma henüz kullanılamıyor",
                "Hunter şu an Microsoft oturum açma hizmetine ulaşamıyor. Birkaç saniye sonra yeniden deneyin.",
            ),
            (Text::BadFlow, Lang::En) => (
                "This sign-in could not be completed",
                "The sign-in expired, was already used, or was started in another browser. Start again.",
            ),
            (Text::BadFlow, Lang::Tr) => (
                "Bu oturum açma tamamlanamadı",
                "Oturum açmanın süresi doldu, daha önce kullanıldı ya da başka bir tarayıcıda başlatıldı. Yeniden başlayın.",
            ),
            (Text::IdpError, Lang::En) => (
                "Microsoft did not sign you in",
                "Microsoft sign-in was cancelled or refused. Start again, or ask your administrator.",
            ),
            (Text::IdpError, Lang::Tr) => (
                "Microsoft oturumunuzu açmadı",
                "Microsoft ile oturum açma iptal edildi ya da reddedildi. Yeniden başlayın ya da yöneticinize başvurun.",
            ),
            (Text::NoRole, Lang::En) => (
                "You do not have access to Hunter",
                "Your account has no Hunter role: ask your administrator for the Hunter.User role.",
            ),
            (Text::NoRole, Lang::Tr) => (
                "Hunter'a erişiminiz yok",
                "Hesabınızın bir Hunter rolü yok: yöneticinizden Hunter.User rolünü isteyin.",
            ),
            (Text::OtherTenant, Lang::En) => (
                "This account belongs to another organization",
                "Sign in with your work account of the organization that runs this Hunter.",
            ),
            (Text::OtherTenant, Lang::Tr) => (
                "Bu hesap başka bir kuruluşa ait",
                "Bu Hunter'ı işleten kuruluştaki iş hesabınızla oturum açın.",
            ),
            (Text::Disabled, Lang::En) => (
                "Your Hunter access is disabled",
                "An administrator has disabled your access to Hunter. Ask them to enable it again.",
            ),
            (Text::Disabled, Lang::Tr) => (
                "Hunter erişiminiz devre dışı",
                "Bir yönetici Hunter erişiminizi devre dışı bıraktı. Yeniden etkinleştirmesini isteyin.",
            ),
        }
    }
}

fn page(status: StatusCode, text: Text) -> Response {
    let lang = i18n::current();
    let (title, body) = text.title_and_body(lang);
    let (code, again) = match lang {
        Lang::En => ("en", "Sign in again"),
        Lang::Tr => ("tr", "Yeniden oturum açın"),
    };
    let html = format!(
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\"><title>{title} · Hunter</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body style=\"font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem\">\
         <h1 data-testid=\"signin-error\">{title}</h1><p>{body}</p><p><a href=\"/auth/login\">{again}</a></p></body></html>"
    );
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
