//! The language of the texts a request's answer carries for people (`team.md` §7): chosen once
//! per request from `Accept-Language` by [`negotiate`], read anywhere below it with
//! [`current`] (error messages, reasons, breakdown labels). Codes and field values never change
//! with it.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use hunter_core::Lang;

tokio::task_local! {
    static LANG: Lang;
}

/// The request's language; English outside a request.
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Runs the rest of the request in the language its `Accept-Language` asks for. The handler
/// and the rendering of its answer run inside this future, so they see it through [`current`].
pub async fn negotiate(request: Request, next: Next) -> Response {
    let lang = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::negotiate);
    LANG.scope(lang, next.run(request)).await
}
