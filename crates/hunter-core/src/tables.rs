//! Fixed lookup tables of `hunter.md` §3–4. All names are lowercase ASCII; order matters
//! wherever the spec says "first match wins".

use crate::model::Provider;

/// DKIM selectors probed for every domain (`hunter.md` §3.1), in this order.
pub const DKIM_SELECTORS: [&str; 9] = [
    "default",
    "google",
    "selector1",
    "selector2",
    "k1",
    "mail",
    "zmail",
    "s1",
    "s2",
];

/// Provider table (§4.1), checked in order: a host matches a root it equals or ends with `.` + root.
pub const PROVIDER_ROOTS: [(Provider, &[&str]); 8] = [
    (
        Provider::M365,
        &[
            "outlook.com",
            "protection.outlook.com",
            "mail.protection.outlook.com",
            "outlook.office365.com",
            "olc.protection.outlook.com",
            "mx.microsoft",
        ],
    ),
    (
        Provider::Google,
        &[
            "google.com",
            "googlemail.com",
            "aspmx.l.google.com",
            "smtp.google.com",
            "gmail.com",
        ],
    ),
    (
        Provider::Yandex,
        &["yandex.ru", "yandex.net", "mx.yandex.ru", "mx.yandex.net"],
    ),
    (
        Provider::Zoho,
        &[
            "zoho.com",
            "zoho.eu",
            "zoho.in",
            "zoho.com.au",
            "zoho.jp",
            "mx.zoho.com",
        ],
    ),
    (Provider::Amazon, &["amazonses.com", "amazonaws.com"]),
    (Provider::SendGrid, &["sendgrid.net"]),
    (Provider::Mailgun, &["mailgun.org", "mailgun.com"]),
    (
        Provider::Hosting,
        &[
            "cpanel.net",
            "plesk.com",
            "hostgator.com",
            "godaddy.com",
            "bluehost.com",
            "hostinger.com",
        ],
    ),
];

/// Security gateways (§4.2): `gateway` name and the first labels of registrable domains it uses.
pub const GATEWAYS: [(&str, &[&str]); 9] = [
    ("Mimecast", &["mimecast", "mimecast-offshore"]),
    ("Proofpoint", &["pphosted", "ppe-hosted"]),
    ("Barracuda", &["barracudanetworks"]),
    ("Cisco", &["iphmx"]),
    ("Symantec", &["messagelabs"]),
    ("Sophos", &["sophos"]),
    ("Trend Micro", &["trendmicro"]),
    ("Hornetsecurity", &["hornetsecurity"]),
    ("SEPPmail", &["seppmail"]),
];

/// Turkish hosting companies (§3.9): MX suffix → `local_provider` name, first match wins.
pub const LOCAL_PROVIDERS: [(&str, &str); 22] = [
    ("turkhost.com.tr", "TürkHost"),
    ("turkhost.com", "TürkHost"),
    ("natro.com", "Natro"),
    ("natrohost.com", "Natro"),
    ("turhost.com", "Turhost"),
    ("turhost.com.tr", "Turhost"),
    ("superonline.net", "Superonline"),
    ("superonline.com", "Superonline"),
    ("ttnet.com.tr", "TTNET"),
    ("ttnet.net.tr", "TTNET"),
    ("dns.com.tr", "DNS"),
    ("dns.com", "DNS"),
    ("isimtescil.net", "İsimtescil"),
    ("isimtescil.com", "İsimtescil"),
    ("pendns.net", "Pendns"),
    ("vit.com.tr", "VIT"),
    ("kriweb.com", "Kriweb"),
    ("bulutino.com", "Bulutino"),
    ("nic.tr", "NIC.TR"),
    ("metu.edu.tr", "ODTÜ"),
    ("bilkent.edu.tr", "Bilkent"),
    ("ku.edu.tr", "Koç Üniversitesi"),
];

/// SPF `include:` targets that are provider evidence (§4.3), compared case-insensitively.
pub const SPF_INCLUDE_PROVIDERS: [(&str, Provider); 11] = [
    ("spf.protection.outlook.com", Provider::M365),
    ("_spf.google.com", Provider::Google),
    ("zoho.com", Provider::Zoho),
    ("zohomail.com", Provider::Zoho),
    ("one.zoho.com", Provider::Zoho),
    ("zoho.eu", Provider::Zoho),
    ("zohomail.eu", Provider::Zoho),
    ("zoho.in", Provider::Zoho),
    ("zohomail.in", Provider::Zoho),
    ("_spf.yandex.net", Provider::Yandex),
    ("_spf.yandex.ru", Provider::Yandex),
];

/// DKIM selectors whose CNAME into M365 (§3.5) is evidence even without a reachable key.
pub const DKIM_M365_SELECTORS: [&str; 2] = ["selector1", "selector2"];

/// Suffix of the M365 DKIM CNAME targets (`selector1-contoso-com._domainkey.contoso.onmicrosoft.com`).
pub const DKIM_M365_CNAME_SUFFIX: &str = ".onmicrosoft.com";

/// Selectors where a key is provider evidence (§3.5).
pub const DKIM_KEY_PROVIDERS: [(&str, Provider); 2] =
    [("google", Provider::Google), ("zmail", Provider::Zoho)];

/// The autodiscover CNAME target that is M365 evidence (§3.7).
pub const AUTODISCOVER_M365: &str = "autodiscover.outlook.com";

/// Apex TXT prefixes of verification records (§3.7), compared case-insensitively.
pub const VERIFICATION_PREFIXES: [(&str, Provider); 4] = [
    ("MS=ms", Provider::M365),
    ("google-site-verification=", Provider::Google),
    ("zoho-verification=", Provider::Zoho),
    ("yandex-verification:", Provider::Yandex),
];

/// Providers counted in step 5 of §4.4, in provider-table order (the last tie-breaker).
pub const EVIDENCE_PROVIDERS: [Provider; 4] = [
    Provider::M365,
    Provider::Google,
    Provider::Yandex,
    Provider::Zoho,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn all_names() -> Vec<&'static str> {
        let mut names: Vec<&str> = PROVIDER_ROOTS
            .iter()
            .flat_map(|(_, roots)| roots.iter().copied())
            .collect();
        names.extend(
            GATEWAYS
                .iter()
                .flat_map(|(_, labels)| labels.iter().copied()),
        );
        names.extend(LOCAL_PROVIDERS.iter().map(|(suffix, _)| *suffix));
        names.extend(SPF_INCLUDE_PROVIDERS.iter().map(|(target, _)| *target));
        names.push(AUTODISCOVER_M365);
        names
    }

    #[test]
    fn names_are_lowercase_without_dots_at_the_ends() {
        for name in all_names() {
            assert!(!name.is_empty());
            assert_eq!(name, name.to_ascii_lowercase(), "{name}");
            assert!(!name.starts_with('.') && !name.ends_with('.'), "{name}");
        }
    }

    #[test]
    fn provider_table_is_in_spec_order() {
        let order: Vec<Provider> = PROVIDER_ROOTS.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            order,
            [
                Provider::M365,
                Provider::Google,
                Provider::Yandex,
                Provider::Zoho,
                Provider::Amazon,
                Provider::SendGrid,
                Provider::Mailgun,
                Provider::Hosting
            ]
        );
        let counted: Vec<Provider> = order
            .into_iter()
            .filter(|p| EVIDENCE_PROVIDERS.contains(p))
            .collect();
        assert_eq!(counted, EVIDENCE_PROVIDERS);
    }

    #[test]
    fn local_provider_names_keep_their_unicode() {
        let names: Vec<&str> = LOCAL_PROVIDERS.iter().map(|(_, name)| *name).collect();
        for expected in [
            "TürkHost",
            "İsimtescil",
            "ODTÜ",
            "Koç Üniversitesi",
            "NIC.TR",
        ] {
            assert!(names.contains(&expected), "{expected}");
        }
        assert_eq!(
            LOCAL_PROVIDERS.last(),
            Some(&("ku.edu.tr", "Koç Üniversitesi"))
        );
    }

    #[test]
    fn dkim_evidence_selectors_are_probed() {
        let selectors = DKIM_M365_SELECTORS
            .iter()
            .chain(DKIM_KEY_PROVIDERS.iter().map(|(s, _)| s));
        for selector in selectors {
            assert!(DKIM_SELECTORS.contains(selector), "{selector}");
        }
    }
}
