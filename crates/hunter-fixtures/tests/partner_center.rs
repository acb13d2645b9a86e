//! The fake Entra and Partner Center speak the documented protocol (`partner-center-api.md`).

use std::time::Duration;

use hunter_fixtures::{FakeEntra, FakePartnerCenter, Fault, PollOutcome, TokenState};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    // reqwest panics without a process-wide rustls provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn post_form(
    entra: &FakeEntra,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    // Test values need no escaping beyond spaces and colons.
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "%20").replace(':', "%3A")))
        .collect::<Vec<_>>()
        .join("&");
    let response = http()
        .post(format!(
            "{}/contoso.com/oauth2/v2.0/{endpoint}",
            entra.base_url()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("fake Entra answers");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

async fn start_device_code(entra: &FakeEntra) -> Value {
    let (status, body) = post_form(
        entra,
        "devicecode",
        &[
            ("client_id", "app"),
            (
                "scope",
                "https://api.partner.microsoft.com/.default offline_access",
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body
}

async fn poll(entra: &FakeEntra, device_code: &str) -> (StatusCode, Value) {
    post_form(
        entra,
        "token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", "app"),
            ("device_code", device_code),
        ],
    )
    .await
}

async fn refresh(entra: &FakeEntra, refresh_token: &str) -> (StatusCode, Value) {
    post_form(
        entra,
        "token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "app"),
            ("refresh_token", refresh_token),
            (
                "scope",
                "https://api.partner.microsoft.com/.default offline_access",
            ),
        ],
    )
    .await
}

/// Signs in and returns the token answer.
async fn tokens(entra: &FakeEntra) -> Value {
    let start = start_device_code(entra).await;
    entra.approve(start["user_code"].as_str().unwrap());
    let (status, body) = poll(entra, start["device_code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    body
}

#[tokio::test]
async fn device_code_flow() {
    let entra = FakeEntra::start().await;
    let start = start_device_code(&entra).await;
    for field in ["device_code", "user_code", "verification_uri", "message"] {
        assert!(start[field].is_string(), "{field}");
    }
    assert_eq!(start["expires_in"], 900);
    assert_eq!(start["interval"], 5);
    let device_code = start["device_code"].as_str().unwrap();

    let (status, pending) = poll(&entra, device_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(pending["error"], "authorization_pending");
    for field in [
        "error_description",
        "timestamp",
        "trace_id",
        "correlation_id",
    ] {
        assert!(pending[field].is_string(), "{field}");
    }
    assert!(pending["error_codes"].is_array());

    entra.script_polls([PollOutcome::SlowDown]);
    assert_eq!(poll(&entra, device_code).await.1["error"], "slow_down");

    assert!(entra.approve(start["user_code"].as_str().unwrap()));
    let (status, tokens) = poll(&entra, device_code).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(entra.token_state(access_token), TokenState::Valid);
    assert!(tokens["refresh_token"].is_string());

    // A device code signs in once.
    assert_eq!(poll(&entra, device_code).await.1["error"], "invalid_grant");
    assert_eq!(
        poll(&entra, "unknown").await.1["error"],
        "bad_verification_code"
    );
    assert_eq!(entra.poll_times().len(), 5);
}

#[tokio::test]
async fn declined_and_expired_device_codes() {
    let entra = FakeEntra::start().await;
    let start = start_device_code(&entra).await;
    entra.decline(start["user_code"].as_str().unwrap());
    let device_code = start["device_code"].as_str().unwrap();
    assert_eq!(
        poll(&entra, device_code).await.1["error"],
        "authorization_declined"
    );

    entra.set_device_code_expires_in(0);
    let start = start_device_code(&entra).await;
    let device_code = start["device_code"].as_str().unwrap();
    assert_eq!(poll(&entra, device_code).await.1["error"], "expired_token");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_can_be_revoked() {
    let entra = FakeEntra::start().await;
    entra.set_access_token_lifetime(Duration::from_secs(120));
    let first = tokens(&entra).await;
    assert_eq!(first["expires_in"], 120);
    let old = first["refresh_token"].as_str().unwrap();

    let (status, second) = refresh(&entra, old).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    // Entra does not revoke the old refresh token on rotation (§15.3).
    assert_eq!(refresh(&entra, old).await.0, StatusCode::OK);
    assert_eq!(entra.refresh_count(), 2);

    entra.revoke_refresh_tokens();
    let (status, refused) = refresh(&entra, second["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"], "invalid_grant");
    assert_eq!(refresh(&entra, "unknown").await.1["error"], "invalid_grant");

    entra.expire_access_tokens();
    let access_token = second["access_token"].as_str().unwrap();
    assert_eq!(entra.token_state(access_token), TokenState::Expired);
    assert_eq!(entra.token_state("forged"), TokenState::Unknown);
}

#[tokio::test]
async fn numbers_as_strings_and_public_client_flows_off() {
    let entra = FakeEntra::start().await;
    entra.set_numbers_as_strings(true);
    let start = start_device_code(&entra).await;
    assert_eq!(start["interval"], "5");
    assert_eq!(tokens(&entra).await["expires_in"], "3600");

    entra.set_public_client_flows(false);
    let (status, body) = poll(&entra, start["device_code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("AADSTS7000218")
    );
}

fn referral(id: &str, status: &str, direction: &str, created: &str, updated: &str) -> Value {
    json!({
        "id": id, "status": status, "direction": direction,
        "createdDateTime": created, "updatedDateTime": updated,
        "customerProfile": {"address": {"country": "US"}},
    })
}

async fn get(
    api: &FakePartnerCenter,
    token: Option<&str>,
    path_and_query: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = http().get(format!("{}{path_and_query}", api.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("fake Partner Center answers");
    let status = response.status();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn referrals_api_checks_tokens() {
    let entra = FakeEntra::start().await;
    let api = FakePartnerCenter::start(&entra).await;
    let (status, _, body) = get(&api, None, "/v1.0/engagements/referrals").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert_eq!(
        get(&api, Some("forged"), "/v1.0/engagements/referrals")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    let token = tokens(&entra).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = get(&api, Some(&token), "/v1.0/engagements/referrals").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["value"], json!([]));
    entra.expire_access_tokens();
    let (status, _, body) = get(&api, Some(&token), "/v1.0/engagements/referrals").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    let requests = api.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].bearer(), None);
    assert_eq!(requests[2].bearer(), Some(token.as_str()));
    assert_eq!(requests[2].status, 200);
}

#[tokio::test]
async fn referrals_api_filters_orders_and_pages() {
    let entra = FakeEntra::start().await;
    let api = FakePartnerCenter::start(&entra).await;
    let token = tokens(&entra).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    api.set_referrals(vec![
        referral(
            "a",
            "New",
            "Incoming",
            "2026-01-03T00:00:00.0000000Z",
            "2026-02-01T00:00:00.0000000Z",
        ),
        referral(
            "b",
            "Active",
            "Incoming",
            "2026-01-01T00:00:00.0000000Z",
            "2026-02-03T00:00:00.0000000Z",
        ),
        referral(
            "c",
            "New",
            "Outgoing",
            "2026-01-02T00:00:00.0000000Z",
            "2026-02-02T00:00:00.0000000Z",
        ),
        referral(
            "d",
            "New",
            "Incoming",
            "2026-01-04T00:00:00.0000000Z",
            "2026-02-04T00:00:00.0000000Z",
        ),
    ]);
    let ids = |body: &Value| -> Vec<String> {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };

    let query = "/v1.0/engagements/referrals?$filter=(status%20eq%20'New'%20and%20direction%20eq%20'Incoming')&$orderby=createdDateTime%20asc";
    let (_, _, body) = get(&api, Some(&token), query).await;
    assert_eq!(ids(&body), ["a", "d"]);

    let query = "/v1.0/engagements/referrals?$filter=customerProfile/address/country%20eq%20'US'&$orderby=updatedDateTime%20desc&$top=3";
    let (_, _, first) = get(&api, Some(&token), query).await;
    assert_eq!(ids(&first), ["d", "b", "c"]);
    assert_eq!(first["@odata.count"], 4);
    assert!(
        first["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#Referrals")
    );
    let link = first["@odata.nextLink"].as_str().unwrap();
    let path = link.strip_prefix(&api.base_url()).unwrap();
    assert!(
        path.starts_with("/v1.0/engagements/referrals?$skiptoken="),
        "{link}"
    );
    let (_, _, last) = get(&api, Some(&token), path).await;
    assert_eq!(ids(&last), ["a"]);
    assert!(last.get("@odata.nextLink").is_none());

    let (_, _, capped) = get(&api, Some(&token), "/v1.0/engagements/referrals?$top=500").await;
    assert_eq!(ids(&capped).len(), 4);

    let unsupported = "/v1.0/engagements/referrals?$filter=team/any(t:t/email%20eq%20'a@b.c')";
    let (status, _, body) = get(&api, Some(&token), unsupported).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalidRequest");

    let (status, _, one) = get(&api, Some(&token), "/v1.0/engagements/referrals/b").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], "b");
    assert!(
        one["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#Referrals/$entity")
    );
    let (status, _, missing) = get(&api, Some(&token), "/v1.0/engagements/referrals/zzz").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"]["code"], "itemNotFound");
}

#[tokio::test]
async fn referrals_api_injects_faults() {
    let entra = FakeEntra::start().await;
    let api = FakePartnerCenter::start(&entra).await;
    let token = tokens(&entra).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    api.fail_request(1, Fault::throttled("Sun, 06 Nov 1994 08:49:37 GMT"));
    api.fail_request(2, Fault::unavailable(None));
    let (status, headers, body) = get(&api, Some(&token), "/v1.0/engagements/referrals").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "Sun, 06 Nov 1994 08:49:37 GMT");
    assert!(body["error"]["code"].is_string());
    let (status, headers, _) = get(&api, Some(&token), "/v1.0/engagements/referrals").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.get("retry-after").is_none());
    assert_eq!(
        get(&api, Some(&token), "/v1.0/engagements/referrals")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        api.requests().iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 503, 200]
    );
}
