//! `POST /api/ingest/domain` and `POST /api/ingest/file`, with their bad input.

use std::time::Duration;

use hunter_fixtures::{DnsServer, catalogue, zones};
use serde_json::json;

use crate::support::{Server, assert_error, config, json, on_each_backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_domain_resolves_fields_and_refuses_bad_input() {
    let dns = DnsServer::start(&zones(&[])).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| async move {
        let server = Server::start(config(&db.url, dns_addr, &[])).await;

        // Website beats email beats domain; an invalid domain field does not block them.
        let body = json!({
            "domain": "n/a",
            "email": "ali@fabrikam.com.tr",
            "website": "HTTPS://www.Contoso.com/about",
            "company_name": "Contoso Ltd",
        });
        let first = json(server.post_json("/api/ingest/domain", &body).await, 201).await;
        assert_eq!(first["domain"], "contoso.com");
        let id = first["company_id"].as_i64().expect("a company id");
        let again = json(
            server
                .post_json("/api/ingest/domain", &json!({"domain": "contoso.com"}))
                .await,
            201,
        )
        .await;
        assert_eq!(again["company_id"], id, "one company per domain");
        let by_email = json(
            server
                .post_json(
                    "/api/ingest/domain",
                    &json!({"email": "\"Ali\" <ali@Tailspin.com.tr>"}),
                )
                .await,
            201,
        )
        .await;
        assert_eq!(by_email["domain"], "tailspin.com.tr");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM companies").await, 2);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM raw_leads WHERE source = 'domain'")
                .await,
            3
        );

        for bad in [
            json!({"domain": "n/a"}),
            json!({"website": "localhost", "email": "nobody"}),
            json!({}),
        ] {
            let r = server.post_json("/api/ingest/domain", &bad).await;
            assert_error(r, 422, "invalid_domain").await;
        }

        let malformed = server
            .client
            .post(server.url("/api/ingest/domain"))
            .header("content-type", "application/json")
            .body(r#"{"domain": "#)
            .send()
            .await
            .unwrap();
        assert_error(malformed, 400, "invalid_json").await;
        let wrong_type = server
            .post_json("/api/ingest/domain", &json!({"domain": 42}))
            .await;
        assert_error(wrong_type, 400, "invalid_json").await;
        let not_json = server
            .client
            .post(server.url("/api/ingest/domain"))
            .body(r#"{"domain": "contoso.com"}"#)
            .send()
            .await
            .unwrap();
        assert_error(not_json, 415, "unsupported_media_type").await;
        let huge = json!({"domain": "x".repeat(2 * 1024 * 1024)});
        let too_large = server.post_json("/api/ingest/domain", &huge).await;
        assert_error(too_large, 413, "payload_too_large").await;

        server.stop().await;
    })
    .await;
    dns.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_import_job_reports_bad_rows_by_number_and_scans_the_good_ones() {
    let fixtures: Vec<_> = catalogue().into_iter().take(4).collect();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| {
        let fixtures = fixtures.clone();
        async move {
            let server = Server::start(config(&db.url, dns_addr, &[])).await;

            // Row 1 is the header: the bad row is row 4.
            let mut csv = String::from("company,website\n");
            for (i, f) in fixtures.iter().enumerate() {
                // A NUL in a name (PostgreSQL cannot store one) is dropped, not fatal.
                csv.push_str(&format!("Company\0 {i},https://{}/\n", f.domain));
                if i == 1 {
                    csv.push_str("Broken Ltd,n/a\n");
                }
            }
            let accepted = json(
                server
                    .upload("/api/ingest/file?scan=true", "leads.csv", csv.as_bytes())
                    .await,
                202,
            )
            .await;
            let job_id = accepted["job_id"].as_str().expect("a job id");
            let job = server.wait_job(job_id, Duration::from_secs(60)).await;
            assert_eq!(job["status"], "completed", "{job:#}");
            assert_eq!(job["kind"], "import");
            // 5 rows (one bad) + 4 scans.
            assert_eq!(job["total"], 9, "{job:#}");
            assert_eq!(job["processed"], job["total"]);
            assert_eq!(job["failed"], 1, "{job:#}");
            assert_eq!(job["errors"][0]["row"], 4, "{job:#}");
            // The row's error is for people: in the language the request asks for.
            let english = job["errors"][0]["message"].as_str().unwrap();
            assert_eq!(
                english, "no usable domain: website: placeholder value `n/a`",
                "{job:#}"
            );
            let job_path = format!("/api/jobs/{job_id}");
            let turkish = json(server.get_in(&job_path, "tr-TR,tr;q=0.9").await, 200).await;
            assert_eq!(
                turkish["errors"][0]["message"],
                "kullanılabilir alan adı yok: web sitesi: yer tutucu değer `n/a`"
            );
            assert_eq!(turkish["errors"][0]["row"], 4);
            for f in &fixtures {
                let lead = json(server.get(&format!("/api/leads/{}", f.domain)).await, 200).await;
                assert_eq!(lead["scan_status"], f.expect.scan_status, "{lead:#}");
            }

            // A file without any usable column fails its job, saying why.
            let accepted = json(
                server
                    .upload(
                        "/api/ingest/file?auto_detect=false",
                        "x.csv",
                        b"foo,bar\n1,2\n",
                    )
                    .await,
                202,
            )
            .await;
            let failed = server
                .wait_job(
                    accepted["job_id"].as_str().unwrap(),
                    Duration::from_secs(30),
                )
                .await;
            assert_eq!(failed["status"], "failed", "{failed:#}");

            // Uploads may be far larger than JSON bodies (1 MB).
            let big = format!("domain,notes\nbig-upload.com,{}\n", "x".repeat(3 << 20));
            let accepted = json(
                server
                    .upload("/api/ingest/file", "big.csv", big.as_bytes())
                    .await,
                202,
            )
            .await;
            let job = server
                .wait_job(
                    accepted["job_id"].as_str().unwrap(),
                    Duration::from_secs(30),
                )
                .await;
            assert_eq!(job["status"], "completed", "{job:#}");
            assert_eq!(job["succeeded"], 1, "{job:#}");

            let too_large = vec![b'a'; 21 * 1024 * 1024];
            let r = server
                .upload("/api/ingest/file", "big.csv", &too_large)
                .await;
            assert_error(r, 413, "payload_too_large").await;
            let r = server.upload("/api/ingest/file", "empty.csv", b"").await;
            assert_error(r, 400, "empty_file").await;
            let r = server
                .upload("/api/ingest/file?scan=maybe", "x.csv", b"domain\na.com\n")
                .await;
            assert_error(r, 400, "invalid_query").await;
            let no_form = server
                .post_json("/api/ingest/file", &json!({"file": "x"}))
                .await;
            assert_error(no_form, 400, "invalid_multipart").await;

            server.stop().await;
        }
    })
    .await;
    dns.shutdown().await;
}
