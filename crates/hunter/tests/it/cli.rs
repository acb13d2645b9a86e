//! Settings, usage errors and migrations through the command line.

use crate::support::{Backend, Hunter, TestDb, backends, ok, stderr};

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_setting_stops_hunter_with_one_sentence_naming_it() {
    let db = TestDb::new(Backend::Sqlite).await;
    let cases = [
        ("HUNTER_DNS_TIMEOUT_MS", "soon"),
        ("HUNTER_SCAN_CONCURRENCY", "0"),
        ("HUNTER_DNS_SERVERS", "not-an-ip"),
        ("HUNTER_DNS_TIMEOUT", "5"),
    ];
    for (name, value) in cases {
        let out = Hunter::new(&db.url, db.dir())
            .env(name, value)
            .run(&["scan", "--no-store", "example.com"])
            .await;
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(name), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dotenv_file_is_read_and_the_real_environment_wins() {
    let db = TestDb::new(Backend::Sqlite).await;
    std::fs::write(
        db.dir().join(".env"),
        "HUNTER_SCAN_CONCURRENCY=zero\nHUNTER_DNS_TIMEOUT_MS=soon\n",
    )
    .unwrap();
    let out = Hunter::new(&db.url, db.dir())
        .env("HUNTER_DNS_TIMEOUT_MS", "500")
        .run(&["scan", "--no-store", "n/a"])
        .await;
    let err = stderr(&out);
    assert!(err.contains("HUNTER_SCAN_CONCURRENCY"), "{err}");
    assert!(!err.contains("HUNTER_DNS_TIMEOUT_MS"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_usage_exits_with_code_2() {
    let db = TestDb::new(Backend::Sqlite).await;
    let hunter = Hunter::new(&db.url, db.dir());
    assert_eq!(hunter.run(&["scan"]).await.status.code(), Some(2));
    assert_eq!(hunter.run(&["frobnicate"]).await.status.code(), Some(2));
    assert_eq!(
        hunter
            .run(&["migrate", "down", "--all", "--steps", "1"])
            .await
            .status
            .code(),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_rules_file_is_a_clear_start_up_error() {
    let db = TestDb::new(Backend::Sqlite).await;
    let bad = db.dir().join("rules.json");
    std::fs::write(&bad, r#"{"base_score": 0}"#).unwrap();
    for (path, expect) in [
        (db.dir().join("missing.json"), "could not be read"),
        (bad, "is invalid"),
    ] {
        let out = Hunter::new(&db.url, db.dir())
            .env("HUNTER_RULES_PATH", path.to_str().unwrap())
            .run(&["scan", "--no-store", "example.com"])
            .await;
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("HUNTER_RULES_PATH") && err.contains(expect),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_go_up_down_all_and_up_again_on_every_backend() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let hunter = Hunter::new(&db.url, db.dir());
        let up = ok(&hunter.run(&["migrate", "up"]).await);
        assert!(up.contains("Applied 0001"), "{up}");
        let status = ok(&hunter.run(&["migrate", "status"]).await);
        assert!(!status.contains("pending"), "{status}");
        assert_eq!(db.count("lead_scores").await, 0);

        let one = ok(&hunter.run(&["migrate", "down"]).await);
        assert_eq!(one.lines().count(), 1, "one step by default: {one}");
        let all = ok(&hunter.run(&["migrate", "down", "--all"]).await);
        assert!(all.contains("Reverted 0001"), "{all}");
        let status = ok(&hunter.run(&["migrate", "status"]).await);
        assert!(!status.contains("applied"), "{status}");

        let again = ok(&hunter.run(&["migrate", "up"]).await);
        assert!(again.contains("Applied 0001"), "{again}");
        let noop = ok(&hunter.run(&["migrate", "up"]).await);
        assert!(noop.contains("Nothing to do"), "{noop}");
        db.cleanup().await;
    }
}
