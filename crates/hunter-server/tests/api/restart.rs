//! A server stopped in the middle of a bulk scan: the next server on the same database finishes
//! the job, and every domain ends with exactly one result.

use std::time::{Duration, Instant};

use hunter_fixtures::{DnsServer, Faults, synthetic, zones};
use serde_json::json;

use crate::support::{Server, config, json, on_each_backend};

const DOMAINS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_job_interrupted_by_a_shutdown_completes_after_a_restart() {
    let fixtures = synthetic(DOMAINS);
    // Slow answers and few scans at a time keep the job running long enough to interrupt it.
    let faults = Faults {
        latency: Duration::from_millis(40),
        ..Faults::default()
    };
    let dns = DnsServer::start_with_faults(&zones(&fixtures), faults).await;
    let dns_addr = dns.addr();
    let domains: Vec<String> = fixtures.iter().map(|f| f.domain.clone()).collect();
    on_each_backend(move |db| {
        let domains = domains.clone();
        async move {
            let settings = || config(&db.url, dns_addr, &[("HUNTER_SCAN_CONCURRENCY", "4")]);
            let server = Server::start(settings()).await;
            let accepted = json(
                server
                    .post_json("/api/scan/bulk", &json!({"domains": domains}))
                    .await,
                202,
            )
            .await;
            assert_eq!(accepted["total"], DOMAINS);
            let job_id = accepted["job_id"].as_str().unwrap().to_owned();

            // Stop once some, but not all, results are in.
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let job = json(server.get(&format!("/api/jobs/{job_id}")).await, 200).await;
                let processed = job["processed"].as_u64().unwrap();
                assert!(
                    processed < DOMAINS as u64,
                    "the job finished before the restart"
                );
                if processed >= 20 {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the job does not progress: {job:#}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            server.stop().await;

            let server = Server::start(settings()).await;
            let stopped = json(server.get(&format!("/api/jobs/{job_id}")).await, 200).await;
            assert_ne!(stopped["status"], "failed", "{stopped:#}");
            let job = server.wait_job(&job_id, Duration::from_secs(180)).await;
            assert_eq!(job["status"], "completed", "{job:#}");
            assert_eq!(job["total"], DOMAINS);
            assert_eq!(job["processed"], DOMAINS);
            assert_eq!(
                job["succeeded"].as_u64().unwrap() + job["failed"].as_u64().unwrap(),
                DOMAINS as u64
            );

            // Exactly one result per domain, and each domain ingested once.
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM domain_signals").await,
                DOMAINS as i64
            );
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM lead_scores").await,
                DOMAINS as i64
            );
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM companies").await,
                DOMAINS as i64
            );
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM raw_leads").await,
                DOMAINS as i64
            );
            let statuses = job["result"]["statuses"].as_object().expect("statuses");
            let results: u64 = statuses.values().map(|n| n.as_u64().unwrap()).sum();
            assert_eq!(results, DOMAINS as u64, "{job:#}");
            let page = json(server.get("/api/leads?page_size=1").await, 200).await;
            assert_eq!(page["total"], DOMAINS);
            server.stop().await;
        }
    })
    .await;
    dns.shutdown().await;
}

/// `hunter.md` §5.1: a server started with changed rules re-scores the stored leads from their
/// signals in the background, without a rescan (its `scanned_at` stays).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_scored_under_other_rules_are_rescored_after_start_up() {
    let fixtures = hunter_fixtures::catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    let rules_dir = tempfile::tempdir().unwrap();
    let default_rules = include_str!("../../../hunter-core/rules/default.json");
    let mut changed: serde_json::Value = serde_json::from_str(default_rules).unwrap();
    changed["provider_points"]["M365"] = json!(40);
    let rules_path = rules_dir.path().join("rules.json");
    std::fs::write(&rules_path, changed.to_string()).unwrap();
    let rules_path = rules_path.display().to_string();
    on_each_backend(move |db| {
        let rules_path = rules_path.clone();
        async move {
            let domain = "contoso-m365.com";
            let server = Server::start(config(&db.url, dns_addr, &[])).await;
            let before = json(
                server
                    .post_json("/api/scan/domain", &json!({ "domain": domain }))
                    .await,
                200,
            )
            .await;
            server.stop().await;

            let settings = config(&db.url, dns_addr, &[("HUNTER_RULES_PATH", &rules_path)]);
            let server = Server::start(settings).await;
            let deadline = Instant::now() + Duration::from_secs(30);
            let breakdown = loop {
                let b = json(
                    server
                        .get(&format!("/api/leads/{domain}/score-breakdown"))
                        .await,
                    200,
                )
                .await;
                let provider_points = b["lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["name"] == "provider")
                    .map(|l| l["points"].clone());
                if provider_points == Some(json!(40)) {
                    break b;
                }
                assert!(Instant::now() < deadline, "not re-scored: {b:#}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            // M365 is worth 10 points less under the new rules; nothing else changed.
            let old = before["readiness_score"].as_i64().unwrap();
            assert_eq!(
                breakdown["readiness_score"],
                json!(old - 10),
                "{breakdown:#}"
            );
            let lead = json(server.get(&format!("/api/leads/{domain}")).await, 200).await;
            assert_eq!(lead["readiness_score"], json!(old - 10));
            assert_eq!(lead["scanned_at"], before["scanned_at"], "no rescan");
            server.stop().await;
        }
    })
    .await;
    dns.shutdown().await;
}
