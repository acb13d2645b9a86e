//! The lead list, its export stream and the dashboard KPIs, on a fresh SQLite file and again on a
//! fresh PostgreSQL database (`hunter_leads_<random>`, dropped afterwards) when
//! `HUNTER_TEST_PG_URL` names a server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use common::{Db, Schema, on_each_backend};

use std::cmp::Ordering;
use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use hunter_core::dns::MxRecord;
use hunter_core::model::{
    BreakdownLine, CommercialHeat, CommercialSegment, DmarcPolicy, Lead, PriorityCategory,
    Provider, ScanStatus, Score, Segment, Signals, TechnicalHeat,
};
use hunter_store::{
    Backend, DownSteps, LeadFilter, LeadQuery, LeadSort, NewInput, SORTABLE, ScanRecord, SortOrder,
    Source, Store,
};

use DmarcPolicy::{None as DmarcNone, Quarantine, Reject};
use PriorityCategory::{P1, P2, P4, P6};
use Provider::{Google, Hosting, Local, M365, Unknown};
use Segment::{Cold, Existing, Migration, Skip};

// ---------------------------------------------------------------------------------------------
// Harness

impl Db {
    async fn exec(&self, sql: &'static str, domain: &str) {
        sqlx::query(sql)
            .bind(domain)
            .execute(&self.raw)
            .await
            .unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// What varies between test leads; the rest is fixed.
#[derive(Clone, Copy)]
struct Spec {
    domain: &'static str,
    name: &'static str,
    provider: Provider,
    gateway: Option<&'static str>,
    spf: Option<bool>,
    dmarc: Option<DmarcPolicy>,
    score: i32,
    priority: PriorityCategory,
    segment: Segment,
}

#[allow(clippy::too_many_arguments)]
const fn spec(
    domain: &'static str,
    name: &'static str,
    provider: Provider,
    gateway: Option<&'static str>,
    spf: Option<bool>,
    dmarc: Option<DmarcPolicy>,
    score: i32,
    priority: PriorityCategory,
    segment: Segment,
) -> Spec {
    Spec {
        domain,
        name,
        provider,
        gateway,
        spf,
        dmarc,
        score,
        priority,
        segment,
    }
}

/// Ties on priority and score (broken by domain), nulls in nullable columns, LIKE wildcards in
/// names, and mixed case.
#[rustfmt::skip]
const SEED: &[Spec] = &[
    spec("m365-a.com", "Alpha Holding", M365, Some("mimecast"), Some(true), Some(Reject), 90, P4, Existing),
    spec("google-b.com", "Beta Gida", Google, None, Some(true), Some(Reject), 90, P2, Migration),
    spec("hosting-c.com", "Gamma 100% Web", Hosting, Some("proofpoint"), Some(true), None, 60, P1, Migration),
    spec("hosting-c2.com", "Gamma 1000 Web", Hosting, None, None, None, 60, P1, Migration),
    spec("local-d.com.tr", "Delta_Tekstil", Local, None, Some(true), Some(Quarantine), 50, P1, Migration),
    spec("local-d2.com.tr", "Deltaxtekstil", Local, Some("mimecast"), Some(false), Some(DmarcNone), 50, P1, Migration),
    spec("aaa-tie.com", "ACME Tie", Hosting, None, Some(true), None, 60, P1, Migration),
    spec("local-e.com.tr", "Epsilon", Local, None, Some(false), None, 0, P6, Skip),
    spec("google-f.com", "Zeta", Google, Some("proofpoint"), Some(false), Some(DmarcNone), 15, P6, Cold),
    spec("unknown-g.net", "Eta Net", Unknown, None, None, None, 15, P6, Cold),
    spec("m365-h.com", "Theta", M365, None, Some(true), Some(Quarantine), 75, P4, Existing),
];

fn signals(s: &Spec) -> Signals {
    let mut signals = Signals::empty(s.domain, ScanStatus::Ok);
    signals.provider = s.provider;
    signals.mx_records = vec![MxRecord {
        preference: 10,
        host: format!("mx.{}", s.domain),
    }];
    signals.gateway = s.gateway.map(str::to_owned);
    signals.spf = s.spf;
    signals.dkim = s.spf;
    signals.dmarc_policy = s.dmarc;
    signals
}

fn score(s: &Spec) -> Score {
    Score {
        provider: s.provider,
        dns_score: s.score,
        readiness_score: s.score,
        segment: s.segment,
        segment_rule: "1".into(),
        reason: "test".into(),
        reason_tr: "deneme".into(),
        technical_heat: TechnicalHeat::Warm,
        commercial_segment: CommercialSegment::Competitive,
        commercial_heat: CommercialHeat::Medium,
        priority_category: s.priority,
        priority_label: format!("{} label", s.priority),
        priority_label_tr: format!("{} etiketi", s.priority),
        breakdown: vec![BreakdownLine {
            name: "total".into(),
            label: "Total".into(),
            label_tr: "Toplam".into(),
            points: s.score,
        }],
        rules_version: "test".into(),
    }
}

fn input(domain: &str, name: Option<&str>) -> NewInput {
    NewInput {
        source: Source::Domain,
        source_ref: None,
        domain: domain.into(),
        company_name: name.map(str::to_owned),
        email: None,
        website: None,
        payload: serde_json::json!({}),
    }
}

fn record(signals: Signals, score: Score) -> ScanRecord {
    ScanRecord {
        signals,
        score,
        company_name: None,
        job_id: None,
        scanned_at: "2026-11-28T10:00:00Z".into(),
    }
}

async fn seed(db: &Db) {
    let inputs: Vec<NewInput> = SEED.iter().map(|s| input(s.domain, Some(s.name))).collect();
    db.store.ingest(&inputs).await.unwrap();
    let records: Vec<ScanRecord> = SEED.iter().map(|s| record(signals(s), score(s))).collect();
    db.store.save_scans(&records).await.unwrap();
    // Partner Center sync writes these; it has no store API yet.
    db.exec(
        "UPDATE lead_scores SET referral_type = 'co-sell' WHERE domain = $1",
        "google-b.com",
    )
    .await;
    db.exec(
        "UPDATE lead_scores SET referral_type = 'marketplace' WHERE domain = $1",
        "local-e.com.tr",
    )
    .await;
}

fn query(
    filter: LeadFilter,
    sort: Option<(LeadSort, SortOrder)>,
    page: u32,
    size: u32,
) -> LeadQuery {
    LeadQuery {
        filter,
        sort,
        page,
        page_size: size,
    }
}

async fn domains(store: &Store, q: LeadQuery) -> (Vec<String>, u64) {
    let page = store.leads(&q).await.unwrap();
    (
        page.leads.into_iter().map(|l| l.domain).collect(),
        page.total,
    )
}

/// Every lead, walked page by page.
async fn walk(store: &Store, sort: Option<(LeadSort, SortOrder)>, size: u32) -> Vec<Lead> {
    let mut all = Vec::new();
    for page in 1.. {
        let got = store
            .leads(&query(LeadFilter::default(), sort, page, size))
            .await
            .unwrap();
        if got.leads.is_empty() {
            break;
        }
        assert!(got.leads.len() <= size as usize);
        all.extend(got.leads);
    }
    all
}

// ---------------------------------------------------------------------------------------------
// The order the database must produce, computed independently

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Int(i64),
    Text(String),
}

/// A lead's value for a sort column, as stored.
fn key(lead: &Lead, sort: LeadSort) -> Option<Key> {
    let text = |s: &str| Some(Key::Text(s.to_owned()));
    let opt = |s: &Option<String>| s.as_deref().and_then(text);
    match sort {
        LeadSort::Domain => text(&lead.domain),
        LeadSort::CompanyName => opt(&lead.company_name),
        LeadSort::Provider => text(lead.provider.as_str()),
        LeadSort::Gateway => opt(&lead.gateway),
        LeadSort::LocalProvider => opt(&lead.local_provider),
        LeadSort::TenantSize => lead.tenant_size.and_then(|t| text(t.as_str())),
        LeadSort::MxRoot => opt(&lead.mx_root),
        LeadSort::Spf => lead.spf.map(|b| Key::Int(b.into())),
        LeadSort::Dkim => lead.dkim.map(|b| Key::Int(b.into())),
        LeadSort::DmarcPolicy => lead.dmarc_policy.and_then(|p| text(p.as_str())),
        LeadSort::DmarcCoverage => lead.dmarc_coverage.map(|c| Key::Int(c.into())),
        LeadSort::ReadinessScore => Some(Key::Int(lead.readiness_score.into())),
        LeadSort::Segment => text(lead.segment.as_str()),
        LeadSort::TechnicalHeat => text(lead.technical_heat.as_str()),
        LeadSort::CommercialSegment => text(lead.commercial_segment.as_str()),
        LeadSort::CommercialHeat => text(lead.commercial_heat.as_str()),
        LeadSort::PriorityCategory => text(lead.priority_category.as_str()),
        LeadSort::PriorityLabel => text(&lead.priority_label),
        LeadSort::ReferralType => opt(&lead.referral_type),
        LeadSort::AzureTenantId => opt(&lead.azure_tenant_id),
        LeadSort::ScanStatus => text(lead.scan_status.as_str()),
        LeadSort::ScannedAt => opt(&lead.scanned_at),
    }
}

fn default_order(a: &Lead, b: &Lead) -> Ordering {
    a.priority_category
        .as_str()
        .cmp(b.priority_category.as_str())
        .then(b.readiness_score.cmp(&a.readiness_score))
        .then(a.domain.cmp(&b.domain))
}

/// The column (nulls last in both directions), then the default order.
fn expected_order(leads: &[Lead], sort: LeadSort, order: SortOrder) -> Vec<String> {
    let mut sorted: Vec<&Lead> = leads.iter().collect();
    sorted.sort_by(|a, b| {
        let by_column = match (key(a, sort), key(b, sort)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) if order == SortOrder::Desc => y.cmp(&x),
            (Some(x), Some(y)) => x.cmp(&y),
        };
        by_column.then_with(|| default_order(a, b))
    });
    sorted.into_iter().map(|l| l.domain.clone()).collect()
}

/// The whole export, capped: a cursor that stops advancing would repeat leads forever, and
/// then fails the comparison instead of hanging the test.
async fn export(
    store: &Store,
    filter: LeadFilter,
    sort: Option<(LeadSort, SortOrder)>,
) -> Vec<Lead> {
    store
        .export_leads(filter, sort)
        .take(10_000)
        .try_collect()
        .await
        .unwrap()
}

fn counts(m: &BTreeMap<String, u64>) -> Vec<(&str, u64)> {
    m.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

fn names(leads: &[Lead]) -> Vec<String> {
    leads.iter().map(|l| l.domain.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn default_order_is_p1_first_then_best_score_then_domain() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed(&db).await;
        let (got, total) = domains(&db.store, query(LeadFilter::default(), None, 1, 50)).await;
        assert_eq!(total, SEED.len() as u64);
        assert_eq!(
            got,
            [
                // P1: 60 (three tied, by domain), then 50 (two tied).
                "aaa-tie.com",
                "hosting-c.com",
                "hosting-c2.com",
                "local-d.com.tr",
                "local-d2.com.tr",
                "google-b.com",
                "m365-a.com",
                "m365-h.com",
                "google-f.com",
                "unknown-g.net",
                "local-e.com.tr",
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn every_filter_works_alone_and_they_combine_with_and() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed(&db).await;
        let cases: Vec<(LeadFilter, Vec<&str>)> = vec![
            (
                LeadFilter {
                    segment: Some(Existing),
                    ..Default::default()
                },
                vec!["m365-a.com", "m365-h.com"],
            ),
            (
                LeadFilter {
                    provider: Some(Local),
                    ..Default::default()
                },
                vec!["local-d.com.tr", "local-d2.com.tr", "local-e.com.tr"],
            ),
            (
                LeadFilter {
                    priority_category: Some(P6),
                    ..Default::default()
                },
                vec!["google-f.com", "unknown-g.net", "local-e.com.tr"],
            ),
            (
                LeadFilter {
                    referral_type: Some("co-sell".into()),
                    ..Default::default()
                },
                vec!["google-b.com"],
            ),
            (
                LeadFilter {
                    referral_type: Some("solution-provider".into()),
                    ..Default::default()
                },
                vec![],
            ),
            (
                LeadFilter {
                    min_score: Some(75),
                    ..Default::default()
                },
                vec!["google-b.com", "m365-a.com", "m365-h.com"],
            ),
            (
                LeadFilter {
                    min_score: Some(0),
                    ..Default::default()
                },
                SEED_DEFAULT_ORDER.to_vec(),
            ),
            (
                LeadFilter {
                    referral_type: Some("none".into()),
                    min_score: Some(60),
                    ..Default::default()
                },
                vec![
                    "aaa-tie.com",
                    "hosting-c.com",
                    "hosting-c2.com",
                    "m365-a.com",
                    "m365-h.com",
                ],
            ),
            (
                LeadFilter {
                    segment: Some(Migration),
                    provider: Some(Hosting),
                    priority_category: Some(P1),
                    min_score: Some(60),
                    referral_type: Some("none".into()),
                    search: Some("gamma".into()),
                },
                vec!["hosting-c.com", "hosting-c2.com"],
            ),
            (
                LeadFilter {
                    segment: Some(Cold),
                    provider: Some(M365),
                    ..Default::default()
                },
                vec![],
            ),
        ];
        for (filter, want) in cases {
            let (got, total) = domains(&db.store, query(filter.clone(), None, 1, 50)).await;
            assert_eq!(got, want, "{filter:?}");
            assert_eq!(total, want.len() as u64, "{filter:?}");
        }
    })
    .await;
}

/// SEED in the default order.
const SEED_DEFAULT_ORDER: [&str; 11] = [
    "aaa-tie.com",
    "hosting-c.com",
    "hosting-c2.com",
    "local-d.com.tr",
    "local-d2.com.tr",
    "google-b.com",
    "m365-a.com",
    "m365-h.com",
    "google-f.com",
    "unknown-g.net",
    "local-e.com.tr",
];

#[tokio::test]
async fn search_is_a_case_insensitive_substring_with_literal_wildcards() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed(&db).await;
        let cases: &[(&str, &[&str])] = &[
            // Company name, any case on either side.
            ("ALPHA", &["m365-a.com"]),
            ("acme", &["aaa-tie.com"]),
            (
                "Eta",
                &[
                    "google-b.com",
                    "google-f.com",
                    "unknown-g.net",
                    "m365-h.com",
                ],
            ),
            // Domain.
            (
                "COM.TR",
                &["local-d.com.tr", "local-d2.com.tr", "local-e.com.tr"],
            ),
            // Provider: aaa-tie.com is a Hosting lead without "hosting" in its domain or name.
            (
                "HOSTING",
                &["hosting-c.com", "hosting-c2.com", "aaa-tie.com"],
            ),
            ("m365", &["m365-a.com", "m365-h.com"]),
            // `%` and `_` are literal: "100%" is not "100<anything>", "a_t" is not "a<any>t".
            ("100%", &["hosting-c.com"]),
            ("a_t", &["local-d.com.tr"]),
            ("%", &["hosting-c.com"]),
            ("_", &["local-d.com.tr"]),
            ("\\", &[]),
            ("  gamma  ", &["hosting-c.com", "hosting-c2.com"]),
            ("no such lead", &[]),
        ];
        for (search, want) in cases {
            let filter = LeadFilter {
                search: Some((*search).into()),
                ..Default::default()
            };
            let (mut got, total) = domains(&db.store, query(filter, None, 1, 50)).await;
            got.sort();
            let mut want: Vec<&str> = want.to_vec();
            want.sort();
            assert_eq!(got, want, "search {search:?}");
            assert_eq!(total, want.len() as u64, "search {search:?}");
        }
        let blank = LeadFilter {
            search: Some("   ".into()),
            ..Default::default()
        };
        let (_, total) = domains(&db.store, query(blank, None, 1, 50)).await;
        assert_eq!(total, SEED.len() as u64, "a blank search filters nothing");
    })
    .await;
}

/// Turkish company names (`team.md` §7), written as people type them: mixed case, all capitals,
/// circumflexes, and one decomposed (NFD, as some exports write it).
#[rustfmt::skip]
const TURKISH: &[(&str, &str)] = &[
    ("istanbul-danismanlik.com.tr", "İstanbul Danışmanlık Ltd. Şti."),
    ("ozturk-celik.com.tr", "Öztürk Çelik Sanayi A.Ş."),
    ("dogu-gida.com.tr", "DOĞU GIDA TİCARET"),
    ("kucuk-usta.com", "küçük usta"),
    ("asik-imar.com", "Âşık Îmar Ûmran"),
    ("nfd-izmir.com", "I\u{307}zmir S\u{327}ube"),
];

async fn seed_turkish(db: &Db) {
    let inputs: Vec<NewInput> = TURKISH
        .iter()
        .map(|(domain, name)| input(domain, Some(name)))
        .collect();
    db.store.ingest(&inputs).await.unwrap();
    let records: Vec<ScanRecord> = TURKISH
        .iter()
        .map(|(domain, _)| {
            let s = spec(domain, "", Local, None, None, None, 50, P1, Cold);
            record(signals(&s), score(&s))
        })
        .collect();
    db.store.save_scans(&records).await.unwrap();
}

async fn search_domains(store: &Store, text: &str) -> Vec<String> {
    let filter = LeadFilter {
        search: Some(text.into()),
        ..Default::default()
    };
    let (mut got, total) = domains(store, query(filter, None, 1, 50)).await;
    assert_eq!(total, got.len() as u64, "search {text:?}");
    got.sort();
    got
}

#[tokio::test]
async fn search_folds_case_and_turkish_letters_on_both_sides() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed_turkish(&db).await;
        let istanbul = "istanbul-danismanlik.com.tr";
        let ozturk = "ozturk-celik.com.tr";
        let dogu = "dogu-gida.com.tr";
        let kucuk = "kucuk-usta.com";
        let asik = "asik-imar.com";
        let izmir = "nfd-izmir.com";
        let cases: &[(&str, &[&str])] = &[
            // The spec's example.
            ("istanbul", &[istanbul]),
            ("İSTANBUL", &[istanbul]),
            ("ISTANBUL", &[istanbul]),
            ("danismanlik", &[istanbul]),
            // Each letter pair, typed either way or as plain ASCII.
            ("ıstanbul", &[istanbul]),
            ("DANIŞMANLIK", &[istanbul]),
            ("ŞTİ", &[istanbul]),
            ("doğu", &[dogu]),
            ("DOGU", &[dogu]),
            ("gıda", &[dogu]),
            ("ticaret", &[dogu]),
            ("ÇELİK", &[ozturk]),
            ("celik", &[ozturk]),
            ("öztürk", &[ozturk]),
            ("OZTURK", &[ozturk]),
            ("KÜÇÜK", &[kucuk]),
            ("kucuk", &[kucuk]),
            ("asik", &[asik]),
            ("âşık", &[asik]),
            ("ÎMAR", &[asik]),
            ("umran", &[asik]),
            ("ÛMRAN", &[asik]),
            ("İZMİR", &[izmir]),
            ("şube", &[izmir]),
            // Domains are matched as typed.
            ("istanbul-danismanlik.com.tr", &[istanbul]),
            ("OZTURK-CELIK.COM", &[ozturk]),
            ("kucuk-usta.com", &[kucuk]),
            // Terms under three characters scan instead of using the index, and fold too.
            ("Ğu", &[dogu]),
            ("ÇÜ", &[kucuk]),
            ("Iz", &[izmir]),
            ("İz", &[izmir]),
        ];
        for (search, want) in cases {
            assert_eq!(
                search_domains(&db.store, search).await,
                *want,
                "search {search:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_index_text_is_the_rust_fold_of_every_letter() {
    on_each_backend(Schema::Migrated, |db| async move {
        let letters: String = hunter_core::search::LETTER_FOLDS
            .iter()
            .map(|(from, _)| *from)
            .chain(['I', 'i', 'A', 'z', 'É', 'ß'])
            .collect();
        let marks: String = hunter_core::search::MARK_FOLDS
            .iter()
            .map(|mark| format!("a{mark}"))
            .collect();
        let name = format!("{letters} {marks} 100%_Ltd.");
        let domain = "letters.com.tr";
        db.store
            .ingest(&[input(domain, Some(&name))])
            .await
            .unwrap();
        let s = spec(domain, "", Local, None, None, None, 50, P1, Cold);
        db.store
            .save_scans(&[record(signals(&s), score(&s))])
            .await
            .unwrap();
        let sql = match db.store.backend() {
            Backend::Sqlite => "SELECT text FROM lead_search WHERE domain = $1",
            Backend::Postgres => "SELECT search_text FROM lead_scores WHERE domain = $1",
        };
        let stored = || async {
            sqlx::query_scalar::<_, String>(sql)
                .bind(domain)
                .fetch_one(&db.raw)
                .await
                .unwrap()
        };
        let want = hunter_core::search::fold(&format!("{domain}\n{name}\nLocal"));
        assert_eq!(stored().await, want);
        assert!(
            want.contains("iissggccoouuaaiiuuiiazÉß aaaaa 100%_ltd."),
            "{want}"
        );
        // Rolled back to 0005, the index holds 0004's unfolded text; migrated again, the folded
        // text.
        let from_0006 = db
            .store
            .migration_status()
            .await
            .unwrap()
            .iter()
            .filter(|m| m.version >= 6)
            .count();
        db.store
            .migrate_down(DownSteps::Count(from_0006))
            .await
            .unwrap();
        assert!(stored().await.contains('ı'), "{}", stored().await);
        db.store.migrate_up().await.unwrap();
        assert_eq!(stored().await, want);
    })
    .await;
}

#[tokio::test]
async fn search_follows_renamed_companies_and_changed_providers() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed(&db).await;
        let search = |text: &'static str| {
            let store = db.store.clone();
            async move {
                let filter = LeadFilter {
                    search: Some(text.into()),
                    ..Default::default()
                };
                let (mut got, _) = domains(&store, query(filter, None, 1, 50)).await;
                got.sort();
                got
            }
        };
        // A new name from an import replaces the old one in search, for long and short terms.
        db.store
            .ingest(&[input("m365-h.com", Some("Omega Partners"))])
            .await
            .unwrap();
        assert_eq!(search("omega").await, ["m365-h.com"]);
        assert_eq!(search("Theta").await, Vec::<String>::new());
        // A rescan that changes the provider: aaa-tie.com is no longer found as a Hosting lead.
        let mut moved = SEED
            .iter()
            .find(|s| s.domain == "aaa-tie.com")
            .copied()
            .unwrap();
        moved.provider = Google;
        db.store
            .save_scans(&[record(signals(&moved), score(&moved))])
            .await
            .unwrap();
        assert_eq!(search("hosting").await, ["hosting-c.com", "hosting-c2.com"]);
        assert!(search("google").await.contains(&"aaa-tie.com".to_owned()));
        // Quotes and FTS syntax are text, not query language.
        assert_eq!(search("a\"b OR c").await, Vec::<String>::new());
        assert_eq!(search("ACME Tie").await, ["aaa-tie.com"]);
    })
    .await;
}

#[tokio::test]
async fn every_sort_walks_all_pages_in_order_with_each_lead_exactly_once() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed(&db).await;
        let all = walk(&db.store, None, 50).await;
        assert_eq!(names(&all), SEED_DEFAULT_ORDER);
        for &sort in SORTABLE {
            for order in [SortOrder::Asc, SortOrder::Desc] {
                let want = expected_order(&all, sort, order);
                // Page sizes that split tie groups and null groups across pages.
                for size in [1, 3, 4] {
                    let got = walk(&db.store, Some((sort, order)), size).await;
                    assert_eq!(names(&got), want, "{sort} {order:?} by {size}");
                }
            }
        }
        // Spot checks of the independent expectation itself.
        let by = |sort, order| expected_order(&all, sort, order);
        assert_eq!(
            by(LeadSort::ReadinessScore, SortOrder::Asc)[0],
            "local-e.com.tr"
        );
        let gateway_desc = by(LeadSort::Gateway, SortOrder::Desc);
        assert_eq!(gateway_desc[..2], ["hosting-c.com", "google-f.com"]);
        assert_eq!(
            gateway_desc[4], "aaa-tie.com",
            "nulls last, then the default order"
        );
        let gateway_asc = by(LeadSort::Gateway, SortOrder::Asc);
        assert_eq!(gateway_asc[0], "local-d2.com.tr");
        assert_eq!(gateway_asc[4], "aaa-tie.com", "nulls last ascending too");
    })
    .await;
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_and_keeps_the_total() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed(&db).await;
        let (page, total) = domains(&db.store, query(LeadFilter::default(), None, 3, 5)).await;
        assert_eq!(page, ["local-e.com.tr"]);
        assert_eq!(total, 11);
        for (page, size) in [(4, 5), (2, 50), (u32::MAX, 200)] {
            let (got, total) =
                domains(&db.store, query(LeadFilter::default(), None, page, size)).await;
            assert!(got.is_empty(), "page {page} of {size}");
            assert_eq!(total, 11);
        }
        let filter = LeadFilter {
            provider: Some(Google),
            ..Default::default()
        };
        let (got, total) = domains(&db.store, query(filter, None, 2, 2)).await;
        assert!(got.is_empty());
        assert_eq!(total, 2);
    })
    .await;
}

#[tokio::test]
async fn kpis_count_every_segment_priority_and_referral_type_with_zeros() {
    on_each_backend(Schema::Migrated, |db| async move {
        let empty = db.store.kpis().await.unwrap();
        assert_eq!(empty.total_leads, 0);
        assert_eq!(
            empty.by_segment.keys().collect::<Vec<_>>(),
            ["Cold", "Existing", "Migration", "Skip"]
        );
        assert_eq!(
            empty.by_priority.keys().collect::<Vec<_>>(),
            ["P1", "P2", "P3", "P4", "P5", "P6"]
        );
        assert_eq!(
            empty.by_referral_type.keys().collect::<Vec<_>>(),
            ["co-sell", "marketplace", "none", "solution-provider"]
        );
        assert!(empty.by_segment.values().all(|n| *n == 0));
        assert!(empty.by_priority.values().all(|n| *n == 0));
        assert!(empty.by_referral_type.values().all(|n| *n == 0));

        // A company that was never scanned is not a lead.
        db.store
            .ingest(&[input("unscanned.com", None)])
            .await
            .unwrap();
        seed(&db).await;
        let k = db.store.kpis().await.unwrap();
        assert_eq!(k.total_leads, 11);
        assert_eq!(
            counts(&k.by_segment),
            [("Cold", 2), ("Existing", 2), ("Migration", 6), ("Skip", 1)]
        );
        assert_eq!(
            counts(&k.by_priority),
            [
                ("P1", 5),
                ("P2", 1),
                ("P3", 0),
                ("P4", 2),
                ("P5", 0),
                ("P6", 3)
            ]
        );
        assert_eq!(
            counts(&k.by_referral_type),
            [
                ("co-sell", 1),
                ("marketplace", 1),
                ("none", 9),
                ("solution-provider", 0)
            ]
        );
        assert_eq!(
            serde_json::to_value(&k).unwrap()["by_priority"]["P3"],
            serde_json::json!(0)
        );
    })
    .await;
}

/// `n` leads `d0000.com`…, with scores, priorities and gateways (some null) spread so that
/// every order has long tie runs across chunk boundaries.
async fn seed_many(db: &Db, n: usize) -> Vec<String> {
    let domains: Vec<String> = (0..n).map(|i| format!("d{i:04}.com")).collect();
    let inputs: Vec<NewInput> = domains.iter().map(|d| input(d, None)).collect();
    db.store.ingest(&inputs).await.unwrap();
    let priorities = PriorityCategory::ALL;
    let records: Vec<ScanRecord> = domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let s = Spec {
                domain: "",
                name: "",
                provider: Hosting,
                gateway: [None, Some("mimecast"), Some("proofpoint")][i % 3],
                spf: Some(true),
                dmarc: None,
                score: (i % 7 * 10) as i32,
                priority: priorities[i % priorities.len()],
                segment: Migration,
            };
            let mut signals = signals(&s);
            signals.domain = d.clone();
            signals.mx_records[0].host = format!("mx.{d}");
            record(signals, score(&s))
        })
        .collect();
    for chunk in records.chunks(500) {
        db.store.save_scans(chunk).await.unwrap();
    }
    domains
}

#[tokio::test]
async fn export_streams_every_lead_once_in_list_order_across_chunks() {
    on_each_backend(Schema::Migrated, |db| async move {
        // Two full chunks of 1,000 and a partial one.
        let n = 2345;
        seed_many(&db, n).await;
        let listed = walk(&db.store, None, 200).await;
        assert_eq!(listed.len(), n);
        let exported = export(&db.store, LeadFilter::default(), None).await;
        assert_eq!(exported, listed, "same leads, same order as the list");

        for sort in [
            (LeadSort::Gateway, SortOrder::Desc),
            (LeadSort::ReadinessScore, SortOrder::Asc),
            (LeadSort::Domain, SortOrder::Desc),
        ] {
            let exported = names(&export(&db.store, LeadFilter::default(), Some(sort)).await);
            assert_eq!(
                exported,
                expected_order(&listed, sort.0, sort.1),
                "{sort:?}"
            );
        }

        // Filtered: the export matches the list's total.
        let filter = LeadFilter {
            min_score: Some(10),
            ..Default::default()
        };
        let total = db
            .store
            .leads(&query(filter.clone(), None, 1, 1))
            .await
            .unwrap()
            .total;
        let exported = export(&db.store, filter.clone(), None).await;
        assert_eq!(exported.len() as u64, total);
        assert!(exported.iter().all(|l| l.readiness_score >= 10));
        let nothing = LeadFilter {
            search: Some("no such lead".into()),
            ..Default::default()
        };
        let exported = export(&db.store, nothing, None).await;
        assert!(exported.is_empty());
    })
    .await;
}

#[tokio::test]
async fn export_of_exactly_full_chunks_ends_cleanly() {
    on_each_backend(Schema::Migrated, |db| async move {
        let domains = seed_many(&db, 2000).await;
        let mut exported = names(
            &export(
                &db.store,
                LeadFilter::default(),
                Some((LeadSort::Domain, SortOrder::Asc)),
            )
            .await,
        );
        assert_eq!(exported, domains);
        exported.dedup();
        assert_eq!(exported.len(), 2000);
    })
    .await;
}

#[tokio::test]
async fn leads_carry_the_whois_facts_for_the_export() {
    on_each_backend(Schema::Migrated, |db| async move {
        seed(&db).await;
        let lead = db.store.lead("m365-a.com").await.unwrap().unwrap();
        assert_eq!(lead.registrar, None);
        assert_eq!(lead.expires_at, None);
        assert!(lead.nameservers.is_empty());

        // WHOIS enrichment writes these; it has no store API yet.
        db.exec(
            "UPDATE domain_signals SET registrar = 'Example Registrar', expires_at = '2027-01-31',
                    nameservers = '[\"ns1.example.net\",\"ns2.example.net\"]'
             WHERE domain = $1",
            "m365-a.com",
        )
        .await;
        let filter = LeadFilter {
            search: Some("alpha".into()),
            ..Default::default()
        };
        let exported = export(&db.store, filter.clone(), None).await;
        let listed = db.store.leads(&query(filter, None, 1, 50)).await.unwrap();
        assert_eq!(exported, listed.leads);
        assert_eq!(exported.len(), 1);
        assert_eq!(exported[0].registrar.as_deref(), Some("Example Registrar"));
        assert_eq!(exported[0].expires_at.as_deref(), Some("2027-01-31"));
        assert_eq!(
            exported[0].nameservers,
            ["ns1.example.net", "ns2.example.net"]
        );
        assert_eq!(
            db.store.lead("m365-a.com").await.unwrap().as_ref(),
            exported.first()
        );
    })
    .await;
}

#[test]
fn a_lead_from_a_scan_has_no_whois_facts() {
    let s = SEED[0];
    let lead = Lead::from_scan(None, &signals(&s), &score(&s), None);
    assert_eq!((lead.registrar, lead.expires_at), (None, None));
    assert!(lead.nameservers.is_empty());
}
