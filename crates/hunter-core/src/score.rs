//! The scoring engine (`hunter.md` §5.5, §6).

use std::collections::BTreeSet;

use crate::lang::Text;
use crate::model::{
    BreakdownLine, CommercialHeat, CommercialSegment, DmarcPolicy, PartnerContext,
    PriorityCategory, Provider, ScanStatus, Score, Segment, Signals, TechnicalHeat,
};
use crate::rules::{CheckKind, Facts, HardFail, Rules, first_match};

#[cfg(test)]
mod tests;

/// §5.4 results when a (custom) rules list has no matching rule.
const FALLBACK_TECHNICAL_HEAT: TechnicalHeat = TechnicalHeat::Cold;
const FALLBACK_COMMERCIAL_SEGMENT: CommercialSegment = CommercialSegment::NoGo;
const FALLBACK_COMMERCIAL_HEAT: CommercialHeat = CommercialHeat::Low;
const FALLBACK_CATEGORY: PriorityCategory = PriorityCategory::P6;
const FALLBACK_PRIORITY_LABEL: (&str, &str) = ("No-Go / Archive", "Uygun Değil / Arşiv");

/// Scores one scan result. For `invalid`, `signals.domain` holds the raw input (used in the reason).
pub fn score(signals: &Signals, partner: &PartnerContext, rules: &Rules) -> Score {
    match failure(signals, rules) {
        Some(failure) => failed(failure, rules),
        None => scored(signals, partner, rules),
    }
}

/// A result of §5.5 steps 1–3: score 0, whatever the signals or Partner Center say.
struct Failure {
    /// Both the breakdown line name and the `segment_rule`.
    name: &'static str,
    label: Text,
    reason: Text,
}

fn failure(signals: &Signals, rules: &Rules) -> Option<Failure> {
    let scan_failed = |reason: Text| Failure {
        name: "scan_failed",
        label: Text::new(
            "Scan failed: nothing is known about the domain",
            "Tarama başarısız: alan adı hakkında hiçbir bilgi yok",
        ),
        reason,
    };
    let hard_fail = |rule: &HardFail| Failure {
        name: "hard_fail",
        label: Text::new(
            format!("{} (hard-fail rule {})", rule.label.en, rule.name),
            format!("{} (kesin eleme kuralı {})", rule.label.tr, rule.name),
        ),
        reason: rule.reason.clone(),
    };
    match signals.scan_status {
        ScanStatus::Ok | ScanStatus::Partial => None,
        ScanStatus::Invalid => Some(Failure {
            name: "invalid",
            label: Text::new("Invalid domain format", "Geçersiz alan adı biçimi"),
            reason: Text::new(
                format!("Invalid domain format: {}.", signals.domain),
                format!("Geçersiz alan adı biçimi: {}.", signals.domain),
            ),
        }),
        ScanStatus::Timeout => Some(scan_failed(Text::new(
            "Scan failed: the MX lookup timed out.",
            "Tarama başarısız: MX sorgusu zaman aşımına uğradı.",
        ))),
        ScanStatus::Servfail => Some(scan_failed(Text::new(
            "Scan failed: the DNS server returned an error for the MX lookup.",
            "Tarama başarısız: DNS sunucusu MX sorgusu için hata döndürdü.",
        ))),
        ScanStatus::NoMx => Some(hard_fail(&rules.no_mx)),
        ScanStatus::Nxdomain => Some(hard_fail(&rules.nxdomain)),
    }
}

fn failed(failure: Failure, rules: &Rules) -> Score {
    // The P-model still runs so that no result has empty P-fields (§5.5).
    let priority = p_model(rules, Provider::Unknown, Segment::Skip, 0);
    Score {
        provider: Provider::Unknown,
        dns_score: 0,
        readiness_score: 0,
        segment: Segment::Skip,
        segment_rule: failure.name.to_owned(),
        reason: failure.reason.en,
        reason_tr: failure.reason.tr,
        technical_heat: priority.technical_heat,
        commercial_segment: priority.commercial_segment,
        commercial_heat: priority.commercial_heat,
        priority_category: priority.category,
        priority_label: priority.label.en,
        priority_label_tr: priority.label.tr,
        breakdown: vec![line(failure.name, failure.label, 0), total(0)],
        rules_version: rules.version.clone(),
    }
}

fn scored(signals: &Signals, partner: &PartnerContext, rules: &Rules) -> Score {
    let (dns_score, mut breakdown) = dns_breakdown(signals, rules);

    let (provider, unboosted) = if partner.azure_tenant {
        // Like every score, kept within 0–100 even if the setting is not.
        let tenant_score = partner.azure_tenant_score.clamp(0, 100);
        breakdown.push(line(
            "partner_center_azure_tenant",
            Text::new(
                format!("Azure tenant id from Partner Center: score set to {tenant_score}"),
                format!(
                    "Partner Center'dan gelen Azure kiracı kimliği: puan {tenant_score} olarak belirlendi"
                ),
            ),
            tenant_score - dns_score,
        ));
        (Provider::M365, tenant_score)
    } else {
        (signals.provider, dns_score)
    };

    let readiness_score = if partner.cosell {
        let bonus = partner.cosell_bonus;
        let boosted = (unboosted + bonus).clamp(0, 100);
        let label = if boosted - unboosted == bonus {
            Text::new(
                format!("Co-sell referral bonus from Partner Center ({bonus:+})"),
                format!("Partner Center ortak satış (co-sell) yönlendirme bonusu ({bonus:+})"),
            )
        } else {
            Text::new(
                format!("Co-sell referral bonus from Partner Center ({bonus:+}, limited to 0–100)"),
                format!(
                    "Partner Center ortak satış (co-sell) yönlendirme bonusu ({bonus:+}, 0–100 aralığıyla sınırlı)"
                ),
            )
        };
        breakdown.push(line("partner_center_cosell", label, boosted - unboosted));
        boosted
    } else {
        unboosted
    };
    breakdown.push(total(readiness_score));

    let placed = placement(rules, provider, readiness_score, partner);
    let reason = if partner.cosell {
        // The configured bonus, as §6 words it; the breakdown line shows what was actually added.
        let bonus = partner.cosell_bonus;
        Text::new(
            join_sentences(
                &placed.reason.en,
                &format!("Includes a co-sell referral bonus ({bonus:+})."),
            ),
            join_sentences(
                &placed.reason.tr,
                &format!("Ortak satış (co-sell) yönlendirme bonusu ({bonus:+}) dahildir."),
            ),
        )
    } else {
        placed.reason
    };

    // A boost never lowers a lead (§6): the P-model also runs as if there were no bonus, and the
    // better category wins; on a tie the boosted result stays. Without a bonus both runs agree.
    let priority_at = |score| {
        let segment = placement(rules, provider, score, partner).segment;
        p_model(rules, provider, segment, score)
    };
    let boosted = priority_at(readiness_score);
    let plain = priority_at(unboosted);
    let priority = if rank(plain.category) < rank(boosted.category) {
        plain
    } else {
        boosted
    };

    Score {
        provider,
        dns_score,
        readiness_score,
        segment: placed.segment,
        segment_rule: placed.rule,
        reason: reason.en,
        reason_tr: reason.tr,
        technical_heat: priority.technical_heat,
        commercial_segment: priority.commercial_segment,
        commercial_heat: priority.commercial_heat,
        priority_category: priority.category,
        priority_label: priority.label.en,
        priority_label_tr: priority.label.tr,
        breakdown,
        rules_version: rules.version.clone(),
    }
}

/// The DNS score (clamped to 0–100) and its breakdown lines, `clamp` included, `total` not.
fn dns_breakdown(signals: &Signals, rules: &Rules) -> (i32, Vec<BreakdownLine>) {
    let provider = signals.provider;
    let mut lines = vec![
        line(
            "base_score",
            Text::new("Base score", "Taban puan"),
            rules.base_score,
        ),
        line(
            "provider",
            Text::new(
                format!("Mail provider: {provider}"),
                format!("E-posta sağlayıcısı: {}", provider.turkish()),
            ),
            rules.provider_points(provider),
        ),
    ];
    lines.extend(
        rules
            .checks
            .iter()
            .filter(|check| applies(check.kind, signals, rules.spf_max_includes))
            .map(|check| line(check.kind.key(), check.label.clone(), check.points)),
    );
    let raw: i32 = lines.iter().map(|line| line.points).sum();
    let dns_score = raw.clamp(0, 100);
    if dns_score != raw {
        lines.push(line(
            "clamp",
            Text::new(
                format!("Kept within 0–100 (points added up to {raw})"),
                format!("0–100 aralığında tutuldu (puanların toplamı {raw})"),
            ),
            dns_score - raw,
        ));
    }
    (dns_score, lines)
}

/// The §5.2 conditions; a null (failed) signal counts as absent.
fn applies(kind: CheckKind, signals: &Signals, spf_max_includes: u32) -> bool {
    let spf = signals.spf == Some(true);
    let dkim = signals.dkim == Some(true);
    match kind {
        CheckKind::Spf => spf,
        CheckKind::Dkim => dkim,
        CheckKind::DmarcQuarantine => signals.dmarc_policy == Some(DmarcPolicy::Quarantine),
        CheckKind::DmarcReject => signals.dmarc_policy == Some(DmarcPolicy::Reject),
        CheckKind::DmarcNone | CheckKind::DmarcNoneRisk => {
            signals.dmarc_policy == Some(DmarcPolicy::None)
        }
        CheckKind::NoSpf => !spf,
        CheckKind::NoDkim | CheckKind::DkimNone => !dkim,
        CheckKind::HostingMxWeak => signals.provider == Provider::Hosting && !spf && !dkim,
        CheckKind::SpfMultipleIncludes => signals.spf_include_count > spf_max_includes,
    }
}

/// Every DNS score `provider` can get, over all combinations of the scored signals.
pub(crate) fn reachable_dns_scores(rules: &Rules, provider: Provider) -> BTreeSet<i32> {
    let policies = std::iter::once(None).chain(DmarcPolicy::ALL.iter().copied().map(Some));
    let mut scores = BTreeSet::new();
    for dmarc_policy in policies {
        for spf in [true, false] {
            for dkim in [true, false] {
                for spf_include_count in [0, rules.spf_max_includes.saturating_add(1)] {
                    let signals = Signals {
                        provider,
                        spf: Some(spf),
                        dkim: Some(dkim),
                        dmarc_policy,
                        spf_include_count,
                        ..Signals::empty("", ScanStatus::Ok)
                    };
                    scores.insert(dns_breakdown(&signals, rules).0);
                }
            }
        }
    }
    scores
}

/// A segment with the rule that gave it and the reason.
struct Placement {
    segment: Segment,
    rule: String,
    reason: Text,
}

fn placement(rules: &Rules, provider: Provider, score: i32, partner: &PartnerContext) -> Placement {
    if partner.azure_tenant {
        return Placement {
            segment: Segment::Existing,
            rule: "azure_tenant".to_owned(),
            reason: Text::new(
                "M365 existing customer (Azure Tenant ID)",
                "Mevcut M365 müşterisi (Azure Kiracı Kimliği)",
            ),
        };
    }
    match first_match(&rules.segment_rules, &Facts::new(provider, score)) {
        Some((index, outcome)) => Placement {
            segment: outcome.segment,
            rule: (index + 1).to_string(),
            reason: Text::new(
                format!(
                    "{}. Score: {score}, Provider: {provider}.",
                    outcome.reason.en
                ),
                format!(
                    "{}. Puan: {score}, Sağlayıcı: {}.",
                    outcome.reason.tr,
                    provider.turkish()
                ),
            ),
        },
        None => Placement {
            segment: Segment::Skip,
            rule: "fallback".to_owned(),
            reason: Text::new(
                format!("Score {score} with provider {provider} did not match any segment rule."),
                format!(
                    "{score} puan ve {} sağlayıcısı hiçbir segment kuralıyla eşleşmedi.",
                    provider.turkish()
                ),
            ),
        },
    }
}

/// Appends a sentence, ending the first text with a period if it has none.
fn join_sentences(first: &str, second: &str) -> String {
    if first.ends_with('.') {
        format!("{first} {second}")
    } else {
        format!("{first}. {second}")
    }
}

struct Priority {
    technical_heat: TechnicalHeat,
    commercial_segment: CommercialSegment,
    commercial_heat: CommercialHeat,
    category: PriorityCategory,
    label: Text,
}

/// The CSP P-model (§5.4): each list sees the facts decided before it.
fn p_model(rules: &Rules, provider: Provider, segment: Segment, score: i32) -> Priority {
    let mut facts = Facts {
        segment: Some(segment),
        ..Facts::new(provider, score)
    };
    let technical_heat = first_match(&rules.technical_heat_rules, &facts)
        .map_or(FALLBACK_TECHNICAL_HEAT, |(_, &heat)| heat);
    facts.technical_heat = Some(technical_heat);
    let commercial_segment = first_match(&rules.commercial_segment_rules, &facts)
        .map_or(FALLBACK_COMMERCIAL_SEGMENT, |(_, &segment)| segment);
    facts.commercial_segment = Some(commercial_segment);
    let commercial_heat = first_match(&rules.commercial_heat_rules, &facts)
        .map_or(FALLBACK_COMMERCIAL_HEAT, |(_, &heat)| heat);
    facts.commercial_heat = Some(commercial_heat);
    let (category, label) = first_match(&rules.priority_rules, &facts).map_or_else(
        || {
            let (en, tr) = FALLBACK_PRIORITY_LABEL;
            (FALLBACK_CATEGORY, Text::new(en, tr))
        },
        |(_, outcome)| (outcome.category, outcome.label.clone()),
    );
    Priority {
        technical_heat,
        commercial_segment,
        commercial_heat,
        category,
        label,
    }
}

/// P1 ranks best.
fn rank(category: PriorityCategory) -> u8 {
    match category {
        PriorityCategory::P1 => 1,
        PriorityCategory::P2 => 2,
        PriorityCategory::P3 => 3,
        PriorityCategory::P4 => 4,
        PriorityCategory::P5 => 5,
        PriorityCategory::P6 => 6,
    }
}

fn line(name: &str, label: Text, points: i32) -> BreakdownLine {
    BreakdownLine {
        name: name.to_owned(),
        label: label.en,
        label_tr: label.tr,
        points,
    }
}

fn total(points: i32) -> BreakdownLine {
    line(
        "total",
        Text::new("Readiness score", "Hazırlık puanı"),
        points,
    )
}
