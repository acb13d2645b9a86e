//! Sign in with Microsoft end to end against the fake Entra ID (`team.md` §2): both response
//! modes, secret and certificate credentials, every forged ID token refused with no session,
//! a replayed callback, no role, a disabled person, key rotation, logout that really ends the
//! session, and an identity provider that is down at start.

use std::time::Duration;

use hunter_fixtures::oidc::{
    AuthorizeAnswer, FakeIdp, Forgery, IdpClient, IdpCredential, IdpUser, follow_authorize,
    test_client_cert,
};
use hunter_fixtures::{DnsServer, zones};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::support::{Server, TestDb, config, json, on_each_backend};

pub const CLIENT_ID: &str = "3c5e0a7f-1b2d-4e6f-8a9b-0c1d2e3f4a5b";
pub const CLIENT_SECRET: &str = "fake-idp-client-secret-Zq8";

/// Hunter on Entra mode against `idp`, its public URL its own address.
pub async fn entra_server(
    db: &TestDb,
    dns: std::net::SocketAddr,
    idp: &FakeIdp,
    extra: &[(&str, &str)],
) -> Server {
    let authority = idp.authority();
    Server::start_with(|base| {
        idp.register_client(IdpClient {
            client_id: CLIENT_ID.to_owned(),
            redirect_uris: vec![format!("{base}/auth/callback")],
            post_logout_redirect_uris: vec![format!("{base}/")],
            credential: match extra
                .iter()
                .any(|(k, _)| *k == "HUNTER_AUTH_CLIENT_CERT_PATH")
            {
                true => IdpCredential::Certificate {
                    cert_pem: test_client_cert::CERT_PEM.to_owned(),
                },
                false => IdpCredential::Secret(CLIENT_SECRET.to_owned()),
            },
        });
        let mut settings = vec![
            ("HUNTER_AUTH_MODE", "entra"),
            ("HUNTER_AUTH_PUBLIC_URL", base),
            ("HUNTER_AUTH_AUTHORITY_URL", authority.as_str()),
            ("HUNTER_AUTH_TENANT_ID", FakeIdp::TENANT),
            ("HUNTER_AUTH_CLIENT_ID", CLIENT_ID),
        ];
        if !extra
            .iter()
            .any(|(k, _)| k.starts_with("HUNTER_AUTH_CLIENT_"))
        {
            settings.push(("HUNTER_AUTH_CLIENT_SECRET", CLIENT_SECRET));
        }
        settings.extend_from_slice(extra);
        config(&db.url, dns, &settings)
    })
    .await
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// What a browser does: `/auth/login`, Microsoft, back to the callback with the login cookie.
/// Returns the callback's answer.
pub async fn sign_in(server: &Server, return_to: &str) -> Response {
    let (login_cookie, answer) = start_sign_in(server, return_to).await;
    finish_sign_in(server, &login_cookie, answer).await
}

pub async fn start_sign_in(server: &Server, return_to: &str) -> (String, AuthorizeAnswer) {
    let http = no_redirects();
    let login = http
        .get(
            url::Url::parse_with_params(&server.url("/auth/login"), [("return_to", return_to)])
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        StatusCode::FOUND,
        "{:?}",
        login.text().await
    );
    let cookie = set_cookie(&login, "hunter_login").expect("a login cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=600"),
        "{cookie}"
    );
    let authorize = login.headers()["location"].to_str().unwrap().to_owned();
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "scope=openid+profile+email",
    ] {
        assert!(authorize.contains(part), "{authorize} has {part}");
    }
    (cookie_value(&cookie), follow_authorize(&authorize).await)
}

pub async fn finish_sign_in(server: &Server, login: &str, answer: AuthorizeAnswer) -> Response {
    let http = no_redirects();
    let cookie = format!("hunter_login={login}");
    match answer {
        AuthorizeAnswer::Redirect(url) => {
            assert!(
                url.as_str().starts_with(&server.url("/auth/callback")),
                "{url}"
            );
            http.get(url.as_str())
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
        AuthorizeAnswer::FormPost { action, fields } => {
            assert_eq!(action, server.url("/auth/callback"));
            http.post(&action)
                .header("cookie", cookie)
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
        AuthorizeAnswer::Page { status, body } => panic!("the IdP answered {status}: {body}"),
    }
}

/// The session cookie value a successful callback set, after checking where it sends.
pub async fn session_of(callback: Response, return_to: &str) -> String {
    let status = callback.status();
    let cookie = set_cookie(&callback, "hunter_session");
    let location = callback
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = callback.text().await.unwrap();
    assert_eq!(status, StatusCode::SEE_OTHER, "callback failed: {body}");
    assert_eq!(location.as_deref(), Some(return_to));
    let cookie = cookie.expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} has {attribute}");
    }
    cookie_value(&cookie)
}

async fn me(server: &Server, session: &str) -> Response {
    server
        .client
        .get(server.url("/api/me"))
        .header("cookie", format!("hunter_session={session}"))
        .send()
        .await
        .unwrap()
}

async fn refused_page(response: Response, status: u16, words: &str) {
    assert_eq!(response.status().as_u16(), status);
    assert!(
        set_cookie(&response, "hunter_session").is_none(),
        "no session on failure"
    );
    let body = response.text().await.unwrap();
    assert!(body.contains(words), "{words:?} in {body}");
}

async fn wait_discovered(server: &Server) {
    let http = no_redirects();
    for _ in 0..100 {
        let login = http.get(server.url("/auth/login")).send().await.unwrap();
        if login.status() == StatusCode::FOUND {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the identity provider was never discovered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_in_in_both_response_modes_and_logs_out_for_good() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        for mode in ["form_post", "query"] {
            let idp = FakeIdp::start().await;
            let mut ayse = IdpUser::member("oid-ayse", "Ayşe Yılmaz", &["Hunter.User"]);
            ayse.email = Some("ayse.yilmaz@contoso.com".to_owned());
            idp.sign_in_as(Some(ayse));
            let server =
                entra_server(&db, addr, &idp, &[("HUNTER_AUTH_RESPONSE_MODE", mode)]).await;
            wait_discovered(&server).await;

            let callback = sign_in(&server, "/?segment=Migration").await;
            let session = session_of(callback, "/?segment=Migration").await;
            let who = json(me(&server, &session).await, 200).await;
            assert_eq!(who["mode"], "entra");
            assert_eq!(who["user"]["name"], "Ayşe Yılmaz");
            assert_eq!(who["user"]["roles"], serde_json::json!(["Hunter.User"]));

            // Logout ends the session on the server, then signs out at Microsoft.
            let out = no_redirects()
                .post(server.url("/auth/logout"))
                .header("cookie", format!("hunter_session={session}"))
                .header("origin", server.base.as_str())
                .send()
                .await
                .unwrap();
            assert_eq!(out.status(), StatusCode::SEE_OTHER);
            let cleared = set_cookie(&out, "hunter_session").unwrap();
            assert!(cleared.contains("Max-Age=0"), "{cleared}");
            let to = out.headers()["location"].to_str().unwrap().to_owned();
            assert!(
                to.starts_with(&idp.base_url()),
                "to the end-session endpoint: {to}"
            );
            let at_idp = no_redirects().get(&to).send().await.unwrap();
            assert_eq!(
                at_idp.status(),
                StatusCode::FOUND,
                "the post-logout URI is registered"
            );
            let back = at_idp.headers()["location"].to_str().unwrap();
            let back = back.trim_end_matches('?');
            assert_eq!(back, format!("{}/", server.base));
            let old = me(&server, &session).await;
            assert_eq!(
                old.status(),
                StatusCode::UNAUTHORIZED,
                "the old cookie is refused"
            );
            server.stop().await;
        }
        let events = db
            .scalar("SELECT COUNT(*) FROM audit_events WHERE event IN ('login.success', 'logout')")
            .await;
        assert_eq!(events, 4);
        let details = db
            .scalar_text("SELECT details FROM audit_events WHERE event = 'login.success' LIMIT 1")
            .await;
        assert!(details.contains("\"email\""), "{details}");
        assert!(
            !details.contains("ayse.yilmaz@contoso.com"),
            "masked: {details}"
        );
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_forged_id_token_and_a_replayed_callback_are_refused_with_no_session() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let idp = FakeIdp::start().await;
        idp.sign_in_as(Some(IdpUser::member(
            "oid-mert",
            "Mert Kaya",
            &["Hunter.User"],
        )));
        let server = entra_server(&db, addr, &idp, &[("HUNTER_AUTH_RESPONSE_MODE", "query")]).await;
        wait_discovered(&server).await;

        for (forgery, status, words) in [
            (Forgery::UnknownKey, 400, "could not be completed"),
            (Forgery::AlgNone, 400, "could not be completed"),
            (Forgery::Hs256WithPublicKey, 400, "could not be completed"),
            (Forgery::WrongIssuer, 400, "could not be completed"),
            (Forgery::WrongAudience, 400, "could not be completed"),
            (Forgery::Expired, 400, "could not be completed"),
            (Forgery::NotYetValid, 400, "could not be completed"),
            (Forgery::IssuedInFuture, 400, "could not be completed"),
            (Forgery::NoNonce, 400, "could not be completed"),
            (Forgery::ForeignNonce, 400, "could not be completed"),
            (Forgery::OtherTenant, 403, "another organization"),
            (Forgery::WrongTenantClaim, 403, "another organization"),
            (Forgery::NoRoles, 403, "Hunter.User"),
        ] {
            idp.forge_next(forgery);
            refused_page(sign_in(&server, "/").await, status, words).await;
        }
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM sessions").await,
            0,
            "no session"
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM users").await,
            0,
            "nobody recorded"
        );
        let failures = db
            .scalar("SELECT COUNT(*) FROM audit_events WHERE event = 'login.failure'")
            .await;
        assert_eq!(failures, 13);

        // A genuine sign-in, then the same callback again.
        let (login, answer) = start_sign_in(&server, "/").await;
        let AuthorizeAnswer::Redirect(callback) = answer else {
            panic!("query mode redirects");
        };
        let first =
            finish_sign_in(&server, &login, AuthorizeAnswer::Redirect(callback.clone())).await;
        session_of(first, "/").await;
        let replay = finish_sign_in(&server, &login, AuthorizeAnswer::Redirect(callback)).await;
        refused_page(replay, 400, "already used").await;
        // A callback without the browser's login cookie (another browser, a CSRF attempt).
        let (_, answer) = start_sign_in(&server, "/").await;
        refused_page(
            finish_sign_in(&server, "", answer).await,
            400,
            "another browser",
        )
        .await;
        assert_eq!(db.scalar("SELECT COUNT(*) FROM sessions").await, 1);
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_member_cannot_sign_in_and_rotated_keys_are_picked_up() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    on_each_backend(move |db| async move {
        let idp = FakeIdp::start().await;
        idp.sign_in_as(Some(IdpUser::member(
            "oid-admin",
            "Deniz Admin",
            &["Hunter.Admin"],
        )));
        let server = entra_server(&db, addr, &idp, &[]).await;
        wait_discovered(&server).await;
        let admin = session_of(sign_in(&server, "/").await, "/").await;

        idp.sign_in_as(Some(IdpUser::member(
            "oid-user",
            "Can User",
            &["Hunter.User"],
        )));
        session_of(sign_in(&server, "/").await, "/").await;
        let users: Value = json(
            server
                .client
                .get(server.url("/api/admin/users"))
                .header("cookie", format!("hunter_session={admin}"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let can = users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == "Can User")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let disabled = server
            .client
            .post(server.url(&format!("/api/admin/users/{can}/disable")))
            .header("cookie", format!("hunter_session={admin}"))
            .header("origin", server.base.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(disabled.status(), 200);
        refused_page(sign_in(&server, "/").await, 403, "disabled").await;

        // Microsoft rotates its signing key: the unknown kid makes Hunter read the keys again.
        let fetches = idp.jwks_fetches();
        idp.rotate_signing_key();
        idp.sign_in_as(Some(IdpUser::member(
            "oid-new",
            "Ece Yeni",
            &["Hunter.User"],
        )));
        session_of(sign_in(&server, "/").await, "/").await;
        assert_eq!(idp.jwks_fetches(), fetches + 1);
        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_file_credential_signs_in() {
    let dns = DnsServer::start(&zones(&[])).await;
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb {
        url: format!("sqlite://{}", dir.path().join("hunter.db").display()),
    };
    let secret = dir.path().join("entra-secret");
    // Secret stores often end the file with a newline; it is trimmed.
    std::fs::write(&secret, format!("{CLIENT_SECRET}\n")).unwrap();
    let secret = secret.display().to_string();
    let idp = FakeIdp::start().await;
    idp.sign_in_as(Some(IdpUser::member("oid-file", "Dosya", &["Hunter.User"])));
    let server = entra_server(
        &db,
        dns.addr(),
        &idp,
        &[("HUNTER_AUTH_CLIENT_SECRET_FILE", secret.as_str())],
    )
    .await;
    wait_discovered(&server).await;
    let session = session_of(sign_in(&server, "/").await, "/").await;
    assert_eq!(me(&server, &session).await.status(), 200);
    server.stop().await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_credential_signs_in_and_a_down_idp_answers_503_until_it_is_back() {
    let dns = DnsServer::start(&zones(&[])).await;
    let addr = dns.addr();
    let db_dir = tempfile::tempdir().unwrap();
    let db = TestDb {
        url: format!("sqlite://{}", db_dir.path().join("hunter.db").display()),
    };
    let idp = FakeIdp::start().await;
    idp.set_down(true);
    idp.sign_in_as(Some(IdpUser::member(
        "oid-cert",
        "Sertifika",
        &["Hunter.User"],
    )));
    let cert = test_client_cert::cert_path().display().to_string();
    let key = test_client_cert::key_path().display().to_string();
    let server = entra_server(
        &db,
        addr,
        &idp,
        &[
            ("HUNTER_AUTH_CLIENT_CERT_PATH", cert.as_str()),
            ("HUNTER_AUTH_CLIENT_KEY_PATH", key.as_str()),
        ],
    )
    .await;
    let down = no_redirects()
        .get(server.url("/auth/login"))
        .header("accept-language", "tr")
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(down.headers().contains_key("retry-after"));
    assert!(
        down.text()
            .await
            .unwrap()
            .contains("Oturum açma henüz kullanılamıyor")
    );
    // Everything else keeps working meanwhile.
    assert_eq!(server.get("/healthz").await.status(), 200);

    idp.set_down(false);
    wait_discovered(&server).await;
    let session = session_of(sign_in(&server, "/").await, "/").await;
    assert_eq!(me(&server, &session).await.status(), 200);
    let assertion = idp
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .expect("a token request");
    assert_eq!(
        assertion.param("client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert!(assertion.param("client_secret").is_none());
    server.stop().await;
    dns.shutdown().await;
}
