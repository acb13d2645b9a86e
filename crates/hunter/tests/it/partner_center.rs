//! `hunter partner-center login` against the fake Entra: the device-code prompt, polling until
//! the user has signed in, and a token cache only the owner can read, with no token on screen.

use std::os::unix::fs::PermissionsExt;

use hunter_fixtures::{FakeEntra, PollOutcome};

use crate::support::{Backend, Hunter, TestDb, ok, stderr};

const TENANT: &str = "contoso.onmicrosoft.com";

fn login(db: &TestDb, entra: &FakeEntra) -> Hunter {
    Hunter::new(&db.url, db.dir())
        .env(
            "HUNTER_PARTNER_CENTER_CLIENT_ID",
            "11111111-2222-3333-4444-555555555555",
        )
        .env("HUNTER_PARTNER_CENTER_TENANT_ID", TENANT)
        .env("HUNTER_PARTNER_CENTER_AUTHORITY_URL", entra.base_url())
}

#[tokio::test(flavor = "multi_thread")]
async fn login_polls_until_signed_in_and_keeps_the_tokens_in_a_private_file() {
    let db = TestDb::new(Backend::Sqlite).await;
    let entra = FakeEntra::start().await;
    entra.set_interval(1);
    entra.script_polls([PollOutcome::Pending, PollOutcome::Approve]);

    let out = login(&db, &entra).run(&["partner-center", "login"]).await;
    ok(&out);
    let said = stderr(&out);
    assert!(said.contains("enter the code"), "{said}");
    assert!(said.contains("Signed in"), "{said}");
    assert!(said.contains("HUNTER_PARTNER_CENTER_ENABLED"), "{said}");
    assert_eq!(entra.poll_times().len(), 2, "polled until approved");

    let cache = db.dir().join(".token_cache");
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let tokens: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    for secret in ["access_token", "refresh_token"] {
        let value = tokens[secret]
            .as_str()
            .unwrap_or_else(|| panic!("{secret}: {tokens}"));
        assert!(!said.contains(value), "{secret} printed");
    }
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_sign_in_or_a_missing_app_id_fails_with_a_reason() {
    let db = TestDb::new(Backend::Sqlite).await;
    let entra = FakeEntra::start().await;
    entra.set_interval(1);
    entra.script_polls([PollOutcome::Declined]);
    let out = login(&db, &entra).run(&["partner-center", "login"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("declined"), "{}", stderr(&out));
    assert!(!db.dir().join(".token_cache").exists());

    let out = Hunter::new(&db.url, db.dir())
        .run(&["partner-center", "login"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("HUNTER_PARTNER_CENTER_CLIENT_ID"),
        "{}",
        stderr(&out)
    );
    db.cleanup().await;
}
