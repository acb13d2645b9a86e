//! Fixture domains: zones that describe a mail setup, and what `hunter.md` says a scan of them
//! must produce. Values are plain strings so this crate needs no analysis logic.

use std::collections::HashSet;

use crate::dns::Zone;

/// One fixture domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    /// The normalized domain, e.g. `contoso-m365.com`.
    pub domain: String,
    /// The domain's own zone plus any zone its CNAMEs point into (e.g. `<tenant>.onmicrosoft.com`).
    /// Empty for a domain that must not exist.
    pub zones: Vec<Zone>,
    /// The Entra tenant GUID the fake discovery endpoint returns for this domain.
    pub tenant_id: Option<String>,
    pub expect: Expected,
}

/// What a scan of a fixture must produce (`hunter.md` §3–4), in the serialized vocabulary of
/// `contract.md` §4 (`"ok"`, `"M365"`, `"large"`, `"reject"`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub scan_status: &'static str,
    pub provider: &'static str,
    pub gateway: Option<&'static str>,
    pub local_provider: Option<&'static str>,
    pub tenant_size: Option<&'static str>,
    pub mx_root: Option<String>,
    pub spf: Option<bool>,
    pub dkim: Option<bool>,
    pub dmarc_policy: Option<&'static str>,
    pub dmarc_coverage: Option<u8>,
    pub spf_include_count: u32,
    /// Tenant discovery (against [`crate::TenantServer`] fed with [`tenants`]) finds a tenant.
    pub entra_tenant: bool,
}

impl Expected {
    /// A clean `ok` scan: nothing published but the MX.
    fn ok(provider: &'static str, mx_root: &str) -> Expected {
        Expected {
            scan_status: "ok",
            provider,
            gateway: None,
            local_provider: None,
            tenant_size: None,
            mx_root: Some(mx_root.to_owned()),
            spf: Some(false),
            dkim: Some(false),
            dmarc_policy: None,
            dmarc_coverage: None,
            spf_include_count: 0,
            entra_tenant: false,
        }
    }

    /// A hard fail or scan failure: no usable MX, provider Unknown, the other signals as
    /// answered (false/absent) — callers override them for failed lookups.
    fn unusable(scan_status: &'static str) -> Expected {
        Expected {
            scan_status,
            mx_root: None,
            ..Expected::ok("Unknown", "")
        }
    }
}

/// Every zone needed to serve `fixtures`, plus empty zones for the public suffixes they sit
/// under (`com`, `com.tr`), so that a name outside every fixture zone gets an authoritative
/// NXDOMAIN instead of REFUSED. Zones shared by several fixtures are listed once.
///
/// Each fixture keeps its own zone: hickory's in-memory zones answer negative queries in time
/// growing with the zone, so one big zone is several times slower (and a zone costs ~10 KB,
/// about 1.4 GB and 7 s of start-up for 100,000 domains in a release build).
pub fn zones(fixtures: &[Fixture]) -> Vec<Zone> {
    let mut seen = HashSet::new();
    SUFFIX_ZONES
        .iter()
        .map(|origin| Zone::new(origin, ""))
        .chain(fixtures.iter().flat_map(|f| f.zones.iter().cloned()))
        .filter(|zone| seen.insert(zone.origin.clone()))
        .collect()
}

/// Suffixes served as zones. `org` is deliberately absent: names under it get REFUSED.
const SUFFIX_ZONES: [&str; 2] = ["com", "com.tr"];

/// `(domain, tenant GUID)` for every fixture with a tenant, to feed [`crate::TenantServer`].
pub fn tenants(fixtures: &[Fixture]) -> Vec<(String, String)> {
    fixtures
        .iter()
        .filter_map(|f| Some((f.domain.clone(), f.tenant_id.clone()?)))
        .collect()
}

/// The hand-written fixture catalogue: one domain per situation `hunter.md` §3–4 cares about.
pub fn catalogue() -> Vec<Fixture> {
    vec![
        m365_standard("contoso-m365.com"),
        m365_mx_microsoft("fabrikam-mxms.com"),
        m365_small("tailspin-small.com"),
        m365_olc("northwind-olc.com"),
        m365_behind_mimecast("woodgrove-mimecast.com"),
        m365_behind_proofpoint("litware-proofpoint.com"),
        google_aspmx("adatum-google.com"),
        google_smtp("relecloud-google.com"),
        zoho_eu("wingtip-zoho.com"),
        yandex("lamna-yandex.com"),
        amazon_ses("proseware-ses.com"),
        sendgrid("margie-sendgrid.com"),
        mailgun("vanarsdel-mailgun.com"),
        hostinger("fourthcoffee-hosting.com"),
        natro("anadolu-natro.com.tr"),
        turkhost("bosphorus-turkhost.com.tr"),
        vit("ege-vit.com.tr"),
        isimtescil("karadeniz-isimtescil.com.tr"),
        natro_with_m365("marmara-natro365.com.tr"),
        cloudns("trey-cloudns.com"),
        self_hosted("contoso-selfhosted.com"),
        zoho_com_tr("akdeniz-zohotr.com.tr"),
        unknown_gateway("fabrikam-hornet.com"),
        m365_dkim_behind_barracuda("alpine-barracuda.com"),
        m365_autodiscover_behind_cisco("coho-cisco.com"),
        evidence_tie_behind_sophos("datum-sophos.com"),
        verification_only("blueyonder-verify.com"),
        dmarc_mixed_case("graphic-dmarccase.com"),
        spf_five_includes("humongous-spf5.com"),
        many_txt_records("contoso-manytxt.com"),
        spf_two_records("lucerne-spf2.com"),
        dkim_onmicrosoft_only("nod-dkimcname.com"),
        dmarc_two_records("southridge-dmarc2.com"),
        dmarc_pct_out_of_range("wideworld-pct.com"),
        no_mx("contoso-nomx.com"),
        null_mx("contoso-nullmx.com"),
        nxdomain("ghost-nxdomain.com"),
        refused("orphan-refused.org"),
        partial_dmarc("fabrikam-partial.com"),
    ]
}

/// `n` domains with a realistic mix of the catalogue's shapes, named `s000042-<shape>.com`
/// (`.com.tr` for Turkish hosts). Cheap: string formatting only.
pub fn synthetic(n: usize) -> Vec<Fixture> {
    let slots = mix_slots();
    (0..n)
        .map(|i| {
            let (tag, shape) = slots[slot(i, slots.len())];
            shape(&format!("s{i:06}-{tag}"))
        })
        .collect()
}

/// The domains of [`synthetic`]`(n)`, in the same order, without building their zones (a
/// benchmark's client side needs only the names).
pub fn synthetic_domains(n: usize) -> Vec<String> {
    let slots = mix_slots();
    (0..n)
        .map(|i| format!("s{i:06}-{}", slots[slot(i, slots.len())].0))
        .collect()
}

/// The synthetic mix, one entry per slot: a domain tag and its shape.
fn mix_slots() -> Vec<(&'static str, Shape)> {
    // Weights per 100 domains; roughly a Turkish B2B list.
    const MIX: [(u32, &str, Shape); 20] = [
        (24, "m365.com", m365_standard),
        (5, "mxms.com", m365_mx_microsoft),
        (3, "m365small.com", m365_small),
        (4, "mimecast.com", m365_behind_mimecast),
        (2, "proofpoint.com", m365_behind_proofpoint),
        (12, "google.com", google_aspmx),
        (3, "googlesmtp.com", google_smtp),
        (2, "zoho.com", zoho_eu),
        (1, "yandex.com", yandex),
        (1, "ses.com", amazon_ses),
        (5, "hosting.com", hostinger),
        (5, "natro.com.tr", natro),
        (3, "turkhost.com.tr", turkhost),
        (2, "vit.com.tr", vit),
        (2, "isimtescil.com.tr", isimtescil),
        (12, "self.com", self_hosted),
        (2, "hornet.com", unknown_gateway),
        (5, "nomx.com", no_mx),
        (1, "nullmx.com", null_mx),
        (6, "nx.com", nxdomain),
    ];
    MIX.iter()
        .flat_map(|&(weight, tag, shape)| (0..weight).map(move |_| (tag, shape)))
        .collect()
}

/// Which of the mix's slots the `i`th synthetic domain takes. A stride coprime to the slot
/// count spreads the shapes evenly over any prefix.
fn slot(i: usize, slots: usize) -> usize {
    (i * 37) % slots
}

/// Builds a fixture of one shape for the given domain.
type Shape = fn(&str) -> Fixture;

// ---------------------------------------------------------------------------------------------
// Shapes. Each takes the fixture domain and returns its zones and expectations.

/// A realistic DKIM public key (2048-bit RSA, base64).
const DKIM_KEY: &str = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwq0vG0tSnU3nX0lP1t2mN0sPr6fZ6yYq0bS4b8d2h6sQyR1jv9rV5bW3G7m8p4kQ1l9sU2vY0cT8fJ3xZ1yN5dW7eR0gH2jK4lM6nP8qS0tV2wX4zA6bC8dE0fG2hI4jK6lM8nO0pQ2rS4tU6vW8xY0zA2bC4dE6fG8hI0jK2lM4nO6pQ8rS0tU2vW4xY6zA8bC0dE2fG4hI6jK8lM0nO2pQ4rS6tU8vW0xY2zA4bC6dE8fG0hI2jK4lM6nO8pQ0rS2tU4vW6xY8zA0bC2dE4fG6hI8jK0lM2nO4pQ6rS8tU0vW2xY4zA6bC8dE0fG2hI4jK6lM8nO0pQ2rS4tU6vW8xY0zA2bC4dE6fG8hI0jK2lM4nQIDAQAB";

/// [`DKIM_KEY`] as zone-file character-strings: one string holds at most 255 bytes.
fn dkim_key() -> String {
    DKIM_KEY
        .as_bytes()
        .chunks(255)
        .map(|chunk| format!("\"{}\"", String::from_utf8_lossy(chunk)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn fixture(domain: &str, records: &str, expect: Expected) -> Fixture {
    Fixture {
        domain: domain.to_owned(),
        zones: vec![Zone::new(domain, records)],
        tenant_id: None,
        expect,
    }
}

impl Fixture {
    /// The domain is in an Entra tenant: the fake discovery endpoint knows it.
    fn in_tenant(mut self) -> Fixture {
        self.tenant_id = Some(tenant_guid(&self.domain));
        self.expect.entra_tenant = true;
        self
    }

    fn with_zone(mut self, zone: Zone) -> Fixture {
        self.zones.push(zone);
        self
    }
}

/// `contoso.com` → `contoso-com`, as Microsoft names MX hosts and DKIM targets.
fn dashed(domain: &str) -> String {
    domain.replace('.', "-")
}

/// The `<tenant>.onmicrosoft.com` label: the first label without hyphens.
fn tenant_label(domain: &str) -> String {
    domain.split('.').next().unwrap_or(domain).replace('-', "")
}

/// A stable tenant GUID derived from the domain (FNV-1a), so runs are repeatable.
fn tenant_guid(domain: &str) -> String {
    let hash = |seed: u64| {
        domain.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        })
    };
    let (a, b) = (hash(0xCBF2_9CE4_8422_2325), hash(0x8422_2325_CBF2_9CE4));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        b >> 52,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// The CNAME records for M365 DKIM selectors and the onmicrosoft zone holding their keys.
fn m365_dkim(domain: &str, selectors: &[&str]) -> (String, Zone) {
    let key = dkim_key();
    let (dashed, tenant) = (dashed(domain), tenant_label(domain));
    let cnames = selectors
        .iter()
        .map(|s| {
            format!("{s}._domainkey IN CNAME {s}-{dashed}._domainkey.{tenant}.onmicrosoft.com.\n")
        })
        .collect();
    let keys: String = selectors
        .iter()
        .map(|s| format!("{s}-{dashed}._domainkey IN TXT {key}\n"))
        .collect();
    (
        cnames,
        Zone::new(&format!("{tenant}.onmicrosoft.com"), &keys),
    )
}

const SPF_M365: &str = "@ IN TXT \"v=spf1 include:spf.protection.outlook.com -all\"";
const AUTODISCOVER_M365: &str = "autodiscover IN CNAME autodiscover.outlook.com.";

fn m365_standard(domain: &str) -> Fixture {
    let (dkim, tenant_zone) = m365_dkim(domain, &["selector1", "selector2"]);
    let records = format!(
        "@ IN MX 0 {}.mail.protection.outlook.com.\n{SPF_M365}\n@ IN TXT \"MS=ms41871620\"\n\
         @ IN A 203.0.113.10\n_dmarc IN TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain}\"\n\
         {dkim}{AUTODISCOVER_M365}",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        dmarc_policy: Some("quarantine"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect)
        .with_zone(tenant_zone)
        .in_tenant()
}

fn m365_mx_microsoft(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 0 {}.k-v1.mx.microsoft.\n{SPF_M365}\n_dmarc IN TXT \"v=DMARC1; p=none\"\n\
         {AUTODISCOVER_M365}",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("medium"),
        spf: Some(true),
        spf_include_count: 1,
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "mx.microsoft")
    };
    fixture(domain, &records, expect).in_tenant()
}

fn m365_small(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 10 {}.eur01.protection.outlook.com.\n{SPF_M365}",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("small"),
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

fn m365_olc(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 10 {}.olc.protection.outlook.com.\n{SPF_M365}\n\
         _dmarc IN TXT \"v=DMARC1; p=quarantine; pct=100\"",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("small"),
        spf: Some(true),
        spf_include_count: 1,
        dmarc_policy: Some("quarantine"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

fn m365_behind_mimecast(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 10 eu-smtp-inbound-2.mimecast.com.\n@ IN MX 10 eu-smtp-inbound-1.mimecast.com.\n\
         @ IN MX 20 {}.mail.protection.outlook.com.\n\
         @ IN TXT \"v=spf1 include:eu._netblocks.mimecast.com include:spf.protection.outlook.com -all\"\n\
         _dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-rua@dmarc.service.govdelivery.com\"",
        dashed(domain)
    );
    let expect = Expected {
        gateway: Some("Mimecast"),
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 2,
        dmarc_policy: Some("reject"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "mimecast.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

fn m365_behind_proofpoint(domain: &str) -> Fixture {
    let records = "@ IN MX 10 mx0a-00123401.pphosted.com.\n@ IN MX 10 mx0b-00123401.pphosted.com.\n\
         @ IN TXT \"v=spf1 include:spf.protection.outlook.com include:_spf.pphosted.com ~all\"\n\
         _dmarc IN TXT \"v=DMARC1; p=quarantine\"";
    let expect = Expected {
        gateway: Some("Proofpoint"),
        spf: Some(true),
        spf_include_count: 2,
        dmarc_policy: Some("quarantine"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "pphosted.com")
    };
    fixture(domain, records, expect)
}

const GOOGLE_DKIM: &str = "google._domainkey IN TXT";
const SPF_GOOGLE: &str = "@ IN TXT \"v=spf1 include:_spf.google.com ~all\"";

fn google_aspmx(domain: &str) -> Fixture {
    let key = dkim_key();
    let records = format!(
        "@ IN MX 1 aspmx.l.google.com.\n@ IN MX 5 alt1.aspmx.l.google.com.\n\
         @ IN MX 5 alt2.aspmx.l.google.com.\n@ IN MX 10 alt3.aspmx.l.google.com.\n\
         @ IN MX 10 alt4.aspmx.l.google.com.\n{SPF_GOOGLE}\n\
         @ IN TXT \"google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ\"\n\
         {GOOGLE_DKIM} {key}\n_dmarc IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@{domain}\""
    );
    let expect = Expected {
        tenant_size: Some("medium"),
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Google", "google.com")
    };
    fixture(domain, &records, expect)
}

fn google_smtp(domain: &str) -> Fixture {
    let key = dkim_key();
    let records = format!(
        "@ IN MX 1 smtp.google.com.\n{SPF_GOOGLE}\n{GOOGLE_DKIM} {key}\n\
         _dmarc IN TXT \"v=DMARC1; p=reject; sp=none; adkim=s\""
    );
    let expect = Expected {
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        dmarc_policy: Some("reject"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Google", "google.com")
    };
    fixture(domain, &records, expect)
}

fn zoho_eu(domain: &str) -> Fixture {
    let key = dkim_key();
    let records = format!(
        "@ IN MX 10 mx.zoho.eu.\n@ IN MX 20 mx2.zoho.eu.\n@ IN MX 50 mx3.zoho.eu.\n\
         @ IN TXT \"v=spf1 include:zoho.eu ~all\"\n\
         @ IN TXT \"zoho-verification=zb41871620.zmverify.zoho.eu\"\n\
         zmail._domainkey IN TXT {key}\n\
         _dmarc IN TXT \"v=DMARC1; p=quarantine; pct=50\""
    );
    let expect = Expected {
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        dmarc_policy: Some("quarantine"),
        dmarc_coverage: Some(50),
        ..Expected::ok("Zoho", "zoho.eu")
    };
    fixture(domain, &records, expect)
}

fn yandex(domain: &str) -> Fixture {
    let key = dkim_key();
    let records = format!(
        "@ IN MX 10 mx.yandex.net.\n@ IN TXT \"v=spf1 redirect=_spf.yandex.net\"\n\
         @ IN TXT \"yandex-verification: 4a1b2c3d4e5f6a7b\"\n\
         mail._domainkey IN TXT {key}\n_dmarc IN TXT \"v=DMARC1; p=none\""
    );
    // `redirect=` is not an include (§3.4).
    let expect = Expected {
        spf: Some(true),
        dkim: Some(true),
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Yandex", "yandex.net")
    };
    fixture(domain, &records, expect)
}

fn amazon_ses(domain: &str) -> Fixture {
    let records = "@ IN MX 10 inbound-smtp.eu-west-1.amazonaws.com.\n\
                   @ IN TXT \"v=spf1 include:amazonses.com ~all\"";
    let expect = Expected {
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("Amazon", "amazonaws.com")
    };
    fixture(domain, records, expect)
}

fn sendgrid(domain: &str) -> Fixture {
    let key = dkim_key();
    let user = format!("u{}", &tenant_guid(domain)[..7]);
    let records = format!(
        "@ IN MX 10 mx.sendgrid.net.\n@ IN TXT \"v=spf1 include:sendgrid.net ~all\"\n\
         s1._domainkey IN CNAME s1.domainkey.{user}.wl.sendgrid.net.\n\
         _dmarc IN TXT \"v=DMARC1; p=none\""
    );
    let key_zone = Zone::new(
        &format!("{user}.wl.sendgrid.net"),
        &format!("s1.domainkey IN TXT {key}"),
    );
    let expect = Expected {
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("SendGrid", "sendgrid.net")
    };
    fixture(domain, &records, expect).with_zone(key_zone)
}

fn mailgun(domain: &str) -> Fixture {
    let key = dkim_key();
    let records = format!(
        "@ IN MX 10 mxa.mailgun.org.\n@ IN MX 10 mxb.mailgun.org.\n\
         @ IN TXT \"v=spf1 include:mailgun.org ~all\"\nk1._domainkey IN TXT {key}\n\
         _dmarc IN TXT \"v=DMARC1; p=none\""
    );
    let expect = Expected {
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Mailgun", "mailgun.org")
    };
    fixture(domain, &records, expect)
}

fn hostinger(domain: &str) -> Fixture {
    let records = "@ IN MX 5 mx1.hostinger.com.\n@ IN MX 10 mx2.hostinger.com.\n\
                   @ IN TXT \"v=spf1 include:_spf.mail.hostinger.com ~all\"";
    let expect = Expected {
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("Hosting", "hostinger.com")
    };
    fixture(domain, records, expect)
}

fn natro(domain: &str) -> Fixture {
    let records =
        "@ IN MX 10 mx.natrohost.com.\n@ IN TXT \"v=spf1 a mx include:spf.natrohost.com ~all\"";
    let expect = Expected {
        local_provider: Some("Natro"),
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("Local", "natrohost.com")
    };
    fixture(domain, records, expect)
}

fn turkhost(domain: &str) -> Fixture {
    let expect = Expected {
        local_provider: Some("TürkHost"),
        ..Expected::ok("Local", "turkhost.com.tr")
    };
    fixture(domain, "@ IN MX 10 mail.turkhost.com.tr.", expect)
}

fn vit(domain: &str) -> Fixture {
    // `aspmx` in a non-Google host must not read as Google.
    let records = "@ IN MX 10 aspmx.vit.com.tr.\n@ IN TXT \"v=spf1 include:spf.vit.com.tr ~all\"";
    let expect = Expected {
        local_provider: Some("VIT"),
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("Local", "vit.com.tr")
    };
    fixture(domain, records, expect)
}

fn isimtescil(domain: &str) -> Fixture {
    let records = "@ IN MX 10 mx.isimtescil.net.\n@ IN TXT \"v=spf1 a mx ~all\"\n\
                   _dmarc IN TXT \"v=DMARC1; p=none\"";
    let expect = Expected {
        local_provider: Some("İsimtescil"),
        spf: Some(true),
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Local", "isimtescil.net")
    };
    fixture(domain, records, expect)
}

/// A Turkish host's MX with M365 evidence: the local provider is set whatever the provider.
fn natro_with_m365(domain: &str) -> Fixture {
    let records = format!("@ IN MX 10 mx.natro.com.\n{SPF_M365}\n{AUTODISCOVER_M365}");
    let expect = Expected {
        local_provider: Some("Natro"),
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("M365", "natro.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

/// `cloudns.com` ends with the text `dns.com` but not on a label boundary: no local provider.
fn cloudns(domain: &str) -> Fixture {
    let records = "@ IN MX 10 mx.cloudns.com.\n@ IN TXT \"v=spf1 mx ~all\"";
    let expect = Expected {
        spf: Some(true),
        ..Expected::ok("Local", "cloudns.com")
    };
    fixture(domain, records, expect)
}

fn self_hosted(domain: &str) -> Fixture {
    let records = "@ IN MX 10 mail\nmail IN A 198.51.100.25\n@ IN TXT \"v=spf1 mx -all\"\n\
                   _dmarc IN TXT \"v=DMARC1; p=quarantine\"";
    let expect = Expected {
        spf: Some(true),
        dmarc_policy: Some("quarantine"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Local", domain)
    };
    fixture(domain, records, expect)
}

/// `zoho.com.tr` is not a Zoho root (no loose matching).
fn zoho_com_tr(domain: &str) -> Fixture {
    fixture(
        domain,
        "@ IN MX 10 mx.zoho.com.tr.",
        Expected::ok("Local", "zoho.com.tr"),
    )
}

/// A gateway with nothing behind it.
fn unknown_gateway(domain: &str) -> Fixture {
    let records = "@ IN MX 10 mx01.hornetsecurity.com.\n@ IN MX 20 mx02.hornetsecurity.com.\n\
                   @ IN TXT \"v=spf1 include:spf.hornetsecurity.com ~all\"\n\
                   _dmarc IN TXT \"v=DMARC1; p=none\"";
    let expect = Expected {
        gateway: Some("Hornetsecurity"),
        spf: Some(true),
        spf_include_count: 1,
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Unknown", "hornetsecurity.com")
    };
    fixture(domain, records, expect)
}

/// Only the M365 DKIM CNAMEs identify the provider behind the gateway.
fn m365_dkim_behind_barracuda(domain: &str) -> Fixture {
    let (dkim, tenant_zone) = m365_dkim(domain, &["selector1", "selector2"]);
    let records = format!(
        "@ IN MX 10 d123456a.ess.barracudanetworks.com.\n\
         @ IN MX 20 d123456b.ess.barracudanetworks.com.\n\
         @ IN TXT \"v=spf1 include:spf.ess.barracudanetworks.com -all\"\n{dkim}"
    );
    let expect = Expected {
        gateway: Some("Barracuda"),
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        ..Expected::ok("M365", "barracudanetworks.com")
    };
    fixture(domain, &records, expect)
        .with_zone(tenant_zone)
        .in_tenant()
}

/// Only the autodiscover CNAME identifies the provider behind the gateway.
fn m365_autodiscover_behind_cisco(domain: &str) -> Fixture {
    let label = tenant_label(domain);
    let records = format!(
        "@ IN MX 10 esa1.{label}.iphmx.com.\n@ IN MX 10 esa2.{label}.iphmx.com.\n\
         @ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n{AUTODISCOVER_M365}\n\
         _dmarc IN TXT \"v=DMARC1; p=reject\""
    );
    let expect = Expected {
        gateway: Some("Cisco"),
        spf: Some(true),
        dmarc_policy: Some("reject"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "iphmx.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

/// One M365 item (SPF include) against one Google item (DKIM key): the tie goes to the
/// provider with DKIM evidence (§4.4 step 5).
fn evidence_tie_behind_sophos(domain: &str) -> Fixture {
    let key = dkim_key();
    let records = format!(
        "@ IN MX 10 mx-01-eu-west-1.prod.hydra.sophos.com.\n\
         @ IN MX 20 mx-02-eu-west-1.prod.hydra.sophos.com.\n\
         @ IN TXT \"v=spf1 include:spf.protection.outlook.com include:_spf.prod.hydra.sophos.com ~all\"\n\
         {GOOGLE_DKIM} {key}"
    );
    let expect = Expected {
        gateway: Some("Sophos"),
        spf: Some(true),
        spf_include_count: 2,
        dkim: Some(true),
        ..Expected::ok("Google", "sophos.com")
    };
    fixture(domain, &records, expect)
}

/// Verification records are evidence only and never decide (§3.7).
fn verification_only(domain: &str) -> Fixture {
    let records = "@ IN MX 10 mail\n@ IN TXT \"v=spf1 mx ~all\"\n@ IN TXT \"MS=ms87654321\"\n\
                   @ IN TXT \"google-site-verification=4ZyK1m2n3o4p5q6r7s8t9u0v1w2x3y4z5a6b7c8d9e0\"";
    let expect = Expected {
        spf: Some(true),
        ..Expected::ok("Local", domain)
    };
    fixture(domain, records, expect)
}

fn dmarc_mixed_case(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 0 {}.mail.protection.outlook.com.\n{SPF_M365}\n_dmarc IN TXT \"V=DMARC1; P=Reject\"",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 1,
        dmarc_policy: Some("reject"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

/// Five includes in one record published as two character-strings (joined without separator).
fn spf_five_includes(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 0 {}.mail.protection.outlook.com.\n\
         @ IN TXT \"v=spf1 include:spf.protection.outlook.com include:_spf.google.com \" \
         \"include:sendgrid.net include:mailgun.org include:servers.mcsv.net ~all\"\n\
         _dmarc IN TXT \"v=DMARC1; p=quarantine\"",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 5,
        dmarc_policy: Some("quarantine"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

/// Thirty verification records make the apex TXT answer too big for UDP: the answer comes
/// truncated and the resolver must retry over TCP.
fn many_txt_records(domain: &str) -> Fixture {
    let verifications: String = (0..30)
        .map(|i| format!("@ IN TXT \"atlassian-domain-verification=k{i:02}Xq7Lz3RfT9wVb2NcYp5Hd8MsJ4Ge6Ua1Ko0Ix\"\n"))
        .collect();
    let records = format!(
        "@ IN MX 0 {}.mail.protection.outlook.com.\n{SPF_M365}\n{verifications}\
         _dmarc IN TXT \"v=DMARC1; p=none\"",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 1,
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

/// Two SPF records are broken for receivers: `spf = false`. Neither has an include, so the
/// include count is 0 however several records are counted.
fn spf_two_records(domain: &str) -> Fixture {
    let records = "@ IN MX 1 aspmx.l.google.com.\n@ IN TXT \"v=spf1 mx -all\"\n\
                   @ IN TXT \"v=spf1 a ~all\"\n_dmarc IN TXT \"v=DMARC1; p=none\"";
    let expect = Expected {
        tenant_size: Some("medium"),
        dmarc_policy: Some("none"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Google", "google.com")
    };
    fixture(domain, records, expect)
}

/// DKIM only through the `selector1` CNAME into `<tenant>.onmicrosoft.com`.
fn dkim_onmicrosoft_only(domain: &str) -> Fixture {
    let (dkim, tenant_zone) = m365_dkim(domain, &["selector1"]);
    let records = format!(
        "@ IN MX 0 {}.mail.protection.outlook.com.\n{SPF_M365}\n{dkim}",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 1,
        dkim: Some(true),
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect)
        .with_zone(tenant_zone)
        .in_tenant()
}

/// More than one DMARC record: policy and coverage null.
fn dmarc_two_records(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 0 {}.mail.protection.outlook.com.\n{SPF_M365}\n\
         _dmarc IN TXT \"v=DMARC1; p=reject\"\n_dmarc IN TXT \"v=DMARC1; p=none\"",
        dashed(domain)
    );
    let expect = Expected {
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

/// `pct` above 100 clamps to 100.
fn dmarc_pct_out_of_range(domain: &str) -> Fixture {
    let records = "@ IN MX 10 mail\n@ IN TXT \"v=spf1 mx -all\"\n\
                   _dmarc IN TXT \"v=DMARC1; p=quarantine; pct=150\"";
    let expect = Expected {
        spf: Some(true),
        dmarc_policy: Some("quarantine"),
        dmarc_coverage: Some(100),
        ..Expected::ok("Local", domain)
    };
    fixture(domain, records, expect)
}

/// The domain exists (A record) but has no MX.
fn no_mx(domain: &str) -> Fixture {
    fixture(
        domain,
        "@ IN A 203.0.113.20\nwww IN A 203.0.113.20",
        Expected::unusable("no_mx"),
    )
}

/// A null MX (RFC 7505) on a parked domain that also rejects all mail.
fn null_mx(domain: &str) -> Fixture {
    let records =
        "@ IN MX 0 .\n@ IN TXT \"v=spf1 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject; sp=reject\"";
    let expect = Expected {
        spf: Some(true),
        dmarc_policy: Some("reject"),
        dmarc_coverage: Some(100),
        ..Expected::unusable("no_mx")
    };
    fixture(domain, records, expect)
}

/// No zone of its own: the suffix zone answers NXDOMAIN for every lookup.
fn nxdomain(domain: &str) -> Fixture {
    Fixture {
        domain: domain.to_owned(),
        zones: Vec::new(),
        tenant_id: None,
        expect: Expected::unusable("nxdomain"),
    }
}

/// Under a suffix the server does not serve: every lookup gets REFUSED.
fn refused(domain: &str) -> Fixture {
    Fixture {
        domain: domain.to_owned(),
        zones: Vec::new(),
        tenant_id: None,
        expect: Expected {
            spf: None,
            dkim: None,
            ..Expected::unusable("servfail")
        },
    }
}

/// The DMARC name is a CNAME into an unserved zone, so that lookup fails (REFUSED) while the
/// MX is fine.
fn partial_dmarc(domain: &str) -> Fixture {
    let records = format!(
        "@ IN MX 0 {}.mail.protection.outlook.com.\n{SPF_M365}\n\
         _dmarc IN CNAME {}.dmarc.broken-reports.org.",
        dashed(domain),
        tenant_label(domain)
    );
    let expect = Expected {
        scan_status: "partial",
        tenant_size: Some("large"),
        spf: Some(true),
        spf_include_count: 1,
        ..Expected::ok("M365", "outlook.com")
    };
    fixture(domain, &records, expect).in_tenant()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_domains_are_unique_and_lowercase() {
        let fixtures = catalogue();
        assert!(fixtures.len() >= 30);
        let domains: HashSet<&str> = fixtures.iter().map(|f| f.domain.as_str()).collect();
        assert_eq!(domains.len(), fixtures.len());
        for f in &fixtures {
            assert_eq!(f.domain, f.domain.to_ascii_lowercase());
            assert_eq!(f.tenant_id.is_some(), f.expect.entra_tenant, "{}", f.domain);
        }
    }

    #[test]
    fn tenant_guids_look_like_guids() {
        let guid = tenant_guid("contoso.com");
        let groups: Vec<usize> = guid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{guid}");
        assert!(guid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_ne!(guid, tenant_guid("contoso.net"));
    }

    #[test]
    fn synthetic_domains_are_the_names_of_synthetic() {
        let names: Vec<String> = synthetic(1234).into_iter().map(|f| f.domain).collect();
        assert_eq!(synthetic_domains(1234), names);
    }

    #[test]
    fn synthetic_mixes_shapes_and_serves_distinct_zones() {
        let fixtures = synthetic(1000);
        assert_eq!(fixtures.len(), 1000);
        let statuses: HashSet<&str> = fixtures.iter().map(|f| f.expect.scan_status).collect();
        assert!(
            statuses.contains("ok") && statuses.contains("nxdomain") && statuses.contains("no_mx")
        );
        let all = zones(&fixtures);
        let origins: HashSet<&str> = all.iter().map(|z| z.origin.as_str()).collect();
        assert_eq!(origins.len(), all.len());
    }
}
