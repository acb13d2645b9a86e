//! The lead list (filters, sorting, paging), one lead, its score breakdown, the KPIs and the
//! export, over the scanned fixture catalogue.

use std::io::Cursor;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx};
use hunter_fixtures::{DnsServer, catalogue, zones};
use serde_json::{Value, json};

use crate::support::{Server, assert_error, config, json, on_each_backend};

/// The export's columns: the contract lead fields, then registrar, expiry and name servers.
const EXPORT_COLUMNS: &str = "domain,company_name,provider,gateway,local_provider,tenant_size,\
mx_root,spf,dkim,dmarc_policy,dmarc_coverage,readiness_score,segment,reason,technical_heat,\
commercial_segment,commercial_heat,priority_category,priority_label,referral_type,\
azure_tenant_id,scan_status,scanned_at,registrar,expires_at,nameservers";

/// Which leads a filter should keep.
type Keep = fn(&Value) -> bool;

const FORMULA_NAME: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

/// Scans the whole catalogue (one company renamed to a formula first); returns every lead in
/// the default order.
async fn scanned_catalogue(server: &Server, domains: &[String]) -> Vec<Value> {
    let renamed = json!({"domain": domains[0], "company_name": FORMULA_NAME});
    json(server.post_json("/api/ingest/domain", &renamed).await, 201).await;
    let accepted = json(
        server
            .post_json("/api/scan/bulk", &json!({"domains": domains}))
            .await,
        202,
    )
    .await;
    let job = server
        .wait_job(
            accepted["job_id"].as_str().unwrap(),
            Duration::from_secs(120),
        )
        .await;
    assert_eq!(job["status"], "completed", "{job:#}");
    let page = json(server.get("/api/leads?page_size=200").await, 200).await;
    assert_eq!(page["total"], domains.len());
    page["leads"].as_array().unwrap().clone()
}

fn domains_of(leads: &[Value]) -> Vec<&str> {
    leads
        .iter()
        .map(|l| l["domain"].as_str().unwrap())
        .collect()
}

async fn leads(server: &Server, query: &str) -> Vec<Value> {
    let page = json(server.get(&format!("/api/leads?{query}")).await, 200).await;
    page["leads"].as_array().unwrap().clone()
}

fn catalogue_domains() -> Vec<String> {
    catalogue().into_iter().map(|f| f.domain).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_list_filters_sorts_and_pages_and_refuses_bad_parameters() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, dns_addr, &[])).await;
        let all = scanned_catalogue(&server, &catalogue_domains()).await;
        let n = all.len();

        // Default order: priority category, then score (highest first), then domain.
        let key = |l: &Value| {
            (
                l["priority_category"].as_str().unwrap().to_owned(),
                -l["readiness_score"].as_i64().unwrap(),
                l["domain"].as_str().unwrap().to_owned(),
            )
        };
        assert!(
            all.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
            "default order"
        );

        // Pages, concatenated, are the whole list.
        let first = json(server.get("/api/leads?page_size=7").await, 200).await;
        assert_eq!(first["page"], 1);
        assert_eq!(first["page_size"], 7);
        assert_eq!(first["total"], n);
        assert_eq!(first["total_pages"], n.div_ceil(7));
        let mut paged = Vec::new();
        for page in 1..=n.div_ceil(7) {
            paged.extend(leads(&server, &format!("page={page}&page_size=7")).await);
        }
        assert_eq!(domains_of(&paged), domains_of(&all));
        let beyond = json(server.get("/api/leads?page=99&page_size=7").await, 200).await;
        assert_eq!(beyond["leads"], json!([]));
        assert_eq!(beyond["total"], n);

        // Each filter keeps exactly the matching leads, in the default order.
        let only = |pred: Keep| -> Vec<&str> {
            domains_of(&all)
                .into_iter()
                .zip(&all)
                .filter(|(_, l)| pred(l))
                .map(|(d, _)| d)
                .collect()
        };
        let cases: [(&str, Keep); 6] = [
            ("provider=M365", |l| l["provider"] == "M365"),
            ("segment=Migration", |l| l["segment"] == "Migration"),
            ("priority_category=P6", |l| l["priority_category"] == "P6"),
            ("min_score=50", |l| {
                l["readiness_score"].as_i64() >= Some(50)
            }),
            ("search=CONTOSO", |l| {
                l["domain"].as_str().unwrap().contains("contoso")
            }),
            ("provider=Google&min_score=1", |l| {
                l["provider"] == "Google" && l["readiness_score"].as_i64() >= Some(1)
            }),
        ];
        for (query, pred) in &cases {
            let got = leads(&server, &format!("{query}&page_size=200")).await;
            let expected = only(*pred);
            assert!(!expected.is_empty(), "{query} matches some fixture");
            assert_eq!(domains_of(&got), expected, "{query}");
        }
        assert!(leads(&server, "referral_type=co-sell").await.is_empty());
        assert_eq!(
            leads(&server, "referral_type=none&page_size=200")
                .await
                .len(),
            n
        );
        assert_eq!(
            leads(&server, "segment=&provider=&page_size=200")
                .await
                .len(),
            n,
            "empty = all"
        );

        // Sorting.
        let desc = leads(&server, "sort_by=domain&sort_order=desc&page_size=200").await;
        let mut expected: Vec<&str> = domains_of(&all);
        expected.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(domains_of(&desc), expected);
        let by_score = leads(&server, "sort_by=readiness_score&page_size=200").await;
        assert!(
            by_score
                .windows(2)
                .all(|w| w[0]["readiness_score"].as_i64() <= w[1]["readiness_score"].as_i64()),
            "ascending by score"
        );

        for bad in [
            "page_size=500",
            "page_size=0",
            "page=0",
            "page=abc",
            "min_score=101",
            "segment=Hot",
            "provider=m365",
            "priority_category=P9",
            "referral_type=partner",
            "sort_by=nothing",
            "sort_by=domain&sort_order=sideways",
            "sort_order=desc",
        ] {
            let r = server.get(&format!("/api/leads?{bad}")).await;
            assert_error(r, 400, "invalid_query").await;
        }

        let kpis = json(server.get("/api/dashboard/kpis").await, 200).await;
        assert_eq!(kpis["total_leads"], n);
        for group in ["by_segment", "by_priority"] {
            let sum: u64 = kpis[group]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_u64().unwrap())
                .sum();
            assert_eq!(sum, n as u64, "{group}: {kpis:#}");
        }
        assert_eq!(kpis["by_referral_type"]["none"], n, "{kpis:#}");

        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_and_its_score_breakdown() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, dns_addr, &[])).await;
        let all = scanned_catalogue(&server, &catalogue_domains()).await;

        // Every scanned lead has a breakdown whose lines add up to its score.
        for lead in &all {
            let domain = lead["domain"].as_str().unwrap();
            let one = json(server.get(&format!("/api/leads/{domain}")).await, 200).await;
            assert_eq!(&one, lead);
            let b = json(
                server
                    .get(&format!("/api/leads/{domain}/score-breakdown"))
                    .await,
                200,
            )
            .await;
            let score = lead["readiness_score"].as_i64().unwrap();
            assert_eq!(b["readiness_score"], score, "{b:#}");
            let lines = b["lines"].as_array().unwrap();
            let sum: i64 = lines
                .iter()
                .filter(|l| l["name"] != "total")
                .map(|l| l["points"].as_i64().unwrap())
                .sum();
            assert_eq!(sum, score, "lines add up: {b:#}");
            assert!(lines.iter().all(|l| l["label"].is_string()));
            for key in [
                "segment",
                "reason",
                "technical_heat",
                "commercial_segment",
                "commercial_heat",
                "priority_category",
                "priority_label",
                "rules_version",
                "scan_status",
            ] {
                assert!(b[key].is_string(), "{key}: {b:#}");
            }
            assert!(b["evidence"].is_array());
        }
        let m365 = json(
            server
                .get("/api/leads/contoso-m365.com/score-breakdown")
                .await,
            200,
        )
        .await;
        assert!(
            m365["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["name"] == "provider"),
            "{m365:#}"
        );
        assert!(!m365["evidence"].as_array().unwrap().is_empty(), "{m365:#}");
        assert_eq!(m365["classified_provider"], "M365");

        let r = server.get("/api/leads/unknown-company.com").await;
        assert_error(r, 404, "not_found").await;
        let r = server
            .get("/api/leads/unknown-company.com/score-breakdown")
            .await;
        assert_error(r, 404, "not_found").await;
        let r = server.get("/api/leads/a_b.com").await;
        assert_error(r, 422, "invalid_domain").await;
        let r = server.get("/api/leads/localhost/score-breakdown").await;
        assert_error(r, 422, "invalid_domain").await;

        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

fn disposition_file_name(response: &reqwest::Response) -> String {
    let value = response.headers()["content-disposition"].to_str().unwrap();
    let name = value
        .strip_prefix("attachment; filename=\"")
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("an attachment: {value}"));
    name.to_owned()
}

/// `leads_YYYY-MM-DD_HH-MM-SS.<ext>`
fn assert_file_name(name: &str, ext: &str) {
    let stamp = name
        .strip_prefix("leads_")
        .and_then(|n| n.strip_suffix(&format!(".{ext}")))
        .unwrap_or_else(|| panic!("file name {name}"));
    let shape: String = stamp
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    assert_eq!(shape, "9999-99-99_99-99-99", "file name {name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_is_a_csv_with_bom_or_an_xlsx_sheet_named_leads() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, dns_addr, &[])).await;
        let domains = catalogue_domains();
        let all = scanned_catalogue(&server, &domains).await;

        let response = server.get("/api/leads/export?format=csv").await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert_file_name(&disposition_file_name(&response), "csv");
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM first");
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header.join(","), EXPORT_COLUMNS);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), all.len());
        let exported: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        assert_eq!(exported, domains_of(&all), "default order");
        let renamed = rows.iter().find(|r| r[0] == domains[0]).unwrap();
        assert_eq!(
            &renamed[1],
            format!("'{FORMULA_NAME}"),
            "formulas are neutralized"
        );
        let priority = header
            .iter()
            .position(|h| h == "priority_category")
            .unwrap();
        assert!(rows.iter().all(|r| r[priority].starts_with('P')));

        let filtered = server
            .get("/api/leads/export?format=csv&provider=M365&sort_by=domain")
            .await
            .bytes()
            .await
            .unwrap();
        let m365: Vec<String> = csv::Reader::from_reader(&filtered[3..])
            .records()
            .map(|r| r.unwrap()[0].to_owned())
            .collect();
        let mut expected: Vec<String> = all
            .iter()
            .filter(|l| l["provider"] == "M365")
            .map(|l| l["domain"].as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        assert_eq!(m365, expected);

        let response = server.get("/api/leads/export?format=xlsx").await;
        assert_eq!(response.status(), 200);
        assert_file_name(&disposition_file_name(&response), "xlsx");
        let bytes = response.bytes().await.unwrap();
        let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a readable workbook");
        assert_eq!(book.sheet_names(), ["Leads"]);
        let sheet = book.worksheet_range("Leads").unwrap();
        let cells: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
        let header: Vec<String> = cells[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(header.join(","), EXPORT_COLUMNS);
        assert_eq!(cells.len(), all.len() + 1);
        let score = header.iter().position(|h| h == "readiness_score").unwrap();
        assert!(
            cells[1..]
                .iter()
                .all(|r| matches!(r[score], Data::Float(_) | Data::Int(_))),
            "scores are numbers"
        );
        let renamed = cells
            .iter()
            .find(|r| r[0].to_string() == domains[0])
            .unwrap();
        assert_eq!(
            renamed[1],
            Data::String(FORMULA_NAME.to_owned()),
            "text, not a formula"
        );

        let r = server.get("/api/leads/export?format=pdf").await;
        assert_error(r, 400, "invalid_query").await;
        let r = server
            .get("/api/leads/export?format=csv&min_score=-1")
            .await;
        assert_error(r, 400, "invalid_query").await;

        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_for_people_follow_accept_language_and_english_is_unchanged() {
    let fixtures: Vec<_> = catalogue()
        .into_iter()
        .filter(|f| f.domain == "contoso-m365.com")
        .collect();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, dns_addr, &[])).await;
        let scanned = server
            .post_json("/api/scan/domain", &json!({"domain": "contoso-m365.com"}))
            .await;
        let english = json(scanned, 200).await;
        let score = english["readiness_score"].as_i64().unwrap();
        assert_eq!(
            english["reason"],
            format!(
                "Already on Microsoft 365; protect the account and upsell. Score: {score}, \
                 Provider: M365."
            )
        );
        let (label_en, label_tr) = match english["priority_category"].as_str().unwrap() {
            "P3" => (
                "Existing Microsoft but Weak Partner",
                "Mevcut Microsoft Müşterisi, Zayıf İş Ortağı",
            ),
            "P4" => ("Renewal Pressure", "Yenileme Baskısı"),
            other => panic!("an existing M365 customer is P3 or P4, not {other}"),
        };
        assert_eq!(english["priority_label"], label_en);
        let reason_tr = format!(
            "Zaten Microsoft 365 kullanıyor; hesabı koruyun ve ek satış yapın. Puan: {score}, \
             Sağlayıcı: M365."
        );

        let path = "/api/leads/contoso-m365.com";
        let turkish = json(server.get_in(path, "tr-TR,tr;q=0.9,en;q=0.8").await, 200).await;
        assert_eq!(turkish["reason"], reason_tr);
        assert_eq!(turkish["priority_label"], label_tr);
        // Codes and values stay as they are.
        for key in [
            "segment",
            "priority_category",
            "provider",
            "readiness_score",
        ] {
            assert_eq!(turkish[key], english[key], "{key}");
        }
        // Without Accept-Language, or asking for another language: English, as before.
        for answer in [
            server.get(path).await,
            server.get_in(path, "de-DE,en;q=0.5").await,
        ] {
            let lead = json(answer, 200).await;
            assert_eq!(lead["reason"], english["reason"]);
            assert_eq!(lead["priority_label"], label_en);
        }
        let listed = json(server.get_in("/api/leads", "tr").await, 200).await;
        assert_eq!(listed["leads"][0]["reason"], reason_tr);

        let breakdown = "/api/leads/contoso-m365.com/score-breakdown";
        let labels = |b: &Value| -> Vec<(String, String)> {
            b["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let name = l["name"].as_str().unwrap().to_owned();
                    (name, l["label"].as_str().unwrap().to_owned())
                })
                .collect()
        };
        let b_en = json(server.get(breakdown).await, 200).await;
        let b_tr = json(server.get_in(breakdown, "tr").await, 200).await;
        let (en, tr) = (labels(&b_en), labels(&b_tr));
        assert_eq!(en.len(), tr.len());
        for ((name, label_en), (name_tr, label_tr)) in en.iter().zip(&tr) {
            assert_eq!(name, name_tr);
            assert_ne!(label_en, label_tr, "{name} is in Turkish");
        }
        let line = |lines: &[(String, String)], name: &str| {
            lines.iter().find(|(n, _)| n == name).unwrap().1.clone()
        };
        assert_eq!(line(&en, "provider"), "Mail provider: M365");
        assert_eq!(line(&tr, "provider"), "E-posta sağlayıcısı: M365");
        assert_eq!(line(&en, "total"), "Readiness score");
        assert_eq!(line(&tr, "total"), "Hazırlık puanı");
        assert_eq!(b_en["reason"], english["reason"]);
        assert_eq!(b_tr["reason"], reason_tr);
        assert_eq!(b_tr["priority_label"], label_tr);

        // The export follows Accept-Language, or `lang` where the UI chooses.
        let reason_in = |bytes: &[u8]| -> String {
            let mut reader = csv::Reader::from_reader(&bytes[3..]);
            let column = reader.headers().unwrap().iter().position(|h| h == "reason");
            reader.records().next().unwrap().unwrap()[column.unwrap()].to_owned()
        };
        let export = "/api/leads/export?format=csv";
        let tr_csv = server.get_in(export, "tr").await.bytes().await.unwrap();
        assert_eq!(reason_in(&tr_csv), reason_tr);
        let en_csv = server.get(export).await.bytes().await.unwrap();
        assert_eq!(reason_in(&en_csv), english["reason"].as_str().unwrap());
        let chosen = server
            .get_in("/api/leads/export?format=csv&lang=tr", "en")
            .await;
        assert_eq!(reason_in(&chosen.bytes().await.unwrap()), reason_tr);
        let r = server.get("/api/leads/export?lang=de").await;
        assert_error(r, 400, "invalid_query").await;

        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}
