//! Who runs the mail: provider table, gateways, local hosting companies, tenant size and the
//! classification algorithm (§3.9, §3.10, §4).

use crate::dns::MxRecord;
use crate::domain::registrable_domain;
use crate::model::{Evidence, EvidenceKind, Provider, TenantSize};
use crate::tables;

/// A host matches root `r` when it equals `r` or ends with `.` + `r` (label boundaries only).
pub fn host_matches_root(host: &str, root: &str) -> bool {
    host.strip_suffix(root)
        .is_some_and(|head| head.is_empty() || head.ends_with('.'))
}

/// The provider of an MX host by the provider table (§4.1), first match in table order.
pub fn provider_for_host(host: &str) -> Option<Provider> {
    tables::PROVIDER_ROOTS
        .iter()
        .find(|(_, roots)| roots.iter().any(|root| host_matches_root(host, root)))
        .map(|(provider, _)| *provider)
}

/// The security gateway of an MX host (§4.2): by the first label of its registrable domain.
pub fn gateway_for_host(host: &str) -> Option<&'static str> {
    let registrable = registrable_domain(host)?;
    let label = registrable.split('.').next()?;
    tables::GATEWAYS
        .iter()
        .find(|(_, labels)| labels.contains(&label))
        .map(|(name, _)| *name)
}

/// The Turkish hosting company of the first MX host that matches an entry (§3.9).
pub fn local_provider(mx: &[MxRecord]) -> Option<&'static str> {
    mx.iter().find_map(|record| {
        tables::LOCAL_PROVIDERS
            .iter()
            .find(|(suffix, _)| host_matches_root(&record.host, suffix))
            .map(|(_, name)| *name)
    })
}

/// Tenant size from the full host name of the provider's own MX host (§3.10).
pub fn tenant_size(provider: Provider, host: &str) -> Option<TenantSize> {
    match provider {
        Provider::M365 if host.contains("mail.protection.outlook.com") => Some(TenantSize::Large),
        Provider::M365
            if has_regional_protection_label(host)
                || host.contains("olc.protection.outlook.com") =>
        {
            Some(TenantSize::Small)
        }
        Provider::M365 => Some(TenantSize::Medium),
        Provider::Google if host.contains("aspmx.l.google.com") => Some(TenantSize::Medium),
        Provider::Google if host.contains("google.com") || host.contains("googlemail.com") => {
            Some(TenantSize::Large)
        }
        Provider::Google => Some(TenantSize::Medium),
        _ => None,
    }
}

/// Whether `host` contains a match of `[a-z]{3}\d{2}\.protection\.outlook\.com`.
fn has_regional_protection_label(host: &str) -> bool {
    const SUFFIX: &str = ".protection.outlook.com";
    let bytes = host.as_bytes();
    host.match_indices(SUFFIX).any(|(end, _)| {
        end >= 5
            && bytes[end - 5..end - 2].iter().all(u8::is_ascii_lowercase)
            && bytes[end - 2..end].iter().all(u8::is_ascii_digit)
    })
}

/// The outcome of §4.4 for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub provider: Provider,
    pub gateway: Option<String>,
    pub tenant_size: Option<TenantSize>,
    /// One item per MX host in preference order, then the record evidence handed in.
    pub evidence: Vec<Evidence>,
}

/// What step 2 found for one MX host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostMatch {
    Provider(Provider),
    Gateway(&'static str),
    Neither,
}

/// Step 2: the provider table first, then the gateway table.
fn match_host(host: &str) -> HostMatch {
    if let Some(provider) = provider_for_host(host) {
        HostMatch::Provider(provider)
    } else if let Some(gateway) = gateway_for_host(host) {
        HostMatch::Gateway(gateway)
    } else {
        HostMatch::Neither
    }
}

/// Classifies a domain from its usable MX hosts (normalized, in preference order) and the
/// evidence read from its other records. Only SPF include, DKIM and autodiscover items are
/// counted (§4.3); verification and tenant items are carried along but never decide.
pub fn classify(mx: &[MxRecord], record_evidence: Vec<Evidence>) -> Classification {
    let matches: Vec<HostMatch> = mx.iter().map(|record| match_host(&record.host)).collect();
    let mut evidence: Vec<Evidence> = mx
        .iter()
        .zip(&matches)
        .map(|(record, found)| Evidence {
            kind: match found {
                HostMatch::Gateway(_) => EvidenceKind::Gateway,
                _ => EvidenceKind::Mx,
            },
            detail: format!("{} {}", record.preference, record.host),
            provider: match found {
                HostMatch::Provider(provider) => Some(*provider),
                _ => None,
            },
            decisive: false,
        })
        .collect();
    evidence.extend(record_evidence);
    if mx.is_empty() {
        return Classification {
            provider: Provider::Unknown,
            gateway: None,
            tenant_size: None,
            evidence,
        };
    }
    let gateway = matches.iter().find_map(|found| match found {
        HostMatch::Gateway(name) => Some(*name),
        _ => None,
    });
    let provider_host = matches
        .iter()
        .enumerate()
        .find_map(|(index, found)| match found {
            HostMatch::Provider(provider) => Some((index, *provider)),
            _ => None,
        });

    let (provider, tenant_size) = if let Some((index, provider)) = provider_host {
        evidence[index].decisive = true;
        (provider, tenant_size(provider, &mx[index].host))
    } else if let Some(provider) = evidence_winner(&evidence) {
        for item in evidence
            .iter_mut()
            .filter(|item| counts(item) && item.provider == Some(provider))
        {
            item.decisive = true;
        }
        // No MX host is the provider's own here, so there is no host to size the tenant from.
        (provider, None)
    } else {
        // Step 6: the hosts themselves (unknown, or a gateway with nothing behind it) decided.
        for item in &mut evidence[..mx.len()] {
            item.decisive = true;
        }
        (
            if gateway.is_some() {
                Provider::Unknown
            } else {
                Provider::Local
            },
            None,
        )
    };
    Classification {
        provider,
        gateway: gateway.map(str::to_owned),
        tenant_size,
        evidence,
    }
}

/// Whether an item is §4.3 evidence, counted in step 5.
fn counts(item: &Evidence) -> bool {
    matches!(
        item.kind,
        EvidenceKind::SpfInclude | EvidenceKind::Dkim | EvidenceKind::Autodiscover
    )
}

/// Step 5: the provider with the most §4.3 items; ties go to DKIM evidence, then table order.
fn evidence_winner(evidence: &[Evidence]) -> Option<Provider> {
    let mut best: Option<(Provider, (usize, bool))> = None;
    for provider in tables::EVIDENCE_PROVIDERS {
        let items = || {
            evidence
                .iter()
                .filter(|item| counts(item) && item.provider == Some(provider))
        };
        let key = (
            items().count(),
            items().any(|item| item.kind == EvidenceKind::Dkim),
        );
        // Strictly greater, so an equal key keeps the earlier provider in table order.
        if key.0 > 0 && best.is_none_or(|(_, best_key)| key > best_key) {
            best = Some((provider, key));
        }
    }
    best.map(|(provider, _)| provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(records: &[(u16, &str)]) -> Vec<MxRecord> {
        records
            .iter()
            .map(|(preference, host)| MxRecord {
                preference: *preference,
                host: (*host).to_owned(),
            })
            .collect()
    }

    fn item(kind: EvidenceKind, detail: &str, provider: Provider) -> Evidence {
        Evidence {
            kind,
            detail: detail.to_owned(),
            provider: Some(provider),
            decisive: false,
        }
    }

    fn spf(target: &str, provider: Provider) -> Evidence {
        item(
            EvidenceKind::SpfInclude,
            &format!("include:{target}"),
            provider,
        )
    }

    fn dkim(provider: Provider) -> Evidence {
        item(EvidenceKind::Dkim, "selector._domainkey", provider)
    }

    #[test]
    fn root_matching_uses_label_boundaries() {
        let cases = [
            ("zoho.com", "zoho.com", true),
            ("mx.zoho.com", "zoho.com", true),
            ("mx.zoho.com.tr", "zoho.com", false),
            ("xzoho.com", "zoho.com", false),
            ("mx.cloudns.com", "dns.com", false),
            ("mx.dns.com", "dns.com", true),
            ("com", "zoho.com", false),
        ];
        for (host, root, expected) in cases {
            assert_eq!(host_matches_root(host, root), expected, "{host} / {root}");
        }
    }

    #[test]
    fn provider_table() {
        let cases = [
            (
                "contoso-com.mail.protection.outlook.com",
                Some(Provider::M365),
            ),
            ("contoso-com.k-v1.mx.microsoft", Some(Provider::M365)),
            ("contoso.olc.protection.outlook.com", Some(Provider::M365)),
            ("outlook.office365.com", Some(Provider::M365)),
            ("evil-outlook.com", None),
            ("smtp.google.com", Some(Provider::Google)),
            ("alt1.aspmx.l.google.com", Some(Provider::Google)),
            ("gmail-smtp-in.l.google.com", Some(Provider::Google)),
            ("mx.yandex.net", Some(Provider::Yandex)),
            ("mx.yandex.ru", Some(Provider::Yandex)),
            ("mx.zoho.eu", Some(Provider::Zoho)),
            ("mx.zoho.com.tr", None),
            (
                "inbound-smtp.eu-west-1.amazonaws.com",
                Some(Provider::Amazon),
            ),
            ("mx.sendgrid.net", Some(Provider::SendGrid)),
            ("mxa.mailgun.org", Some(Provider::Mailgun)),
            ("mx1.hostinger.com", Some(Provider::Hosting)),
            ("mail.contoso.com", None),
        ];
        for (host, expected) in cases {
            assert_eq!(provider_for_host(host), expected, "{host}");
        }
    }

    #[test]
    fn gateway_table() {
        let cases = [
            ("eu-smtp-inbound-1.mimecast.com", Some("Mimecast")),
            ("za-smtp-inbound-1.mimecast-offshore.com", Some("Mimecast")),
            ("mx0a-001.pphosted.com", Some("Proofpoint")),
            ("mx1-us1.ppe-hosted.com", Some("Proofpoint")),
            ("d123.a.ess.barracudanetworks.com", Some("Barracuda")),
            ("esa1.contoso.iphmx.com", Some("Cisco")),
            ("cluster1.eu.messagelabs.com", Some("Symantec")),
            ("mx-01-eu-west-1.prod.hydra.sophos.com", Some("Sophos")),
            ("contoso.com.in.tmes.trendmicro.eu", Some("Trend Micro")),
            ("mx01.hornetsecurity.com", Some("Hornetsecurity")),
            ("contoso.mail.seppmail.cloud", Some("SEPPmail")),
            ("mimecast.contoso.com", None),
            ("mx.notmimecast.com", None),
            ("mail.contoso.com", None),
        ];
        for (host, expected) in cases {
            assert_eq!(gateway_for_host(host), expected, "{host}");
        }
    }

    type Hosts = &'static [(u16, &'static str)];

    #[test]
    fn local_providers() {
        let cases: [(Hosts, Option<&str>); 12] = [
            (&[(10, "mx.turkhost.com.tr")], Some("TürkHost")),
            (&[(10, "mail.natrohost.com")], Some("Natro")),
            (&[(10, "mx.dns.com.tr")], Some("DNS")),
            (&[(10, "mx1.cloudns.com")], None),
            (&[(10, "mx.isimtescil.net")], Some("İsimtescil")),
            (&[(10, "aspmx.vit.com.tr")], Some("VIT")),
            (&[(10, "mx.metu.edu.tr")], Some("ODTÜ")),
            (&[(10, "mx.ku.edu.tr")], Some("Koç Üniversitesi")),
            (&[(10, "mx.notku.edu.tr")], None),
            (
                &[
                    (10, "mail.contoso.com"),
                    (20, "mx.superonline.net"),
                    (30, "mx.natro.com"),
                ],
                Some("Superonline"),
            ),
            // Set whatever the provider: a Google MX host is not a hosting company, a later one is.
            (
                &[(1, "aspmx.l.google.com"), (5, "mx.pendns.net")],
                Some("Pendns"),
            ),
            (&[], None),
        ];
        for (hosts, expected) in cases {
            assert_eq!(local_provider(&mx(hosts)), expected, "{hosts:?}");
        }
    }

    #[test]
    fn tenant_sizes() {
        let cases = [
            (
                Provider::M365,
                "contoso-com.mail.protection.outlook.com",
                Some(TenantSize::Large),
            ),
            (
                Provider::M365,
                "eur05.protection.outlook.com",
                Some(TenantSize::Small),
            ),
            (
                Provider::M365,
                "contoso.olc.protection.outlook.com",
                Some(TenantSize::Small),
            ),
            (
                Provider::M365,
                "eu5.protection.outlook.com",
                Some(TenantSize::Medium),
            ),
            (
                Provider::M365,
                "EUR05.protection.outlook.com",
                Some(TenantSize::Medium),
            ),
            (
                Provider::M365,
                "contoso-com.k-v1.mx.microsoft",
                Some(TenantSize::Medium),
            ),
            (
                Provider::Google,
                "aspmx.l.google.com",
                Some(TenantSize::Medium),
            ),
            (
                Provider::Google,
                "alt2.aspmx.l.google.com",
                Some(TenantSize::Medium),
            ),
            (Provider::Google, "smtp.google.com", Some(TenantSize::Large)),
            (
                Provider::Google,
                "mx.googlemail.com",
                Some(TenantSize::Large),
            ),
            (Provider::Google, "mx.gmail.com", Some(TenantSize::Medium)),
            (Provider::Zoho, "mx.zoho.com", None),
            (Provider::Local, "mail.contoso.com", None),
        ];
        for (provider, host, expected) in cases {
            assert_eq!(tenant_size(provider, host), expected, "{provider} {host}");
        }
    }

    struct Case {
        name: &'static str,
        mx: &'static [(u16, &'static str)],
        evidence: Vec<Evidence>,
        provider: Provider,
        gateway: Option<&'static str>,
        tenant_size: Option<TenantSize>,
        /// Details of the items marked decisive.
        decisive: &'static [&'static str],
    }

    #[test]
    fn classification() {
        let m365_spf = || spf("spf.protection.outlook.com", Provider::M365);
        let google_spf = || spf("_spf.google.com", Provider::Google);
        let cases = [
            Case {
                name: "M365 direct",
                mx: &[(0, "contoso-com.mail.protection.outlook.com")],
                evidence: vec![m365_spf()],
                provider: Provider::M365,
                gateway: None,
                tenant_size: Some(TenantSize::Large),
                decisive: &["0 contoso-com.mail.protection.outlook.com"],
            },
            Case {
                name: "M365 via mx.microsoft",
                mx: &[(0, "contoso-com.k-v1.mx.microsoft")],
                evidence: vec![],
                provider: Provider::M365,
                gateway: None,
                tenant_size: Some(TenantSize::Medium),
                decisive: &["0 contoso-com.k-v1.mx.microsoft"],
            },
            Case {
                name: "M365 behind Mimecast",
                mx: &[
                    (10, "eu-smtp-inbound-1.mimecast.com"),
                    (20, "contoso-com.mail.protection.outlook.com"),
                ],
                evidence: vec![],
                provider: Provider::M365,
                gateway: Some("Mimecast"),
                tenant_size: Some(TenantSize::Large),
                decisive: &["20 contoso-com.mail.protection.outlook.com"],
            },
            Case {
                name: "Proofpoint with only an M365 SPF include",
                mx: &[(10, "mx0a-001.pphosted.com"), (10, "mx0b-001.pphosted.com")],
                evidence: vec![m365_spf()],
                provider: Provider::M365,
                gateway: Some("Proofpoint"),
                tenant_size: None,
                decisive: &["include:spf.protection.outlook.com"],
            },
            Case {
                name: "gateway with nothing behind it",
                mx: &[
                    (10, "eu-smtp-inbound-1.mimecast.com"),
                    (20, "eu-smtp-inbound-2.mimecast.com"),
                ],
                evidence: vec![],
                provider: Provider::Unknown,
                gateway: Some("Mimecast"),
                tenant_size: None,
                decisive: &[
                    "10 eu-smtp-inbound-1.mimecast.com",
                    "20 eu-smtp-inbound-2.mimecast.com",
                ],
            },
            Case {
                name: "unknown MX, no evidence",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![],
                provider: Provider::Local,
                gateway: None,
                tenant_size: None,
                decisive: &["10 mail.contoso.com"],
            },
            Case {
                name: "unknown MX with a Google SPF include",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![google_spf()],
                provider: Provider::Google,
                gateway: None,
                tenant_size: None,
                decisive: &["include:_spf.google.com"],
            },
            Case {
                name: "tie: DKIM evidence wins over table order",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![m365_spf(), dkim(Provider::Google)],
                provider: Provider::Google,
                gateway: None,
                tenant_size: None,
                decisive: &["selector._domainkey"],
            },
            Case {
                name: "tie: both with DKIM evidence, table order",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![dkim(Provider::Zoho), dkim(Provider::M365)],
                provider: Provider::M365,
                gateway: None,
                tenant_size: None,
                decisive: &["selector._domainkey"],
            },
            Case {
                name: "tie without DKIM evidence: table order",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![
                    spf("zoho.com", Provider::Zoho),
                    spf("_spf.yandex.net", Provider::Yandex),
                ],
                provider: Provider::Yandex,
                gateway: None,
                tenant_size: None,
                decisive: &["include:_spf.yandex.net"],
            },
            Case {
                name: "the higher count beats DKIM evidence",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![
                    dkim(Provider::Google),
                    m365_spf(),
                    item(
                        EvidenceKind::Autodiscover,
                        "autodiscover CNAME autodiscover.outlook.com",
                        Provider::M365,
                    ),
                ],
                provider: Provider::M365,
                gateway: None,
                tenant_size: None,
                decisive: &[
                    "include:spf.protection.outlook.com",
                    "autodiscover CNAME autodiscover.outlook.com",
                ],
            },
            Case {
                name: "verification records and tenant never count",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![
                    item(EvidenceKind::VerificationTxt, "MS=ms1", Provider::M365),
                    item(EvidenceKind::VerificationTxt, "MS=ms2", Provider::M365),
                    item(
                        EvidenceKind::Tenant,
                        "72f988bf-86f1-41af-91ab-2d7cd011db47",
                        Provider::M365,
                    ),
                    google_spf(),
                ],
                provider: Provider::Google,
                gateway: None,
                tenant_size: None,
                decisive: &["include:_spf.google.com"],
            },
            Case {
                name: "verification alone leaves the MX unknown",
                mx: &[(10, "mail.contoso.com")],
                evidence: vec![item(
                    EvidenceKind::VerificationTxt,
                    "google-site-verification=x",
                    Provider::Google,
                )],
                provider: Provider::Local,
                gateway: None,
                tenant_size: None,
                decisive: &["10 mail.contoso.com"],
            },
            Case {
                name: "an MX provider beats record evidence",
                mx: &[(1, "smtp.google.com")],
                evidence: vec![m365_spf(), dkim(Provider::M365)],
                provider: Provider::Google,
                gateway: None,
                tenant_size: Some(TenantSize::Large),
                decisive: &["1 smtp.google.com"],
            },
            Case {
                name: "first provider host wins, gateway after it still named",
                mx: &[
                    (5, "mx.zoho.com"),
                    (10, "aspmx.l.google.com"),
                    (20, "mx1.hornetsecurity.com"),
                ],
                evidence: vec![],
                provider: Provider::Zoho,
                gateway: Some("Hornetsecurity"),
                tenant_size: None,
                decisive: &["5 mx.zoho.com"],
            },
            Case {
                name: "sending service MX",
                mx: &[(10, "inbound-smtp.us-east-1.amazonaws.com")],
                evidence: vec![],
                provider: Provider::Amazon,
                gateway: None,
                tenant_size: None,
                decisive: &["10 inbound-smtp.us-east-1.amazonaws.com"],
            },
            Case {
                name: "no usable MX",
                mx: &[],
                evidence: vec![m365_spf()],
                provider: Provider::Unknown,
                gateway: None,
                tenant_size: None,
                decisive: &[],
            },
        ];
        for case in cases {
            let result = classify(&mx(case.mx), case.evidence);
            assert_eq!(result.provider, case.provider, "{}", case.name);
            assert_eq!(result.gateway.as_deref(), case.gateway, "{}", case.name);
            assert_eq!(result.tenant_size, case.tenant_size, "{}", case.name);
            let decisive: Vec<&str> = result
                .evidence
                .iter()
                .filter(|e| e.decisive)
                .map(|e| e.detail.as_str())
                .collect();
            assert_eq!(decisive, case.decisive, "{}", case.name);
        }
    }

    #[test]
    fn host_evidence_items() {
        let result = classify(
            &mx(&[
                (10, "eu-smtp-inbound-1.mimecast.com"),
                (20, "contoso-com.mail.protection.outlook.com"),
                (30, "backup.contoso.com"),
            ]),
            vec![spf("spf.protection.outlook.com", Provider::M365)],
        );
        assert_eq!(
            result.evidence,
            [
                Evidence {
                    kind: EvidenceKind::Gateway,
                    detail: "10 eu-smtp-inbound-1.mimecast.com".to_owned(),
                    provider: None,
                    decisive: false,
                },
                Evidence {
                    kind: EvidenceKind::Mx,
                    detail: "20 contoso-com.mail.protection.outlook.com".to_owned(),
                    provider: Some(Provider::M365),
                    decisive: true,
                },
                Evidence {
                    kind: EvidenceKind::Mx,
                    detail: "30 backup.contoso.com".to_owned(),
                    provider: None,
                    decisive: false,
                },
                spf("spf.protection.outlook.com", Provider::M365),
            ]
        );
    }
}
