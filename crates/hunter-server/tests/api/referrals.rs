//! `GET /api/referrals` (tracked referrals, skipped ones included, filtered and paged) and
//! `POST /api/referrals/sync` against the fake Entra and Referrals API.

use std::time::Duration;

use hunter_fixtures::{
    DnsServer, FakeEntra, FakePartnerCenter, Fault, PollOutcome, catalogue, zones,
};
use hunter_partner_center::Authenticator;
use hunter_store::{ReferralRecord, Store};
use serde_json::{Value, json};

use crate::support::{Server, assert_error, config, json, on_each_backend};

fn referral(id: &str, domain: Option<&str>, kind: Option<&str>, updated: &str) -> ReferralRecord {
    ReferralRecord {
        referral_id: id.into(),
        referral_type: kind.map(Into::into),
        direction: Some("Incoming".into()),
        status: Some("New".into()),
        company_name: Some(format!("Company {id}")),
        domain: domain.map(Into::into),
        domain_source: domain.map(|_| "website".into()),
        updated_datetime: Some(updated.into()),
        deal_value: Some("1250.50".into()),
        raw_data: json!({ "id": id, "customerProfile": { "team": [{ "email": "ayse@example.com" }] } }),
        ..ReferralRecord::default()
    }
}

fn ids(page: &Value) -> Vec<&str> {
    page["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["referral_id"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracked_referrals_are_listed_newest_first_with_filters() {
    // Nothing is scanned here; the server only needs resolver settings.
    let dead = hunter_fixtures::dead_dns_addr();
    let dns = dead.addr();
    on_each_backend(move |db| async move {
        let store = Store::connect(&db.url).await.unwrap();
        store.migrate_up().await.unwrap();
        let mut outgoing = referral(
            "r4",
            Some("fabrikam.com"),
            Some("co-sell"),
            "2026-11-04T00:00:00Z",
        );
        outgoing.direction = Some("Outgoing".into());
        for r in [
            referral(
                "r1",
                Some("contoso.com"),
                Some("co-sell"),
                "2026-11-01T00:00:00Z",
            ),
            referral("r2", None, Some("marketplace"), "2026-11-03T00:00:00Z"),
            referral("r3", Some("northwind.com.tr"), None, "2026-11-02T00:00:00Z"),
            outgoing,
        ] {
            store.save_referral(&r).await.unwrap();
        }
        store.close().await;

        let server = Server::start(config(&db.url, dns, &[])).await;
        let all = json(server.get("/api/referrals").await, 200).await;
        assert_eq!(ids(&all), ["r4", "r2", "r3", "r1"]);
        assert_eq!(all["total"], 4);
        assert_eq!(all["page_size"], 50);
        let skipped = &all["referrals"][1];
        assert_eq!(skipped["domain"], Value::Null, "{skipped:#}");
        assert_eq!(skipped["deal_value"], "1250.50");
        assert!(
            skipped.get("raw_data").is_none(),
            "contact details stay out: {skipped:#}"
        );

        let cases = [
            ("?referral_type=co-sell", vec!["r4", "r1"]),
            ("?referral_type=none", vec!["r3"]),
            ("?status=new&search=COMPANY%20R2", vec!["r2"]),
            ("?search=contoso", vec!["r1"]),
            ("?page=2&page_size=3", vec!["r1"]),
        ];
        for (query, want) in cases {
            let page = json(server.get(&format!("/api/referrals{query}")).await, 200).await;
            assert_eq!(ids(&page), want, "{query}");
        }
        // Linked: Incoming with a domain that is a lead; no referral here has a scanned lead.
        let linked = json(server.get("/api/referrals?linked=true").await, 200).await;
        assert_eq!(linked["total"], 0);
        let unlinked = json(server.get("/api/referrals?linked=false").await, 200).await;
        assert_eq!(unlinked["total"], 4);

        for bad in [
            "linked=maybe",
            "page_size=500",
            "referral_type=partner",
            "page=0",
        ] {
            assert_error(
                server.get(&format!("/api/referrals?{bad}")).await,
                400,
                "invalid_query",
            )
            .await;
        }
        server.stop().await;
    })
    .await;
    drop(dead);
}

/// The sync endpoint's answers (`contract.md` §4): 400 when off, 500 without a sign-in, 200 with
/// `wait`, 202 and a job otherwise, 409 while a run is going.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_endpoint_answers_each_case_of_the_contract() {
    let dns = DnsServer::start(&zones(&catalogue())).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        // Off (the default).
        let server = Server::start(config(&db.url, dns_addr, &[])).await;
        let r = server.post_json("/api/referrals/sync", &json!({})).await;
        assert_error(r, 400, "partner_center_disabled").await;
        server.stop().await;

        let entra = FakeEntra::start().await;
        entra.set_interval(1);
        let api = FakePartnerCenter::start(&entra).await;
        api.set_referrals(vec![
            json!({"id": "r1", "direction": "Incoming", "type": "Shared", "qualification": "None",
                   "updatedDateTime": "2026-11-20T10:00:00Z",
                   "customerProfile": {"name": "Contoso", "team": [{"email": "ayse@contoso-m365.com"}]}}),
            json!({"id": "r2", "direction": "Incoming", "updatedDateTime": "2026-11-19T10:00:00Z",
                   "customerProfile": {"name": "No Contact"}}),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(".token_cache").display().to_string();
        let (authority, api_url) = (entra.base_url(), api.base_url());
        let on = [
            ("HUNTER_PARTNER_CENTER_ENABLED", "true"),
            ("HUNTER_PARTNER_CENTER_CLIENT_ID", "11111111-2222-3333-4444-555555555555"),
            ("HUNTER_PARTNER_CENTER_TENANT_ID", "contoso.com"),
            ("HUNTER_PARTNER_CENTER_AUTHORITY_URL", authority.as_str()),
            ("HUNTER_PARTNER_CENTER_API_URL", api_url.as_str()),
            ("HUNTER_PARTNER_CENTER_TOKEN_CACHE_PATH", cache.as_str()),
            ("HUNTER_PARTNER_CENTER_REQUEST_SPACING_MS", "0"),
        ];
        let settings = config(&db.url, dns_addr, &on);
        let server = Server::start(settings.clone()).await;

        // Not signed in: the run fails as a whole.
        let r = server.post_json("/api/referrals/sync", &json!({"wait": true})).await;
        let message = assert_error(r, 500, "sync_failed").await;
        assert!(message.contains("hunter partner-center login"), "{message}");
        let r = server.post_json("/api/referrals/sync", &json!({"wait": "yes"})).await;
        assert_error(r, 400, "invalid_json").await;

        // Signed in (as `hunter partner-center login` does).
        let pc_settings = hunter_engine::partner_center::settings(&settings).unwrap();
        let auth = Authenticator::new(&pc_settings)
            .unwrap()
            .with_poll_sleep(|d| Box::pin(tokio::time::sleep(d / 100)));
        entra.script_polls([PollOutcome::Approve]);
        auth.login(|_| {}).await.unwrap();

        let done = json(
            server.post_json("/api/referrals/sync", &json!({"wait": true})).await,
            200,
        )
        .await;
        assert_eq!(
            done,
            json!({"success_count": 1, "failure_count": 0, "skipped_count": 1,
                   "errors": [], "total_fetched": 2})
        );
        let lead = json(server.get("/api/leads/contoso-m365.com").await, 200).await;
        assert_eq!(lead["referral_type"], "co-sell");

        let accepted = json(
            server.post_json("/api/referrals/sync", &json!({"force": true})).await,
            202,
        )
        .await;
        let job_id = accepted["job_id"].as_str().unwrap().to_owned();
        let job = server.wait_job(&job_id, Duration::from_secs(60)).await;
        assert_eq!(job["kind"], "referral_sync", "{job:#}");
        assert_eq!(job["status"], "completed", "{job:#}");
        assert_eq!(job["result"]["total_fetched"], 2, "{job:#}");
        // Every sync asked for is in the audit trail (the one before sign-in too), by the
        // local principal.
        let audit = json(server.get("/api/admin/audit?event=referrals.synced").await, 200).await;
        assert_eq!(audit["total"], 3, "{audit:#}");
        assert_eq!(audit["events"][0]["actor"], "local");
        assert_eq!(audit["events"][0]["details"]["force"], true);

        // A run in progress (here: started by another process) refuses a second one.
        let store = Store::connect(&db.url).await.unwrap();
        let running = store.start_sync_run(false, None).await.unwrap();
        for body in [json!({}), json!({"wait": true})] {
            let r = server.post_json("/api/referrals/sync", &body).await;
            assert_error(r, 409, "sync_running").await;
        }
        store.fail_sync_run(running.id, "test over").await.unwrap();
        store.close().await;
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

/// The Partner Center story end to end through the API (issue 4, "what it must show"): three
/// pages with a 429 on the way, every kind, skipped referrals tracked, a malformed one counted as
/// a failure, an expired access token refreshed, a second sync adding nothing, an update picked
/// up incrementally, and the scoring effects in `GET /api/leads`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_center_sync_end_to_end() {
    let dns = DnsServer::start(&zones(&catalogue())).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let entra = FakeEntra::start().await;
        entra.set_interval(1);
        let api = FakePartnerCenter::start(&entra).await;
        // Outgoing referrals come through too, as from a server that ignores `$filter`.
        api.set_filter_honoured(false);
        let msft = json!({"invitedBy": {"organizationId": "msft"}});
        let person = |email: &str| json!([{"firstName": "Ayşe", "email": email}]);
        let mut referrals = vec![
            json!({"id": "cosell", "direction": "Incoming", "type": "Shared", "qualification": "None",
                   "updatedDateTime": "2026-11-20T10:00:00Z",
                   "customerProfile": {"name": "Contoso", "team": person("ayse@contoso-m365.com")}}),
            json!({"id": "tenant", "direction": "Incoming", "type": "Independent", "qualification": "Direct",
                   "updatedDateTime": "2026-11-20T09:00:00Z",
                   "customerProfile": {"name": "Adatum", "website": "https://adatum-google.com",
                                       "azureTenantId": "0f9d4e3a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}}),
            json!({"id": "sp", "direction": "Incoming", "type": "Independent",
                   "qualification": "SalesQualified", "inviteContext": msft,
                   "updatedDateTime": "2026-11-20T08:00:00Z",
                   "customerProfile": {"name": "Wingtip", "website": "wingtip-zoho.com"}}),
            json!({"id": "unknown-kind", "direction": "Incoming", "type": "Independent",
                   "qualification": "SalesQualified", "updatedDateTime": "2026-11-20T07:00:00Z",
                   "customerProfile": {"name": "Lamna", "team": person("info@lamna-yandex.com")}}),
            json!({"id": "outgoing", "direction": "Outgoing", "type": "Shared",
                   "updatedDateTime": "2026-11-20T06:00:00Z",
                   "customerProfile": {"name": "Out", "website": "relecloud-google.com"}}),
            json!({"id": "gmail", "direction": "Incoming", "type": "Independent", "qualification": "Direct",
                   "updatedDateTime": "2026-11-20T05:00:00Z",
                   "customerProfile": {"name": "Gmail Only", "team": person("owner@gmail.com")}}),
            json!({"id": "bad", "direction": "Incoming", "updatedDateTime": "2026-11-20T04:00:00Z",
                   "customerProfile": {"team": "not a list"}}),
        ];
        // Contact-less referrals fill three pages of 100.
        for i in 0..200 {
            referrals.push(json!({"id": format!("filler-{i:03}"), "direction": "Incoming",
                "updatedDateTime": format!("2026-11-{:02}T{:02}:00:00Z", 19 - i / 24, 23 - i % 24),
                "customerProfile": {"name": format!("Filler {i}")}}));
        }
        api.set_referrals(referrals.clone());
        api.fail_request(
            2,
            Fault::Status {
                status: 429,
                code: "tooManyRequests".into(),
                retry_after: Some("1".into()),
            },
        );

        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(".token_cache").display().to_string();
        let (authority, api_url) = (entra.base_url(), api.base_url());
        let on = [
            ("HUNTER_PARTNER_CENTER_ENABLED", "true"),
            ("HUNTER_PARTNER_CENTER_CLIENT_ID", "11111111-2222-3333-4444-555555555555"),
            ("HUNTER_PARTNER_CENTER_TENANT_ID", "contoso.com"),
            ("HUNTER_PARTNER_CENTER_AUTHORITY_URL", authority.as_str()),
            ("HUNTER_PARTNER_CENTER_API_URL", api_url.as_str()),
            ("HUNTER_PARTNER_CENTER_TOKEN_CACHE_PATH", cache.as_str()),
            ("HUNTER_PARTNER_CENTER_REQUEST_SPACING_MS", "0"),
        ];
        let settings = config(&db.url, dns_addr, &on);
        let auth = Authenticator::new(&hunter_engine::partner_center::settings(&settings).unwrap())
            .unwrap()
            .with_poll_sleep(|d| Box::pin(tokio::time::sleep(d / 100)));
        entra.script_polls([PollOutcome::Approve]);
        auth.login(|_| {}).await.unwrap();
        let server = Server::start(settings).await;
        let sync = || async {
            json(server.post_json("/api/referrals/sync", &json!({"wait": true})).await, 200).await
        };

        let first = sync().await;
        assert_eq!(first["total_fetched"], 207, "{first:#}");
        assert_eq!(first["success_count"], 4, "{first:#}");
        assert_eq!(first["failure_count"], 1, "{first:#}");
        assert_eq!(first["skipped_count"], 202, "{first:#}");
        let statuses: Vec<u16> = api.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 429, 200, 200], "three pages, one 429 retried");

        let mut got = Vec::new();
        for domain in [
            "contoso-m365.com",
            "adatum-google.com",
            "wingtip-zoho.com",
            "lamna-yandex.com",
        ] {
            let lead = json(server.get(&format!("/api/leads/{domain}")).await, 200).await;
            got.push((domain.to_owned(), lead["referral_type"].clone()));
        }
        assert_eq!(
            got,
            [
                ("contoso-m365.com".to_owned(), json!("co-sell")),
                ("adatum-google.com".to_owned(), json!("marketplace")),
                ("wingtip-zoho.com".to_owned(), json!("solution-provider")),
                ("lamna-yandex.com".to_owned(), Value::Null),
            ]
        );
        let skipped = json(server.get("/api/referrals?linked=false&search=o").await, 200).await;
        let skipped: Vec<&str> = ids(&skipped);
        assert!(skipped.contains(&"outgoing") && skipped.contains(&"gmail"), "{skipped:?}");

        // The lead list shows the scoring effects.
        let listed = json(server.get("/api/leads?referral_type=co-sell").await, 200).await;
        let contoso = &listed["leads"][0];
        assert_eq!(contoso["domain"], "contoso-m365.com");
        let dns_score = contoso["dns_score"].as_i64().unwrap();
        assert_eq!(contoso["readiness_score"], json!((dns_score + 15).min(100)));
        let listed = json(server.get("/api/leads?search=adatum").await, 200).await;
        let adatum = &listed["leads"][0];
        assert_eq!(
            (&adatum["segment"], &adatum["readiness_score"], &adatum["provider"], &adatum["reason"]),
            (&json!("Existing"), &json!(55), &json!("M365"), &json!("M365 existing customer (Azure Tenant ID)"))
        );

        // Expired access token: refreshed on the 401, and the same referrals add nothing.
        entra.expire_access_tokens();
        let refreshes = entra.refresh_count();
        let second = sync().await;
        assert_eq!(second["failure_count"], 0, "{second:#}");
        assert!(entra.refresh_count() > refreshes, "the access token was refreshed");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM partner_center_referrals").await, 206);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM raw_leads").await, 4);

        // An updated referral: Lamna becomes co-sell, picked up by the incremental sync.
        referrals[3]["type"] = json!("Shared");
        referrals[3]["qualification"] = json!("None");
        referrals[3]["updatedDateTime"] = json!("2026-11-21T10:00:00Z");
        api.set_referrals(referrals);
        let third = sync().await;
        assert!(third["total_fetched"].as_u64().unwrap() < 207, "incremental: {third:#}");
        let lamna = json(server.get("/api/leads/lamna-yandex.com").await, 200).await;
        assert_eq!(lamna["referral_type"], "co-sell");
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}
