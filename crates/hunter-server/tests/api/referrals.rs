//! `GET /api/referrals`: tracked referrals, skipped ones included, filtered and paged.

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
