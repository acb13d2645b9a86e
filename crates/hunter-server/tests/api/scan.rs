//! `POST /api/scan/domain`, `POST /api/scan/bulk` and `GET /api/jobs/{job_id}`.

use std::time::Duration;

use hunter_fixtures::{DnsServer, catalogue, zones};
use serde_json::{Value, json};

use crate::support::{Server, assert_error, config, json, on_each_backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_domain_stores_and_returns_the_lead() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, dns_addr, &[])).await;

        let body = json!({"domain": "https://www.Contoso-M365.com/contact"});
        let lead = json(server.post_json("/api/scan/domain", &body).await, 200).await;
        assert_eq!(lead["domain"], "contoso-m365.com");
        assert_eq!(lead["provider"], "M365");
        assert_eq!(lead["scan_status"], "ok");
        for key in [
            "segment",
            "reason",
            "priority_category",
            "priority_label",
            "scanned_at",
        ] {
            assert!(lead[key].is_string(), "{key}: {lead:#}");
        }
        assert_eq!(
            json(server.get("/api/leads/contoso-m365.com").await, 200).await,
            lead
        );
        // A rescan of a known domain logs no second arrival.
        json(server.post_json("/api/scan/domain", &body).await, 200).await;
        assert_eq!(db.scalar("SELECT COUNT(*) FROM raw_leads").await, 1);

        let hard_fail = json(
            server
                .post_json("/api/scan/domain", &json!({"domain": "ghost-nxdomain.com"}))
                .await,
            200,
        )
        .await;
        assert_eq!(hard_fail["scan_status"], "nxdomain");
        assert_eq!(hard_fail["priority_category"], "P6");

        for bad in ["n/a", "localhost", "1.2.3.4", "com.tr"] {
            let r = server
                .post_json("/api/scan/domain", &json!({"domain": bad}))
                .await;
            assert_error(r, 422, "invalid_domain").await;
        }
        let r = server.post_json("/api/scan/domain", &json!({})).await;
        assert_error(r, 400, "invalid_json").await;

        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_scan_job_runs_to_completion_with_exact_counters() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    let domains: Vec<String> = fixtures.iter().map(|f| f.domain.clone()).collect();
    on_each_backend(move |db| {
        let domains = domains.clone();
        async move {
            let server = Server::start(config(&db.url, dns_addr, &[])).await;

            // A repeat (in another spelling) is scanned once.
            let mut request: Vec<Value> = domains.iter().map(|d| json!(d)).collect();
            request.push(json!(format!("https://www.{}/", domains[0])));
            let accepted = json(
                server
                    .post_json("/api/scan/bulk", &json!({"domains": request}))
                    .await,
                202,
            )
            .await;
            assert_eq!(accepted["total"], domains.len());
            let job_id = accepted["job_id"].as_str().unwrap();
            let job = server.wait_job(job_id, Duration::from_secs(120)).await;
            assert_eq!(job["status"], "completed", "{job:#}");
            assert_eq!(job["kind"], "bulk_scan");
            assert_eq!(job["job_id"], job_id);
            assert_eq!(job["total"], domains.len());
            assert_eq!(job["processed"], job["total"]);
            let (ok, failed) = (job["succeeded"].as_u64(), job["failed"].as_u64());
            assert_eq!(
                ok.zip(failed).map(|(a, b)| a + b),
                job["processed"].as_u64()
            );
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM domain_signals").await,
                domains.len() as i64
            );
            let page = json(server.get("/api/leads?page_size=200").await, 200).await;
            assert_eq!(page["total"], domains.len());

            let too_many: Vec<String> = (0..1001).map(|i| format!("d{i}.com")).collect();
            let r = server
                .post_json("/api/scan/bulk", &json!({"domains": too_many}))
                .await;
            assert_error(r, 400, "too_many_domains").await;
            let r = server
                .post_json("/api/scan/bulk", &json!({"domains": []}))
                .await;
            assert_error(r, 400, "no_domains").await;
            let r = server
                .post_json(
                    "/api/scan/bulk",
                    &json!({"domains": ["contoso.com", "n/a", "fabrikam.com", "a_b.com"]}),
                )
                .await;
            let message = assert_error(r, 422, "invalid_domain").await;
            assert!(
                message.contains("#2") && message.contains("#4"),
                "{message}"
            );
            let r = server
                .post_json("/api/scan/bulk", &json!({"domains": "contoso.com"}))
                .await;
            assert_error(r, 400, "invalid_json").await;

            let r = server
                .get("/api/jobs/00000000-0000-0000-0000-000000000000")
                .await;
            assert_error(r, 404, "not_found").await;

            server.stop().await;
        }
    })
    .await;
    dns.shutdown().await;
}
