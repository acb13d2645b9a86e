//! Team access end to end (`team.md` §1, §3–§6): local mode's guards, then Entra mode's
//! refusals, API keys (scopes, revocation, the rate limit across two servers), sessions
//! (roles, disabling, cross-origin writes), the webhook and the audit trail, on both backends.
//!
//! Sessions here are opened in the database the way a sign-in opens them; the sign-in itself
//! through a fake identity provider is tested in `signin.rs`.

use hunter_core::access::sha256_hex;
use hunter_fixtures::{DnsServer, zones};
use hunter_store::{NewSession, SignIn, Store};
use reqwest::Response;
use serde_json::{Value, json};

use crate::support::{Server, assert_error, config, json, on_each_backend};

pub const PUBLIC_URL: &str = "http://localhost:1";
pub const TENANT: &str = "8f2a4a52-5a8e-4c64-9e0b-2f6a3d2b1c01";

/// Entra-mode settings with no identity provider behind them: enough for everything but the
/// sign-in itself.
pub fn entra_settings() -> Vec<(&'static str, &'static str)> {
    vec![
        ("HUNTER_AUTH_MODE", "entra"),
        ("HUNTER_AUTH_PUBLIC_URL", PUBLIC_URL),
        ("HUNTER_AUTH_AUTHORITY_URL", "http://127.0.0.1:9"),
        ("HUNTER_AUTH_TENANT_ID", TENANT),
        (
            "HUNTER_AUTH_CLIENT_ID",
            "0a1b2c3d-0000-4000-8000-000000000001",
        ),
        ("HUNTER_AUTH_CLIENT_SECRET", "test-client-secret-value"),
    ]
}

/// A signed-in person's session cookie value, opened directly in the database.
pub async fn session_for(db_url: &str, oid: &str, roles: &[&str]) -> (String, String) {
    let store = Store::connect(db_url).await.unwrap();
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    let user = store
        .record_sign_in(&SignIn {
            tenant_id: TENANT,
            oid,
            name: &format!("Person {oid}"),
            email: Some(&format!("{oid}@contoso.com")),
            roles: &roles,
        })
        .await
        .unwrap();
    let token = format!("session-token-{oid}-{}", rand_suffix());
    store
        .create_session(&NewSession {
            token_sha256: &sha256_hex(&token),
            user_id: &user.id,
            roles: &roles,
            idle_timeout: chrono::Duration::minutes(30),
            max_age: chrono::Duration::hours(12),
            ip: None,
            user_agent: None,
        })
        .await
        .unwrap();
    store.close().await;
    (user.id, token)
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        .to_string()
}

/// Requests as one caller: a session cookie or an API key.
#[derive(Clone)]
pub enum As {
    Session(String),
    Key(String),
}

pub async fn send(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    who: &As,
    body: Option<&Value>,
) -> Response {
    let mut request = server.client.request(method, server.url(path));
    request = match who {
        As::Session(token) => request
            .header("cookie", format!("hunter_session={token}"))
            .header("origin", PUBLIC_URL),
        As::Key(key) => request.header("x-api-key", key),
    };
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

pub async fn get_as(server: &Server, path: &str, who: &As) -> Response {
    send(server, reqwest::Method::GET, path, who, None).await
}

pub async fn post_as(server: &Server, path: &str, who: &As, body: &Value) -> Response {
    send(server, reqwest::Method::POST, path, who, Some(body)).await
}

async fn create_key(server: &Server, admin: &As, scopes: &[&str], rate: u32) -> Value {
    json(
        post_as(
            server,
            "/api/admin/api-keys",
            admin,
            &json!({"name": "CRM", "scopes": scopes, "rate_limit_per_minute": rate}),
        )
        .await,
        201,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_mode_answers_this_machine_only_and_acts_as_admin() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, addr, &[])).await;
        let me = json(server.get("/api/me").await, 200).await;
        assert_eq!(me["mode"], "local");
        assert_eq!(me["user"]["id"], "local");
        assert_eq!(me["user"]["admin"], true);

        // DNS rebinding: a page on evil.example resolving to 127.0.0.1.
        let rebound = server
            .client
            .get(server.url("/api/leads"))
            .header("host", "evil.example:8000")
            .send()
            .await
            .unwrap();
        assert_error(rebound, 403, "local_mode_host").await;
        for header in [
            "forwarded",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-real-ip",
        ] {
            let proxied = server
                .client
                .get(server.url("/api/leads"))
                .header(header, "203.0.113.7")
                .send()
                .await
                .unwrap();
            assert_error(proxied, 403, "local_mode_proxied").await;
        }
        // The admin routes work without sign-in on the host.
        let key = json(
            server
                .post_json(
                    "/api/admin/api-keys",
                    &json!({"name": "script", "scopes": ["leads:read"]}),
                )
                .await,
            201,
        )
        .await;
        assert!(key["key"].as_str().unwrap().starts_with("hunter_"));

        // What the host does is audited as `local`.
        let bulk = server
            .post_json(
                "/api/scan/bulk",
                &json!({"domains": ["contoso.com", "fabrikam.com"]}),
            )
            .await;
        assert_eq!(bulk.status(), 202);
        let upload = server
            .upload("/api/ingest/file", "firms.csv", b"domain\ncontoso.com\n")
            .await;
        assert_eq!(upload.status(), 202);
        let audit = json(server.get("/api/admin/audit").await, 200).await;
        let events: Vec<(&str, &str)> = audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["event"].as_str().unwrap(), e["actor"].as_str().unwrap()))
            .collect();
        assert_eq!(
            events,
            [
                ("file.imported", "local"),
                ("scan.bulk", "local"),
                ("api_key.created", "local")
            ]
        );
        assert_eq!(audit["events"][0]["details"]["file_name"], "firms.csv");
        assert_eq!(audit["events"][1]["details"]["domains"], 2);
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_mode_refuses_callers_without_a_credential_or_the_right() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, addr, &entra_settings())).await;
        for path in ["/healthz", "/api/openapi.json", "/", "/docs/"] {
            assert_eq!(server.get(path).await.status(), 200, "{path} is open");
        }
        for path in [
            "/api/me",
            "/api/leads",
            "/api/leads/export",
            "/api/dashboard/kpis",
            "/api/admin/users",
        ] {
            assert_error(server.get(path).await, 401, "unauthenticated").await;
        }
        let webhook = server
            .post_json("/api/ingest/webhook", &json!({"domain": "contoso.com"}))
            .await;
        assert_error(webhook, 401, "unauthenticated").await;
        // A key of the wrong shape, a well-formed key nobody issued.
        let bogus = As::Key("hunter_nonsense".to_owned());
        assert_error(
            get_as(&server, "/api/leads", &bogus).await,
            401,
            "unauthenticated",
        )
        .await;
        let forged = As::Key(hunter_core::access::NewApiKey::from_random([7; 12], [9; 32]).key);
        assert_error(
            get_as(&server, "/api/leads", &forged).await,
            401,
            "unauthenticated",
        )
        .await;
        // Turkish on request.
        let tr = server.get_in("/api/leads", "tr-TR").await;
        let body = json(tr, 401).await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("oturum")
        );

        let (_, user) = session_for(&db.url, "user-1", &["Hunter.User"]).await;
        let user = As::Session(user);
        assert_eq!(get_as(&server, "/api/leads", &user).await.status(), 200);
        let me = json(get_as(&server, "/api/me", &user).await, 200).await;
        assert_eq!(me["mode"], "entra");
        assert_eq!(me["user"]["name"], "Person user-1");
        assert_eq!(me["user"]["roles"], json!(["Hunter.User"]));
        assert_eq!(me["user"]["admin"], false);
        for path in [
            "/api/admin/users",
            "/api/admin/api-keys",
            "/api/admin/audit",
        ] {
            assert_error(get_as(&server, path, &user).await, 403, "forbidden").await;
        }
        // A full sync is an admin's call.
        let force = post_as(
            &server,
            "/api/referrals/sync",
            &user,
            &json!({"force": true}),
        )
        .await;
        assert_error(force, 403, "forbidden").await;
        // Signed in without any Hunter role (roles removed since): refused.
        let (_, nobody) = session_for(&db.url, "guest-1", &[]).await;
        let nobody = As::Session(nobody);
        assert_error(
            get_as(&server, "/api/leads", &nobody).await,
            403,
            "forbidden",
        )
        .await;
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_reach_their_scopes_only_and_a_revoked_key_is_refused_at_once() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, addr, &entra_settings())).await;
        let (_, admin) = session_for(&db.url, "admin-1", &["Hunter.Admin"]).await;
        let admin = As::Session(admin);

        let bad = post_as(
            &server,
            "/api/admin/api-keys",
            &admin,
            &json!({"name": "x", "scopes": ["everything"]}),
        )
        .await;
        assert_error(bad, 422, "invalid_api_key_request").await;
        let bad = post_as(
            &server,
            "/api/admin/api-keys",
            &admin,
            &json!({"name": "x", "scopes": ["scan"], "expires_in_days": 400}),
        )
        .await;
        assert_error(bad, 422, "invalid_api_key_request").await;

        let created = create_key(&server, &admin, &["leads:read", "ingest"], 60).await;
        let key = created["key"].as_str().unwrap().to_owned();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["scopes"], json!(["leads:read", "ingest"]));
        assert_eq!(created["rate_limit_per_minute"], 60);

        // Listed without the key; the list shows its prefix and last use.
        let list = json(get_as(&server, "/api/admin/api-keys", &admin).await, 200).await;
        let entry = &list["api_keys"][0];
        assert_eq!(entry["id"], id.as_str());
        assert_eq!(entry["prefix"], format!("hunter_{id}"));
        assert!(entry["last_used_at"].is_null());
        assert!(
            !list.to_string().contains(&key),
            "the list never holds the key"
        );
        // Stored only as a hash.
        let stored = db.scalar_text("SELECT secret_sha256 FROM api_keys").await;
        assert!(!key.contains(&stored) && stored.len() == 64);

        let as_key = As::Key(key.clone());
        assert_eq!(get_as(&server, "/api/leads", &as_key).await.status(), 200);
        let bearer = server
            .client
            .get(server.url("/api/leads"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(bearer.status(), 200, "Authorization: Bearer works too");
        // Outside its scopes, on admin routes and on /api/me: forbidden.
        let scan = post_as(
            &server,
            "/api/scan/domain",
            &as_key,
            &json!({"domain": "contoso.com"}),
        )
        .await;
        assert_error(scan, 403, "forbidden").await;
        assert_error(
            get_as(&server, "/api/leads/export", &as_key).await,
            403,
            "forbidden",
        )
        .await;
        assert_error(
            get_as(&server, "/api/admin/api-keys", &as_key).await,
            403,
            "forbidden",
        )
        .await;
        assert_error(get_as(&server, "/api/me", &as_key).await, 403, "forbidden").await;
        // A key needs no Origin: a cross-site page cannot attach one.
        let from_elsewhere = server
            .client
            .post(server.url("/api/ingest/domain"))
            .header("x-api-key", &key)
            .header("origin", "https://evil.example")
            .json(&json!({"domain": "contoso.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(from_elsewhere.status(), 201);

        let list = json(get_as(&server, "/api/admin/api-keys", &admin).await, 200).await;
        assert!(list["api_keys"][0]["last_used_at"].is_string());

        let revoked = json(
            post_as(
                &server,
                &format!("/api/admin/api-keys/{id}/revoke"),
                &admin,
                &json!({}),
            )
            .await,
            200,
        )
        .await;
        assert!(revoked["revoked_at"].is_string());
        assert_error(
            get_as(&server, "/api/leads", &as_key).await,
            401,
            "unauthenticated",
        )
        .await;
        let missing = post_as(
            &server,
            "/api/admin/api-keys/NOSUCHKEY000/revoke",
            &admin,
            &json!({}),
        )
        .await;
        assert_error(missing, 404, "not_found").await;

        let audit = json(
            get_as(&server, "/api/admin/audit?event=api_key.created", &admin).await,
            200,
        )
        .await;
        assert_eq!(audit["total"], 1);
        assert_eq!(audit["events"][0]["target"], id.as_str());
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_is_one_count_across_two_servers_on_one_database() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let one = Server::start(config(&db.url, addr, &entra_settings())).await;
        let two = Server::start(config(&db.url, addr, &entra_settings())).await;
        let (_, admin) = session_for(&db.url, "admin-1", &["Hunter.Admin"]).await;
        let admin = As::Session(admin);
        let created = create_key(&one, &admin, &["leads:read"], 4).await;
        let key = As::Key(created["key"].as_str().unwrap().to_owned());
        // A minute boundary between the requests would restart the count: start after one.
        let into_minute = chrono::Utc::now().timestamp() % 60;
        if into_minute > 50 {
            tokio::time::sleep(std::time::Duration::from_secs((61 - into_minute) as u64)).await;
        }
        let mut statuses = Vec::new();
        for i in 0..6 {
            let server = if i % 2 == 0 { &one } else { &two };
            statuses.push(get_as(server, "/api/dashboard/kpis", &key).await);
        }
        let last = statuses.pop().unwrap();
        let codes: Vec<u16> = statuses.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(codes, [200, 200, 200, 200, 429]);
        let retry: u64 = last.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "Retry-After {retry}");
        assert_error(last, 429, "rate_limited").await;
        one.stop().await;
        two.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_a_member_is_disabled_and_cross_site_writes_are_refused() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, addr, &entra_settings())).await;
        let (admin_id, admin) = session_for(&db.url, "admin-1", &["Hunter.Admin"]).await;
        let (user_id, user) = session_for(&db.url, "user-1", &["Hunter.User"]).await;
        let (admin, user_token) = (As::Session(admin), user.clone());
        let user = As::Session(user);

        // A write with the user's cookie from another site's page.
        for (header, value) in [
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ] {
            let forged = server
                .client
                .post(server.url("/api/ingest/domain"))
                .header("cookie", format!("hunter_session={user_token}"))
                .header(header, value)
                .json(&json!({"domain": "contoso.com"}))
                .send()
                .await
                .unwrap();
            assert_error(forged, 403, "cross_origin").await;
        }
        let own = post_as(
            &server,
            "/api/ingest/domain",
            &user,
            &json!({"domain": "contoso.com"}),
        )
        .await;
        assert_eq!(own.status(), 201);

        let users = json(get_as(&server, "/api/admin/users", &admin).await, 200).await;
        let names: Vec<&str> = users["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Person admin-1", "Person user-1"]);
        let myself = post_as(
            &server,
            &format!("/api/admin/users/{admin_id}/disable"),
            &admin,
            &json!({}),
        )
        .await;
        assert_error(myself, 409, "cannot_disable_self").await;

        let disabled = json(
            post_as(
                &server,
                &format!("/api/admin/users/{user_id}/disable"),
                &admin,
                &json!({}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(disabled["disabled"], true);
        assert_error(
            get_as(&server, "/api/leads", &user).await,
            401,
            "unauthenticated",
        )
        .await;
        // Enabled again, the old session stays ended: they sign in anew.
        let enabled = json(
            post_as(
                &server,
                &format!("/api/admin/users/{user_id}/enable"),
                &admin,
                &json!({}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(enabled["disabled"], false);
        assert_error(
            get_as(&server, "/api/leads", &user).await,
            401,
            "unauthenticated",
        )
        .await;

        // What happened is in the audit trail, newest first.
        let audit = json(
            get_as(&server, "/api/admin/audit?page_size=50", &admin).await,
            200,
        )
        .await;
        let events: Vec<&str> = audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect();
        assert_eq!(events, ["user.enabled", "user.disabled"]);
        assert_eq!(audit["events"][1]["actor"], admin_id.as_str());
        assert_eq!(audit["events"][1]["target"], user_id.as_str());
        let bad_page = get_as(&server, "/api/admin/audit?page_size=500", &admin).await;
        assert_error(bad_page, 400, "invalid_query").await;
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_ingests_a_company_and_queues_its_first_scan() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, addr, &entra_settings())).await;
        let (_, admin) = session_for(&db.url, "admin-1", &["Hunter.Admin"]).await;
        let admin = As::Session(admin);
        let created = create_key(
            &server,
            &admin,
            &["ingest", "leads:read", "leads:export"],
            100,
        )
        .await;
        let key_id = created["id"].as_str().unwrap().to_owned();
        let key = As::Key(created["key"].as_str().unwrap().to_owned());

        let body = json!({
            "website": "https://www.contoso.com/contact",
            "email": "someone@elsewhere.example",
            "company_name": "Contoso",
            "contact_emails": ["ayse@contoso.com"]
        });
        let first = json(
            post_as(&server, "/api/ingest/webhook", &key, &body).await,
            201,
        )
        .await;
        assert_eq!(
            first["domain"], "contoso.com",
            "the website wins (hunter.md §2)"
        );
        assert!(first["company_id"].is_i64());
        let job = first["scan_job_id"]
            .as_str()
            .expect("a first scan is queued");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let done = json(
                get_as(&server, &format!("/api/jobs/{job}"), &key).await,
                200,
            )
            .await;
            if done["status"] == "completed" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "scan finished: {done}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let again = json(
            post_as(&server, "/api/ingest/webhook", &key, &body).await,
            201,
        )
        .await;
        assert!(
            again["scan_job_id"].is_null(),
            "no second scan once a result exists"
        );
        assert_eq!(again["company_id"], first["company_id"]);

        assert_eq!(
            db.scalar_text("SELECT api_key_id FROM raw_leads WHERE source = 'webhook' LIMIT 1")
                .await,
            key_id
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM raw_leads WHERE source = 'webhook'")
                .await,
            2
        );

        let unusable = post_as(
            &server,
            "/api/ingest/webhook",
            &key,
            &json!({"domain": "not a domain"}),
        )
        .await;
        assert_error(unusable, 422, "invalid_domain").await;
        let huge = json!({"domain": "contoso.com", "company_name": "x".repeat(70 * 1024)});
        let too_big = post_as(&server, "/api/ingest/webhook", &key, &huge).await;
        assert_error(too_big, 413, "payload_too_large").await;

        // An export by key is audited with its row count.
        let export = get_as(&server, "/api/leads/export?format=csv", &key).await;
        assert_eq!(export.status(), 200);
        let _ = export.text().await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let audit = json(
                get_as(&server, "/api/admin/audit?event=leads.exported", &admin).await,
                200,
            )
            .await;
            if audit["events"].as_array().is_some_and(|e| e.len() == 1) {
                assert_eq!(audit["events"][0]["actor"], format!("api_key:{key_id}"));
                assert_eq!(audit["events"][0]["details"]["rows"], 1);
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "export audited: {audit}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}
