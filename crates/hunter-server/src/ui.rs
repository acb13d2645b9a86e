//! The web UI: the files of `ui/`, embedded in the binary (read from disk in debug builds),
//! served for every path no route claims, `index.html` for `/`.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::{self, ApiError};

#[derive(rust_embed::Embed)]
#[folder = "ui/"]
struct Assets;

pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") {
        return ApiError::not_found(
            format!("no API route {path}"),
            format!("{path} diye bir API yolu yok"),
        )
        .into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return error::method_not_allowed().await.into_response();
    }
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        name => name,
    };
    let Some(file) = Assets::get(name) else {
        return ApiError::not_found(
            format!("no page {path}"),
            format!("{path} diye bir sayfa yok"),
        )
        .into_response();
    };
    // The content hash is a strong ETag: the browser revalidates and gets a 304 when unchanged.
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()));
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "no-cache".to_owned()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let mime = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (cache, [(header::CONTENT_TYPE, mime)], file.data).into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
