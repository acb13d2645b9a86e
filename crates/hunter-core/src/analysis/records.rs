//! Reading the TXT and CNAME answers: SPF (§3.4), DKIM (§3.5), DMARC (§3.6), autodiscover,
//! verification records and tenant discovery (§3.7).

use crate::dns::{DkimProbe, Lookup};
use crate::model::{DmarcPolicy, Evidence, EvidenceKind, Provider};
use crate::tables;

use super::normalize_host;

/// SPF signals of one domain (§3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spf {
    /// `true` for exactly one SPF record, `false` for none or several, `None` when the lookup failed.
    pub spf: Option<bool>,
    /// The SPF record texts, newline-joined when there are several.
    pub record: Option<String>,
    /// `include:` targets of every SPF record, lowercased, in record order.
    pub includes: Vec<String>,
    /// One item per include whose target is provider evidence (§4.3).
    pub evidence: Vec<Evidence>,
}

/// Whether a TXT record is an SPF record: `v=spf1` after leading whitespace, then a space or the end.
pub fn is_spf_record(txt: &str) -> bool {
    let text = txt.trim_start();
    match text.as_bytes().get(..6) {
        Some(version) if version.eq_ignore_ascii_case(b"v=spf1") => {
            matches!(text.as_bytes().get(6), None | Some(b' '))
        }
        _ => false,
    }
}

/// The `include:` terms of an SPF record as `(term as seen, target)`. A qualifier (`+ - ~ ?`) may
/// precede the mechanism (RFC 7208 §4.6.1); `redirect=` is a modifier, not an include.
pub fn spf_include_terms(record: &str) -> impl Iterator<Item = (&str, &str)> {
    record.split_ascii_whitespace().filter_map(|term| {
        let mechanism = term.strip_prefix(['+', '-', '~', '?']).unwrap_or(term);
        let (name, target) = mechanism.split_once(':')?;
        (name.eq_ignore_ascii_case("include") && !target.is_empty()).then_some((term, target))
    })
}

/// The provider an SPF include target is evidence for (§4.3); exact target, any case.
pub fn spf_include_provider(target: &str) -> Option<Provider> {
    let target = normalize_host(target);
    tables::SPF_INCLUDE_PROVIDERS
        .iter()
        .find(|(known, _)| *known == target)
        .map(|(_, provider)| *provider)
}

/// SPF signals from the apex TXT lookup.
pub fn parse_spf(apex_txt: &Lookup<String>) -> Spf {
    if !apex_txt.answered() {
        return Spf {
            spf: None,
            record: None,
            includes: Vec::new(),
            evidence: Vec::new(),
        };
    }
    let records: Vec<&str> = apex_txt
        .records()
        .iter()
        .map(String::as_str)
        .filter(|txt| is_spf_record(txt))
        .collect();
    let terms: Vec<(&str, &str)> = records
        .iter()
        .flat_map(|record| spf_include_terms(record))
        .collect();
    let evidence = terms
        .iter()
        .filter_map(|(term, target)| {
            spf_include_provider(target).map(|provider| Evidence {
                kind: EvidenceKind::SpfInclude,
                detail: (*term).to_owned(),
                provider: Some(provider),
                decisive: false,
            })
        })
        .collect();
    Spf {
        spf: Some(records.len() == 1),
        record: (!records.is_empty()).then(|| records.join("\n")),
        includes: terms
            .iter()
            .map(|(_, target)| normalize_host(target))
            .collect(),
        evidence,
    }
}

/// DKIM signals of one domain (§3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dkim {
    /// `true` when a selector has a key; `None` when none has one and a TXT lookup failed.
    pub dkim: Option<bool>,
    /// Selectors with a key, in probe order.
    pub selectors: Vec<String>,
    /// Provider evidence: M365 CNAMEs at `selector1`/`selector2`, keys at `google` and `zmail`.
    pub evidence: Vec<Evidence>,
}

/// The public key (`p` value, trimmed) of a TXT record that parses as DKIM `tag=value` pairs
/// with a non-empty `p`; `None` for anything else, including revoked keys (`p=`).
pub fn dkim_key(txt: &str) -> Option<&str> {
    let mut key = None;
    for segment in txt.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = segment.split_once('=')?;
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        // DKIM tag names are case-sensitive (RFC 6376 §3.2); the first `p` counts.
        if name == "p" && key.is_none() {
            key = Some(value.trim());
        }
    }
    key.filter(|k| !k.is_empty())
}

/// DKIM signals from the selector probes.
pub fn parse_dkim(probes: &[DkimProbe]) -> Dkim {
    let mut selectors = Vec::new();
    let mut evidence = Vec::new();
    for probe in probes {
        let selector = probe.selector.as_str();
        if tables::DKIM_M365_SELECTORS.contains(&selector) {
            let m365_target =
                probe.cname.records().iter().find(|target| {
                    normalize_host(target).ends_with(tables::DKIM_M365_CNAME_SUFFIX)
                });
            if let Some(target) = m365_target {
                evidence.push(Evidence {
                    kind: EvidenceKind::Dkim,
                    detail: format!("{selector}._domainkey CNAME {target}"),
                    provider: Some(Provider::M365),
                    decisive: false,
                });
            }
        }
        let Some(record) = probe
            .txt
            .records()
            .iter()
            .find(|txt| dkim_key(txt).is_some())
        else {
            continue;
        };
        selectors.push(probe.selector.clone());
        let key_provider = tables::DKIM_KEY_PROVIDERS
            .iter()
            .find(|(s, _)| *s == selector);
        if let Some((_, provider)) = key_provider {
            evidence.push(Evidence {
                kind: EvidenceKind::Dkim,
                detail: format!("{selector}._domainkey TXT {record}"),
                provider: Some(*provider),
                decisive: false,
            });
        }
    }
    // Only the TXT lookup can reveal a key (it follows the CNAME chain), so only its failure
    // leaves the answer unknown.
    let dkim = if !selectors.is_empty() {
        Some(true)
    } else if probes.iter().all(|probe| probe.txt.answered()) {
        Some(false)
    } else {
        None
    };
    Dkim {
        dkim,
        selectors,
        evidence,
    }
}

/// DMARC signals of one domain (§3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dmarc {
    /// The DMARC record texts, newline-joined when there are several.
    pub record: Option<String>,
    pub policy: Option<DmarcPolicy>,
    pub subdomain_policy: Option<String>,
    pub coverage: Option<u8>,
}

/// The tags of a DMARC record as `(lowercased name, trimmed value)` in record order; `None` when
/// the first tag is not `v=DMARC1`. Segments without `=` are not tags and are skipped.
pub fn dmarc_tags(txt: &str) -> Option<Vec<(String, &str)>> {
    let tags: Vec<(String, &str)> = txt
        .split(';')
        .filter_map(|segment| segment.split_once('='))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim()))
        .collect();
    let (name, value) = tags.first()?;
    (name == "v" && value.eq_ignore_ascii_case("DMARC1")).then_some(tags)
}

/// `pct` as an integer clamped to 0–100; 100 when absent or not an integer.
pub fn dmarc_coverage(pct: Option<&str>) -> u8 {
    use std::num::IntErrorKind;
    let Some(pct) = pct else { return 100 };
    let value = match pct.trim().parse::<i64>() {
        Ok(value) => value,
        // Still an integer, just a huge one: clamp it like any other.
        Err(e) if *e.kind() == IntErrorKind::PosOverflow => 100,
        Err(e) if *e.kind() == IntErrorKind::NegOverflow => 0,
        Err(_) => 100,
    };
    u8::try_from(value.clamp(0, 100)).unwrap_or(100)
}

/// DMARC signals from the `_dmarc` TXT lookup.
pub fn parse_dmarc(dmarc_txt: &Lookup<String>) -> Dmarc {
    let parsed: Vec<(&str, Vec<(String, &str)>)> = dmarc_txt
        .records()
        .iter()
        .filter_map(|txt| dmarc_tags(txt).map(|tags| (txt.as_str(), tags)))
        .collect();
    let record = (!parsed.is_empty()).then(|| {
        parsed
            .iter()
            .map(|(txt, _)| *txt)
            .collect::<Vec<_>>()
            .join("\n")
    });
    // No record or several (a permanent error for receivers): nothing is enforced.
    let [(_, tags)] = parsed.as_slice() else {
        return Dmarc {
            record,
            policy: None,
            subdomain_policy: None,
            coverage: None,
        };
    };
    let tag = |name: &str| {
        tags.iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| *value)
    };
    let policy = match tag("p").map(str::to_ascii_lowercase).as_deref() {
        Some("quarantine") => DmarcPolicy::Quarantine,
        Some("reject") => DmarcPolicy::Reject,
        _ => DmarcPolicy::None,
    };
    Dmarc {
        record,
        policy: Some(policy),
        subdomain_policy: tag("sp")
            .filter(|sp| !sp.is_empty())
            .map(str::to_ascii_lowercase),
        coverage: Some(dmarc_coverage(tag("pct"))),
    }
}

/// The autodiscover CNAME target (lowercased, no trailing dot) and its M365 evidence.
pub fn parse_autodiscover(cname: &Lookup<String>) -> (Option<String>, Vec<Evidence>) {
    let targets: Vec<String> = cname.records().iter().map(|t| normalize_host(t)).collect();
    let evidence = targets
        .iter()
        .find(|target| *target == tables::AUTODISCOVER_M365)
        .map(|target| Evidence {
            kind: EvidenceKind::Autodiscover,
            detail: format!("autodiscover CNAME {target}"),
            provider: Some(Provider::M365),
            decisive: false,
        });
    (targets.into_iter().next(), evidence.into_iter().collect())
}

/// Verification TXT records at the apex (§3.7): evidence only, never counted or decisive.
pub fn verification_evidence(apex_txt: &Lookup<String>) -> Vec<Evidence> {
    apex_txt
        .records()
        .iter()
        .filter_map(|txt| {
            let text = txt.trim_start();
            let (_, provider) = tables::VERIFICATION_PREFIXES.iter().find(|(prefix, _)| {
                text.get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            })?;
            Some(Evidence {
                kind: EvidenceKind::VerificationTxt,
                detail: txt.clone(),
                provider: Some(*provider),
                decisive: false,
            })
        })
        .collect()
}

/// Tenant discovery found an Entra tenant: M365 evidence that never decides (§3.7).
pub fn tenant_evidence(entra_tenant_id: Option<&str>) -> Option<Evidence> {
    entra_tenant_id.map(|id| Evidence {
        kind: EvidenceKind::Tenant,
        detail: id.to_owned(),
        provider: Some(Provider::M365),
        decisive: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(records: &[&str]) -> Lookup<String> {
        Lookup::Answer(records.iter().map(|r| (*r).to_owned()).collect())
    }

    #[test]
    fn spf_record_detection() {
        let cases = [
            ("v=spf1 -all", true),
            ("  V=SPF1 include:x -all", true),
            ("v=spf1", true),
            ("v=spf10 -all", false),
            ("v=spf1\t-all", false),
            ("xv=spf1 -all", false),
            ("v=DMARC1; p=none", false),
            ("", false),
            ("ü", false),
        ];
        for (record, expected) in cases {
            assert_eq!(is_spf_record(record), expected, "{record:?}");
        }
    }

    #[test]
    fn spf_includes_with_qualifiers() {
        let record = "v=spf1 include:a.com +include:b.com -include:c.com ~include:d.com \
                      ?INCLUDE:E.com include: a:include.com redirect=_spf.f.com ip4:1.2.3.4 -all";
        let terms: Vec<(&str, &str)> = spf_include_terms(record).collect();
        assert_eq!(
            terms,
            [
                ("include:a.com", "a.com"),
                ("+include:b.com", "b.com"),
                ("-include:c.com", "c.com"),
                ("~include:d.com", "d.com"),
                ("?INCLUDE:E.com", "E.com"),
            ]
        );
    }

    #[test]
    fn spf_signals() {
        struct Case {
            name: &'static str,
            lookup: Lookup<String>,
            spf: Option<bool>,
            record: Option<&'static str>,
            includes: &'static [&'static str],
        }
        let cases = [
            Case {
                name: "one record",
                lookup: txt(&[
                    "google-site-verification=x",
                    "v=spf1 include:spf.protection.outlook.com -all",
                ]),
                spf: Some(true),
                record: Some("v=spf1 include:spf.protection.outlook.com -all"),
                includes: &["spf.protection.outlook.com"],
            },
            Case {
                name: "two records: false, texts and includes kept",
                lookup: txt(&[
                    "v=spf1 include:_spf.google.com ~all",
                    "v=spf1 include:a.com -all",
                ]),
                spf: Some(false),
                record: Some("v=spf1 include:_spf.google.com ~all\nv=spf1 include:a.com -all"),
                includes: &["_spf.google.com", "a.com"],
            },
            Case {
                name: "none",
                lookup: txt(&["hello"]),
                spf: Some(false),
                record: None,
                includes: &[],
            },
            Case {
                name: "nodata",
                lookup: txt(&[]),
                spf: Some(false),
                record: None,
                includes: &[],
            },
            Case {
                name: "nxdomain",
                lookup: Lookup::NxDomain,
                spf: Some(false),
                record: None,
                includes: &[],
            },
            Case {
                name: "timeout",
                lookup: Lookup::Timeout,
                spf: None,
                record: None,
                includes: &[],
            },
            Case {
                name: "failed",
                lookup: Lookup::Failed,
                spf: None,
                record: None,
                includes: &[],
            },
            Case {
                name: "redirect not counted, duplicates counted, lowercased",
                lookup: txt(&["v=spf1 include:A.com include:a.com redirect=b.com"]),
                spf: Some(true),
                record: Some("v=spf1 include:A.com include:a.com redirect=b.com"),
                includes: &["a.com", "a.com"],
            },
        ];
        for case in cases {
            let spf = parse_spf(&case.lookup);
            assert_eq!(spf.spf, case.spf, "{}", case.name);
            assert_eq!(spf.record.as_deref(), case.record, "{}", case.name);
            assert_eq!(spf.includes, case.includes, "{}", case.name);
        }
    }

    #[test]
    fn spf_include_evidence() {
        let spf = parse_spf(&txt(&[
            "v=spf1 +include:SPF.Protection.Outlook.com include:_spf.google.com include:zoho.com.tr \
             include:zohomail.eu ~include:_spf.yandex.ru include:spf.mailjet.com -all",
        ]));
        let items: Vec<(&str, Option<Provider>)> = spf
            .evidence
            .iter()
            .map(|e| (e.detail.as_str(), e.provider))
            .collect();
        assert_eq!(
            items,
            [
                ("+include:SPF.Protection.Outlook.com", Some(Provider::M365)),
                ("include:_spf.google.com", Some(Provider::Google)),
                ("include:zohomail.eu", Some(Provider::Zoho)),
                ("~include:_spf.yandex.ru", Some(Provider::Yandex)),
            ]
        );
        assert!(
            spf.evidence
                .iter()
                .all(|e| e.kind == EvidenceKind::SpfInclude && !e.decisive)
        );
    }

    #[test]
    fn dkim_keys() {
        let cases = [
            ("v=DKIM1; k=rsa; p=MIGfMA0", Some("MIGfMA0")),
            ("p=abc", Some("abc")),
            ("v=DKIM1; p= abc ;", Some("abc")),
            ("k=rsa; p=", None),
            ("v=DKIM1; k=rsa", None),
            ("v=DKIM1; P=abc", None),
            ("not a key; p=abc", None),
            ("=x; p=abc", None),
            ("v=spf1 -all", None),
            ("", None),
        ];
        for (record, expected) in cases {
            assert_eq!(dkim_key(record), expected, "{record:?}");
        }
    }

    fn probe(selector: &str, txt: Lookup<String>, cname: Lookup<String>) -> DkimProbe {
        DkimProbe {
            selector: selector.to_owned(),
            txt,
            cname,
        }
    }

    fn nothing(selector: &str) -> DkimProbe {
        probe(selector, Lookup::NxDomain, Lookup::NxDomain)
    }

    const KEY: &str = "v=DKIM1; k=rsa; p=MIIBIjANBg";

    #[test]
    fn dkim_signals() {
        let m365_cname = || txt(&["selector1-contoso-com._domainkey.contoso.onmicrosoft.com."]);
        struct Case {
            name: &'static str,
            probes: Vec<DkimProbe>,
            dkim: Option<bool>,
            selectors: &'static [&'static str],
        }
        let cases = [
            Case {
                name: "key at google",
                probes: vec![
                    nothing("default"),
                    probe("google", txt(&[KEY]), Lookup::NxDomain),
                ],
                dkim: Some(true),
                selectors: &["google"],
            },
            Case {
                name: "key found beside a failed lookup",
                probes: vec![
                    probe("default", Lookup::Timeout, Lookup::Timeout),
                    probe("s1", txt(&[KEY]), txt(&[])),
                ],
                dkim: Some(true),
                selectors: &["s1"],
            },
            Case {
                name: "no key, a TXT lookup failed",
                probes: vec![
                    nothing("default"),
                    probe("k1", Lookup::Failed, Lookup::NxDomain),
                ],
                dkim: None,
                selectors: &[],
            },
            Case {
                name: "no key, only a CNAME lookup failed",
                probes: vec![
                    nothing("default"),
                    probe("k1", Lookup::NxDomain, Lookup::Timeout),
                ],
                dkim: Some(false),
                selectors: &[],
            },
            Case {
                name: "CNAME without a reachable key",
                probes: vec![probe("selector1", Lookup::NxDomain, m365_cname())],
                dkim: Some(false),
                selectors: &[],
            },
            Case {
                name: "revoked key",
                probes: vec![probe("mail", txt(&["v=DKIM1; p="]), txt(&[]))],
                dkim: Some(false),
                selectors: &[],
            },
            Case {
                name: "several keys in probe order",
                probes: vec![
                    probe("selector1", txt(&[KEY]), m365_cname()),
                    probe("s2", txt(&["x", KEY]), txt(&[])),
                ],
                dkim: Some(true),
                selectors: &["selector1", "s2"],
            },
        ];
        for case in cases {
            let dkim = parse_dkim(&case.probes);
            assert_eq!(dkim.dkim, case.dkim, "{}", case.name);
            assert_eq!(dkim.selectors, case.selectors, "{}", case.name);
        }
    }

    #[test]
    fn dkim_evidence() {
        let probes = vec![
            probe("default", txt(&[KEY]), Lookup::NxDomain),
            probe("google", txt(&[KEY]), Lookup::NxDomain),
            probe(
                "selector1",
                Lookup::NxDomain,
                txt(&["selector1-contoso-com._domainkey.Contoso.onmicrosoft.com."]),
            ),
            probe(
                "selector2",
                txt(&[KEY]),
                txt(&["selector2._domainkey.example.net"]),
            ),
            probe("k1", txt(&[KEY]), txt(&["dkim.mcsv.net"])),
            probe("zmail", txt(&[KEY]), Lookup::NxDomain),
            probe("s1", Lookup::NxDomain, txt(&["s1.onmicrosoft.com"])),
        ];
        let dkim = parse_dkim(&probes);
        let items: Vec<(&str, Option<Provider>)> = dkim
            .evidence
            .iter()
            .map(|e| (e.detail.as_str(), e.provider))
            .collect();
        assert_eq!(
            items,
            [
                (
                    format!("google._domainkey TXT {KEY}").as_str(),
                    Some(Provider::Google)
                ),
                (
                    "selector1._domainkey CNAME selector1-contoso-com._domainkey.Contoso.onmicrosoft.com.",
                    Some(Provider::M365)
                ),
                (
                    format!("zmail._domainkey TXT {KEY}").as_str(),
                    Some(Provider::Zoho)
                ),
            ]
        );
        assert!(
            dkim.evidence
                .iter()
                .all(|e| e.kind == EvidenceKind::Dkim && !e.decisive)
        );
        assert_eq!(
            dkim.selectors,
            ["default", "google", "selector2", "k1", "zmail"]
        );
    }

    #[test]
    fn dmarc_signals() {
        struct Case {
            name: &'static str,
            lookup: Lookup<String>,
            policy: Option<DmarcPolicy>,
            sp: Option<&'static str>,
            coverage: Option<u8>,
            record: Option<&'static str>,
        }
        let one = |name, record: &'static str, policy, sp, coverage| Case {
            name,
            lookup: txt(&[record]),
            policy: Some(policy),
            sp,
            coverage: Some(coverage),
            record: Some(record),
        };
        let cases = [
            one(
                "sp never affects p",
                "v=DMARC1; p=reject; sp=none",
                DmarcPolicy::Reject,
                Some("none"),
                100,
            ),
            one(
                "mixed case p",
                "v=DMARC1; P=Reject",
                DmarcPolicy::Reject,
                None,
                100,
            ),
            one(
                "spaces around =",
                "V = dmarc1 ; p = quarantine ; SP = Reject",
                DmarcPolicy::Quarantine,
                Some("reject"),
                100,
            ),
            one(
                "pct 50",
                "v=DMARC1; p=none; pct=50",
                DmarcPolicy::None,
                None,
                50,
            ),
            one(
                "pct abc",
                "v=DMARC1; p=reject; pct=abc",
                DmarcPolicy::Reject,
                None,
                100,
            ),
            one(
                "pct 150",
                "v=DMARC1; p=reject; pct=150",
                DmarcPolicy::Reject,
                None,
                100,
            ),
            one(
                "pct negative",
                "v=DMARC1; p=reject; pct=-5",
                DmarcPolicy::Reject,
                None,
                0,
            ),
            one(
                "pct 0",
                "v=DMARC1; p=quarantine; pct=0",
                DmarcPolicy::Quarantine,
                None,
                0,
            ),
            one(
                "pct huge",
                "v=DMARC1; p=reject; pct=99999999999999999999999",
                DmarcPolicy::Reject,
                None,
                100,
            ),
            one(
                "missing p",
                "v=DMARC1; rua=mailto:d@x.com",
                DmarcPolicy::None,
                None,
                100,
            ),
            one(
                "unknown p",
                "v=DMARC1; p=rejected",
                DmarcPolicy::None,
                None,
                100,
            ),
            one(
                "only sp",
                "v=DMARC1; sp=reject",
                DmarcPolicy::None,
                Some("reject"),
                100,
            ),
            one(
                "first occurrence wins",
                "v=DMARC1; p=quarantine; p=reject; pct=20; pct=80",
                DmarcPolicy::Quarantine,
                None,
                20,
            ),
            Case {
                name: "two records",
                lookup: txt(&["v=DMARC1; p=reject", "v=DMARC1; p=none"]),
                policy: None,
                sp: None,
                coverage: None,
                record: Some("v=DMARC1; p=reject\nv=DMARC1; p=none"),
            },
            Case {
                name: "one DMARC record among other TXT",
                lookup: txt(&["hello", "p=reject; v=DMARC1", "v=DMARC1; p=reject"]),
                policy: Some(DmarcPolicy::Reject),
                sp: None,
                coverage: Some(100),
                record: Some("v=DMARC1; p=reject"),
            },
            Case {
                name: "no record",
                lookup: txt(&["hello"]),
                policy: None,
                sp: None,
                coverage: None,
                record: None,
            },
            Case {
                name: "nxdomain",
                lookup: Lookup::NxDomain,
                policy: None,
                sp: None,
                coverage: None,
                record: None,
            },
            Case {
                name: "timeout",
                lookup: Lookup::Timeout,
                policy: None,
                sp: None,
                coverage: None,
                record: None,
            },
        ];
        for case in cases {
            let dmarc = parse_dmarc(&case.lookup);
            assert_eq!(dmarc.policy, case.policy, "{}", case.name);
            assert_eq!(dmarc.subdomain_policy.as_deref(), case.sp, "{}", case.name);
            assert_eq!(dmarc.coverage, case.coverage, "{}", case.name);
            assert_eq!(dmarc.record.as_deref(), case.record, "{}", case.name);
        }
    }

    #[test]
    fn dmarc_coverage_values() {
        let cases = [
            (None, 100),
            (Some("50"), 50),
            (Some(" 7 "), 7),
            (Some("+30"), 30),
            (Some("100"), 100),
            (Some("101"), 100),
            (Some("-1"), 0),
            (Some("-99999999999999999999999"), 0),
            (Some("12.5"), 100),
            (Some(""), 100),
        ];
        for (pct, expected) in cases {
            assert_eq!(dmarc_coverage(pct), expected, "{pct:?}");
        }
    }

    #[test]
    fn autodiscover() {
        let (target, evidence) = parse_autodiscover(&txt(&["Autodiscover.Outlook.com."]));
        assert_eq!(target.as_deref(), Some("autodiscover.outlook.com"));
        assert_eq!(evidence.len(), 1);
        assert_eq!(evidence[0].provider, Some(Provider::M365));
        assert_eq!(evidence[0].kind, EvidenceKind::Autodiscover);

        let (target, evidence) = parse_autodiscover(&txt(&["autodiscover.hosting.example"]));
        assert_eq!(target.as_deref(), Some("autodiscover.hosting.example"));
        assert!(evidence.is_empty());

        for lookup in [Lookup::NxDomain, Lookup::Timeout, txt(&[])] {
            assert_eq!(parse_autodiscover(&lookup), (None, Vec::new()));
        }
    }

    #[test]
    fn verification_records() {
        let evidence = verification_evidence(&txt(&[
            "MS=ms12345678",
            "google-site-verification=abc",
            "zoho-verification=zb123.zmverify.zoho.com",
            "yandex-verification: 1a2b",
            "v=spf1 -all",
            "MS=other",
            "facebook-domain-verification=x",
        ]));
        let items: Vec<(&str, Option<Provider>)> = evidence
            .iter()
            .map(|e| (e.detail.as_str(), e.provider))
            .collect();
        assert_eq!(
            items,
            [
                ("MS=ms12345678", Some(Provider::M365)),
                ("google-site-verification=abc", Some(Provider::Google)),
                (
                    "zoho-verification=zb123.zmverify.zoho.com",
                    Some(Provider::Zoho)
                ),
                ("yandex-verification: 1a2b", Some(Provider::Yandex)),
            ]
        );
        assert!(
            evidence
                .iter()
                .all(|e| e.kind == EvidenceKind::VerificationTxt && !e.decisive)
        );
    }

    #[test]
    fn tenant() {
        assert_eq!(tenant_evidence(None), None);
        let item = tenant_evidence(Some("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert_eq!(
            item,
            Some(Evidence {
                kind: EvidenceKind::Tenant,
                detail: "72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned(),
                provider: Some(Provider::M365),
                decisive: false,
            })
        );
    }
}
