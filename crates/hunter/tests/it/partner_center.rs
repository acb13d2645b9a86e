//! `hunter partner-center login` and `sync` against the fake Entra and Referrals API: the
//! device-code prompt, polling until the user has signed in, a token cache only the owner can
//! read with no token on screen, and a sync that prints the counts of `contract.md` §5.

use std::os::unix::fs::PermissionsExt;

use hunter_fixtures::{DnsServer, FakeEntra, FakePartnerCenter, PollOutcome, catalogue, zones};
use serde_json::json;

use crate::support::{Backend, Hunter, TestDb, backends, ok, stderr};

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

#[tokio::test(flavor = "multi_thread")]
async fn sync_prints_the_counts_and_fails_clearly_when_off_or_signed_out() {
    let db = TestDb::new(Backend::Sqlite).await;
    let dns = DnsServer::start(&zones(&catalogue())).await;
    let entra = FakeEntra::start().await;
    entra.set_interval(1);
    let api = FakePartnerCenter::start(&entra).await;
    api.set_referrals(vec![
        json!({"id": "r1", "direction": "Incoming", "type": "Shared", "qualification": "None",
               "updatedDateTime": "2026-11-20T10:00:00Z",
               "customerProfile": {"name": "Contoso", "team": [{"email": "ayse@contoso-m365.com"}]}}),
        json!({"id": "r2", "direction": "Incoming", "type": "Independent", "qualification": "Direct",
               "updatedDateTime": "2026-11-19T10:00:00Z",
               "customerProfile": {"name": "Gmail Only", "team": [{"email": "owner@gmail.com"}]}}),
        json!({"direction": "Incoming", "updatedDateTime": "2026-11-18T10:00:00Z"}),
    ]);
    let hunter = || {
        login(&db, &entra)
            .env("HUNTER_PARTNER_CENTER_API_URL", api.base_url())
            .env("HUNTER_PARTNER_CENTER_REQUEST_SPACING_MS", "0")
            .env("HUNTER_DNS_SERVERS", dns.addr().to_string())
    };

    let off = hunter().run(&["partner-center", "sync"]).await;
    assert_eq!(off.status.code(), Some(1));
    assert!(
        stderr(&off).contains("HUNTER_PARTNER_CENTER_ENABLED"),
        "{}",
        stderr(&off)
    );

    let enabled = || hunter().env("HUNTER_PARTNER_CENTER_ENABLED", "true");
    let signed_out = enabled().run(&["partner-center", "sync"]).await;
    assert_eq!(signed_out.status.code(), Some(1));
    assert!(
        stderr(&signed_out).contains("sign in again with `hunter partner-center login`"),
        "{}",
        stderr(&signed_out)
    );

    entra.script_polls([PollOutcome::Approve]);
    ok(&hunter().run(&["partner-center", "login"]).await);
    let synced = enabled()
        .env("HUNTER_LOG", "debug")
        .run(&["partner-center", "sync"])
        .await;
    let out = ok(&synced);

    // The most verbose log names no token and no clear-text e-mail address (`hunter.md` §9.31).
    let log = stderr(&synced);
    assert!(log.contains("Partner Center sync finished"), "{log}");
    let tokens: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(db.dir().join(".token_cache")).unwrap())
            .unwrap();
    for secret in ["access_token", "refresh_token"] {
        let value = tokens[secret].as_str().unwrap();
        assert!(!log.contains(value), "{secret} in the log");
    }
    for email in ["ayse@contoso-m365.com", "owner@gmail.com"] {
        assert!(!log.contains(email), "{email} in the log:\n{log}");
    }
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["total_fetched"], 3, "{result:#}");
    assert_eq!(result["success_count"], 1, "{result:#}");
    assert_eq!(result["skipped_count"], 1, "{result:#}");
    assert_eq!(result["failure_count"], 1, "{result:#}");
    assert_eq!(result["errors"].as_array().unwrap().len(), 1, "{result:#}");
    assert_eq!(db.count("partner_center_referrals").await, 2);
    assert_eq!(db.count("domain_signals").await, 1, "the lead was scanned");

    // Forced: everything again, still no new rows.
    let again = ok(&enabled().run(&["partner-center", "sync", "--force"]).await);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["total_fetched"], 3, "{again:#}");
    assert_eq!(db.count("partner_center_referrals").await, 2);
    assert_eq!(db.count("raw_leads").await, 1);
    dns.shutdown().await;
    db.cleanup().await;
}

/// Two `hunter worker` processes on one PostgreSQL database sync once per interval between
/// them, not once each.
#[tokio::test(flavor = "multi_thread")]
async fn two_workers_on_postgresql_sync_once_per_interval() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let entra = FakeEntra::start().await;
    entra.set_interval(1);
    let api = FakePartnerCenter::start(&entra).await;
    api.set_referrals(vec![json!({"id": "r1", "direction": "Incoming",
        "updatedDateTime": "2026-11-20T10:00:00Z", "customerProfile": {"name": "No Contact"}})]);
    let dns = DnsServer::start(&zones(&catalogue())).await;
    let hunter = login(&db, &entra)
        .env("HUNTER_PARTNER_CENTER_API_URL", api.base_url())
        .env("HUNTER_PARTNER_CENTER_REQUEST_SPACING_MS", "0")
        .env("HUNTER_DNS_SERVERS", dns.addr().to_string());
    entra.script_polls([PollOutcome::Approve]);
    ok(&hunter.run(&["migrate", "up"]).await);
    ok(&hunter.run(&["partner-center", "login"]).await);

    let worker = hunter
        .env("HUNTER_PARTNER_CENTER_ENABLED", "true")
        .env("HUNTER_PARTNER_CENTER_SYNC_INTERVAL", "1");
    let first = worker.spawn(&["worker"]);
    let second = worker.spawn(&["worker"]);
    // Ticks at about 1, 2, 3 and 4 s in each process.
    tokio::time::sleep(std::time::Duration::from_millis(4600)).await;
    drop((first, second));
    let runs = db.count("partner_center_sync_runs").await;
    assert!(
        (2..=5).contains(&runs),
        "{runs} sync runs in 4 intervals from 2 workers"
    );
    dns.shutdown().await;
    db.cleanup().await;
}
