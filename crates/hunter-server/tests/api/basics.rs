//! Health, settings, the OpenAPI document, the docs, the UI, and the envelope on paths and
//! methods nobody serves.

use std::sync::Arc;

use hunter_core::rules::Rules;
use hunter_engine::config::auth::AuthMode;
use hunter_engine::scan::Scanner;
use hunter_fixtures::{DnsServer, zones};
use hunter_server::AppState;
use hunter_store::Store;
use serde_json::json;

use crate::support::{Server, assert_error, config, json, on_each_backend};

/// Every route of `contract.md` §4 this server has, with its method.
const ROUTES: &[(&str, &str)] = &[
    ("/healthz", "get"),
    ("/api/config", "get"),
    ("/api/ingest/domain", "post"),
    ("/api/ingest/file", "post"),
    ("/api/scan/domain", "post"),
    ("/api/scan/bulk", "post"),
    ("/api/jobs/{job_id}", "get"),
    ("/api/leads", "get"),
    ("/api/leads/{domain}", "get"),
    ("/api/leads/{domain}/score-breakdown", "get"),
    ("/api/leads/export", "get"),
    ("/api/dashboard/kpis", "get"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_settings_openapi_docs_and_ui_are_served() {
    let dns = DnsServer::start(&zones(&[])).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, dns_addr, &[])).await;

        let health = server.get("/healthz").await;
        assert!(
            health.headers().contains_key("x-request-id"),
            "request ids are returned"
        );
        assert_eq!(
            json(health, 200).await,
            json!({"status": "ok", "database": "ok"})
        );
        assert_eq!(
            json(server.get("/api/config").await, 200).await,
            json!({"partner_center_enabled": false})
        );

        let doc = json(server.get("/api/openapi.json").await, 200).await;
        for (path, method) in ROUTES {
            assert!(
                doc["paths"][path][method]["responses"].is_object(),
                "{method} {path} is documented"
            );
        }
        assert!(
            doc["info"]["license"]["name"]
                .as_str()
                .is_some_and(|l| !l.is_empty()),
            "the license is named"
        );
        assert!(doc["components"]["schemas"]["LeadView"].is_object());

        let docs = server.get("/docs/").await;
        assert_eq!(docs.status(), 200);
        assert!(content_type(&docs).starts_with("text/html"));
        assert!(docs.text().await.unwrap().contains("swagger"));

        let index = server.get("/").await;
        assert_eq!(index.status(), 200);
        assert!(content_type(&index).starts_with("text/html"));
        let etag = index.headers()["etag"].clone();
        assert!(index.text().await.unwrap().to_lowercase().contains("<html"));
        let again = server
            .client
            .get(server.url("/"))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "an unchanged page is not sent again");

        assert_error(server.get("/api/nothing-here").await, 404, "not_found").await;
        // Messages for people follow Accept-Language; codes do not.
        for (accept, message) in [
            (
                "tr-TR,tr;q=0.9,en;q=0.8",
                "/api/nothing-here diye bir API yolu yok",
            ),
            ("en-US,en;q=0.9,tr;q=0.5", "no API route /api/nothing-here"),
            ("de-DE", "no API route /api/nothing-here"),
        ] {
            let answer = server
                .client
                .get(server.url("/api/nothing-here"))
                .header("accept-language", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(assert_error(answer, 404, "not_found").await, message);
        }
        let turkish = server
            .client
            .post(server.url("/api/scan/domain"))
            .header("accept-language", "tr")
            .json(&json!({"domain": "localhost"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            assert_error(turkish, 422, "invalid_domain").await,
            "kullanılabilir bir alan adı değil: `localhost` tam bir alan adı değil (tek etiket)"
        );
        assert_error(server.get("/nothing-here.html").await, 404, "not_found").await;
        let delete = server
            .client
            .delete(server.url("/api/leads"))
            .send()
            .await
            .unwrap();
        assert_error(delete, 405, "method_not_allowed").await;
        let post_ui = server.client.post(server.url("/")).send().await.unwrap();
        assert_error(post_ui, 405, "method_not_allowed").await;

        // A page on another site cannot make the user's browser change data here.
        let forged = server
            .client
            .post(server.url("/api/scan/bulk"))
            .header("sec-fetch-site", "cross-site")
            .header("origin", "https://evil.example")
            .json(&json!({"domains": ["contoso.com"]}))
            .send()
            .await
            .unwrap();
        assert_error(forged, 403, "cross_origin").await;

        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_gives_503_with_the_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hunter.db").display());
    let settings = config(&url, "127.0.0.1:9".parse().unwrap(), &[]);
    let store = Store::connect(&url).await.unwrap();
    store.migrate_up().await.unwrap();
    let scanner = Arc::new(Scanner::new(&settings, Arc::new(Rules::embedded())).unwrap());
    let state = AppState::new(store.clone(), scanner, None, AuthMode::Local, Vec::new()).unwrap();
    store.close().await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving =
        tokio::spawn(async move { axum::serve(listener, hunter_server::router(state)).await });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(
        json(health, 503).await,
        json!({"status": "unavailable", "database": "unreachable"})
    );
    let lead = client
        .get(format!("{base}/api/leads/contoso.com"))
        .send()
        .await
        .unwrap();
    assert_error(lead, 503, "database_unavailable").await;
    serving.abort();
}
