//! Team access from the command line (`team.md` §1, §4) and a full Entra-mode run whose log is
//! searched for every secret it handled.

use std::time::Duration;

use hunter_fixtures::oidc::{
    AuthorizeAnswer, FakeIdp, IdpClient, IdpCredential, IdpUser, follow_authorize,
};
use hunter_fixtures::{DnsServer, zones};

use crate::support::{Backend, Hunter, TestDb, backends, ok, stderr, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn a_server_open_to_the_network_without_sign_in_is_refused_with_exit_2() {
    let db = TestDb::new(Backend::Sqlite).await;
    for (mode, bind) in [
        ("auto", "0.0.0.0:0"),
        ("local", "0.0.0.0:0"),
        ("auto", "192.0.2.1:8000"),
    ] {
        let out = Hunter::new(&db.url, db.dir())
            .env("HUNTER_AUTH_MODE", mode)
            .env("HUNTER_BIND", bind)
            .run(&["serve"])
            .await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{mode} on {bind}: {}",
            stderr(&out)
        );
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
        assert!(
            err.contains("HUNTER_BIND") && err.contains("HUNTER_AUTH_MODE"),
            "{err}"
        );
    }
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_are_created_listed_and_revoked_on_the_host() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let hunter = Hunter::new(&db.url, db.dir());
        let created = hunter
            .run(&[
                "api-key",
                "create",
                "--name",
                "CRM webhook",
                "--scopes",
                "ingest,leads:read",
                "--rate-limit",
                "5",
                "--expires-in-days",
                "30",
            ])
            .await;
        let key = ok(&created).trim().to_owned();
        assert!(key.starts_with("hunter_"), "{key}");
        let note = stderr(&created);
        assert!(note.contains("only time"), "{note}");
        let id = &key["hunter_".len().."hunter_".len() + 12];

        let list = ok(&hunter.run(&["api-key", "list"]).await);
        assert!(list.contains(id) && list.contains("CRM webhook"), "{list}");
        assert!(
            list.contains("leads:read,ingest") && list.contains("5/min"),
            "{list}"
        );
        assert!(!list.contains(&key), "the list never shows a key");
        assert!(list.contains("last used never"), "{list}");

        ok(&hunter.run(&["api-key", "revoke", id]).await);
        let list = ok(&hunter.run(&["api-key", "list"]).await);
        assert!(list.contains("revoked"), "{list}");

        let unknown = hunter.run(&["api-key", "revoke", "NOSUCHKEY000"]).await;
        assert_eq!(unknown.status.code(), Some(1));
        assert!(stderr(&unknown).contains("no API key NOSUCHKEY000"));
        let bad = hunter
            .run(&["api-key", "create", "--name", "x", "--scopes", "admin"])
            .await;
        assert_eq!(bad.status.code(), Some(1));
        assert!(
            stderr(&bad).contains("unknown scope \"admin\""),
            "{}",
            stderr(&bad)
        );
        assert!(stdout(&bad).is_empty());
        assert_eq!(db.count("audit_events").await, 2, "created and revoked");
        db.cleanup().await;
    }
}

const CLIENT_ID: &str = "6d1f2e3a-4b5c-4d6e-8f70-1a2b3c4d5e6f";
const CLIENT_SECRET: &str = "log-test-client-secret-9Xq2w";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn cookie_of(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .expect("cookie set")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_run_logs_no_secret_it_handled() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = TestDb::new(Backend::Sqlite).await;
    let dns = DnsServer::start(&zones(&[])).await;
    let idp = FakeIdp::start().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    idp.register_client(IdpClient {
        client_id: CLIENT_ID.to_owned(),
        redirect_uris: vec![format!("{base}/auth/callback")],
        post_logout_redirect_uris: vec![format!("{base}/")],
        credential: IdpCredential::Secret(CLIENT_SECRET.to_owned()),
    });
    let mut admin = IdpUser::member("oid-log", "Leyla Log", &["Hunter.Admin"]);
    admin.email = Some("leyla.log@contoso.com".to_owned());
    idp.sign_in_as(Some(admin));
    let log = db.dir().join("serve.log");
    let mut server = Hunter::new(&db.url, db.dir())
        // Debug: everything Hunter and its libraries say, short of tracing every byte.
        .env("HUNTER_LOG", "debug")
        .env("HUNTER_BIND", format!("127.0.0.1:{port}"))
        .env("HUNTER_DNS_SERVERS", dns.addr().to_string())
        .env("HUNTER_AUTH_MODE", "entra")
        .env("HUNTER_AUTH_PUBLIC_URL", base.as_str())
        .env("HUNTER_AUTH_AUTHORITY_URL", idp.authority())
        .env("HUNTER_AUTH_TENANT_ID", FakeIdp::TENANT)
        .env("HUNTER_AUTH_CLIENT_ID", CLIENT_ID)
        .env("HUNTER_AUTH_CLIENT_SECRET", CLIENT_SECRET)
        .env("HUNTER_AUTH_RESPONSE_MODE", "query")
        .spawn_logging_to(&["serve"], &log);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();

    // Signed in once the identity provider is discovered.
    let mut login = None;
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/auth/login")).send().await
            && r.status() == 302
        {
            login = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login = login.expect("sign-in became available");
    let flow = cookie_of(&login, "hunter_login");
    let authorize = login.headers()["location"].to_str().unwrap().to_owned();
    let AuthorizeAnswer::Redirect(callback) = follow_authorize(&authorize).await else {
        panic!("query mode redirects");
    };
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let back = http
        .get(callback.as_str())
        .header("cookie", format!("hunter_login={flow}"))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    let session = cookie_of(&back, "hunter_session");
    let as_admin = |r: reqwest::RequestBuilder| {
        r.header("cookie", format!("hunter_session={session}"))
            .header("origin", base.as_str())
    };

    let created: serde_json::Value = as_admin(http.post(format!("{base}/api/admin/api-keys")))
        .json(
            &serde_json::json!({"name": "CRM", "scopes": ["ingest", "leads:read", "leads:export"]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    let hook = http
        .post(format!("{base}/api/ingest/webhook"))
        .header("x-api-key", &key)
        .json(
            &serde_json::json!({"email": "ceo@contoso.com", "contact_emails": ["cfo@contoso.com"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 201);
    let leads = http
        .get(format!("{base}/api/leads"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(leads.status(), 200);
    let export = as_admin(http.get(format!("{base}/api/leads/export?format=csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let _ = export.bytes().await.unwrap();
    let refused = http
        .get(format!("{base}/api/leads"))
        .header("x-api-key", format!("{key}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let out = as_admin(http.post(format!("{base}/auth/logout")))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);

    unsafe { libc::kill(server.id().unwrap() as i32, libc::SIGTERM) };
    tokio::time::timeout(Duration::from_secs(60), server.wait())
        .await
        .expect("hunter stopped")
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("signed in"), "the run was logged:\n{text}");
    // `hunter_` + 12-character id + `_` + the 43-character secret (which may hold `_` itself).
    let secret_part = key["hunter_".len() + 13..][..43].to_owned();
    for (what, secret) in [
        ("the client secret", CLIENT_SECRET),
        ("the authorization code", code.as_str()),
        ("the login flow cookie", flow.as_str()),
        ("the session cookie", session.as_str()),
        ("the API key", key.as_str()),
        ("the API key's secret", &secret_part[..20]),
        ("a JWT (ID or access token, client assertion)", "eyJ"),
        ("an e-mail address", "leyla.log@contoso.com"),
        ("an e-mail address", "ceo@contoso.com"),
        ("an e-mail address", "cfo@contoso.com"),
    ] {
        assert!(!text.contains(secret), "{what} is in the log:\n{text}");
    }
    dns.shutdown().await;
    db.cleanup().await;
}
