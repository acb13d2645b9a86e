//! `hunter scan` against fixture zones: what hunter.md says each must produce.

use hunter_fixtures::{
    DnsServer, Expected, TenantServer, catalogue, dead_dns_addr, tenants, zones,
};
use serde_json::Value;

use crate::support::{Hunter, TestDb, backends, json_lines, ok, stdout};

fn assert_matches(line: &Value, domain: &str, e: &Expected) {
    let text = |key: &str| line[key].as_str().map(str::to_owned);
    let ctx = format!("{domain}: {line:#}");
    assert_eq!(line["domain"], domain, "{ctx}");
    assert_eq!(
        text("scan_status").as_deref(),
        Some(e.scan_status),
        "scan_status of {ctx}"
    );
    assert_eq!(
        text("provider").as_deref(),
        Some(e.provider),
        "provider of {ctx}"
    );
    assert_eq!(text("gateway").as_deref(), e.gateway, "gateway of {ctx}");
    assert_eq!(
        text("local_provider").as_deref(),
        e.local_provider,
        "local_provider of {ctx}"
    );
    assert_eq!(
        text("tenant_size").as_deref(),
        e.tenant_size,
        "tenant_size of {ctx}"
    );
    assert_eq!(text("mx_root"), e.mx_root, "mx_root of {ctx}");
    assert_eq!(line["spf"].as_bool(), e.spf, "spf of {ctx}");
    assert_eq!(line["dkim"].as_bool(), e.dkim, "dkim of {ctx}");
    assert_eq!(
        text("dmarc_policy").as_deref(),
        e.dmarc_policy,
        "dmarc_policy of {ctx}"
    );
    assert_eq!(
        line["dmarc_coverage"].as_u64(),
        e.dmarc_coverage.map(u64::from),
        "dmarc_coverage of {ctx}"
    );
    assert_eq!(
        line["spf_include_count"].as_u64(),
        Some(u64::from(e.spf_include_count)),
        "spf_include_count of {ctx}"
    );
    assert_eq!(
        line["entra_tenant_id"].is_string(),
        e.entra_tenant,
        "entra_tenant_id of {ctx}"
    );
    // Every result carries the P-model, failures included.
    for key in [
        "segment",
        "reason",
        "technical_heat",
        "commercial_segment",
        "commercial_heat",
        "priority_category",
        "priority_label",
    ] {
        assert!(line[key].is_string(), "{key} of {ctx}");
    }
    assert!(line["readiness_score"].is_i64(), "{ctx}");
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_json_gives_what_the_spec_says_for_every_fixture_zone_on_every_backend() {
    let fixtures = catalogue();
    assert!(fixtures.len() >= 30);
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let tenant = TenantServer::start(tenants(&fixtures)).await;
    let domains: Vec<&str> = fixtures.iter().map(|f| f.domain.as_str()).collect();

    for backend in backends() {
        let db = TestDb::new(backend).await;
        let hunter = Hunter::new(&db.url, db.dir())
            .env("HUNTER_DNS_SERVERS", dns.addr().to_string())
            .env("HUNTER_DNS_TIMEOUT_MS", "1000")
            // Tenant discovery is rate limited to 10/s (hunter.md §3.7): with ~40 domains the
            // last one waits ~4 s for its turn, so the deadline leaves room for that.
            .env("HUNTER_SCAN_DEADLINE_MS", "10000")
            .env("HUNTER_TENANT_DISCOVERY_ENABLED", "true")
            .env("HUNTER_PARTNER_CENTER_AUTHORITY_URL", tenant.base_url());
        let mut args = vec!["scan", "--json"];
        args.extend(&domains);
        let lines = json_lines(&ok(&hunter.run(&args).await));
        assert_eq!(
            lines.len(),
            fixtures.len(),
            "one line per input ({backend:?})"
        );
        for (line, fixture) in lines.iter().zip(&fixtures) {
            assert_matches(line, &fixture.domain, &fixture.expect);
        }

        // Stored: one row per domain, and a rescan updates rather than adds rows.
        let n = fixtures.len() as i64;
        assert_eq!(db.count("lead_scores").await, n, "{backend:?}");
        ok(&hunter.run(&args).await);
        assert_eq!(db.count("domain_signals").await, n, "{backend:?}");
        assert_eq!(db.count("lead_scores").await, n, "{backend:?}");
        assert_eq!(db.count("companies").await, n, "{backend:?}");
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_input_gets_one_line_in_input_order_even_duplicates_and_invalid_ones() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let db = TestDb::new(crate::support::Backend::Sqlite).await;
    let hunter = Hunter::new(&db.url, db.dir()).env("HUNTER_DNS_SERVERS", dns.addr().to_string());
    let inputs = [
        "HTTPS://WWW.Contoso-M365.com/contact?x=1",
        "n/a",
        "ali@adatum-google.com",
        "contoso-m365.com",
        "1.2.3.4",
    ];
    let mut args = vec!["scan", "--json", "--no-store"];
    args.extend(inputs);
    let lines = json_lines(&ok(&hunter.run(&args).await));
    let got: Vec<(&str, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["input"].as_str().unwrap(),
                l["scan_status"].as_str().unwrap(),
                l["provider"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (inputs[0], "ok", "M365"),
            (inputs[1], "invalid", "Unknown"),
            (inputs[2], "ok", "Google"),
            (inputs[3], "ok", "M365"),
            (inputs[4], "invalid", "Unknown"),
        ]
    );
    assert_eq!(lines[0]["domain"], "contoso-m365.com");
    assert_eq!(lines[1]["domain"], Value::Null);
    assert_eq!(lines[1]["reason"], "Invalid domain format: n/a.");
    assert_eq!(lines[1]["priority_category"], "P6");
    assert!(
        !db.dir().join("hunter.db").exists(),
        "--no-store touches no database"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_shows_one_row_per_input_with_provider_score_and_priority() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let db = TestDb::new(crate::support::Backend::Sqlite).await;
    let hunter = Hunter::new(&db.url, db.dir()).env("HUNTER_DNS_SERVERS", dns.addr().to_string());
    let out = ok(&hunter
        .run(&["scan", "contoso-m365.com", "ghost-nxdomain.com"])
        .await);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("DOMAIN"), "{out}");
    assert!(
        lines[1].starts_with("contoso-m365.com") && lines[1].contains("M365"),
        "{out}"
    );
    assert!(
        lines[2].contains("nxdomain") && lines[2].contains("Hard fail"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_nothing_answering_dns_every_domain_gets_a_timeout_line_and_exit_zero() {
    let dead = dead_dns_addr();
    let db = TestDb::new(crate::support::Backend::Sqlite).await;
    let hunter = Hunter::new(&db.url, db.dir())
        .env("HUNTER_DNS_SERVERS", dead.addr().to_string())
        .env("HUNTER_DNS_TIMEOUT_MS", "300")
        .env("HUNTER_SCAN_DEADLINE_MS", "1000");
    let domains: Vec<String> = (0..100).map(|i| format!("company{i:03}.com")).collect();
    let mut args = vec!["scan", "--json"];
    args.extend(domains.iter().map(String::as_str));
    let out = hunter.run(&args).await;
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&stdout(&out));
    assert_eq!(lines.len(), 100);
    for (line, domain) in lines.iter().zip(&domains) {
        assert_eq!(line["domain"], domain.as_str());
        assert_eq!(line["scan_status"], "timeout", "{line}");
        assert_eq!(line["reason"], "Scan failed: the MX lookup timed out.");
    }
    // A failing first scan is stored with its failure status.
    assert_eq!(db.count("domain_signals").await, 100);
}
