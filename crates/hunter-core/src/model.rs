//! The vocabulary shared by every layer: providers, statuses, signals, evidence and scores.
//! Serialized names are the ones of `contract.md` and `hunter.md`.

use serde::{Deserialize, Serialize};

use crate::dns::MxRecord;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }
    };
}

impl Provider {
    /// The provider as a Turkish sentence names it: brands stay, the three generic codes are
    /// translated (the code itself, `as_str`, never changes).
    pub fn turkish(self) -> &'static str {
        match self {
            Provider::Local => "Yerel",
            Provider::Unknown => "Bilinmiyor",
            Provider::Hosting => "Hosting",
            other => other.as_str(),
        }
    }
}

/// A name that is not one of an enum's serialized names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
}

string_enum!(
    /// The mail provider (`contract.md` §4).
    Provider {
        M365 => "M365",
        Google => "Google",
        Yandex => "Yandex",
        Zoho => "Zoho",
        Amazon => "Amazon",
        SendGrid => "SendGrid",
        Mailgun => "Mailgun",
        Hosting => "Hosting",
        Local => "Local",
        Unknown => "Unknown",
    }
);

string_enum!(
    /// One scan's outcome (`hunter.md` §3.3).
    ScanStatus {
        Ok => "ok",
        Partial => "partial",
        NoMx => "no_mx",
        Nxdomain => "nxdomain",
        Timeout => "timeout",
        Servfail => "servfail",
        Invalid => "invalid",
    }
);

impl ScanStatus {
    /// `ok` and `partial` carry usable signals.
    pub fn is_usable(self) -> bool {
        matches!(self, ScanStatus::Ok | ScanStatus::Partial)
    }

    /// `timeout` and `servfail`: the scan failed and says nothing about the domain.
    pub fn is_scan_failure(self) -> bool {
        matches!(self, ScanStatus::Timeout | ScanStatus::Servfail)
    }
}

string_enum!(
    DmarcPolicy {
        None => "none",
        Quarantine => "quarantine",
        Reject => "reject",
    }
);

string_enum!(
    TenantSize {
        Small => "small",
        Medium => "medium",
        Large => "large",
    }
);

string_enum!(
    Segment {
        Existing => "Existing",
        Migration => "Migration",
        Cold => "Cold",
        Skip => "Skip",
    }
);

string_enum!(
    TechnicalHeat {
        Hot => "Hot",
        Warm => "Warm",
        Cold => "Cold",
    }
);

string_enum!(
    CommercialSegment {
        Greenfield => "GREENFIELD",
        Competitive => "COMPETITIVE",
        WeakPartner => "WEAK_PARTNER",
        Renewal => "RENEWAL",
        LowIntent => "LOW_INTENT",
        NoGo => "NO_GO",
    }
);

string_enum!(
    CommercialHeat {
        High => "HIGH",
        Medium => "MEDIUM",
        Low => "LOW",
    }
);

string_enum!(
    PriorityCategory {
        P1 => "P1",
        P2 => "P2",
        P3 => "P3",
        P4 => "P4",
        P5 => "P5",
        P6 => "P6",
    }
);

string_enum!(
    EvidenceKind {
        Mx => "mx",
        Gateway => "gateway",
        SpfInclude => "spf_include",
        Dkim => "dkim",
        Autodiscover => "autodiscover",
        VerificationTxt => "verification_txt",
        Tenant => "tenant",
        PartnerCenter => "partner_center",
    }
);

/// One piece of proof behind a classification (`hunter.md` §4.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// The record as seen, e.g. `10 eu-smtp-inbound-1.mimecast.com`.
    pub detail: String,
    pub provider: Option<Provider>,
    pub decisive: bool,
}

/// What one scan learned about a domain: the `domain_signals` row.
/// Signals whose lookup failed are `None` (stored as null, scored as absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signals {
    pub domain: String,
    pub scan_status: ScanStatus,
    /// Lowercased, trailing dot removed, sorted by preference then host.
    pub mx_records: Vec<MxRecord>,
    pub mx_root: Option<String>,
    /// The DNS-only classification (`domain_signals.classified_provider`).
    pub provider: Provider,
    pub gateway: Option<String>,
    pub local_provider: Option<String>,
    pub tenant_size: Option<TenantSize>,
    pub spf: Option<bool>,
    /// SPF record texts (several when the domain publishes several).
    pub spf_record: Option<String>,
    pub spf_includes: Vec<String>,
    pub spf_include_count: u32,
    pub dkim: Option<bool>,
    pub dkim_selectors: Vec<String>,
    /// DMARC record texts, newline-joined when there are several.
    pub dmarc_record: Option<String>,
    pub dmarc_policy: Option<DmarcPolicy>,
    pub dmarc_subdomain_policy: Option<String>,
    pub dmarc_coverage: Option<u8>,
    pub autodiscover_target: Option<String>,
    pub entra_tenant_id: Option<String>,
    pub evidence: Vec<Evidence>,
}

impl Signals {
    /// The row for an input that did not normalize, or a scan that produced nothing usable.
    pub fn empty(domain: impl Into<String>, scan_status: ScanStatus) -> Self {
        Signals {
            domain: domain.into(),
            scan_status,
            mx_records: Vec::new(),
            mx_root: None,
            provider: Provider::Unknown,
            gateway: None,
            local_provider: None,
            tenant_size: None,
            spf: None,
            spf_record: None,
            spf_includes: Vec::new(),
            spf_include_count: 0,
            dkim: None,
            dkim_selectors: Vec::new(),
            dmarc_record: None,
            dmarc_policy: None,
            dmarc_subdomain_policy: None,
            dmarc_coverage: None,
            autodiscover_target: None,
            entra_tenant_id: None,
            evidence: Vec::new(),
        }
    }
}

/// Partner Center facts that affect a score (`hunter.md` §6). Default: none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerContext {
    /// An Incoming referral for this domain carries an Azure tenant id.
    pub azure_tenant: bool,
    /// An Incoming co-sell referral for this domain is not Closed.
    pub cosell: bool,
    /// `HUNTER_PARTNER_CENTER_AZURE_TENANT_SCORE`.
    pub azure_tenant_score: i32,
    /// `HUNTER_PARTNER_CENTER_COSELL_BONUS`.
    pub cosell_bonus: i32,
}

/// One named line of a score breakdown; the lines add up to the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakdownLine {
    /// `base_score`, `provider`, a signal or risk key, `clamp`, `hard_fail`, `scan_failed`,
    /// `invalid`, `partner_center_azure_tenant`, `partner_center_cosell` or `total`.
    pub name: String,
    pub label: String,
    /// The label in Turkish (the English one where a rules file gives none).
    pub label_tr: String,
    pub points: i32,
}

/// A lead's score: the `lead_scores` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// The effective provider (M365 under the Azure tenant override).
    pub provider: Provider,
    /// Base + provider + signal + risk points, clamped to 0–100; 0 for failures.
    pub dns_score: i32,
    pub readiness_score: i32,
    pub segment: Segment,
    /// Segment rule number (`"1"`..), `fallback`, `hard_fail`, `scan_failed`, `invalid` or `azure_tenant`.
    pub segment_rule: String,
    pub reason: String,
    /// The reason in Turkish; its rule's text is English where a rules file gives none.
    pub reason_tr: String,
    pub technical_heat: TechnicalHeat,
    pub commercial_segment: CommercialSegment,
    pub commercial_heat: CommercialHeat,
    pub priority_category: PriorityCategory,
    pub priority_label: String,
    pub priority_label_tr: String,
    pub breakdown: Vec<BreakdownLine>,
    pub rules_version: String,
}

/// A lead as every outside surface shows it (`contract.md` §4): company + signals + score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    pub domain: String,
    pub company_name: Option<String>,
    pub provider: Provider,
    pub gateway: Option<String>,
    pub local_provider: Option<String>,
    pub tenant_size: Option<TenantSize>,
    pub mx_root: Option<String>,
    pub spf: Option<bool>,
    pub dkim: Option<bool>,
    pub dmarc_policy: Option<DmarcPolicy>,
    pub dmarc_coverage: Option<u8>,
    pub readiness_score: i32,
    pub segment: Segment,
    pub reason: String,
    pub reason_tr: String,
    pub technical_heat: TechnicalHeat,
    pub commercial_segment: CommercialSegment,
    pub commercial_heat: CommercialHeat,
    pub priority_category: PriorityCategory,
    pub priority_label: String,
    pub priority_label_tr: String,
    /// `co-sell`, `marketplace`, `solution-provider` or null.
    pub referral_type: Option<String>,
    pub azure_tenant_id: Option<String>,
    pub scan_status: ScanStatus,
    /// RFC 3339 UTC; null until a scan produced usable signals.
    pub scanned_at: Option<String>,
    pub entra_tenant_id: Option<String>,
    pub dkim_selectors: Vec<String>,
    pub spf_include_count: u32,
    pub dmarc_subdomain_policy: Option<String>,
    pub mx_records: Vec<MxRecord>,
    pub dns_score: i32,
    pub segment_rule: String,
    /// WHOIS / RDAP facts for the export; empty until enrichment fills them.
    pub registrar: Option<String>,
    /// Expiry date, `YYYY-MM-DD`.
    pub expires_at: Option<String>,
    #[serde(default)]
    pub nameservers: Vec<String>,
}

impl Lead {
    /// Builds the lead for a scan result; `scanned_at` is the scan's time (RFC 3339 UTC).
    pub fn from_scan(
        company_name: Option<String>,
        signals: &Signals,
        score: &Score,
        scanned_at: Option<String>,
    ) -> Self {
        Lead {
            domain: signals.domain.clone(),
            company_name,
            provider: score.provider,
            gateway: signals.gateway.clone(),
            local_provider: signals.local_provider.clone(),
            tenant_size: signals.tenant_size,
            mx_root: signals.mx_root.clone(),
            spf: signals.spf,
            dkim: signals.dkim,
            dmarc_policy: signals.dmarc_policy,
            dmarc_coverage: signals.dmarc_coverage,
            readiness_score: score.readiness_score,
            segment: score.segment,
            reason: score.reason.clone(),
            reason_tr: score.reason_tr.clone(),
            technical_heat: score.technical_heat,
            commercial_segment: score.commercial_segment,
            commercial_heat: score.commercial_heat,
            priority_category: score.priority_category,
            priority_label: score.priority_label.clone(),
            priority_label_tr: score.priority_label_tr.clone(),
            referral_type: None,
            azure_tenant_id: None,
            scan_status: signals.scan_status,
            scanned_at,
            entra_tenant_id: signals.entra_tenant_id.clone(),
            dkim_selectors: signals.dkim_selectors.clone(),
            spf_include_count: signals.spf_include_count,
            dmarc_subdomain_policy: signals.dmarc_subdomain_policy.clone(),
            mx_records: signals.mx_records.clone(),
            dns_score: score.dns_score,
            segment_rule: score.segment_rule.clone(),
            registrar: None,
            expires_at: None,
            nameservers: Vec::new(),
        }
    }
}
