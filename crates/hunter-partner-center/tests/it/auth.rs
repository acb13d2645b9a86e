use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use chrono::Utc;
use hunter_fixtures::{EntraEndpoint, PollOutcome, TokenState};
use hunter_partner_center::{AuthError, Authenticator};

use crate::support::{Env, POLL_SCALE, gaps};

const LOGIN_HINT: &str = "sign in again with `hunter partner-center login`";

#[tokio::test]
async fn login_polls_through_pending_and_slow_down() {
    let env = Env::new().await;
    let auth = env.authenticator();
    env.entra.script_polls([
        PollOutcome::Pending,
        PollOutcome::SlowDown,
        PollOutcome::Pending,
        PollOutcome::Approve,
    ]);
    let mut shown = None;
    let session = auth
        .login(|prompt| shown = Some((prompt.user_code.clone(), prompt.message.clone())))
        .await
        .expect("signed in");
    let (user_code, message) = shown.expect("the prompt was shown");
    assert!(!user_code.is_empty());
    assert!(message.contains(&user_code) && message.contains("https://microsoft.com/devicelogin"));
    assert!(session.access_token_expires_at > Utc::now() + chrono::TimeDelta::minutes(59));

    let requests = env.entra.requests();
    let start = &requests[0];
    assert_eq!(start.endpoint, EntraEndpoint::DeviceCode);
    assert_eq!(start.tenant, "contoso.com");
    assert_eq!(
        start.field("client_id"),
        Some(env.settings.client_id.as_str())
    );
    assert_eq!(
        start.field("scope"),
        Some("https://api.partner.microsoft.com/.default offline_access")
    );
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.field("device_code").is_some())
    );

    // interval 1 s, then 6 s after slow_down; scaled down for the test.
    let polls = env.entra.poll_times();
    assert_eq!(polls.len(), 4);
    let unit = Duration::from_secs(1) / POLL_SCALE;
    assert!(env.entra.min_poll_gap().unwrap() >= unit);
    let gaps = gaps(&polls);
    assert!(gaps[1] >= unit * 6 && gaps[2] >= unit * 6, "{gaps:?}");
}

#[tokio::test]
async fn login_approved_from_the_prompt() {
    let env = Env::new().await;
    let auth = env.authenticator();
    let entra = env.entra.clone();
    auth.login(|prompt| assert!(entra.approve(&prompt.user_code)))
        .await
        .expect("signed in");
    assert_eq!(env.entra.poll_times().len(), 1);
}

#[tokio::test]
async fn login_declined() {
    let env = Env::new().await;
    let auth = env.authenticator();
    env.entra
        .script_polls([PollOutcome::Pending, PollOutcome::Declined]);
    let error = auth.login(|_| {}).await.unwrap_err();
    assert!(matches!(error, AuthError::Declined), "{error}");
    assert!(error.is_sign_in_required());
    assert!(!env.settings.token_cache_path.exists());
}

#[tokio::test]
async fn login_expired_token() {
    let env = Env::new().await;
    let auth = env.authenticator();
    env.entra
        .script_polls([PollOutcome::Pending, PollOutcome::Expired]);
    let error = auth.login(|_| {}).await.unwrap_err();
    assert!(matches!(error, AuthError::DeviceCodeExpired), "{error}");
    assert!(error.to_string().contains("hunter partner-center login"));
}

#[tokio::test]
async fn login_stops_by_itself_after_expires_in() {
    let env = Env::new().await;
    env.entra.set_device_code_expires_in(3);
    let error = env.authenticator().login(|_| {}).await.unwrap_err();
    assert!(matches!(error, AuthError::DeviceCodeExpired), "{error}");
    assert_eq!(env.entra.poll_times().len(), 3);
}

#[tokio::test]
async fn login_reports_entra_configuration_errors() {
    let env = Env::new().await;
    env.entra.set_public_client_flows(false);
    let error = env.authenticator().login(|_| {}).await.unwrap_err();
    assert!(matches!(&error, AuthError::Entra { error, .. } if error == "invalid_client"));
    assert!(error.to_string().contains("AADSTS7000218"), "{error}");
    assert!(!error.is_sign_in_required());

    let env = Env::new().await;
    env.entra.script_polls([PollOutcome::BadVerificationCode]);
    let error = env.authenticator().login(|_| {}).await.unwrap_err();
    assert!(matches!(&error, AuthError::Entra { error, .. } if error == "bad_verification_code"));
}

#[tokio::test]
async fn login_accepts_numbers_as_strings() {
    let env = Env::new().await;
    env.entra.set_numbers_as_strings(true);
    env.entra.script_polls([PollOutcome::Approve]);
    let session = env.authenticator().login(|_| {}).await.expect("signed in");
    assert!(session.access_token_expires_at > Utc::now() + chrono::TimeDelta::minutes(59));
}

#[tokio::test]
async fn cache_file_is_private_and_complete() {
    let env = Env::new().await;
    let auth = env.signed_in().await;
    let path = &env.settings.token_cache_path;
    let mode = std::fs::metadata(path)
        .expect("cache written")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");

    let cache = env.cache();
    assert_eq!(cache["tenant"], "contoso.com");
    assert_eq!(cache["client_id"], env.settings.client_id.as_str());
    assert_eq!(cache["authority"], env.entra.base_url().as_str());
    assert_eq!(
        cache["scope"],
        "https://api.partner.microsoft.com/.default offline_access"
    );
    let access_token = cache["access_token"].as_str().unwrap();
    assert_eq!(env.entra.token_state(access_token), TokenState::Valid);
    assert!(
        cache["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(cache["expires_at"].is_string() && cache["signed_in_at"].is_string());

    // A second process reads the same cache without signing in again.
    let again = env.authenticator();
    let token = again.access_token().await.expect("token from the cache");
    assert_eq!(token.expose(), access_token);
    assert!(auth.session().await.unwrap().is_some());
}

#[tokio::test]
async fn refresh_before_expiry_stores_the_rotated_token() {
    let env = Env::new().await;
    // Less than the five-minute margin: the next use refreshes.
    env.entra
        .set_access_token_lifetime(Duration::from_secs(240));
    let auth = env.signed_in().await;
    env.entra
        .set_access_token_lifetime(Duration::from_secs(3600));
    let before = env.cache();

    let token = auth.access_token().await.expect("refreshed token");
    assert_ne!(token.expose(), before["access_token"].as_str().unwrap());
    assert_eq!(env.entra.refresh_count(), 1);
    let refresh = env.entra.requests().pop().unwrap();
    assert_eq!(refresh.grant_type(), Some("refresh_token"));
    assert_eq!(
        refresh.field("refresh_token"),
        before["refresh_token"].as_str()
    );
    assert_eq!(
        refresh.field("scope"),
        Some("https://api.partner.microsoft.com/.default offline_access")
    );

    let after = env.cache();
    assert_eq!(after["access_token"].as_str(), Some(token.expose()));
    assert_ne!(after["refresh_token"], before["refresh_token"]);
    assert_eq!(after["signed_in_at"], before["signed_in_at"]);

    // Fresh enough now: no further refresh.
    assert_eq!(auth.access_token().await.unwrap(), token);
    assert_eq!(env.entra.refresh_count(), 1);
}

#[tokio::test]
async fn revoked_refresh_token_asks_for_a_new_sign_in() {
    let env = Env::new().await;
    env.entra.set_access_token_lifetime(Duration::from_secs(60));
    let auth = env.signed_in().await;
    env.entra.revoke_refresh_tokens();
    let error = auth.access_token().await.unwrap_err();
    assert!(error.is_sign_in_required());
    assert!(error.to_string().contains(LOGIN_HINT), "{error}");
    assert!(error.to_string().contains("invalid_grant"), "{error}");
    assert!(env.settings.token_cache_path.exists(), "the cache is kept");
}

#[tokio::test]
async fn missing_or_foreign_cache_asks_for_sign_in() {
    let env = Env::new().await;
    let error = env.authenticator().access_token().await.unwrap_err();
    assert!(error.is_sign_in_required() && error.to_string().contains(LOGIN_HINT));
    assert_eq!(env.authenticator().session().await.unwrap(), None);

    env.signed_in().await;
    let mut other = env.settings.clone();
    other.client_id = String::from("another-app");
    let error = Authenticator::new(&other)
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let env = Env::new().await;
    let auth = env.signed_in().await;
    let token = auth.access_token().await.unwrap();
    assert!(!format!("{token:?}").contains(token.expose()));
    let cache = env.cache();
    let refresh_token = cache["refresh_token"].as_str().unwrap();
    env.entra.revoke_refresh_tokens();
    let error = auth.refresh_rejected(&token).await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(refresh_token) && !shown.contains(token.expose()));
}
