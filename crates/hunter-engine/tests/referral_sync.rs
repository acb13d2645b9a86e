//! A Partner Center sync end to end: the fake Entra and Referrals API, fixture DNS zones, and a
//! fresh database on each backend. Each referral is handled on its own; leads get their referral
//! facts in their scores; a second run adds nothing; the schedule.

use std::sync::Arc;
use std::time::Duration;

use hunter_core::Domain;
use hunter_core::model::{Provider, Segment};
use hunter_core::referral::PartnerScoring;
use hunter_core::rules::Rules;
use hunter_engine::config::Config;
use hunter_engine::partner_center::PartnerCenter;
use hunter_engine::referral_sync::{SyncMode, SyncResult, run_scheduler, sync_referrals};
use hunter_engine::scan::{ScanOutcome, Scanner, scan_many};
use hunter_fixtures::{DnsServer, FakeEntra, FakePartnerCenter, PollOutcome, catalogue, zones};
use hunter_partner_center::{Authenticator, ReferralsClient, Settings};
use hunter_store::Store;
use serde_json::{Value, json};
use sqlx::AnyPool;
use tokio_util::sync::CancellationToken;

const SCORING: PartnerScoring = PartnerScoring {
    azure_tenant_score: 55,
    cosell_bonus: 15,
};

fn referral(id: &str, updated: &str, kind: Value, profile: Value) -> Value {
    let mut r = json!({
        "id": id,
        "direction": "Incoming",
        "status": "Active",
        "updatedDateTime": updated,
        "customerProfile": profile,
    });
    for (k, v) in kind.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

fn referrals() -> Vec<Value> {
    let cosell = json!({"type": "Shared", "qualification": "None"});
    let marketplace = json!({"type": "Independent", "qualification": "Direct"});
    vec![
        referral(
            "r1",
            "2026-11-20T10:00:00Z",
            cosell.clone(),
            json!({"name": "Contoso", "team": [{"email": "ayse@contoso-m365.com"}]}),
        ),
        referral(
            "r2",
            "2026-11-19T10:00:00Z",
            marketplace.clone(),
            json!({"name": "Adatum", "website": "https://www.adatum-google.com/tr",
                   "azureTenantId": "0f9d4e3a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}),
        ),
        // A second referral for a domain already named: still one scan.
        referral(
            "r3",
            "2026-11-18T10:00:00Z",
            marketplace.clone(),
            json!({"name": "Contoso", "team": [{"email": "mehmet@contoso-m365.com"}]}),
        ),
        referral(
            "r4",
            "2026-11-17T10:00:00Z",
            marketplace.clone(),
            json!({"name": "Gmail Only", "team": [{"email": "owner@gmail.com"}]}),
        ),
        referral(
            "r5",
            "2026-11-16T10:00:00Z",
            marketplace.clone(),
            json!({"name": "No Contact"}),
        ),
        // No id: malformed.
        json!({"direction": "Incoming", "updatedDateTime": "2026-11-15T10:00:00Z"}),
    ]
}

struct Fakes {
    entra: FakeEntra,
    api: FakePartnerCenter,
    client: ReferralsClient,
    settings: Settings,
    _dir: tempfile::TempDir,
}

async fn fakes() -> Fakes {
    let entra = FakeEntra::start().await;
    entra.set_interval(1);
    let api = FakePartnerCenter::start(&entra).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new("11111111-2222-3333-4444-555555555555", "contoso.com");
    settings.api_url = api.base_url();
    settings.authority_url = entra.base_url();
    settings.token_cache_path = dir.path().join(".token_cache");
    settings.request_spacing = Duration::ZERO;
    let auth = Authenticator::new(&settings)
        .unwrap()
        .with_poll_sleep(|d| Box::pin(tokio::time::sleep(d / 100)));
    entra.script_polls([PollOutcome::Approve]);
    auth.login(|_| {}).await.unwrap();
    let client = ReferralsClient::new(&settings, Arc::new(auth)).unwrap();
    Fakes {
        entra,
        api,
        client,
        settings,
        _dir: dir,
    }
}

async fn count(pool: &AnyPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_tracks_every_referral_scores_its_leads_and_repeats_without_new_rows() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dns = DnsServer::start(&zones(&catalogue())).await;
    let dns_addr = dns.addr();
    hunter_fixtures::on_each_backend(move |url| async move {
        let store = Store::connect(&url).await.unwrap();
        store.migrate_up().await.unwrap();
        let pool = AnyPool::connect(&url).await.unwrap();
        let config = Config::from_vars([
            ("HUNTER_DNS_SERVERS", dns_addr.to_string()),
            ("HUNTER_TENANT_DISCOVERY_ENABLED", "false".to_owned()),
        ])
        .unwrap();
        let scanner = Scanner::new(&config, Arc::new(Rules::embedded())).unwrap();
        let fakes = fakes().await;
        fakes.api.set_referrals(referrals());

        let result = sync_referrals(
            &store,
            &fakes.client,
            &scanner,
            SCORING,
            SyncMode::Incremental,
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            (
                result.total_fetched,
                result.success_count,
                result.skipped_count,
                result.failure_count
            ),
            (6, 3, 2, 1),
            "{result:#?}"
        );
        assert_eq!(result.errors.len(), 1, "{result:#?}");

        // Co-sell: the DNS score plus 15, as a named breakdown line.
        let contoso = store.lead("contoso-m365.com").await.unwrap().unwrap();
        assert_eq!(contoso.referral_type.as_deref(), Some("co-sell"));
        let score = store.score("contoso-m365.com").await.unwrap().unwrap();
        let bonus = score
            .breakdown
            .iter()
            .find(|l| l.name == "partner_center_cosell");
        assert!(bonus.is_some_and(|l| l.points > 0), "{score:#?}");
        assert_eq!(contoso.readiness_score, (contoso.dns_score + 15).min(100));

        // A referral-borne tenant id: Existing, 55, M365, whatever the DNS said (Google here).
        let adatum = store.lead("adatum-google.com").await.unwrap().unwrap();
        assert_eq!(adatum.segment, Segment::Existing);
        assert_eq!(adatum.readiness_score, 55);
        assert_eq!(adatum.provider, Provider::M365);
        assert_eq!(adatum.reason, "M365 existing customer (Azure Tenant ID)");
        assert_eq!(adatum.referral_type.as_deref(), Some("marketplace"));

        // Skipped referrals are tracked without a domain; the malformed one is not stored.
        assert_eq!(
            count(&pool, "SELECT COUNT(*) FROM partner_center_referrals").await,
            5
        );
        assert_eq!(
            count(
                &pool,
                "SELECT COUNT(*) FROM partner_center_referrals WHERE domain IS NULL"
            )
            .await,
            2
        );
        // Two domains, each scanned once.
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM domain_signals").await, 2);

        // The company follows the tenant override, and the change is logged once.
        let company_provider = "SELECT COUNT(*) FROM companies WHERE domain = 'adatum-google.com' AND provider = 'M365'";
        let history = "SELECT COUNT(*) FROM provider_change_history WHERE domain = 'adatum-google.com'";
        assert_eq!(count(&pool, company_provider).await, 1);
        let changes = count(&pool, history).await;

        // A DNS rescan scores with the referral facts too: the tenant override and the co-sell
        // bonus survive it, and the provider does not flap.
        let rescan: Vec<Domain> = ["adatum-google.com", "contoso-m365.com"]
            .iter()
            .map(|d| Domain::parse(d).unwrap())
            .collect();
        scan_many(
            &scanner,
            Some(&store),
            &rescan,
            None,
            |_: usize, _: &ScanOutcome| {},
        )
        .await
        .unwrap();
        let adatum = store.lead("adatum-google.com").await.unwrap().unwrap();
        assert_eq!(
            (adatum.segment, adatum.readiness_score, adatum.provider),
            (Segment::Existing, 55, Provider::M365)
        );
        let contoso_again = store.lead("contoso-m365.com").await.unwrap().unwrap();
        assert_eq!(contoso_again.readiness_score, contoso.readiness_score);
        assert_eq!(count(&pool, company_provider).await, 1);
        assert_eq!(count(&pool, history).await, changes);

        // The same referrals again: nothing new.
        let again: SyncResult = sync_referrals(
            &store,
            &fakes.client,
            &scanner,
            SCORING,
            SyncMode::Incremental,
            None,
        )
        .await
        .unwrap();
        assert_eq!(again.failure_count, 0, "{again:#?}");
        assert_eq!(
            count(&pool, "SELECT COUNT(*) FROM partner_center_referrals").await,
            5
        );
        assert_eq!(
            count(
                &pool,
                "SELECT COUNT(*) FROM raw_leads WHERE source = 'partnercenter'"
            )
            .await,
            3
        );
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM companies").await, 2);
        assert_eq!(
            count(
                &pool,
                "SELECT COUNT(*) FROM partner_center_sync_runs WHERE status = 'completed'"
            )
            .await,
            2
        );
        pool.close().await;
        store.close().await;
    })
    .await;
    dns.shutdown().await;
}

/// The schedule: switched off it sends nothing; two processes (here two schedulers with their
/// own connections and clients) on one database sync once per interval between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_syncs_happen_once_per_interval_across_processes_and_never_when_off() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dns = DnsServer::start(&zones(&catalogue())).await;
    let dns_addr = dns.addr();
    hunter_fixtures::on_each_backend(move |url| async move {
        let config = Config::from_vars([
            ("HUNTER_DNS_SERVERS", dns_addr.to_string()),
            ("HUNTER_TENANT_DISCOVERY_ENABLED", "false".to_owned()),
        ])
        .unwrap();
        let scanner = Arc::new(Scanner::new(&config, Arc::new(Rules::embedded())).unwrap());
        let interval = Duration::from_millis(500);

        // Off: the scheduler says so once and returns without waiting for a tick or the
        // shutdown; nothing is requested or recorded.
        let store = Store::connect(&url).await.unwrap();
        store.migrate_up().await.unwrap();
        let pool = AnyPool::connect(&url).await.unwrap();
        let fakes = fakes().await;
        fakes.api.set_referrals(vec![json!({"id": "r1", "direction": "Incoming",
            "updatedDateTime": "2026-11-20T10:00:00Z", "customerProfile": {"name": "No Contact"}})]);
        let never = CancellationToken::new();
        let off = run_scheduler(store.clone(), scanner.clone(), None, Duration::from_secs(3600), never);
        tokio::time::timeout(Duration::from_secs(60), off)
            .await
            .expect("the scheduler returns at once when Partner Center is off");
        assert!(fakes.api.requests().is_empty());
        assert_eq!(count(&pool, "SELECT COUNT(*) FROM partner_center_sync_runs").await, 0);

        // On, in two "processes": about one run per interval, never two at once.
        let stop = CancellationToken::new();
        let mut schedulers = Vec::new();
        for _ in 0..2 {
            let own_store = Store::connect(&url).await.unwrap();
            let own = fakes_with(&fakes).await;
            let pc = Arc::new(PartnerCenter { client: own, scoring: SCORING });
            schedulers.push(tokio::spawn(run_scheduler(
                own_store,
                scanner.clone(),
                Some(pc),
                interval,
                stop.clone(),
            )));
        }
        // Ticks at 0.5, 1.0, 1.5 and 2.0 s in each.
        tokio::time::sleep(interval * 4 + interval / 2).await;
        stop.cancel();
        for s in schedulers {
            s.await.unwrap();
        }
        let runs = count(&pool, "SELECT COUNT(*) FROM partner_center_sync_runs").await;
        assert!((2..=5).contains(&runs), "{runs} runs for 4 intervals and 2 processes");
        assert_eq!(
            count(&pool, "SELECT COUNT(*) FROM partner_center_sync_runs WHERE status <> 'completed'").await,
            0
        );
        pool.close().await;
        store.close().await;
    })
    .await;
    dns.shutdown().await;
}

/// Another signed-in client for the same fakes (another process's).
async fn fakes_with(fakes: &Fakes) -> ReferralsClient {
    let auth = Authenticator::new(&fakes.settings)
        .unwrap()
        .with_poll_sleep(|d| Box::pin(tokio::time::sleep(d / 100)));
    fakes.entra.script_polls([PollOutcome::Approve]);
    auth.login(|_| {}).await.unwrap();
    ReferralsClient::new(&fakes.settings, Arc::new(auth)).unwrap()
}
