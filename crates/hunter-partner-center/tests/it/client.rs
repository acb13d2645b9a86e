use std::collections::HashSet;
use std::time::Duration;

use hunter_fixtures::{Fault, NextLinks};
use hunter_partner_center::{ClientError, ReferralsClient};
use serde_json::{Value, json};

use crate::support::{Env, referrals};

/// Every referral of the listing, page by page.
async fn all_pages(client: &ReferralsClient) -> Result<Vec<Vec<Value>>, ClientError> {
    let mut pages = client.list_referrals();
    let mut out = Vec::new();
    while let Some(page) = pages.next_page().await? {
        assert_eq!(page.number, out.len() + 1);
        out.push(page.referrals);
    }
    Ok(out)
}

fn ids(pages: &[Vec<Value>]) -> Vec<String> {
    pages
        .iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn three_pages_through_a_429() {
    let env = Env::new().await;
    let mut shuffled = referrals(250);
    shuffled.reverse();
    env.api.set_referrals(shuffled);
    env.api.fail_request(2, Fault::throttled("1"));
    let client = env.client().await;

    let pages = all_pages(&client).await.expect("all pages");
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [100, 100, 50]
    );
    let expected: Vec<String> = referrals(250)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&pages), expected, "most recently updated first");

    let requests = env.api.requests();
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 429, 200, 200]);
    let first = &requests[0];
    assert_eq!(first.path, "/v1.0/engagements/referrals");
    assert_eq!(first.query_param("$top").as_deref(), Some("100"));
    assert_eq!(
        first.query_param("$orderby").as_deref(),
        Some("updatedDateTime desc")
    );
    assert_eq!(
        first.query_param("$filter").as_deref(),
        Some("direction eq 'Incoming'")
    );
    // Retry-After: 1 was honoured, and the retry is the same logical request.
    assert!(requests[2].at - requests[1].at >= Duration::from_secs(1));
    assert_eq!(requests[1].query, requests[2].query);
    assert_eq!(
        requests[1].header("ms-requestid"),
        requests[2].header("ms-requestid")
    );
    assert_ne!(
        requests[0].header("ms-requestid"),
        requests[1].header("ms-requestid")
    );
}

#[tokio::test]
async fn headers_on_every_request() {
    let env = Env::new().await;
    env.api.set_referrals(referrals(150));
    let client = env.client().await;
    all_pages(&client).await.expect("all pages");
    let requests = env.api.requests();
    assert_eq!(requests.len(), 2);
    let token = env.cache()["access_token"].as_str().unwrap().to_owned();
    let mut request_ids = HashSet::new();
    for request in &requests {
        assert_eq!(request.bearer(), Some(token.as_str()));
        assert_eq!(request.header("accept"), Some("application/json"));
        for name in ["ms-correlationid", "client-request-id", "ms-requestid"] {
            let value = request
                .header(name)
                .unwrap_or_else(|| panic!("{name} sent"));
            assert_eq!(value.len(), 36, "{name} is a GUID");
        }
        assert!(request_ids.insert(request.header("client-request-id").unwrap().to_owned()));
    }
}

#[tokio::test]
async fn requests_are_spaced() {
    let mut env = Env::new().await;
    env.settings.request_spacing = Duration::from_millis(50);
    env.api.set_referrals(referrals(350));
    let client = env.client().await;
    let pages = all_pages(&client).await.expect("all pages");
    assert_eq!(pages.len(), 4);
    let gap = env.api.min_request_gap().expect("several requests");
    assert!(gap >= Duration::from_millis(50), "{gap:?}");
}

#[tokio::test]
async fn foreign_next_link_is_refused() {
    let env = Env::new().await;
    env.api.set_referrals(referrals(150));
    env.api
        .set_next_links(NextLinks::ForeignHost(String::from("evil.example:8443")));
    let client = env.client().await;
    let mut pages = client.list_referrals();
    assert_eq!(
        pages.next_page().await.unwrap().unwrap().referrals.len(),
        100
    );
    let error = pages.next_page().await.unwrap_err();
    assert!(matches!(&error, ClientError::ForeignNextLink { host } if host == "evil.example"));
    assert!(error.to_string().contains("not sent"), "{error}");
    assert_eq!(env.api.requests().len(), 1);
}

#[tokio::test]
async fn documented_malformed_next_link_is_followed_on_the_configured_host() {
    let env = Env::new().await;
    env.api.set_referrals(referrals(150));
    env.api.set_next_links(NextLinks::Malformed);
    let client = env.client().await;
    let pages = all_pages(&client).await.expect("all pages");
    assert_eq!(ids(&pages).len(), 150);
    assert_eq!(env.api.requests()[1].path, "/v1.0/referrals");
}

#[tokio::test]
async fn error_envelope_becomes_a_readable_error() {
    let env = Env::new().await;
    env.api.set_referrals(referrals(3));
    env.api.fail_request(1, Fault::status(403, "accessDenied"));
    let client = env.client().await;
    let error = all_pages(&client).await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert!(!error.is_sign_in_required());
    let text = error.to_string();
    assert!(
        text.contains("403 accessDenied: Injected by the test."),
        "{text}"
    );
    assert_eq!(env.api.requests().len(), 1, "a 403 is not retried");
}

#[tokio::test]
async fn attempts_run_out() {
    let env = Env::new().await;
    env.api.set_referrals(referrals(3));
    env.api.fail_request(1, Fault::unavailable(Some("0")));
    env.api.fail_request(2, Fault::unavailable(Some("0")));
    let client = env.client().await;
    let error = all_pages(&client).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(
        error.to_string().contains("503 serviceNotAvailable"),
        "{error}"
    );
    assert_eq!(env.api.requests().len(), 2, "max_attempts = 2");
}

#[tokio::test]
async fn a_timed_out_request_is_retried_after_a_back_off() {
    let mut env = Env::new().await;
    env.settings.request_timeout = Duration::from_millis(200);
    env.api.set_referrals(referrals(3));
    env.api
        .fail_request(1, Fault::Delay(Duration::from_secs(2)));
    let client = env.client().await;
    let pages = all_pages(&client).await.expect("second attempt succeeds");
    assert_eq!(ids(&pages).len(), 3);
    let requests = env.api.requests();
    assert_eq!(requests.len(), 2);
    // The timeout (200 ms) plus the first back-off (1 s).
    assert!(requests[1].at - requests[0].at >= Duration::from_millis(1200));
}

#[tokio::test]
async fn long_retry_after_fails_the_run() {
    let env = Env::new().await;
    env.api.fail_request(1, Fault::throttled("600"));
    let client = env.client().await;
    let error = all_pages(&client).await.unwrap_err();
    assert!(
        matches!(error, ClientError::Throttled { status: 429, .. }),
        "{error}"
    );
    assert_eq!(env.api.requests().len(), 1);
}

#[tokio::test]
async fn expired_token_is_refreshed_once_on_401() {
    let env = Env::new().await;
    env.api.set_referrals(referrals(3));
    let client = env.client().await;
    env.entra.expire_access_tokens();
    let pages = all_pages(&client).await.expect("refreshed and retried");
    assert_eq!(ids(&pages).len(), 3);
    let requests = env.api.requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [401, 200]
    );
    assert_ne!(requests[0].bearer(), requests[1].bearer());
    assert_eq!(env.entra.refresh_count(), 1);
    assert_eq!(
        env.cache()["access_token"].as_str(),
        requests[1].bearer(),
        "the new token is cached"
    );
}

#[tokio::test]
async fn second_401_asks_for_a_new_sign_in() {
    let env = Env::new().await;
    let client = env.client().await;
    // Every token from now on is expired at once, so the refreshed one is refused too.
    env.entra.set_access_token_lifetime(Duration::ZERO);
    env.entra.expire_access_tokens();
    let error = all_pages(&client).await.unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
    assert!(
        error
            .to_string()
            .contains("sign in again with `hunter partner-center login`")
    );
    assert_eq!(env.api.requests().len(), 2);
}

#[tokio::test]
async fn malformed_referrals_are_just_values() {
    let env = Env::new().await;
    env.api.set_filter_honoured(false);
    env.api.set_referrals(vec![
        json!("not an object"),
        json!({"id": 5}),
        json!({"id": "ok"}),
    ]);
    let client = env.client().await;
    let pages = all_pages(&client).await.expect("one page");
    assert_eq!(
        pages,
        [vec![
            json!("not an object"),
            json!({"id": 5}),
            json!({"id": "ok"})
        ]]
    );
}

#[tokio::test]
async fn pages_that_break_the_protocol_fail() {
    let env = Env::new().await;
    env.api.fail_request(1, Fault::NoValue);
    env.api.fail_request(2, Fault::NotJson);
    let client = env.client().await;
    let mut pages = client.list_referrals();
    let error = pages.next_page().await.unwrap_err();
    assert!(error.to_string().contains("`value`"), "{error}");
    let error = pages.next_page().await.unwrap_err();
    assert!(matches!(error, ClientError::Protocol(_)), "{error}");
    assert!(
        pages.next_page().await.unwrap().is_some(),
        "the page is tried again"
    );
}

#[tokio::test]
async fn the_caller_may_stop_early() {
    let env = Env::new().await;
    env.api.set_referrals(referrals(250));
    let client = env.client().await;
    let mut pages = client.list_referrals();
    pages.next_page().await.unwrap().unwrap();
    drop(pages);
    assert_eq!(env.api.requests().len(), 1);
}
