//! The nightly rescan (issue 5): `hunter worker` processes queue one rescan per scheduled time
//! between them, it covers the domains older than the maximum age, and provider changes are
//! recorded with it.

use std::time::Duration;

use hunter_fixtures::{DnsServer, Zone};

use crate::support::{Backend, Hunter, TestDb, backends, ok};

fn google(domain: &str) -> Zone {
    Zone::new(domain, "@ MX 1 aspmx.l.google.com.")
}

fn microsoft(domain: &str) -> Zone {
    let host = domain.replace('.', "-");
    Zone::new(
        domain,
        &format!("@ MX 0 {host}.mail.protection.outlook.com."),
    )
}

async fn scalar(db: &TestDb, sql: &'static str) -> i64 {
    let pool = db.pool().await;
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

async fn text(db: &TestDb, sql: &'static str) -> Option<String> {
    let pool = db.pool().await;
    let v = sqlx::query_scalar(sql).fetch_optional(&pool).await.unwrap();
    pool.close().await;
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_queue_one_rescan_per_night_that_rescans_old_results_and_records_provider_changes()
{
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let before = DnsServer::start(&[
            google("moved.com"),
            google("stays.com"),
            google("fresh.com"),
        ])
        .await;
        let scanned = Hunter::new(&db.url, db.dir())
            .env("HUNTER_RESCAN_AT", "off")
            .env("HUNTER_DNS_SERVERS", before.addr().to_string());
        ok(&scanned
            .run(&["scan", "moved.com", "stays.com", "fresh.com"])
            .await);
        before.shutdown().await;
        // Two of them were last scanned long ago.
        let pool = db.pool().await;
        sqlx::query(
            "UPDATE domain_signals SET scanned_at = '2020-01-01T00:00:00.000Z'
             WHERE domain IN ('moved.com', 'stays.com')",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        // Since then moved.com went to Microsoft 365.
        let after = DnsServer::start(&[
            microsoft("moved.com"),
            google("stays.com"),
            google("fresh.com"),
        ])
        .await;
        // Scheduled a minute ago: the time passed while no worker ran, so it is caught up.
        let at = (chrono::Utc::now() - chrono::TimeDelta::minutes(1)).format("%H:%M");
        let worker = Hunter::new(&db.url, db.dir())
            .env("HUNTER_DNS_SERVERS", after.addr().to_string())
            .env("HUNTER_RESCAN_AT", at.to_string());
        // Two processes sharing the database where that is supported.
        let processes = match backend {
            Backend::Postgres => 2,
            Backend::Sqlite => 1,
        };
        let workers: Vec<_> = (0..processes).map(|_| worker.spawn(&["worker"])).collect();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while scalar(
            &db,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'rescan' AND status = 'completed'",
        )
        .await
            == 0
        {
            assert!(tokio::time::Instant::now() < deadline, "no rescan ran");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let the other process see the time too.
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(workers);

        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM jobs WHERE kind = 'rescan'").await,
            1,
            "one rescan for one scheduled time"
        );
        let result = text(&db, "SELECT result FROM jobs WHERE kind = 'rescan'").await;
        let result: serde_json::Value = serde_json::from_str(&result.unwrap()).unwrap();
        assert_eq!(
            result,
            serde_json::json!({ "statuses": { "ok": 2 }, "provider_changes": 1 }),
            "only the old results were rescanned"
        );
        let change = text(
            &db,
            "SELECT previous_provider || ' -> ' || new_provider FROM provider_change_history h
             JOIN jobs j ON j.id = h.job_id WHERE h.domain = 'moved.com' AND j.kind = 'rescan'",
        )
        .await;
        assert_eq!(change.as_deref(), Some("Google -> M365"));
        let asked = after.mx_queries();
        assert_eq!(
            (
                asked.get("moved.com"),
                asked.get("stays.com"),
                asked.get("fresh.com")
            ),
            (Some(&1), Some(&1), None)
        );
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM domain_signals WHERE scanned_at < '2021-01-01'"
            )
            .await,
            0,
            "rescanned results are fresh"
        );
        after.shutdown().await;
        db.cleanup().await;
    }
}
