//! The probe against the in-process fixture DNS server and fake tenant endpoint.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use futures::future::join_all;
use hunter_core::Domain;
use hunter_core::dns::{Lookup, MxRecord, RawDns};
use hunter_fixtures::{
    DnsServer, Faults, Fixture, TenantServer, Zone, catalogue, dead_dns_addr, synthetic, tenants,
    zones,
};
use hunter_probe::{
    DnsLookup, HttpTenantDiscovery, ProbeConfig, ProbeError, Prober, StubResolver, TenantLookup,
    probe,
};
use tokio::time::Instant;

fn domain(name: &str) -> Domain {
    Domain::parse(name).unwrap_or_else(|e| panic!("{name} is a valid domain: {e}"))
}

fn config(server: SocketAddr) -> ProbeConfig {
    ProbeConfig {
        servers: Some(vec![server]),
        // The contract's defaults: a debug-build server on two busy cores can take a second
        // to work through a burst of a thousand queries.
        query_timeout: Duration::from_secs(3),
        deadline: Duration::from_secs(10),
        max_in_flight: 1024,
        tenant_discovery: None,
    }
}

async fn probe_all(prober: &Prober, fixtures: &[Fixture]) -> HashMap<String, RawDns> {
    let domains: Vec<Domain> = fixtures.iter().map(|f| domain(&f.domain)).collect();
    let raws = join_all(domains.iter().map(|d| prober.probe(d))).await;
    fixtures
        .iter()
        .map(|f| f.domain.clone())
        .zip(raws)
        .collect()
}

const DKIM_KEY_START: &str = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_lookups_match_the_zones() {
    let fixtures = catalogue();
    let server = DnsServer::start(&zones(&fixtures)).await;
    let prober = Prober::new(&config(server.addr())).expect("prober");
    let raw = probe_all(&prober, &fixtures).await;

    // MX hosts as served (trailing dot), every record.
    let mut mimecast = raw["woodgrove-mimecast.com"].mx.records().to_vec();
    mimecast.sort_by(|a, b| (a.preference, &a.host).cmp(&(b.preference, &b.host)));
    let mx = |preference, host: &str| MxRecord {
        preference,
        host: host.to_owned(),
    };
    assert_eq!(
        mimecast,
        [
            mx(10, "eu-smtp-inbound-1.mimecast.com."),
            mx(10, "eu-smtp-inbound-2.mimecast.com."),
            mx(20, "woodgrove-mimecast-com.mail.protection.outlook.com."),
        ]
    );

    // TXT character-strings joined without separators.
    assert!(
        raw["humongous-spf5.com"].apex_txt.records().contains(
            &"v=spf1 include:spf.protection.outlook.com include:_spf.google.com \
              include:sendgrid.net include:mailgun.org include:servers.mcsv.net ~all"
                .to_owned()
        ),
        "{:?}",
        raw["humongous-spf5.com"].apex_txt
    );

    // An answer too big for UDP arrives whole over TCP.
    assert_eq!(raw["contoso-manytxt.com"].apex_txt.records().len(), 31);

    // DKIM through a CNAME into another zone: the CNAME target and the key behind it.
    let dkim = &raw["nod-dkimcname.com"].dkim;
    let selector = |name: &str| {
        dkim.iter()
            .find(|p| p.selector == name)
            .expect("selector probed")
    };
    let selector1 = selector("selector1");
    assert_eq!(
        selector1.cname,
        Lookup::Answer(vec![
            "selector1-nod-dkimcname-com._domainkey.noddkimcname.onmicrosoft.com".to_owned()
        ])
    );
    let keys = selector1.txt.records();
    assert_eq!(keys.len(), 1, "{:?}", selector1.txt);
    assert!(
        keys[0].starts_with(DKIM_KEY_START) && keys[0].ends_with("IDAQAB"),
        "{keys:?}"
    );
    assert_eq!(selector("selector2").txt, Lookup::NxDomain);
    assert_eq!(selector("selector2").cname, Lookup::NxDomain);
    assert_eq!(dkim.len(), 9);

    // A key published directly at the selector: the TXT has it, the CNAME lookup is NODATA.
    let google = raw["adatum-google.com"]
        .dkim
        .iter()
        .find(|p| p.selector == "google")
        .expect("google");
    assert!(google.txt.records()[0].starts_with(DKIM_KEY_START));
    assert_eq!(google.cname, Lookup::Answer(vec![]));

    assert_eq!(
        raw["contoso-m365.com"].autodiscover_cname,
        Lookup::Answer(vec!["autodiscover.outlook.com".to_owned()])
    );

    // NXDOMAIN from the suffix zone, for every lookup.
    let ghost = &raw["ghost-nxdomain.com"];
    assert_eq!(ghost.mx, Lookup::NxDomain);
    assert_eq!(ghost.apex_txt, Lookup::NxDomain);
    assert_eq!(ghost.dmarc_txt, Lookup::NxDomain);
    assert_eq!(ghost.autodiscover_cname, Lookup::NxDomain);

    // Null MX and NODATA.
    assert_eq!(
        raw["contoso-nullmx.com"].mx,
        Lookup::Answer(vec![mx(0, ".")])
    );
    assert_eq!(raw["contoso-nomx.com"].mx, Lookup::Answer(vec![]));
    assert_eq!(raw["contoso-nomx.com"].apex_txt, Lookup::Answer(vec![]));

    // REFUSED is a failure; a CNAME into a refused zone fails only that lookup.
    assert_eq!(raw["orphan-refused.org"].mx, Lookup::Failed);
    let partial = &raw["fabrikam-partial.com"];
    assert_eq!(partial.dmarc_txt, Lookup::Failed);
    assert_eq!(partial.mx.records().len(), 1);

    // Discovery switched off.
    assert!(raw.values().all(|r| r.entra_tenant_id.is_none()));
}

/// Every fixture's raw answers agree with its expectations, checked with the plain rules of
/// `hunter.md` §3 (the analysis proper lives in hunter-core).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_probes_consistently_with_its_expectations() {
    let fixtures = catalogue();
    let server = DnsServer::start(&zones(&fixtures)).await;
    let tenant_server = TenantServer::start(tenants(&fixtures)).await;
    let prober = Prober::new(&ProbeConfig {
        tenant_discovery: Some(tenant_server.base_url()),
        ..config(server.addr())
    })
    .expect("prober");
    let raw = probe_all(&prober, &fixtures).await;
    for f in &fixtures {
        check(f, &raw[&f.domain]);
    }
}

fn check(f: &Fixture, raw: &RawDns) {
    let (name, e) = (&f.domain, &f.expect);
    let usable: Vec<&MxRecord> = raw.mx.records().iter().filter(|m| m.host != ".").collect();
    match e.scan_status {
        "nxdomain" => assert_eq!(raw.mx, Lookup::NxDomain, "{name}"),
        "servfail" => assert_eq!(raw.mx, Lookup::Failed, "{name}"),
        "timeout" => assert_eq!(raw.mx, Lookup::Timeout, "{name}"),
        "no_mx" => assert!(
            raw.mx.answered() && usable.is_empty(),
            "{name}: {:?}",
            raw.mx
        ),
        status => {
            assert!(!usable.is_empty(), "{name}: {:?}", raw.mx);
            let others = [&raw.apex_txt, &raw.dmarc_txt, &raw.autodiscover_cname]
                .into_iter()
                .chain(raw.dkim.iter().flat_map(|p| [&p.txt, &p.cname]));
            let all_answered = others.into_iter().all(Lookup::answered);
            assert_eq!(status == "ok", all_answered, "{name}: {raw:?}");
            let first = usable
                .iter()
                .map(|m| {
                    (
                        m.preference,
                        m.host.trim_end_matches('.').to_ascii_lowercase(),
                    )
                })
                .min()
                .map(|(_, host)| host)
                .unwrap_or_default();
            let root = e.mx_root.as_deref().unwrap_or_default();
            assert!(
                first == root || first.ends_with(&format!(".{root}")),
                "{name}: {first} / {root}"
            );
        }
    }

    let spf: Vec<&String> = raw
        .apex_txt
        .records()
        .iter()
        .filter(|t| is_spf(t))
        .collect();
    match e.spf {
        Some(true) => assert_eq!(spf.len(), 1, "{name}: {:?}", raw.apex_txt),
        Some(false) => assert!(raw.apex_txt.answered() && spf.len() != 1, "{name}"),
        None => assert!(!raw.apex_txt.answered(), "{name}"),
    }
    let includes = match spf.as_slice() {
        [one] => one
            .split_whitespace()
            .filter(|t| {
                t.trim_start_matches(['+', '-', '~', '?'])
                    .to_ascii_lowercase()
                    .starts_with("include:")
            })
            .count(),
        _ => 0,
    };
    assert_eq!(includes, e.spf_include_count as usize, "{name}");

    let keys = raw
        .dkim
        .iter()
        .filter(|p| p.txt.records().iter().any(|t| t.contains("p=M")))
        .count();
    let dkim_answered = raw.dkim.iter().all(|p| p.txt.answered());
    match e.dkim {
        Some(true) => assert!(keys > 0, "{name}"),
        Some(false) => assert!(keys == 0 && dkim_answered, "{name}"),
        None => assert!(keys == 0 && !dkim_answered, "{name}"),
    }

    let dmarc: Vec<String> = raw
        .dmarc_txt
        .records()
        .iter()
        .map(|t| t.to_ascii_lowercase().replace(' ', ""))
        .filter(|t| t.starts_with("v=dmarc1"))
        .collect();
    match (e.dmarc_policy, dmarc.as_slice()) {
        (Some(policy), [one]) => {
            assert!(one.contains(&format!(";p={policy}")), "{name}: {one}");
            let coverage = tag(one, "pct")
                .and_then(|p| p.parse::<u32>().ok())
                .map_or(100, |p| p.min(100));
            assert_eq!(Some(coverage as u8), e.dmarc_coverage, "{name}");
        }
        (None, records) => {
            assert!(records.len() != 1, "{name}: {records:?}");
            assert_eq!(e.dmarc_coverage, None, "{name}");
        }
        (Some(_), records) => panic!("{name}: one DMARC record expected, got {records:?}"),
    }

    assert_eq!(raw.entra_tenant_id, f.tenant_id, "{name}");
}

fn is_spf(text: &str) -> bool {
    let text = text.trim_start().to_ascii_lowercase();
    text == "v=spf1" || text.starts_with("v=spf1 ")
}

fn tag<'a>(record: &'a str, name: &str) -> Option<&'a str> {
    record
        .split(';')
        .find_map(|t| t.strip_prefix(name)?.strip_prefix('='))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_by_the_deadline() {
    let dead = dead_dns_addr();
    let deadline = Duration::from_millis(1500);
    let prober = Prober::new(&ProbeConfig {
        query_timeout: Duration::from_millis(400),
        deadline,
        ..config(dead.addr())
    })
    .expect("prober");
    let start = Instant::now();
    let raw = prober.probe(&domain("contoso.com")).await;
    let took = start.elapsed();
    assert_eq!(raw.mx, Lookup::Timeout);
    assert_eq!(raw.apex_txt, Lookup::Timeout);
    assert!(
        raw.dkim
            .iter()
            .all(|p| p.txt == Lookup::Timeout && p.cname == Lookup::Timeout)
    );
    assert!(took < deadline * 3, "took {took:?}");

    // A deadline shorter than the query timeout cuts the queries off.
    let prober = Prober::new(&ProbeConfig {
        query_timeout: Duration::from_secs(3),
        deadline: Duration::from_millis(300),
        ..config(dead.addr())
    })
    .expect("prober");
    let start = Instant::now();
    let raw = prober.probe(&domain("contoso.com")).await;
    assert_eq!(raw.mx, Lookup::Timeout);
    assert!(
        start.elapsed() < Duration::from_millis(900),
        "took {:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_domains_at_once_are_all_answered() {
    let fixtures = synthetic(200);
    let server = DnsServer::start(&zones(&fixtures)).await;
    for max_in_flight in [1024, 16] {
        let prober = Prober::new(&ProbeConfig {
            max_in_flight,
            ..config(server.addr())
        })
        .expect("prober");
        let raw = probe_all(&prober, &fixtures).await;
        assert_all_answered(&fixtures, &raw);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_and_loss_are_absorbed_by_retries() {
    let fixtures = synthetic(200);
    let faults = Faults {
        latency: Duration::from_millis(20),
        loss: 0.01,
        seed: 7,
    };
    let server = DnsServer::start_with_faults(&zones(&fixtures), faults).await;
    let prober = Prober::new(&config(server.addr())).expect("prober");
    let start = Instant::now();
    let raw = probe_all(&prober, &fixtures).await;
    assert_all_answered(&fixtures, &raw);
    // Every answer waited for the injected latency.
    assert!(start.elapsed() >= Duration::from_millis(20));
}

fn assert_all_answered(fixtures: &[Fixture], raw: &HashMap<String, RawDns>) {
    for f in fixtures {
        let r = &raw[&f.domain];
        let lookups = [&r.apex_txt, &r.dmarc_txt, &r.autodiscover_cname]
            .into_iter()
            .chain(r.dkim.iter().flat_map(|p| [&p.txt, &p.cname]));
        assert!(r.mx.answered(), "{}: {:?}", f.domain, r.mx);
        for lookup in lookups {
            assert!(lookup.answered(), "{}: {lookup:?}", f.domain);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_discovery_reads_the_issuer() {
    let guid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let server = TenantServer::start([("contoso.com", guid)]).await;
    let discovery =
        HttpTenantDiscovery::new(&server.base_url(), Duration::from_secs(2)).expect("discovery");
    assert_eq!(
        discovery.tenant_id("contoso.com").await.as_deref(),
        Some(guid)
    );
    assert_eq!(discovery.tenant_id("fabrikam.com").await, None);
    assert_eq!(server.requests(), 2);

    // Nothing listening: no tenant, no error.
    let addr = server.addr();
    drop(server);
    let gone = HttpTenantDiscovery::new(&format!("http://{addr}"), Duration::from_secs(1))
        .expect("discovery");
    assert_eq!(gone.tenant_id("contoso.com").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_discovery_is_limited_to_ten_per_second() {
    let server =
        TenantServer::start([("contoso.com", "72f988bf-86f1-41af-91ab-2d7cd011db47")]).await;
    let discovery =
        HttpTenantDiscovery::new(&server.base_url(), Duration::from_secs(2)).expect("discovery");
    let start = Instant::now();
    let found = join_all((0..12).map(|_| discovery.tenant_id("contoso.com"))).await;
    assert!(found.iter().all(Option::is_some));
    // Twelve requests need eleven 100 ms gaps.
    assert!(
        start.elapsed() >= Duration::from_millis(1100),
        "took {:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_tenant_discovery_is_cut_by_the_deadline() {
    let fixtures = catalogue();
    let dns = DnsServer::start(&zones(&fixtures)).await;
    let slow = TenantServer::start_with_delay(tenants(&fixtures), Duration::from_secs(5)).await;
    let deadline = Duration::from_millis(800);
    let prober = Prober::new(&ProbeConfig {
        deadline,
        tenant_discovery: Some(slow.base_url()),
        ..config(dns.addr())
    })
    .expect("prober");
    let start = Instant::now();
    let raw = prober.probe(&domain("contoso-m365.com")).await;
    assert!(start.elapsed() < deadline * 3, "took {:?}", start.elapsed());
    assert_eq!(raw.entra_tenant_id, None);
    assert_eq!(
        raw.mx.records().len(),
        1,
        "DNS still answered: {:?}",
        raw.mx
    );
}

/// A fake whose lookups of one name never finish: only that lookup is marked timed out.
struct Stuck(&'static str);

impl DnsLookup for Stuck {
    async fn mx(&self, name: &str) -> Lookup<MxRecord> {
        self.answer(
            name,
            MxRecord {
                preference: 10,
                host: format!("mail.{name}."),
            },
        )
        .await
    }
    async fn txt(&self, name: &str) -> Lookup<String> {
        self.answer(name, format!("txt at {name}")).await
    }
    async fn cname(&self, name: &str) -> Lookup<String> {
        self.answer(name, format!("target.of.{name}")).await
    }
}

impl Stuck {
    async fn answer<R>(&self, name: &str, record: R) -> Lookup<R> {
        if name == self.0 {
            std::future::pending::<()>().await;
        }
        Lookup::Answer(vec![record])
    }
}

#[tokio::test]
async fn the_deadline_marks_only_open_lookups() {
    let stuck = Stuck("_dmarc.contoso.com");
    let start = Instant::now();
    let raw = probe(
        &stuck,
        &None::<HttpTenantDiscovery>,
        &domain("contoso.com"),
        start + Duration::from_millis(200),
    )
    .await;
    assert_eq!(raw.dmarc_txt, Lookup::Timeout);
    assert_eq!(
        raw.apex_txt,
        Lookup::Answer(vec!["txt at contoso.com".to_owned()])
    );
    assert_eq!(raw.mx.records()[0].host, "mail.contoso.com.");
    let selectors: Vec<&str> = raw.dkim.iter().map(|p| p.selector.as_str()).collect();
    assert_eq!(selectors, hunter_core::tables::DKIM_SELECTORS);
    assert_eq!(
        raw.dkim[2].cname,
        Lookup::Answer(vec![
            "target.of.selector1._domainkey.contoso.com".to_owned()
        ])
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn configuration_errors_say_what_is_wrong() {
    let zero = Prober::new(&ProbeConfig {
        deadline: Duration::ZERO,
        ..ProbeConfig::default()
    })
    .unwrap_err();
    assert!(matches!(zero, ProbeError::Zero(_)), "{zero}");
    let bad_url = Prober::new(&ProbeConfig {
        servers: Some(vec!["127.0.0.1:53".parse().expect("addr")]),
        tenant_discovery: Some("not a url".to_owned()),
        ..ProbeConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(bad_url, ProbeError::AuthorityUrl { .. }),
        "{bad_url}"
    );
}

/// Fixtures → probe → `hunter_core::analysis::analyze` gives exactly what each fixture expects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysis_of_every_fixture_gives_its_expected_signals() {
    let fixtures = catalogue();
    let server = DnsServer::start(&zones(&fixtures)).await;
    let tenant_server = TenantServer::start(tenants(&fixtures)).await;
    let prober = Prober::new(&ProbeConfig {
        tenant_discovery: Some(tenant_server.base_url()),
        ..config(server.addr())
    })
    .expect("prober");
    let raw = probe_all(&prober, &fixtures).await;
    let mut wrong = Vec::new();
    for f in &fixtures {
        let s = hunter_core::analysis::analyze(&domain(&f.domain), &raw[&f.domain]);
        let got = (
            s.scan_status.as_str(),
            s.provider.as_str(),
            s.gateway.as_deref(),
            s.local_provider.as_deref(),
            s.tenant_size.map(|t| t.as_str()),
            s.mx_root.as_deref(),
            s.spf,
            s.dkim,
            s.dmarc_policy.map(|p| p.as_str()),
            s.dmarc_coverage,
            s.spf_include_count,
            s.entra_tenant_id.is_some(),
        );
        let e = &f.expect;
        let expected = (
            e.scan_status,
            e.provider,
            e.gateway,
            e.local_provider,
            e.tenant_size,
            e.mx_root.as_deref(),
            e.spf,
            e.dkim,
            e.dmarc_policy,
            e.dmarc_coverage,
            e.spf_include_count,
            e.entra_tenant,
        );
        if got != expected {
            wrong.push(format!(
                "{}:\n  expected {expected:?}\n  analysed {got:?}",
                f.domain
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn an_answer_too_big_for_udp_is_fetched_over_tcp() {
    // Twenty 200-byte TXT records: about 4 KB, far above the 1,232 bytes advertised by EDNS0.
    let records: String = (0..20)
        .map(|i| format!("@ IN TXT \"record-{i:02}-{}\"\n", "x".repeat(190)))
        .collect();
    let server = DnsServer::start(&[Zone::new("big.test", &records)]).await;
    let dns = StubResolver::new(Some(&[server.addr()]), Duration::from_secs(3), 16).expect("dns");
    let Lookup::Answer(mut texts) = dns.txt("big.test").await else {
        panic!("the big TXT set was not answered");
    };
    texts.sort();
    assert_eq!(texts.len(), 20);
    assert!(texts[19].starts_with("record-19-xxx"), "{}", texts[19]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_lookups_in_flight_are_sent_once_and_never_cached() {
    let faults = Faults {
        latency: Duration::from_millis(200),
        ..Faults::default()
    };
    let zone = Zone::new("once.test", "@ IN TXT \"v=spf1 -all\"");
    let server = DnsServer::start_with_faults(&[zone], faults).await;
    let dns = StubResolver::new(Some(&[server.addr()]), Duration::from_secs(3), 16).expect("dns");
    let answers = join_all((0..50).map(|i| {
        let dns = dns.clone();
        // Any case: DNS names are case-insensitive.
        let name = match i % 2 {
            0 => "once.test",
            _ => "ONCE.test",
        };
        async move { dns.txt(name).await }
    }))
    .await;
    for answer in &answers {
        assert_eq!(answer, &Lookup::Answer(vec!["v=spf1 -all".to_owned()]));
    }
    assert_eq!(server.queries(), 1, "fifty identical lookups at once");
    // Done is forgotten: a rescan asks the server again.
    dns.txt("once.test").await;
    assert_eq!(server.queries(), 2);
}

#[tokio::test]
async fn a_timed_out_query_is_retried_on_the_next_server() {
    let dead = dead_dns_addr();
    let live = DnsServer::start(&[Zone::new("retry.test", "@ IN MX 10 mx.retry.test.")]).await;
    let dns = StubResolver::new(
        Some(&[dead.addr(), live.addr()]),
        Duration::from_millis(300),
        16,
    )
    .expect("dns");
    let start = Instant::now();
    assert_eq!(
        dns.mx("retry.test").await,
        Lookup::Answer(vec![MxRecord {
            preference: 10,
            host: "mx.retry.test.".to_owned()
        }])
    );
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "the first server was asked first"
    );
    // Alone, the dead server gets the query and its one retry, then the lookup times out.
    let dns = StubResolver::new(Some(&[dead.addr()]), Duration::from_millis(300), 16).expect("dns");
    assert_eq!(dns.mx("retry.test").await, Lookup::Timeout);
}
