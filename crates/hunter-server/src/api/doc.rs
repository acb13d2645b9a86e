//! What the OpenAPI document says beyond each handler's own annotation: who may call each
//! operation (`team.md` §3), read from the one access table the server enforces
//! ([`crate::access::ROUTES`]), and the answers every operation of a kind can give
//! (credentials refused, rate limits, body limits, the database away, a panic), so no handler
//! has to repeat them and none can forget them.

use axum::http::Method;
use utoipa::Modify;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr};

use crate::access::Need;

/// The session cookie where it has the `__Host-` prefix (HTTPS, or any non-loopback origin).
const SESSION_COOKIE: &str = "__Host-hunter_session";
const SESSION: &str = "session";
const API_KEY: &str = "api_key";
const BEARER: &str = "bearer";

const JSON_BODY: &str = "application/json";

/// Applies the access table and the shared answers to the whole document.
pub struct Rules;

impl Modify for Rules {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Components::new);
        add_security_schemes(components);
        add_shared_responses(components);
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                if let Some(access) = access(&method, path) {
                    apply(access, operation);
                }
                query_parameters(operation);
                add_body_answers(operation);
                respond(operation, "500", "Internal");
            }
        }
    }
}

/// The access table's row for `method path`.
fn access(method: &HttpMethod, path: &str) -> Option<Need> {
    let method = match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Post => Method::POST,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    };
    crate::access::need(&method, Some(path))
}

/// Every operation of a path item, with its method.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Options, item.options.as_mut()),
        (HttpMethod::Head, item.head.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Trace, item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
}

fn apply(access: Need, operation: &mut Operation) {
    let local = "In local mode (`HUNTER_AUTH_MODE=local`) no credential is needed.";
    let (security, note) = match access {
        Need::Open => (Vec::new(), "Access: open, no credential needed.".to_owned()),
        Need::Member(None) => (
            vec![SecurityRequirement::new(SESSION, Vec::<String>::new())],
            format!(
                "Access: a signed-in user (`session`, Hunter.User or Hunter.Admin); never an API key. {local}"
            ),
        ),
        Need::Admin => (
            vec![SecurityRequirement::new(SESSION, Vec::<String>::new())],
            format!("Access: a signed-in Hunter.Admin (`session`); never an API key. {local}"),
        ),
        Need::Member(Some(scope)) => (
            vec![
                SecurityRequirement::new(SESSION, Vec::<String>::new()),
                SecurityRequirement::new(API_KEY, [scope.as_str()]),
                SecurityRequirement::new(BEARER, [scope.as_str()]),
            ],
            format!(
                "Access: a signed-in user (`session`), or an API key with the scope `{scope}` \
                 (`api_key` or `bearer`). {local}"
            ),
        ),
    };
    operation.security = Some(security);
    operation.description = Some(match operation.description.take() {
        Some(text) if !text.is_empty() => format!("{text}\n\n{note}"),
        _ => note,
    });
    match access {
        Need::Open => respond(operation, "403", "LocalModeRefused"),
        Need::Member(scope) => {
            respond(operation, "401", "Unauthenticated");
            respond(operation, "403", "Forbidden");
            if scope.is_some() {
                respond(operation, "429", "RateLimited");
            }
            respond(operation, "503", "Unavailable");
        }
        Need::Admin => {
            respond(operation, "401", "Unauthenticated");
            respond(operation, "403", "Forbidden");
            respond(operation, "503", "Unavailable");
        }
    }
}

/// Every query value is read through `params`, where an empty value counts as absent. utoipa
/// has no field for `allowEmptyValue`; the extensions map is serialized flat into the object.
/// A schema given by `schema_with` carries its parameter's description (see `views::param`),
/// which belongs on the parameter.
fn query_parameters(operation: &mut Operation) {
    for param in operation.parameters.iter_mut().flatten() {
        let RefOr::T(param) = param else { continue };
        if param.parameter_in != ParameterIn::Query {
            continue;
        }
        param
            .extensions
            .get_or_insert_with(Extensions::default)
            .insert("allowEmptyValue".to_owned(), true.into());
        if let Some(RefOr::T(Schema::Object(schema))) = &mut param.schema
            && param.description.is_none()
        {
            param.description = schema.description.take();
        }
    }
}

/// A JSON body may be too large or not JSON at all.
fn add_body_answers(operation: &mut Operation) {
    let json = operation
        .request_body
        .as_ref()
        .is_some_and(|b| matches!(b, RefOr::T(b) if b.content.contains_key(JSON_BODY)));
    if json {
        respond(operation, "413", "PayloadTooLarge");
        respond(operation, "415", "UnsupportedMediaType");
    }
}

/// Refers `status` to a shared response, unless the handler documents its own.
fn respond(operation: &mut Operation, status: &str, name: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

fn add_security_schemes(components: &mut Components) {
    let schemes = [
        (
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie set by signing in with Microsoft (`GET /auth/login`). \
                 Named `hunter_session` when Hunter is served over plain http on a loopback \
                 address, where a `__Host-` cookie cannot be kept. Any signed-in user; routes \
                 under `/api/admin/` need the Admin role.",
            ))),
        ),
        (
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key (`hunter_…`) created by an administrator. It acts only with its \
                 scopes, named in each operation's requirement; over its \
                 `rate_limit_per_minute` the answer is 429 `rate_limited` with `Retry-After`.",
            ))),
        ),
        (
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("hunter API key")
                    .description(Some(
                        "The same API key as `Authorization: Bearer hunter_…`.",
                    ))
                    .build(),
            ),
        ),
    ];
    for (name, scheme) in schemes {
        components
            .security_schemes
            .insert(name.to_owned(), RefOr::T(scheme));
    }
}

/// An answer with the error envelope.
fn error(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        JSON_BODY,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    )
}

fn add_shared_responses(components: &mut Components) {
    let json_limit = crate::JSON_LIMIT >> 20;
    let retry_after = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        ))
        .description(Some("Seconds to wait before the next request."))
        .build();
    let responses: [(&str, Response); 8] = [
        (
            "Unauthenticated",
            error("No valid credential: no session and no API key, or one that is expired or revoked (`unauthenticated`)").build(),
        ),
        (
            "Forbidden",
            error("The credential lacks the right (`forbidden`: role or API-key scope); a cookie-authenticated write from another origin (`cross_origin`, `cross_origin_request`); in local mode a foreign `Host` (`local_mode_host`) or a proxy header (`local_mode_proxied`)").build(),
        ),
        (
            "LocalModeRefused",
            error("In local mode only: a `Host` other than localhost, 127.0.0.1 or [::1] (`local_mode_host`), or a `Forwarded`/`X-Forwarded-*`/`X-Real-IP` header (`local_mode_proxied`)").build(),
        ),
        (
            "RateLimited",
            error("The API key is over its `rate_limit_per_minute` (`rate_limited`)")
                .header("Retry-After", retry_after)
                .build(),
        ),
        (
            "PayloadTooLarge",
            error(&format!(
                "The body is larger than {json_limit} MiB (`payload_too_large`)"
            ))
            .build(),
        ),
        (
            "UnsupportedMediaType",
            error("The body is not sent as `Content-Type: application/json` (`unsupported_media_type`)").build(),
        ),
        (
            "Internal",
            error("Something failed on the server's side; the cause is logged, never sent (`internal`)").build(),
        ),
        (
            "Unavailable",
            error("The database cannot be reached; try again shortly (`database_unavailable`)").build(),
        ),
    ];
    for (name, response) in responses {
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn name(method: &HttpMethod) -> String {
        serde_json::to_value(method)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn documented() -> BTreeSet<(String, String)> {
        let mut doc = crate::api::routes().into_openapi();
        let mut found = BTreeSet::new();
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, _) in operations(item) {
                found.insert((name(&method), path.clone()));
            }
        }
        found
    }

    #[test]
    fn every_api_row_of_the_access_table_is_a_documented_operation() {
        let documented = documented();
        let stale: Vec<_> = crate::access::ROUTES
            .iter()
            // The document itself is not one of its operations.
            .filter(|(_, path, _)| path.starts_with("/api/") && *path != "/api/openapi.json")
            .map(|(m, p, _)| (m.as_str().to_ascii_lowercase(), (*p).to_owned()))
            .filter(|row| !documented.contains(row))
            .collect();
        assert!(stale.is_empty(), "rows without an operation: {stale:?}");
    }

    #[test]
    fn query_parameters_keep_their_descriptions_and_text_its_pattern() {
        let doc = serde_json::to_value(crate::api::routes().into_openapi()).unwrap();
        let leads = doc["paths"]["/api/leads"]["get"]["parameters"]
            .as_array()
            .unwrap();
        for param in leads {
            let name = param["name"].as_str().unwrap();
            if !["segment", "provider", "priority_category"].contains(&name) {
                assert!(param["description"].is_string(), "{name}: {param}");
            }
            assert!(param["schema"]["description"].is_null(), "{name}: {param}");
            if name == "search" {
                assert_eq!(param["schema"]["pattern"], crate::views::TEXT_PATTERN);
            }
        }
    }

    #[test]
    fn every_operation_states_its_security_and_every_response_a_description() {
        let doc = serde_json::to_value(crate::api::routes().into_openapi()).unwrap();
        let shared = &doc["components"]["responses"];
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["security"].is_array(), "{method} {path}: security");
                for (status, response) in op["responses"].as_object().unwrap() {
                    let response = match response["$ref"].as_str() {
                        Some(r) => &shared[r.trim_start_matches("#/components/responses/")],
                        None => response,
                    };
                    assert!(
                        response["description"]
                            .as_str()
                            .is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status}: description"
                    );
                }
            }
        }
    }
}
