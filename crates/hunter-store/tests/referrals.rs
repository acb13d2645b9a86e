//! Partner Center referrals and sync runs, on a fresh SQLite file and again on a fresh PostgreSQL
//! database (`hunter_referrals_<random>`, dropped afterwards) when `HUNTER_TEST_PG_URL` names a
//! server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use common::{Db, Schema, on_each_backend};

use std::time::Duration;

use hunter_core::model::{PartnerContext, ScanStatus, Signals};
use hunter_core::rules::Rules;
use hunter_store::{
    JobKind, PartnerFacts, ReferralFilter, ReferralLink, ReferralQuery, ReferralRecord,
    SavedReferral, ScanRecord, Store, StoreError, SyncCounts, SyncRunStatus, TrackedReferral,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Harness (as in tests/leads.rs)

impl Db {
    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&self.raw)
            .await
            .unwrap()
    }

    async fn company_name(&self, domain: &str) -> Option<String> {
        sqlx::query_scalar("SELECT canonical_name FROM companies WHERE domain = $1")
            .bind(domain)
            .fetch_optional(&self.raw)
            .await
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const TENANT_A: &str = "11111111-1111-1111-1111-111111111111";
const TENANT_B: &str = "22222222-2222-2222-2222-222222222222";
const TENANT_C: &str = "33333333-3333-3333-3333-333333333333";

/// An Incoming referral as the sync maps it; `updated` is the API's `updatedDateTime`.
fn referral(id: &str, domain: Option<&str>, kind: Option<&str>, updated: &str) -> ReferralRecord {
    ReferralRecord {
        referral_id: id.into(),
        engagement_id: Some(format!("eng-{id}")),
        referral_type: kind.map(Into::into),
        r#type: Some("Independent".into()),
        qualification: Some("Direct".into()),
        direction: Some("Incoming".into()),
        status: Some("New".into()),
        substatus: Some("Pending".into()),
        company_name: domain.map(|d| format!("{d} Inc")),
        customer_country: Some("TR".into()),
        domain: domain.map(Into::into),
        raw_domain: domain.map(|d| format!("info@{d}")),
        domain_source: domain.map(|_| "customerProfile.team.email".into()),
        azure_tenant_id: None,
        deal_value: Some("1250.50".into()),
        currency: Some("EUR".into()),
        created_datetime: Some("2026-01-01T00:00:00.0000000Z".into()),
        updated_datetime: Some(updated.into()),
        raw_data: json!({ "id": id, "updatedDateTime": updated }),
    }
}

fn with_tenant(mut r: ReferralRecord, tenant: &str) -> ReferralRecord {
    r.azure_tenant_id = Some(tenant.into());
    r
}

fn with_status(mut r: ReferralRecord, status: &str) -> ReferralRecord {
    r.status = Some(status.into());
    r
}

fn outgoing(mut r: ReferralRecord) -> ReferralRecord {
    r.direction = Some("Outgoing".into());
    r
}

fn scan(domain: &str) -> ScanRecord {
    let signals = Signals::empty(domain, ScanStatus::NoMx);
    let score = hunter_core::score::score(&signals, &PartnerContext::default(), &Rules::embedded());
    ScanRecord {
        signals,
        score,
        company_name: None,
        job_id: None,
        scanned_at: "2026-11-28T10:00:00Z".into(),
    }
}

fn lead_link(domain: &str, company_created: bool, has_signals: bool) -> ReferralLink {
    ReferralLink::Lead {
        domain: domain.into(),
        company_created,
        has_signals,
    }
}

fn query(filter: ReferralFilter, page: u32, page_size: u32) -> ReferralQuery {
    ReferralQuery {
        filter,
        page,
        page_size,
    }
}

async fn all_referrals(s: &Store) -> Vec<TrackedReferral> {
    s.referrals(&query(ReferralFilter::default(), 1, 100))
        .await
        .unwrap()
        .referrals
}

async fn ids(s: &Store, filter: ReferralFilter) -> Vec<String> {
    let page = s.referrals(&query(filter, 1, 100)).await.unwrap();
    assert_eq!(page.total, page.referrals.len() as u64);
    page.referrals.into_iter().map(|r| r.referral_id).collect()
}

/// The lead's Partner Center fields as the lead list shows them.
async fn lead_facts(s: &Store, domain: &str) -> (Option<String>, Option<String>) {
    let lead = s.lead(domain).await.unwrap().expect("a lead");
    (
        lead.referral_type.map(|t| t.to_string()),
        lead.azure_tenant_id,
    )
}

fn search(text: &str) -> ReferralFilter {
    ReferralFilter {
        search: Some(text.into()),
        ..ReferralFilter::default()
    }
}

fn counts(success: u64, failure: u64, skipped: u64) -> SyncCounts {
    SyncCounts {
        pages_fetched: 1,
        total_fetched: success + failure + skipped,
        success_count: success,
        failure_count: failure,
        skipped_count: skipped,
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn re_saving_a_referral_updates_its_rows_and_adds_none() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let first = referral(
            "r-1",
            Some("acme.com"),
            Some("co-sell"),
            "2026-03-01T10:00:00Z",
        );
        assert_eq!(
            s.save_referral(&first).await.unwrap(),
            SavedReferral {
                created: true,
                changed: true,
                previous_domain: None,
                link: lead_link("acme.com", true, false),
            }
        );
        assert_eq!(
            db.company_name("acme.com").await.as_deref(),
            Some("acme.com Inc")
        );
        let stored = all_referrals(s).await.remove(0);

        // The same referral again: nothing that scoring reads changed.
        let mut again = first.clone();
        again.deal_value = Some("2000".into());
        assert_eq!(
            s.save_referral(&again).await.unwrap(),
            SavedReferral {
                created: false,
                changed: false,
                previous_domain: None,
                link: lead_link("acme.com", false, false),
            }
        );
        // A status change is a change; the fallback name (the domain) keeps the company's name.
        let mut closed = with_status(again.clone(), "Closed");
        closed.company_name = Some("acme.com".into());
        let saved = s.save_referral(&closed).await.unwrap();
        assert!(!saved.created && saved.changed, "{saved:?}");
        assert_eq!(
            db.company_name("acme.com").await.as_deref(),
            Some("acme.com Inc")
        );

        for table in ["partner_center_referrals", "raw_leads", "companies"] {
            assert_eq!(
                db.count(table).await,
                1,
                "one {table} row after three saves"
            );
        }
        let source: String = sqlx::query_scalar("SELECT source FROM raw_leads")
            .fetch_one(&db.raw)
            .await
            .unwrap();
        assert_eq!(source, "partnercenter");

        let now = all_referrals(s).await.remove(0);
        assert_eq!(now.created_at, stored.created_at, "created_at is kept");
        assert!(now.synced_at > stored.synced_at, "synced_at is refreshed");
        assert!(now.updated_at > stored.updated_at);
        assert_eq!(now.status.as_deref(), Some("Closed"));
        assert_eq!(now.deal_value.as_deref(), Some("2000"));
        // API times are kept in the store's shape, so they sort as time.
        assert_eq!(
            now.created_datetime.as_deref(),
            Some("2026-01-01T00:00:00.000000Z")
        );
        assert_eq!(
            now.updated_datetime.as_deref(),
            Some("2026-03-01T10:00:00.000000Z")
        );
        assert_eq!(now.raw_data, first.raw_data);
        assert_eq!(now.r#type.as_deref(), Some("Independent"));
        assert_eq!(now.company_name.as_deref(), Some("acme.com"));
    })
    .await;
}

#[tokio::test]
async fn skipped_referrals_are_tracked_without_a_company_or_raw_lead() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let mine = outgoing(referral(
            "out",
            Some("acme.com"),
            Some("co-sell"),
            "2026-03-01T10:00:00Z",
        ));
        let saved = s.save_referral(&mine).await.unwrap();
        assert_eq!(saved.link, ReferralLink::NotIncoming);
        let no_domain = referral("nodomain", None, None, "2026-03-02T10:00:00Z");
        let saved = s.save_referral(&no_domain).await.unwrap();
        assert_eq!(saved.link, ReferralLink::NoDomain);
        // Without a direction the list request's filter applies: Incoming.
        let mut undirected = referral("undirected", None, None, "2026-03-03T10:00:00Z");
        undirected.direction = None;
        assert_eq!(
            s.save_referral(&undirected).await.unwrap().link,
            ReferralLink::NoDomain
        );

        assert_eq!(db.count("partner_center_referrals").await, 3);
        assert_eq!(db.count("companies").await, 0);
        assert_eq!(db.count("raw_leads").await, 0);
        // An Outgoing referral gives its domain no facts.
        assert_eq!(
            s.partner_facts("acme.com").await.unwrap(),
            PartnerFacts::default()
        );

        // Refused before anything is written.
        let mut unnormalized = referral("bad", Some("WWW.Acme.com"), None, "2026-03-01T10:00:00Z");
        let err = s.save_referral(&unnormalized).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
        unnormalized.domain = Some("acme.com".into());
        unnormalized.referral_type = Some("partner".into());
        let err = s.save_referral(&unnormalized).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
        unnormalized.referral_type = None;
        unnormalized.updated_datetime = Some("yesterday".into());
        let err = s.save_referral(&unnormalized).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
        assert_eq!(db.count("partner_center_referrals").await, 3);
    })
    .await;
}

#[tokio::test]
async fn facts_prefer_co_sell_and_take_the_newest_tenant_id() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let d = Some("acme.com");
        let facts = |referral_type: &str, tenant: &str, open_cosell: bool| PartnerFacts {
            referral_type: Some(referral_type.into()),
            azure_tenant_id: Some(tenant.into()),
            open_cosell,
        };
        assert_eq!(
            s.partner_facts("acme.com").await.unwrap(),
            PartnerFacts::default()
        );

        let market = with_tenant(
            referral("m", d, Some("marketplace"), "2026-01-01T00:00:00Z"),
            TENANT_A,
        );
        s.save_referral(&market).await.unwrap();
        assert_eq!(
            s.partner_facts("acme.com").await.unwrap(),
            facts("marketplace", TENANT_A, false)
        );

        // Updated later (its time is +02:00, still later in UTC): its tenant id wins.
        let solution = with_tenant(
            referral(
                "s",
                d,
                Some("solution-provider"),
                "2026-02-01T01:00:00+02:00",
            ),
            TENANT_B,
        );
        s.save_referral(&solution).await.unwrap();
        assert_eq!(
            s.partner_facts("acme.com").await.unwrap(),
            facts("solution-provider", TENANT_B, false)
        );

        // A closed co-sell referral sets the kind but earns no bonus; without a tenant id it
        // leaves the newest one carrying one in force.
        let cosell = with_status(
            referral("c", d, Some("co-sell"), "2026-05-01T00:00:00Z"),
            "Closed",
        );
        s.save_referral(&cosell).await.unwrap();
        assert_eq!(
            s.partner_facts("acme.com").await.unwrap(),
            facts("co-sell", TENANT_B, false)
        );

        // An older marketplace referral with a tenant id does not win over the newer one.
        let old = with_tenant(
            referral("o", d, Some("marketplace"), "2025-06-01T00:00:00Z"),
            TENANT_C,
        );
        s.save_referral(&old).await.unwrap();
        // Neither does an Outgoing one, however new.
        let out = with_tenant(
            outgoing(referral("x", d, Some("co-sell"), "2026-09-01T00:00:00Z")),
            TENANT_C,
        );
        s.save_referral(&out).await.unwrap();
        assert_eq!(
            s.partner_facts("acme.com").await.unwrap(),
            facts("co-sell", TENANT_B, false)
        );

        // An open co-sell referral (any status but Closed) earns the bonus.
        let open = with_status(
            referral("c2", d, Some("co-sell"), "2026-04-01T00:00:00Z"),
            "Engaged",
        );
        s.save_referral(&open).await.unwrap();
        assert_eq!(
            s.partner_facts("acme.com").await.unwrap(),
            facts("co-sell", TENANT_B, true)
        );
    })
    .await;
}

#[tokio::test]
async fn leads_show_the_facts_and_a_rescan_keeps_them() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        // Scanned before the referral arrived: the referral reports the signals and fills the lead.
        s.save_scans(&[scan("acme.com")]).await.unwrap();
        let r = with_tenant(
            referral(
                "r-1",
                Some("acme.com"),
                Some("co-sell"),
                "2026-03-01T10:00:00Z",
            ),
            TENANT_A,
        );
        let saved = s.save_referral(&r).await.unwrap();
        assert_eq!(saved.link, lead_link("acme.com", false, true));
        let expected = (Some("co-sell".to_owned()), Some(TENANT_A.to_owned()));
        assert_eq!(lead_facts(s, "acme.com").await, expected);
        s.save_scans(&[scan("acme.com")]).await.unwrap();
        assert_eq!(
            lead_facts(s, "acme.com").await,
            expected,
            "a rescan keeps them"
        );
        s.save_scores(&[("acme.com".into(), scan("acme.com").score)])
            .await
            .unwrap();
        assert_eq!(
            lead_facts(s, "acme.com").await,
            expected,
            "a re-score keeps them"
        );

        // Referral first, scan later: the first scan leaves them to apply_partner_facts.
        assert!(
            !s.apply_partner_facts("beta.com").await.unwrap(),
            "no lead yet"
        );
        let r2 = referral(
            "r-2",
            Some("beta.com"),
            Some("marketplace"),
            "2026-03-01T10:00:00Z",
        );
        assert_eq!(
            s.save_referral(&r2).await.unwrap().link,
            lead_link("beta.com", true, false)
        );
        s.save_scans(&[scan("beta.com")]).await.unwrap();
        assert!(s.apply_partner_facts("beta.com").await.unwrap());
        assert_eq!(
            lead_facts(s, "beta.com").await,
            (Some("marketplace".into()), None)
        );

        // The referral moves to another domain: the old lead loses its facts.
        let mut moved = r.clone();
        moved.domain = Some("beta.com".into());
        let saved = s.save_referral(&moved).await.unwrap();
        assert_eq!(saved.previous_domain.as_deref(), Some("acme.com"));
        assert!(saved.changed);
        assert_eq!(lead_facts(s, "acme.com").await, (None, None));
        assert_eq!(
            lead_facts(s, "beta.com").await,
            (Some("co-sell".into()), Some(TENANT_A.into()))
        );
        assert_eq!(
            db.count("raw_leads").await,
            2,
            "the moved referral kept its one row"
        );
    })
    .await;
}

#[tokio::test]
async fn the_referral_list_filters_searches_and_pages_newest_first() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let mut percent = referral(
            "r-pct",
            Some("pct.com"),
            Some("co-sell"),
            "2026-03-05T00:00:00Z",
        );
        percent.company_name = Some("100% Pure".into());
        let mut plain = referral(
            "r-plain",
            Some("plain.com"),
            Some("co-sell"),
            "2026-03-04T00:00:00Z",
        );
        plain.company_name = Some("1000 Pure".into());
        let records = [
            percent,
            plain,
            with_status(
                referral(
                    "r-acme",
                    Some("acme.com"),
                    Some("marketplace"),
                    "2026-03-03T00:00:00Z",
                ),
                "Closed",
            ),
            referral("r-none", None, None, "2026-03-02T00:00:00Z"),
            outgoing(referral(
                "r-out",
                Some("acme.com"),
                Some("co-sell"),
                "2026-03-06T00:00:00Z",
            )),
            referral(
                "r_under",
                Some("under.com"),
                Some("solution-provider"),
                "2026-03-01T00:00:00Z",
            ),
        ];
        for r in &records {
            s.save_referral(r).await.unwrap();
        }
        let mut undated = referral("r-undated", None, None, "2026-01-01T00:00:00Z");
        undated.updated_datetime = None;
        undated.company_name = Some("Öztürk Çelik Şirketi".into());
        s.save_referral(&undated).await.unwrap();
        s.save_scans(&[scan("acme.com"), scan("pct.com")])
            .await
            .unwrap();

        let newest_first = [
            "r-out",
            "r-pct",
            "r-plain",
            "r-acme",
            "r-none",
            "r_under",
            "r-undated",
        ];
        assert_eq!(ids(s, ReferralFilter::default()).await, newest_first);

        let page = s
            .referrals(&query(ReferralFilter::default(), 2, 3))
            .await
            .unwrap();
        assert_eq!(page.total, 7);
        let second: Vec<_> = page
            .referrals
            .iter()
            .map(|r| r.referral_id.as_str())
            .collect();
        assert_eq!(second, ["r-acme", "r-none", "r_under"]);
        let past = s
            .referrals(&query(ReferralFilter::default(), 9, 3))
            .await
            .unwrap();
        assert_eq!((past.referrals.len(), past.total), (0, 7));
        let first = s
            .referrals(&query(ReferralFilter::default(), 0, 3))
            .await
            .unwrap();
        assert_eq!(first.referrals[0].referral_id, "r-out", "page 0 is page 1");

        let filter = |f: fn(&mut ReferralFilter)| {
            let mut filter = ReferralFilter::default();
            f(&mut filter);
            filter
        };
        assert_eq!(
            ids(s, filter(|f| f.referral_type = Some("co-sell".into()))).await,
            ["r-out", "r-pct", "r-plain"]
        );
        assert_eq!(
            ids(s, filter(|f| f.referral_type = Some("none".into()))).await,
            ["r-none", "r-undated"]
        );
        assert_eq!(
            ids(s, filter(|f| f.status = Some("closed".into()))).await,
            ["r-acme"]
        );
        // Linked: Incoming and its domain is a lead (scanned); the Outgoing one on a lead is not.
        assert_eq!(
            ids(s, filter(|f| f.linked = Some(true))).await,
            ["r-pct", "r-acme"]
        );
        assert_eq!(
            ids(s, filter(|f| f.linked = Some(false))).await,
            ["r-out", "r-plain", "r-none", "r_under", "r-undated"]
        );
        let linked: Vec<bool> = all_referrals(s).await.iter().map(|r| r.linked).collect();
        assert_eq!(linked, [false, true, false, true, false, false, false]);

        assert_eq!(ids(s, search("ACME")).await, ["r-out", "r-acme"], "domain");
        assert_eq!(
            ids(s, search(" pure ")).await,
            ["r-pct", "r-plain"],
            "company name"
        );
        assert_eq!(ids(s, search("0%")).await, ["r-pct"], "% is literal");
        assert_eq!(
            ids(s, search("R_U")).await,
            ["r_under"],
            "_ is literal, id matches"
        );
        assert_eq!(ids(s, search("  ")).await.len(), 7, "blank is no search");
        // Case and Turkish letters fold as in the lead search, short terms too.
        for text in ["ozturk celik", "ÖZTÜRK ÇELİK", "sirketi", "ŞİRKETİ", "ÇE"] {
            assert_eq!(ids(s, search(text)).await, ["r-undated"], "{text}");
        }
        // Filters combine.
        let mut both = search("pure");
        both.linked = Some(true);
        assert_eq!(ids(s, both).await, ["r-pct"]);
    })
    .await;
}

#[tokio::test]
async fn only_one_sync_run_runs_at_a_time() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let run = s.start_sync_run(true, None).await.unwrap();
        assert_eq!((run.status, run.forced), (SyncRunStatus::Running, true));
        let err = s.start_sync_run(false, None).await.unwrap_err();
        assert!(err.is_sync_running(), "{err}");

        let bad = SyncCounts {
            total_fetched: 5,
            ..counts(1, 1, 1)
        };
        let err = s
            .finish_sync_run(run.id, &bad, &[], None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
        let done = s
            .finish_sync_run(
                run.id,
                &counts(2, 1, 3),
                &["referral h:1234abcd: no id".into()],
                None,
            )
            .await
            .unwrap();
        assert_eq!(done.status, SyncRunStatus::Completed);
        assert_eq!(
            (
                done.total_fetched,
                done.success_count,
                done.failure_count,
                done.skipped_count
            ),
            (6, 2, 1, 3)
        );
        assert_eq!(done.errors, ["referral h:1234abcd: no id"]);
        assert!(done.finished_at.is_some());
        let err = s
            .finish_sync_run(run.id, &counts(0, 0, 0), &[], None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput(_)),
            "finished once: {err}"
        );

        // Racing starters (separate connections; on PostgreSQL separate transactions): one wins.
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.start_sync_run(false, None).await })
            })
            .collect();
        let mut won = 0;
        for start in starts {
            match start.await.unwrap() {
                Ok(_) => won += 1,
                Err(e) => assert!(e.is_sync_running(), "{e}"),
            }
        }
        assert_eq!(won, 1);
        let running: Vec<_> = s
            .sync_runs(10)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.status == SyncRunStatus::Running)
            .collect();
        assert_eq!(running.len(), 1);
        let failed = s
            .fail_sync_run(running[0].id, "token expired")
            .await
            .unwrap();
        assert_eq!(
            (failed.status, failed.errors),
            (SyncRunStatus::Failed, vec!["token expired".to_owned()])
        );
        s.start_sync_run(false, None).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_run_whose_process_is_gone_does_not_block_syncs() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        // Started long ago and never finished: its process died.
        let dead = s.start_sync_run(false, None).await.unwrap();
        sqlx::query("UPDATE partner_center_sync_runs SET started_at = $1 WHERE id = $2")
            .bind("2026-01-01T00:00:00.000000Z")
            .bind(dead.id)
            .execute(&db.raw)
            .await
            .unwrap();
        let next = s.start_sync_run(false, None).await.unwrap();
        let runs = s.sync_runs(10).await.unwrap();
        assert_eq!(runs[0].id, next.id);
        assert_eq!(runs[1].id, dead.id);
        assert_eq!(runs[1].status, SyncRunStatus::Failed);
        assert!(
            runs[1].errors[0].contains("stopped without finishing"),
            "{:?}",
            runs[1].errors
        );
        // The recovered run's late finish is refused.
        let err = s
            .finish_sync_run(dead.id, &counts(1, 0, 0), &[], None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
        s.finish_sync_run(next.id, &counts(0, 0, 0), &[], None)
            .await
            .unwrap();

        // A run of a job lives as long as the job's lease.
        let job = s
            .create_scan_job(JobKind::ReferralSync, None, &[], None)
            .await
            .unwrap();
        let claimed = s
            .claim_job(&[JobKind::ReferralSync], Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        let run = s.start_sync_run(false, Some(&job.id)).await.unwrap();
        let err = s.start_sync_run(false, None).await.unwrap_err();
        assert!(err.is_sync_running(), "the job is alive: {err}");
        // The job is claimed again (as after its holder died): the new holder takes the run over.
        s.release_lease(&claimed.lease).await.unwrap();
        s.claim_job(&[JobKind::ReferralSync], Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        let again = s.start_sync_run(false, Some(&job.id)).await.unwrap();
        assert_ne!(again.id, run.id);
        let runs = s.sync_runs(1).await.unwrap();
        assert_eq!(runs.len(), 1, "limit");
        assert_eq!(
            (runs[0].id, runs[0].job_id.as_deref()),
            (again.id, Some(job.id.as_str()))
        );
    })
    .await;
}

#[tokio::test]
async fn the_high_water_mark_is_the_latest_completed_runs() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        assert_eq!(
            s.last_high_water_mark().await.unwrap(),
            None,
            "first sync reads everything"
        );

        let run = s.start_sync_run(false, None).await.unwrap();
        s.finish_sync_run(
            run.id,
            &counts(3, 0, 0),
            &[],
            Some("2026-11-01T10:00:00.1234567Z"),
        )
        .await
        .unwrap();
        let first = Some("2026-11-01T10:00:00.123456Z".to_owned());
        assert_eq!(s.last_high_water_mark().await.unwrap(), first);

        // A failed run and a run that processed nothing leave it in force.
        let run = s.start_sync_run(false, None).await.unwrap();
        s.fail_sync_run(run.id, "page 2 could not be fetched")
            .await
            .unwrap();
        assert_eq!(s.last_high_water_mark().await.unwrap(), first);
        let run = s.start_sync_run(false, None).await.unwrap();
        s.finish_sync_run(run.id, &counts(0, 0, 0), &[], None)
            .await
            .unwrap();
        assert_eq!(s.last_high_water_mark().await.unwrap(), first);

        let run = s.start_sync_run(true, None).await.unwrap();
        let done = s
            .finish_sync_run(
                run.id,
                &counts(1, 0, 0),
                &[],
                Some("2026-11-02T12:00:00+02:00"),
            )
            .await
            .unwrap();
        assert_eq!(
            done.high_water_mark.as_deref(),
            Some("2026-11-02T10:00:00.000000Z")
        );
        assert_eq!(
            s.last_high_water_mark().await.unwrap().as_deref(),
            Some("2026-11-02T10:00:00.000000Z")
        );
        let statuses: Vec<_> = s
            .sync_runs(10)
            .await
            .unwrap()
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(
            statuses,
            [
                SyncRunStatus::Completed,
                SyncRunStatus::Completed,
                SyncRunStatus::Failed,
                SyncRunStatus::Completed
            ]
        );
    })
    .await;
}
