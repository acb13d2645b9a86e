//! The scoring rules file (`hunter.md` §5.1): one JSON object, embedded from `rules/default.json`
//! unless `HUNTER_RULES_PATH` names another file.
//!
//! Schema (every key below is required; unknown keys are errors):
//! - `base_score`: points every scanned lead starts with.
//! - `provider_points`: `{"M365": 50, …}`; a provider left out gets 0.
//! - `signal_points` (`spf`, `dkim`, `dmarc_quarantine`, `dmarc_reject`, `dmarc_none`) and
//!   `risk_points` (`no_spf`, `no_dkim`, `dkim_none`, `dmarc_none`, `hosting_mx_weak`,
//!   `spf_multiple_includes`): each `{"points": n, "label": "…"}`. The conditions are fixed in code
//!   (`hunter.md` §5.2); 0 points disables a check. The label names its breakdown line.
//! - `spf_max_includes`: more SPF includes than this triggers `spf_multiple_includes`.
//! - `hard_fail_rules`: `[{"name", "label", "reasons": {"no_mx": "…", "nxdomain": "…"}}]`; the first
//!   rule with a reason for a scan status decides it, and both statuses need one.
//! - `segment_rules`, `technical_heat_rules`, `commercial_segment_rules`, `commercial_heat_rules`,
//!   `priority_rules`: lists, first match wins. A rule holds conditions — `providers`,
//!   `min_score`, `max_score` (inclusive), then, in the order scoring learns them, `segments`,
//!   `technical_heats`, `commercial_segments`, `commercial_heats` — and its outcome: `segment` +
//!   `reason` (without a final period; Hunter adds ". Score: s, Provider: p."), `technical_heat`,
//!   `commercial_segment`, `commercial_heat`, or `category` + `label`. A rule without conditions
//!   matches everything. When no rule matches: segment Skip (rule `fallback`), Cold, NO_GO, LOW,
//!   P6 "No-Go / Archive".
//! - Turkish texts (`team.md` §7), each optional: `label_tr` beside every `label`, `reason_tr`
//!   beside a segment rule's `reason` (also without a final period; Hunter adds ". Puan: s,
//!   Sağlayıcı: p."), `reasons_tr` beside a hard-fail rule's `reasons` (for the same statuses).
//!   Where a file gives none, people reading Hunter in Turkish see that text in English; the
//!   texts Hunter writes itself (the score suffix, failures, Partner Center lines) are always in
//!   both languages. Files written before these keys existed stay valid.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::lang::Text;
use crate::model::{
    CommercialHeat, CommercialSegment, PriorityCategory, Provider, ScanStatus, Segment,
    TechnicalHeat,
};

const EMBEDDED_JSON: &str = include_str!("../rules/default.json");

/// The top-level keys, in the order the file lists them.
const TOP_KEYS: [&str; 11] = [
    "base_score",
    "provider_points",
    "signal_points",
    "risk_points",
    "spf_max_includes",
    "hard_fail_rules",
    "segment_rules",
    "technical_heat_rules",
    "commercial_segment_rules",
    "commercial_heat_rules",
    "priority_rules",
];

/// Parsed, validated rules plus their version (first 12 hex digits of the file's SHA-256).
#[derive(Debug, Clone)]
pub struct Rules {
    pub version: String,
    pub(crate) base_score: i32,
    pub(crate) provider_points: Vec<(Provider, i32)>,
    /// Signal checks, then risk checks, in file-format order.
    pub(crate) checks: Vec<Check>,
    pub(crate) spf_max_includes: u32,
    pub(crate) no_mx: HardFail,
    pub(crate) nxdomain: HardFail,
    pub(crate) segment_rules: Vec<Rule<SegmentOutcome>>,
    pub(crate) technical_heat_rules: Vec<Rule<TechnicalHeat>>,
    pub(crate) commercial_segment_rules: Vec<Rule<CommercialSegment>>,
    pub(crate) commercial_heat_rules: Vec<Rule<CommercialHeat>>,
    pub(crate) priority_rules: Vec<Rule<PriorityOutcome>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("the rules file is not valid: {0}")]
    Invalid(String),
}

/// A signal or risk check: the condition is fixed in code, points and label come from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckKind {
    Spf,
    Dkim,
    DmarcQuarantine,
    DmarcReject,
    DmarcNone,
    NoSpf,
    NoDkim,
    DkimNone,
    DmarcNoneRisk,
    HostingMxWeak,
    SpfMultipleIncludes,
}

impl CheckKind {
    /// The key in the file, also the breakdown line name (`dmarc_none` is both a signal and a risk).
    pub(crate) fn key(self) -> &'static str {
        match self {
            CheckKind::Spf => "spf",
            CheckKind::Dkim => "dkim",
            CheckKind::DmarcQuarantine => "dmarc_quarantine",
            CheckKind::DmarcReject => "dmarc_reject",
            CheckKind::DmarcNone | CheckKind::DmarcNoneRisk => "dmarc_none",
            CheckKind::NoSpf => "no_spf",
            CheckKind::NoDkim => "no_dkim",
            CheckKind::DkimNone => "dkim_none",
            CheckKind::HostingMxWeak => "hosting_mx_weak",
            CheckKind::SpfMultipleIncludes => "spf_multiple_includes",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub kind: CheckKind,
    pub points: i32,
    pub label: Text,
}

/// The hard-fail rule that decided one scan status.
#[derive(Debug, Clone)]
pub(crate) struct HardFail {
    pub name: String,
    pub label: Text,
    pub reason: Text,
}

#[derive(Debug, Clone)]
pub(crate) struct Rule<T> {
    pub when: Condition,
    pub then: T,
}

#[derive(Debug, Clone)]
pub(crate) struct SegmentOutcome {
    pub segment: Segment,
    pub reason: Text,
}

#[derive(Debug, Clone)]
pub(crate) struct PriorityOutcome {
    pub category: PriorityCategory,
    pub label: Text,
}

/// A rule's conditions; `None` matches any value.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    providers: Option<Vec<Provider>>,
    min_score: Option<i32>,
    max_score: Option<i32>,
    segments: Option<Vec<Segment>>,
    technical_heats: Option<Vec<TechnicalHeat>>,
    commercial_segments: Option<Vec<CommercialSegment>>,
    commercial_heats: Option<Vec<CommercialHeat>>,
}

/// What is known about a lead when a rule list is evaluated; later facts are `None` until decided.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub provider: Provider,
    pub score: i32,
    pub segment: Option<Segment>,
    pub technical_heat: Option<TechnicalHeat>,
    pub commercial_segment: Option<CommercialSegment>,
    pub commercial_heat: Option<CommercialHeat>,
}

impl Facts {
    pub(crate) fn new(provider: Provider, score: i32) -> Facts {
        Facts {
            provider,
            score,
            segment: None,
            technical_heat: None,
            commercial_segment: None,
            commercial_heat: None,
        }
    }
}

impl Condition {
    fn matches(&self, facts: &Facts) -> bool {
        self.min_score.is_none_or(|min| facts.score >= min)
            && self.max_score.is_none_or(|max| facts.score <= max)
            && allows(&self.providers, Some(facts.provider))
            && allows(&self.segments, facts.segment)
            && allows(&self.technical_heats, facts.technical_heat)
            && allows(&self.commercial_segments, facts.commercial_segment)
            && allows(&self.commercial_heats, facts.commercial_heat)
    }
}

fn allows<T: PartialEq>(list: &Option<Vec<T>>, fact: Option<T>) -> bool {
    match list {
        None => true,
        Some(list) => fact.is_some_and(|fact| list.contains(&fact)),
    }
}

/// The first rule matching `facts`, with its index.
pub(crate) fn first_match<'r, T>(rules: &'r [Rule<T>], facts: &Facts) -> Option<(usize, &'r T)> {
    rules
        .iter()
        .enumerate()
        .find(|(_, rule)| rule.when.matches(facts))
        .map(|(index, rule)| (index, &rule.then))
}

impl Rules {
    /// The rules embedded in the binary.
    pub fn embedded() -> Rules {
        Rules::from_json(EMBEDDED_JSON)
            .expect("the embedded rules file is valid (a test proves it)")
    }

    /// Parses and validates a rules file's text.
    pub fn from_json(text: &str) -> Result<Rules, RulesError> {
        let top: Map<String, Value> = serde_json::from_str(text).map_err(|e| {
            RulesError::Invalid(if e.is_data() {
                format!("the file must hold one JSON object ({e})")
            } else {
                format!("not valid JSON: {e}")
            })
        })?;
        if let Some(key) = top.keys().find(|key| !TOP_KEYS.contains(&key.as_str())) {
            return Err(invalid(
                key,
                format!("unknown key; the file holds {}", TOP_KEYS.join(", ")),
            ));
        }
        // Read in file order so the first problem reported is the first one in the file.
        let base_score = field(&top, "base_score")?;
        let provider_points = provider_points(field(&top, "provider_points")?)?;
        let checks = checks(field(&top, "signal_points")?, field(&top, "risk_points")?)?;
        let spf_max_includes = field(&top, "spf_max_includes")?;
        let hard_fail_rules = rule_list(&top, "hard_fail_rules", hard_fail_rule)?;
        Ok(Rules {
            version: version(text),
            base_score,
            provider_points,
            checks,
            spf_max_includes,
            no_mx: hard_fail_for(&hard_fail_rules, ScanStatus::NoMx)?,
            nxdomain: hard_fail_for(&hard_fail_rules, ScanStatus::Nxdomain)?,
            segment_rules: rule_list(&top, "segment_rules", segment_rule)?,
            technical_heat_rules: rule_list(&top, "technical_heat_rules", technical_heat_rule)?,
            commercial_segment_rules: rule_list(
                &top,
                "commercial_segment_rules",
                commercial_segment_rule,
            )?,
            commercial_heat_rules: rule_list(&top, "commercial_heat_rules", commercial_heat_rule)?,
            priority_rules: rule_list(&top, "priority_rules", priority_rule)?,
        })
    }

    /// Human warnings about gaps (a provider that can reach a score no segment rule covers).
    pub fn gap_warnings(&self) -> Vec<String> {
        Provider::ALL
            .iter()
            .filter_map(|&provider| self.gap_warning(provider))
            .collect()
    }

    /// Warns when a DNS score the provider can reach is uncovered; names every uncovered score
    /// from its lowest reachable one up to 100, since a co-sell bonus can lift any score.
    fn gap_warning(&self, provider: Provider) -> Option<String> {
        let reachable = crate::score::reachable_dns_scores(self, provider);
        let lowest = *reachable.first()?;
        let covered =
            |score| first_match(&self.segment_rules, &Facts::new(provider, score)).is_some();
        let reached: Vec<i32> = reachable.iter().copied().filter(|&s| !covered(s)).collect();
        if reached.is_empty() {
            return None;
        }
        let uncovered: Vec<i32> = (lowest..=100).filter(|&s| !covered(s)).collect();
        Some(format!(
            "No segment rule covers {provider} at scores {} (DNS signals alone reach {}); \
             those leads fall back to Skip.",
            ranges(&uncovered),
            ranges(&reached)
        ))
    }

    pub(crate) fn provider_points(&self, provider: Provider) -> i32 {
        self.provider_points
            .iter()
            .find(|(p, _)| *p == provider)
            .map_or(0, |&(_, points)| points)
    }
}

fn version(text: &str) -> String {
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    digest[..12].to_owned()
}

/// Sorted integers as ranges: `0–4, 60–100`.
fn ranges(scores: &[i32]) -> String {
    let mut parts: Vec<(i32, i32)> = Vec::new();
    for &score in scores {
        match parts.last_mut() {
            Some((_, end)) if *end + 1 == score => *end = score,
            _ => parts.push((score, score)),
        }
    }
    parts
        .iter()
        .map(|&(start, end)| {
            if start == end {
                start.to_string()
            } else {
                format!("{start}–{end}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn invalid(path: &str, what: impl Display) -> RulesError {
    RulesError::Invalid(format!("{path}: {what}"))
}

fn field<'a, T: Deserialize<'a>>(top: &'a Map<String, Value>, key: &str) -> Result<T, RulesError> {
    let value = top
        .get(key)
        .ok_or_else(|| invalid(key, "required key is missing"))?;
    T::deserialize(value).map_err(|e| invalid(key, e))
}

/// A non-empty list whose items are read as `R` and turned into `T` by `convert` (given the path).
fn rule_list<'a, R: Deserialize<'a>, T>(
    top: &'a Map<String, Value>,
    key: &str,
    convert: fn(R, &str) -> Result<T, RulesError>,
) -> Result<Vec<T>, RulesError> {
    let value = top
        .get(key)
        .ok_or_else(|| invalid(key, "required key is missing"))?;
    let items = value
        .as_array()
        .ok_or_else(|| invalid(key, "expected a list ([…])"))?;
    if items.is_empty() {
        return Err(invalid(key, "the list is empty"));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let path = format!("{key}[{index}]");
            let raw = R::deserialize(item).map_err(|e| invalid(&path, e))?;
            convert(raw, &path)
        })
        .collect()
}

/// A serialized name of one of the model's enums.
trait Name: Copy + Display + 'static {
    const KIND: &'static str;
    const ALL: &'static [Self];
}

macro_rules! name {
    ($($type:ident => $kind:literal),+ $(,)?) => {
        $(impl Name for $type {
            const KIND: &'static str = $kind;
            const ALL: &'static [Self] = $type::ALL;
        })+
    };
}

name!(
    Provider => "provider",
    Segment => "segment",
    TechnicalHeat => "technical heat",
    CommercialSegment => "commercial segment",
    CommercialHeat => "commercial heat",
    PriorityCategory => "priority category",
);

fn parse_name<T: Name>(text: &str, path: &str) -> Result<T, RulesError> {
    T::ALL
        .iter()
        .copied()
        .find(|value| value.to_string() == text)
        .ok_or_else(|| {
            let known: Vec<String> = T::ALL.iter().map(ToString::to_string).collect();
            invalid(
                path,
                format!("unknown {} `{text}` (known: {})", T::KIND, known.join(", ")),
            )
        })
}

fn parse_names<T: Name>(
    list: Option<Vec<String>>,
    path: &str,
    key: &str,
) -> Result<Option<Vec<T>>, RulesError> {
    let Some(list) = list else {
        return Ok(None);
    };
    let path = format!("{path}.{key}");
    if list.is_empty() {
        return Err(invalid(
            &path,
            "the list is empty; leave the key out to match any value",
        ));
    }
    list.iter()
        .enumerate()
        .map(|(index, text)| parse_name(text, &format!("{path}[{index}]")))
        .collect::<Result<_, _>>()
        .map(Some)
}

fn non_empty(text: String, path: &str) -> Result<String, RulesError> {
    if text.trim().is_empty() {
        return Err(invalid(path, "the text is empty"));
    }
    Ok(text)
}

/// A text and its optional Turkish form (`<key>_tr` at `path`); English stands in for a
/// missing Turkish text.
fn text(en: String, tr: Option<String>, path: &str) -> Result<Text, RulesError> {
    let en = non_empty(en, path)?;
    let tr = match tr {
        Some(tr) => non_empty(tr, &format!("{path}_tr"))?,
        None => en.clone(),
    };
    Ok(Text { en, tr })
}

fn provider_points(raw: BTreeMap<String, i32>) -> Result<Vec<(Provider, i32)>, RulesError> {
    raw.iter()
        .map(|(name, &points)| {
            Ok((
                parse_name(name, &format!("provider_points.{name}"))?,
                points,
            ))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoints {
    points: i32,
    label: String,
    label_tr: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignalPoints {
    spf: RawPoints,
    dkim: RawPoints,
    dmarc_quarantine: RawPoints,
    dmarc_reject: RawPoints,
    dmarc_none: RawPoints,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRiskPoints {
    no_spf: RawPoints,
    no_dkim: RawPoints,
    dkim_none: RawPoints,
    dmarc_none: RawPoints,
    hosting_mx_weak: RawPoints,
    spf_multiple_includes: RawPoints,
}

fn checks(signals: RawSignalPoints, risks: RawRiskPoints) -> Result<Vec<Check>, RulesError> {
    [
        ("signal_points", CheckKind::Spf, signals.spf),
        ("signal_points", CheckKind::Dkim, signals.dkim),
        (
            "signal_points",
            CheckKind::DmarcQuarantine,
            signals.dmarc_quarantine,
        ),
        (
            "signal_points",
            CheckKind::DmarcReject,
            signals.dmarc_reject,
        ),
        ("signal_points", CheckKind::DmarcNone, signals.dmarc_none),
        ("risk_points", CheckKind::NoSpf, risks.no_spf),
        ("risk_points", CheckKind::NoDkim, risks.no_dkim),
        ("risk_points", CheckKind::DkimNone, risks.dkim_none),
        ("risk_points", CheckKind::DmarcNoneRisk, risks.dmarc_none),
        (
            "risk_points",
            CheckKind::HostingMxWeak,
            risks.hosting_mx_weak,
        ),
        (
            "risk_points",
            CheckKind::SpfMultipleIncludes,
            risks.spf_multiple_includes,
        ),
    ]
    .into_iter()
    .map(|(list, kind, raw)| {
        let label = text(
            raw.label,
            raw.label_tr,
            &format!("{list}.{}.label", kind.key()),
        )?;
        Ok(Check {
            kind,
            points: raw.points,
            label,
        })
    })
    .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHardFailRule {
    name: String,
    label: String,
    label_tr: Option<String>,
    reasons: BTreeMap<String, String>,
    #[serde(default)]
    reasons_tr: BTreeMap<String, String>,
}

/// The scan statuses that mean "no usable MX" (`hunter.md` §3.3).
const HARD_FAIL_STATUSES: [ScanStatus; 2] = [ScanStatus::NoMx, ScanStatus::Nxdomain];

/// A hard-fail rule with its reasons keyed by scan status.
struct HardFailRule {
    name: String,
    label: Text,
    reasons: Vec<(ScanStatus, Text)>,
}

fn hard_fail_rule(raw: RawHardFailRule, path: &str) -> Result<HardFailRule, RulesError> {
    if raw.reasons.is_empty() {
        return Err(invalid(
            &format!("{path}.reasons"),
            "no reasons; give one for no_mx and/or nxdomain",
        ));
    }
    let mut reasons_tr = raw.reasons_tr;
    if let Some(status) = reasons_tr.keys().find(|s| !raw.reasons.contains_key(*s)) {
        return Err(invalid(
            &format!("{path}.reasons_tr.{status}"),
            "no English reason for this status in `reasons`",
        ));
    }
    let reasons = raw
        .reasons
        .into_iter()
        .map(|(status, reason)| {
            let tr = match reasons_tr.remove(&status) {
                Some(tr) => Some(non_empty(tr, &format!("{path}.reasons_tr.{status}"))?),
                None => None,
            };
            let path = format!("{path}.reasons.{status}");
            let status = HARD_FAIL_STATUSES
                .into_iter()
                .find(|s| s.as_str() == status)
                .ok_or_else(|| {
                    invalid(
                        &path,
                        format!(
                            "`{status}` is not a hard-fail scan status (use no_mx or nxdomain)"
                        ),
                    )
                })?;
            Ok((status, text(reason, tr, &path)?))
        })
        .collect::<Result<_, RulesError>>()?;
    Ok(HardFailRule {
        name: non_empty(raw.name, &format!("{path}.name"))?,
        label: text(raw.label, raw.label_tr, &format!("{path}.label"))?,
        reasons,
    })
}

fn hard_fail_for(rules: &[HardFailRule], status: ScanStatus) -> Result<HardFail, RulesError> {
    rules
        .iter()
        .find_map(|rule| {
            let (_, reason) = rule.reasons.iter().find(|(s, _)| *s == status)?;
            Some(HardFail {
                name: rule.name.clone(),
                label: rule.label.clone(),
                reason: reason.clone(),
            })
        })
        .ok_or_else(|| {
            invalid(
                "hard_fail_rules",
                format!("no rule gives a reason for scan status `{status}`"),
            )
        })
}

/// Conditions as written, before validation.
#[derive(Default)]
struct RawCondition {
    providers: Option<Vec<String>>,
    min_score: Option<i32>,
    max_score: Option<i32>,
    segments: Option<Vec<String>>,
    technical_heats: Option<Vec<String>>,
    commercial_segments: Option<Vec<String>>,
    commercial_heats: Option<Vec<String>>,
}

fn condition(raw: RawCondition, path: &str) -> Result<Condition, RulesError> {
    for (key, bound) in [("min_score", raw.min_score), ("max_score", raw.max_score)] {
        if let Some(bound) = bound
            && !(0..=100).contains(&bound)
        {
            return Err(invalid(
                &format!("{path}.{key}"),
                format!("{bound} is outside 0–100"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (raw.min_score, raw.max_score)
        && min > max
    {
        return Err(invalid(
            &format!("{path}.min_score"),
            format!("{min} is greater than max_score {max}"),
        ));
    }
    Ok(Condition {
        providers: parse_names(raw.providers, path, "providers")?,
        min_score: raw.min_score,
        max_score: raw.max_score,
        segments: parse_names(raw.segments, path, "segments")?,
        technical_heats: parse_names(raw.technical_heats, path, "technical_heats")?,
        commercial_segments: parse_names(raw.commercial_segments, path, "commercial_segments")?,
        commercial_heats: parse_names(raw.commercial_heats, path, "commercial_heats")?,
    })
}

// Each list accepts only the conditions known when it runs (serde names the allowed keys).

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSegmentRule {
    providers: Option<Vec<String>>,
    min_score: Option<i32>,
    max_score: Option<i32>,
    segment: String,
    reason: String,
    reason_tr: Option<String>,
}

fn segment_rule(raw: RawSegmentRule, path: &str) -> Result<Rule<SegmentOutcome>, RulesError> {
    let reason = text(raw.reason, raw.reason_tr, &format!("{path}.reason"))?;
    for (key, text, suffix) in [
        ("reason", &reason.en, ". Score: s, Provider: p."),
        ("reason_tr", &reason.tr, ". Puan: s, Sağlayıcı: p."),
    ] {
        if text.trim_end().ends_with('.') {
            return Err(invalid(
                &format!("{path}.{key}"),
                format!("leave off the final period; Hunter adds \"{suffix}\""),
            ));
        }
    }
    let when = RawCondition {
        providers: raw.providers,
        min_score: raw.min_score,
        max_score: raw.max_score,
        ..RawCondition::default()
    };
    Ok(Rule {
        when: condition(when, path)?,
        then: SegmentOutcome {
            segment: parse_name(&raw.segment, &format!("{path}.segment"))?,
            reason,
        },
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTechnicalHeatRule {
    providers: Option<Vec<String>>,
    min_score: Option<i32>,
    max_score: Option<i32>,
    segments: Option<Vec<String>>,
    technical_heat: String,
}

fn technical_heat_rule(
    raw: RawTechnicalHeatRule,
    path: &str,
) -> Result<Rule<TechnicalHeat>, RulesError> {
    let when = RawCondition {
        providers: raw.providers,
        min_score: raw.min_score,
        max_score: raw.max_score,
        segments: raw.segments,
        ..RawCondition::default()
    };
    Ok(Rule {
        when: condition(when, path)?,
        then: parse_name(&raw.technical_heat, &format!("{path}.technical_heat"))?,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommercialSegmentRule {
    providers: Option<Vec<String>>,
    min_score: Option<i32>,
    max_score: Option<i32>,
    segments: Option<Vec<String>>,
    technical_heats: Option<Vec<String>>,
    commercial_segment: String,
}

fn commercial_segment_rule(
    raw: RawCommercialSegmentRule,
    path: &str,
) -> Result<Rule<CommercialSegment>, RulesError> {
    let when = RawCondition {
        providers: raw.providers,
        min_score: raw.min_score,
        max_score: raw.max_score,
        segments: raw.segments,
        technical_heats: raw.technical_heats,
        ..RawCondition::default()
    };
    Ok(Rule {
        when: condition(when, path)?,
        then: parse_name(
            &raw.commercial_segment,
            &format!("{path}.commercial_segment"),
        )?,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommercialHeatRule {
    providers: Option<Vec<String>>,
    min_score: Option<i32>,
    max_score: Option<i32>,
    segments: Option<Vec<String>>,
    technical_heats: Option<Vec<String>>,
    commercial_segments: Option<Vec<String>>,
    commercial_heat: String,
}

fn commercial_heat_rule(
    raw: RawCommercialHeatRule,
    path: &str,
) -> Result<Rule<CommercialHeat>, RulesError> {
    let when = RawCondition {
        providers: raw.providers,
        min_score: raw.min_score,
        max_score: raw.max_score,
        segments: raw.segments,
        technical_heats: raw.technical_heats,
        commercial_segments: raw.commercial_segments,
        ..RawCondition::default()
    };
    Ok(Rule {
        when: condition(when, path)?,
        then: parse_name(&raw.commercial_heat, &format!("{path}.commercial_heat"))?,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriorityRule {
    providers: Option<Vec<String>>,
    min_score: Option<i32>,
    max_score: Option<i32>,
    segments: Option<Vec<String>>,
    technical_heats: Option<Vec<String>>,
    commercial_segments: Option<Vec<String>>,
    commercial_heats: Option<Vec<String>>,
    category: String,
    label: String,
    label_tr: Option<String>,
}

fn priority_rule(raw: RawPriorityRule, path: &str) -> Result<Rule<PriorityOutcome>, RulesError> {
    let when = RawCondition {
        providers: raw.providers,
        min_score: raw.min_score,
        max_score: raw.max_score,
        segments: raw.segments,
        technical_heats: raw.technical_heats,
        commercial_segments: raw.commercial_segments,
        commercial_heats: raw.commercial_heats,
    };
    Ok(Rule {
        when: condition(when, path)?,
        then: PriorityOutcome {
            category: parse_name(&raw.category, &format!("{path}.category"))?,
            label: text(raw.label, raw.label_tr, &format!("{path}.label"))?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default file with one edit, parsed.
    fn edited(edit: impl FnOnce(&mut Value)) -> Result<Rules, RulesError> {
        let mut value: Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
        edit(&mut value);
        Rules::from_json(&value.to_string())
    }

    fn error(result: Result<Rules, RulesError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn the_embedded_rules_parse() {
        let rules = Rules::embedded();
        assert_eq!(rules.segment_rules.len(), 6);
        assert_eq!(rules.provider_points(Provider::Google), 50);
        assert_eq!(
            rules.nxdomain.reason.en,
            "Hard fail: the domain does not exist."
        );
    }

    #[test]
    fn the_version_is_the_file_hash_prefix() {
        let version = Rules::embedded().version;
        assert_eq!(version.len(), 12);
        assert!(
            version
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(hex::encode(Sha256::digest(EMBEDDED_JSON)).starts_with(&version));
        let changed = Rules::from_json(&format!("{EMBEDDED_JSON}\n")).unwrap();
        assert_ne!(changed.version, version);
    }

    #[test]
    fn malformed_files_say_what_and_where() {
        let cases = [
            (
                Rules::from_json("{\"base_score\": 0,"),
                "the rules file is not valid: not valid JSON: EOF while parsing a value at line 1 column 17",
            ),
            (
                Rules::from_json("[]"),
                "the rules file is not valid: the file must hold one JSON object",
            ),
            (
                edited(|v| v["segment_rules"][2]["min_score"] = 60.into()),
                "the rules file is not valid: segment_rules[2].min_score: 60 is greater than max_score 59",
            ),
            (
                edited(|v| v["segment_rules"][1]["providers"][3] = "Gmail".into()),
                "the rules file is not valid: segment_rules[1].providers[3]: unknown provider `Gmail` \
                 (known: M365, Google, Yandex, Zoho, Amazon, SendGrid, Mailgun, Hosting, Local, Unknown)",
            ),
            (
                edited(|v| v["provider_points"]["Gmail"] = 5.into()),
                "the rules file is not valid: provider_points.Gmail: unknown provider `Gmail`",
            ),
            (
                edited(|v| v["technical_heat_rules"][0]["segments"][0] = "Hot".into()),
                "the rules file is not valid: technical_heat_rules[0].segments[0]: unknown segment `Hot`",
            ),
            (
                edited(|v| v["segment_rules"][4]["max_score"] = 101.into()),
                "the rules file is not valid: segment_rules[4].max_score: 101 is outside 0–100",
            ),
            (
                edited(|v| {
                    v.as_object_mut().unwrap().remove("priority_rules");
                }),
                "the rules file is not valid: priority_rules: required key is missing",
            ),
            (
                edited(|v| v["commercial_heat_rules"] = Value::Array(Vec::new())),
                "the rules file is not valid: commercial_heat_rules: the list is empty",
            ),
            (
                edited(|v| v["segment_rules"][0]["providers"] = Value::Array(Vec::new())),
                "the rules file is not valid: segment_rules[0].providers: the list is empty",
            ),
            (
                // Commercial heat is not known yet when the segment is decided.
                edited(|v| v["segment_rules"][0]["commercial_heats"] = vec!["HIGH"].into()),
                "the rules file is not valid: segment_rules[0]: unknown field `commercial_heats`, \
                 expected one of",
            ),
            (
                edited(|v| v["segment_rules"][0]["reason"] = "Existing customer.".into()),
                "the rules file is not valid: segment_rules[0].reason: leave off the final period",
            ),
            (
                edited(|v| {
                    v["risk_points"]
                        .as_object_mut()
                        .unwrap()
                        .remove("dkim_none");
                }),
                "the rules file is not valid: risk_points: missing field `dkim_none`",
            ),
            (
                edited(|v| v["signal_points"]["spf"]["points"] = "ten".into()),
                "the rules file is not valid: signal_points: invalid type: string \"ten\"",
            ),
            (
                edited(|v| v["segmnet_rules"] = Value::Array(Vec::new())),
                "the rules file is not valid: segmnet_rules: unknown key; the file holds base_score",
            ),
            (
                edited(|v| {
                    for key in ["reasons", "reasons_tr"] {
                        v["hard_fail_rules"][0][key]
                            .as_object_mut()
                            .unwrap()
                            .remove("nxdomain");
                    }
                }),
                "the rules file is not valid: hard_fail_rules: no rule gives a reason for scan status \
                 `nxdomain`",
            ),
            (
                edited(|v| v["hard_fail_rules"][0]["reasons"]["timeout"] = "Timed out.".into()),
                "the rules file is not valid: hard_fail_rules[0].reasons.timeout: `timeout` is not a \
                 hard-fail scan status",
            ),
            (
                edited(|v| v["segment_rules"][1]["reason_tr"] = "Geçişe hazır.".into()),
                "the rules file is not valid: segment_rules[1].reason_tr: leave off the final period; \
                 Hunter adds \". Puan: s, Sağlayıcı: p.\"",
            ),
            (
                edited(|v| v["priority_rules"][2]["label_tr"] = " ".into()),
                "the rules file is not valid: priority_rules[2].label_tr: the text is empty",
            ),
            (
                edited(|v| {
                    v["hard_fail_rules"][0]["reasons"]
                        .as_object_mut()
                        .unwrap()
                        .remove("nxdomain");
                }),
                "the rules file is not valid: hard_fail_rules[0].reasons_tr.nxdomain: no English \
                 reason for this status in `reasons`",
            ),
            (
                edited(|v| v["priority_rules"][0]["category"] = "P7".into()),
                "the rules file is not valid: priority_rules[0].category: unknown priority category `P7`",
            ),
        ];
        for (result, expected) in cases {
            let message = error(result);
            assert!(
                message.starts_with(expected),
                "{message}\n  expected: {expected}"
            );
        }
    }

    /// Every object of the file with `key` also has `key_tr` (for `reasons`, the same statuses).
    fn missing_turkish(value: &Value, path: &str, missing: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for key in ["label", "reason", "reasons"] {
                    let tr = map.get(&format!("{key}_tr"));
                    let same_keys = match (map.get(key), tr) {
                        (Some(Value::Object(en)), Some(Value::Object(tr))) => {
                            en.keys().eq(tr.keys())
                        }
                        (Some(_), tr) => tr.is_some(),
                        (None, _) => true,
                    };
                    if !same_keys {
                        missing.push(format!("{path}.{key}"));
                    }
                }
                for (key, item) in map {
                    missing_turkish(item, &format!("{path}.{key}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    missing_turkish(item, &format!("{path}[{i}]"), missing);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_text_of_the_embedded_rules_is_in_turkish_too() {
        let value: Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
        let mut missing = Vec::new();
        missing_turkish(&value, "", &mut missing);
        assert_eq!(missing, Vec::<String>::new());
        let rules = Rules::embedded();
        assert_eq!(
            rules.segment_rules[0].then.reason.tr,
            "Zaten Microsoft 365 kullanıyor; hesabı koruyun ve ek satış yapın"
        );
        assert_eq!(
            rules.no_mx.reason.tr,
            "Kesin eleme: alan adının MX kaydı yok."
        );
    }

    #[test]
    fn a_file_without_turkish_texts_shows_english_in_turkish_too() {
        fn strip(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    map.retain(|key, _| !key.ends_with("_tr"));
                    map.values_mut().for_each(strip);
                }
                Value::Array(items) => items.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let rules = edited(strip).unwrap();
        let reason = &rules.segment_rules[0].then.reason;
        assert_eq!(reason.tr, reason.en);
        assert_eq!(
            rules.priority_rules[0].then.label.tr,
            "High Potential Greenfield"
        );
        assert_eq!(rules.checks[0].label.tr, "SPF record present");
        assert_eq!(
            rules.nxdomain.reason.tr,
            "Hard fail: the domain does not exist."
        );
    }

    #[test]
    fn the_embedded_rules_cover_every_provider_at_every_score() {
        assert_eq!(Rules::embedded().gap_warnings(), Vec::<String>::new());
    }

    #[test]
    fn a_user_file_with_gaps_is_warned_about() {
        // The segment rules of `hunter.md` §5.3 alone: Amazon, SendGrid and Mailgun at 60 or
        // more reach the fallback.
        let rules = edited(|v| {
            v["segment_rules"].as_array_mut().unwrap().pop();
        })
        .unwrap();
        assert_eq!(
            rules.gap_warnings(),
            ["Amazon", "SendGrid", "Mailgun"].map(|provider| format!(
                "No segment rule covers {provider} at scores 60–100 (DNS signals alone reach 60); \
                 those leads fall back to Skip."
            ))
        );
    }

    #[test]
    fn a_catch_all_segment_rule_closes_the_gaps() {
        let rules = edited(|v| {
            let catch_all = serde_json::json!({"segment": "Cold", "reason": "Everything else"});
            v["segment_rules"].as_array_mut().unwrap().push(catch_all);
        })
        .unwrap();
        assert!(rules.gap_warnings().is_empty());
    }

    #[test]
    fn gaps_below_a_providers_range_are_reported() {
        // Local reaches 0; without the Skip rule nothing covers Local at 0–4.
        let rules = edited(|v| {
            v["segment_rules"].as_array_mut().unwrap().remove(4);
        })
        .unwrap();
        let warnings = rules.gap_warnings();
        let local = warnings.iter().find(|w| w.contains(" Local ")).unwrap();
        assert_eq!(
            local,
            "No segment rule covers Local at scores 0–4 (DNS signals alone reach 0); those leads \
             fall back to Skip."
        );
    }
}
