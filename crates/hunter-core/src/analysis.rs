//! From raw DNS answers to signals (`hunter.md` §3.3–§4).

mod classify;
mod records;

pub use classify::{
    Classification, classify, gateway_for_host, host_matches_root, local_provider,
    provider_for_host, tenant_size,
};
pub use records::{
    Dkim, Dmarc, Spf, dkim_key, dmarc_coverage, dmarc_tags, is_spf_record, parse_autodiscover,
    parse_dkim, parse_dmarc, parse_spf, spf_include_provider, spf_include_terms, tenant_evidence,
    verification_evidence,
};

use crate::dns::{Lookup, MxRecord, RawDns};
use crate::domain::{Domain, registrable_domain};
use crate::model::{ScanStatus, Signals};

/// Derives scan status, SPF, DKIM, DMARC, MX list and root, local provider, provider,
/// gateway, tenant size and the evidence list.
pub fn analyze(domain: &Domain, raw: &RawDns) -> Signals {
    let mx = mx_records(&raw.mx);
    let spf = parse_spf(&raw.apex_txt);
    let dkim = parse_dkim(&raw.dkim);
    let dmarc = parse_dmarc(&raw.dmarc_txt);
    let (autodiscover_target, autodiscover_evidence) = parse_autodiscover(&raw.autodiscover_cname);

    // §4.5 order: MX hosts (added by `classify`), then the counted record evidence, then the
    // evidence that never decides.
    let mut record_evidence = spf.evidence;
    record_evidence.extend(dkim.evidence);
    record_evidence.extend(autodiscover_evidence);
    record_evidence.extend(verification_evidence(&raw.apex_txt));
    record_evidence.extend(tenant_evidence(raw.entra_tenant_id.as_deref()));
    let classification = classify(&mx, record_evidence);

    Signals {
        domain: domain.as_str().to_owned(),
        scan_status: scan_status(raw),
        mx_root: mx
            .first()
            .and_then(|record| registrable_domain(&record.host)),
        local_provider: local_provider(&mx).map(str::to_owned),
        mx_records: mx,
        provider: classification.provider,
        gateway: classification.gateway,
        tenant_size: classification.tenant_size,
        spf: spf.spf,
        spf_record: spf.record,
        spf_include_count: u32::try_from(spf.includes.len()).unwrap_or(u32::MAX),
        spf_includes: spf.includes,
        dkim: dkim.dkim,
        dkim_selectors: dkim.selectors,
        dmarc_record: dmarc.record,
        dmarc_policy: dmarc.policy,
        dmarc_subdomain_policy: dmarc.subdomain_policy,
        dmarc_coverage: dmarc.coverage,
        autodiscover_target,
        entra_tenant_id: raw.entra_tenant_id.clone(),
        evidence: classification.evidence,
    }
}

/// The scan status of §3.3. Tenant discovery never changes it.
pub fn scan_status(raw: &RawDns) -> ScanStatus {
    match &raw.mx {
        Lookup::NxDomain => ScanStatus::Nxdomain,
        Lookup::Timeout => ScanStatus::Timeout,
        Lookup::Failed => ScanStatus::Servfail,
        Lookup::Answer(_) if mx_records(&raw.mx).is_empty() => ScanStatus::NoMx,
        Lookup::Answer(_) => {
            let others_answered = raw.apex_txt.answered()
                && raw.dmarc_txt.answered()
                && raw.autodiscover_cname.answered()
                && raw
                    .dkim
                    .iter()
                    .all(|probe| probe.txt.answered() && probe.cname.answered());
            if others_answered {
                ScanStatus::Ok
            } else {
                ScanStatus::Partial
            }
        }
    }
}

/// The usable MX list of §3.8: hosts normalized, null MX (`0 .`) dropped, sorted by preference
/// then host. Empty unless the lookup answered with real hosts.
pub fn mx_records(mx: &Lookup<MxRecord>) -> Vec<MxRecord> {
    let mut records: Vec<MxRecord> = mx
        .records()
        .iter()
        .map(|record| MxRecord {
            preference: record.preference,
            host: normalize_host(&record.host),
        })
        .filter(|record| !record.host.is_empty())
        .collect();
    records.sort_by(|a, b| {
        a.preference
            .cmp(&b.preference)
            .then_with(|| a.host.cmp(&b.host))
    });
    records
}

/// A DNS name as compared everywhere: trimmed, lowercased, without the trailing dot.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim().to_lowercase();
    match host.strip_suffix('.') {
        Some(stripped) => stripped.to_owned(),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::DkimProbe;
    use crate::model::{DmarcPolicy, Evidence, EvidenceKind, Provider, TenantSize};
    use crate::tables::DKIM_SELECTORS;

    fn answer<T: Clone>(records: &[T]) -> Lookup<T> {
        Lookup::Answer(records.to_vec())
    }

    fn txt(records: &[&str]) -> Lookup<String> {
        Lookup::Answer(records.iter().map(|r| (*r).to_owned()).collect())
    }

    fn mx(records: &[(u16, &str)]) -> Lookup<MxRecord> {
        Lookup::Answer(
            records
                .iter()
                .map(|(preference, host)| MxRecord {
                    preference: *preference,
                    host: (*host).to_owned(),
                })
                .collect(),
        )
    }

    /// A domain with one plain MX host whose other lookups all answered empty.
    fn raw(mx_lookup: Lookup<MxRecord>) -> RawDns {
        RawDns {
            mx: mx_lookup,
            apex_txt: txt(&[]),
            dmarc_txt: Lookup::NxDomain,
            dkim: DKIM_SELECTORS
                .iter()
                .map(|s| DkimProbe {
                    selector: (*s).to_owned(),
                    txt: Lookup::NxDomain,
                    cname: Lookup::NxDomain,
                })
                .collect(),
            autodiscover_cname: Lookup::NxDomain,
            entra_tenant_id: None,
        }
    }

    fn plain() -> RawDns {
        raw(mx(&[(10, "mail.contoso.com")]))
    }

    fn domain() -> Domain {
        Domain::parse("contoso.com").expect("valid domain")
    }

    fn probe_mut<'a>(raw: &'a mut RawDns, selector: &str) -> &'a mut DkimProbe {
        raw.dkim
            .iter_mut()
            .find(|p| p.selector == selector)
            .expect("probed selector")
    }

    #[test]
    fn scan_status_per_lookup_outcome() {
        let with = |change: fn(&mut RawDns)| {
            let mut raw = plain();
            change(&mut raw);
            raw
        };
        let cases: Vec<(&str, RawDns, ScanStatus)> = vec![
            ("MX NXDOMAIN", raw(Lookup::NxDomain), ScanStatus::Nxdomain),
            ("MX timeout", raw(Lookup::Timeout), ScanStatus::Timeout),
            ("MX failed", raw(Lookup::Failed), ScanStatus::Servfail),
            ("MX empty answer", raw(answer(&[])), ScanStatus::NoMx),
            ("null MX", raw(mx(&[(0, ".")])), ScanStatus::NoMx),
            (
                "null MX with empty host",
                raw(mx(&[(0, "")])),
                ScanStatus::NoMx,
            ),
            (
                "usable, every other lookup answered",
                plain(),
                ScanStatus::Ok,
            ),
            (
                "other lookups answered with records and NXDOMAIN",
                with(|r| {
                    r.apex_txt = Lookup::NxDomain;
                    r.dmarc_txt = txt(&["v=DMARC1; p=none"]);
                    r.autodiscover_cname = txt(&[]);
                }),
                ScanStatus::Ok,
            ),
            (
                "apex TXT timeout",
                with(|r| r.apex_txt = Lookup::Timeout),
                ScanStatus::Partial,
            ),
            (
                "apex TXT failed",
                with(|r| r.apex_txt = Lookup::Failed),
                ScanStatus::Partial,
            ),
            (
                "DMARC failed",
                with(|r| r.dmarc_txt = Lookup::Failed),
                ScanStatus::Partial,
            ),
            (
                "autodiscover timeout",
                with(|r| r.autodiscover_cname = Lookup::Timeout),
                ScanStatus::Partial,
            ),
            (
                "DKIM TXT failed",
                with(|r| probe_mut(r, "k1").txt = Lookup::Failed),
                ScanStatus::Partial,
            ),
            (
                "DKIM CNAME timeout",
                with(|r| probe_mut(r, "s2").cname = Lookup::Timeout),
                ScanStatus::Partial,
            ),
            (
                "tenant discovery never matters",
                with(|r| {
                    r.entra_tenant_id = Some("72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned())
                }),
                ScanStatus::Ok,
            ),
        ];
        for (name, raw, expected) in cases {
            assert_eq!(scan_status(&raw), expected, "{name}");
            assert_eq!(analyze(&domain(), &raw).scan_status, expected, "{name}");
        }
    }

    #[test]
    fn mx_list_is_normalized_and_sorted() {
        let lookup = mx(&[
            (20, "MX2.Contoso.COM."),
            (10, "mx.b.example."),
            (10, "mx.a.example"),
            (0, "."),
            (5, " Mx0.Example. "),
        ]);
        let hosts: Vec<(u16, String)> = mx_records(&lookup)
            .into_iter()
            .map(|r| (r.preference, r.host))
            .collect();
        let expected = [
            (5, "mx0.example"),
            (10, "mx.a.example"),
            (10, "mx.b.example"),
            (20, "mx2.contoso.com"),
        ];
        assert_eq!(hosts, expected.map(|(p, h)| (p, h.to_owned())));
        for failed in [Lookup::NxDomain, Lookup::Timeout, Lookup::Failed] {
            assert!(mx_records(&failed).is_empty());
        }
    }

    #[test]
    fn mx_root_uses_the_first_host() {
        let cases = [
            (
                &[
                    (20, "b.example.net"),
                    (10, "contoso-com.mail.protection.outlook.com"),
                ][..],
                Some("outlook.com"),
            ),
            (&[(10, "aspmx.vit.com.tr")][..], Some("vit.com.tr")),
            (
                &[(10, "contoso-com.k-v1.mx.microsoft")][..],
                Some("mx.microsoft"),
            ),
            (&[(0, ".")][..], None),
        ];
        for (hosts, expected) in cases {
            assert_eq!(
                analyze(&domain(), &raw(mx(hosts))).mx_root.as_deref(),
                expected,
                "{hosts:?}"
            );
        }
    }

    #[test]
    fn m365_domain_end_to_end() {
        let mut raw = raw(mx(&[(0, "Contoso-com.mail.protection.outlook.com.")]));
        raw.apex_txt = txt(&[
            "MS=ms12345678",
            "v=spf1 include:spf.protection.outlook.com include:x.net -all",
        ]);
        raw.dmarc_txt = txt(&["v=DMARC1; p=quarantine; sp=reject; pct=50"]);
        probe_mut(&mut raw, "selector1").cname =
            txt(&["selector1-contoso-com._domainkey.contoso.onmicrosoft.com"]);
        probe_mut(&mut raw, "selector1").txt = txt(&["v=DKIM1; k=rsa; p=MIIB"]);
        raw.autodiscover_cname = txt(&["autodiscover.outlook.com."]);
        raw.entra_tenant_id = Some("72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned());

        let s = analyze(&domain(), &raw);
        assert_eq!(s.domain, "contoso.com");
        assert_eq!(s.scan_status, ScanStatus::Ok);
        assert_eq!(
            s.mx_records,
            [MxRecord {
                preference: 0,
                host: "contoso-com.mail.protection.outlook.com".to_owned()
            }]
        );
        assert_eq!(s.mx_root.as_deref(), Some("outlook.com"));
        assert_eq!(s.provider, Provider::M365);
        assert_eq!(s.gateway, None);
        assert_eq!(s.local_provider, None);
        assert_eq!(s.tenant_size, Some(TenantSize::Large));
        assert_eq!(s.spf, Some(true));
        assert_eq!(
            s.spf_record.as_deref(),
            Some("v=spf1 include:spf.protection.outlook.com include:x.net -all")
        );
        assert_eq!(s.spf_includes, ["spf.protection.outlook.com", "x.net"]);
        assert_eq!(s.spf_include_count, 2);
        assert_eq!(s.dkim, Some(true));
        assert_eq!(s.dkim_selectors, ["selector1"]);
        assert_eq!(
            s.dmarc_record.as_deref(),
            Some("v=DMARC1; p=quarantine; sp=reject; pct=50")
        );
        assert_eq!(s.dmarc_policy, Some(DmarcPolicy::Quarantine));
        assert_eq!(s.dmarc_subdomain_policy.as_deref(), Some("reject"));
        assert_eq!(s.dmarc_coverage, Some(50));
        assert_eq!(
            s.autodiscover_target.as_deref(),
            Some("autodiscover.outlook.com")
        );
        assert_eq!(
            s.entra_tenant_id.as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        let m365 = |kind, detail: &str, decisive| Evidence {
            kind,
            detail: detail.to_owned(),
            provider: Some(Provider::M365),
            decisive,
        };
        assert_eq!(
            s.evidence,
            [
                m365(
                    EvidenceKind::Mx,
                    "0 contoso-com.mail.protection.outlook.com",
                    true
                ),
                m365(
                    EvidenceKind::SpfInclude,
                    "include:spf.protection.outlook.com",
                    false
                ),
                m365(
                    EvidenceKind::Dkim,
                    "selector1._domainkey CNAME selector1-contoso-com._domainkey.contoso.onmicrosoft.com",
                    false
                ),
                m365(
                    EvidenceKind::Autodiscover,
                    "autodiscover CNAME autodiscover.outlook.com",
                    false
                ),
                m365(EvidenceKind::VerificationTxt, "MS=ms12345678", false),
                m365(
                    EvidenceKind::Tenant,
                    "72f988bf-86f1-41af-91ab-2d7cd011db47",
                    false
                ),
            ]
        );
    }

    #[test]
    fn gateway_with_record_evidence_end_to_end() {
        let mut raw = raw(mx(&[
            (10, "mx1-us1.ppe-hosted.com"),
            (20, "mx2-us1.ppe-hosted.com"),
        ]));
        raw.apex_txt = txt(&["v=spf1 include:spf.protection.outlook.com -all"]);
        let s = analyze(&domain(), &raw);
        assert_eq!(
            (s.provider, s.gateway.as_deref(), s.tenant_size),
            (Provider::M365, Some("Proofpoint"), None)
        );
        assert_eq!(s.mx_root.as_deref(), Some("ppe-hosted.com"));
        assert_eq!(
            s.evidence
                .iter()
                .filter(|e| e.kind == EvidenceKind::Gateway)
                .count(),
            2
        );
    }

    #[test]
    fn local_hosting_end_to_end() {
        let s = analyze(&domain(), &raw(mx(&[(10, "aspmx.vit.com.tr")])));
        assert_eq!(
            (s.provider, s.local_provider.as_deref()),
            (Provider::Local, Some("VIT"))
        );
        let s = analyze(&domain(), &raw(mx(&[(10, "mx1.cloudns.com")])));
        assert_eq!(
            (s.provider, s.local_provider.as_deref()),
            (Provider::Local, None)
        );
    }

    #[test]
    fn failed_lookups_leave_their_signals_null() {
        let mut raw = plain();
        raw.apex_txt = Lookup::Timeout;
        raw.dmarc_txt = Lookup::Failed;
        raw.autodiscover_cname = Lookup::Timeout;
        probe_mut(&mut raw, "default").txt = Lookup::Failed;
        let s = analyze(&domain(), &raw);
        assert_eq!(s.scan_status, ScanStatus::Partial);
        assert_eq!((s.spf, s.spf_record, s.spf_include_count), (None, None, 0));
        assert_eq!(s.dkim, None);
        assert_eq!(
            (s.dmarc_record, s.dmarc_policy, s.dmarc_coverage),
            (None, None, None)
        );
        assert_eq!(s.autodiscover_target, None);
        assert_eq!(s.provider, Provider::Local);
    }

    #[test]
    fn answered_lookups_without_records_are_false_not_null() {
        let s = analyze(&domain(), &plain());
        assert_eq!((s.spf, s.dkim), (Some(false), Some(false)));
        assert_eq!(
            (s.dmarc_record, s.dmarc_policy, s.dmarc_coverage),
            (None, None, None)
        );
    }

    #[test]
    fn no_usable_mx_is_unknown() {
        for lookup in [
            mx(&[(0, ".")]),
            Lookup::NxDomain,
            Lookup::Timeout,
            Lookup::Failed,
        ] {
            let mut raw = raw(lookup);
            raw.apex_txt = txt(&["v=spf1 include:_spf.google.com ~all"]);
            let s = analyze(&domain(), &raw);
            assert_eq!(s.provider, Provider::Unknown, "{:?}", raw.mx);
            assert!(s.mx_records.is_empty());
            assert_eq!(
                (s.mx_root, s.gateway, s.local_provider, s.tenant_size),
                (None, None, None, None)
            );
            assert!(s.evidence.iter().all(|e| !e.decisive));
        }
    }
}
