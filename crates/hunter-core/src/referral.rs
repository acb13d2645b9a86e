//! Partner Center referrals mapped to Hunter's facts (`partner-center-api.md` §8–§13). A
//! domain's combined facts (`hunter.md` §6) are computed by the store over every referral it
//! tracks (`Store::partner_facts`).
//!
//! The sync hands in each element of the API's `value` array as JSON; [`map_referral`] says
//! whether it becomes a lead, is only tracked (skipped) or cannot be processed (malformed).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::domain::{Domain, DomainError, is_public_suffix};
use crate::model::UnknownName;

/// `inviteContext.invitedBy.organizationId` of referrals Microsoft itself sent (§10.1).
const MICROSOFT: &str = "msft";

/// Mailbox providers whose domain says nothing about the customer (§12 step 3).
const CONSUMER_MAILBOX_DOMAINS: [&str; 24] = [
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "protonmail.com",
    "proton.me",
    "zoho.com",
    "mail.com",
    "yandex.com",
    "yandex.ru",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.ru",
];

// ---------------------------------------------------------------------------------------------
// The Referral object (§8)

/// One referral as the API returns it (§8.1), limited to the fields Hunter reads. Every other
/// field stays in the stored `raw_data` only, so a change of shape in a field Hunter never reads
/// cannot make a referral unprocessable. Unknown fields are ignored; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Referral {
    pub id: Option<String>,
    pub engagement_id: Option<String>,
    /// ISO 8601 UTC, e.g. `2020-10-30T21:03:00.0000000Z`.
    pub created_date_time: Option<String>,
    pub updated_date_time: Option<String>,
    pub status: Option<String>,
    pub substatus: Option<String>,
    /// `Independent` or `Shared`, or a non-standard kind name (§10.2 rule 5).
    pub r#type: Option<String>,
    pub qualification: Option<String>,
    pub direction: Option<String>,
    pub invite_context: Option<InviteContext>,
    pub customer_profile: Option<CustomerProfile>,
    pub details: Option<Details>,
    /// Non-standard (§10.2 rule 5).
    pub referral_type: Option<String>,
    /// Non-standard (§12).
    pub company_name: Option<String>,
    /// Non-standard website fields (§12 step 1).
    pub website: Option<String>,
    pub company_website: Option<String>,
    /// Non-standard contact fields (§12 step 3).
    pub contact: Option<Member>,
    pub email: Option<String>,
    /// Non-standard (§13). Any JSON: only a GUID string is used, anything else is ignored.
    pub azure_tenant_id: Option<Value>,
}

/// `customerProfile` (§8.2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerProfile {
    /// The customer company.
    pub name: Option<String>,
    pub address: Option<Address>,
    /// The customer's contacts.
    #[serde(deserialize_with = "null_as_empty")]
    pub team: Vec<Member>,
    /// An array of `{profileType, id}`; the older `{}` form reads as empty.
    #[serde(deserialize_with = "profile_ids")]
    pub ids: Vec<ProfileId>,
    /// Non-standard (§12 step 1).
    pub website: Option<String>,
    /// Non-standard (§13), as [`Referral::azure_tenant_id`].
    pub azure_tenant_id: Option<Value>,
}

/// `customerProfile.address` (§8.2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Address {
    /// ISO country code.
    pub country: Option<String>,
}

/// A Member (§8.2): a customer contact. `email` may be empty.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Member {
    pub email: Option<String>,
}

/// One `customerProfile.ids` entry (§8.2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileId {
    /// `Duns` or `External`.
    pub profile_type: Option<String>,
    pub id: Option<String>,
}

/// `details` (§8.3).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Details {
    /// The decimal as exact text: a JSON string as given, a JSON number as serde_json prints it.
    #[serde(deserialize_with = "decimal")]
    pub deal_value: Option<String>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// Non-standard (§12 step 1).
    pub website: Option<String>,
}

/// `inviteContext` (§8.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InviteContext {
    pub invited_by: Option<InvitedBy>,
}

/// `inviteContext.invitedBy` (§8.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InvitedBy {
    /// `msft` for Microsoft, else the inviting partner's (or your own) organization id.
    pub organization_id: Option<String>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn profile_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ProfileId>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| ProfileId::deserialize(item).map_err(serde::de::Error::custom))
            .collect(),
        Some(Value::Object(_)) | None => Ok(Vec::new()),
        Some(_) => Err(serde::de::Error::custom("expected an array or an object")),
    }
}

fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) if is_decimal(text.trim()) => Ok(Some(text.trim().to_owned())),
        Some(_) => Err(serde::de::Error::custom("expected a decimal number")),
    }
}

/// `-`? digits, optionally `.` digits: the plain decimal form of a JSON string deal value.
fn is_decimal(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(unsigned),
    }
}

// ---------------------------------------------------------------------------------------------
// Kind (§10)

/// Hunter's referral kind (§10.1 naming, §10.2 mapping); the `referral_type` of referrals and leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
pub enum ReferralKind {
    /// Microsoft's co-sell opportunity, and every `Shared` referral.
    #[serde(rename = "co-sell")]
    CoSell,
    /// Microsoft's marketplace lead (partner-finder pages, not the commercial marketplace).
    #[serde(rename = "marketplace")]
    Marketplace,
    /// Microsoft's qualified lead, routed to solution providers.
    #[serde(rename = "solution-provider")]
    SolutionProvider,
}

impl ReferralKind {
    pub const ALL: [ReferralKind; 3] = [
        ReferralKind::CoSell,
        ReferralKind::Marketplace,
        ReferralKind::SolutionProvider,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferralKind::CoSell => "co-sell",
            ReferralKind::Marketplace => "marketplace",
            ReferralKind::SolutionProvider => "solution-provider",
        }
    }
}

impl fmt::Display for ReferralKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReferralKind {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReferralKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "ReferralKind",
                value: s.to_owned(),
            })
    }
}

/// The kind by §10.2, first match wins; `None` when no rule matches (the referral is still
/// tracked and may still become a lead).
pub fn referral_kind(referral: &Referral) -> Option<ReferralKind> {
    let r#type = present(referral.r#type.as_deref());
    let qualification = present(referral.qualification.as_deref());
    let invited_by = present(
        referral
            .invite_context
            .as_ref()
            .and_then(|c| c.invited_by.as_ref())
            .and_then(|b| b.organization_id.as_deref()),
    );
    let independent = is(r#type, "Independent");
    if is(r#type, "Shared") {
        return Some(ReferralKind::CoSell);
    }
    if invited_by.is_some_and(|org| !org.eq_ignore_ascii_case(MICROSOFT)) {
        return Some(ReferralKind::CoSell);
    }
    if independent && is(qualification, "Direct") {
        return Some(ReferralKind::Marketplace);
    }
    if independent
        && (is(qualification, "SalesQualified") || is(qualification, "MarketingQualified"))
        && is(invited_by, MICROSOFT)
    {
        return Some(ReferralKind::SolutionProvider);
    }
    fallback_kind(referral)
}

/// §10.2 rule 5, for payloads that name their kind in a free-text field.
fn fallback_kind(referral: &Referral) -> Option<ReferralKind> {
    let standard_type =
        |t: &&str| t.eq_ignore_ascii_case("Independent") || t.eq_ignore_ascii_case("Shared");
    let name = present(referral.referral_type.as_deref())
        .or_else(|| present(referral.r#type.as_deref()).filter(|t| !standard_type(t)))?
        .to_lowercase();
    if name.contains("co-sell") || name.contains("cosell") {
        Some(ReferralKind::CoSell)
    } else if name.contains("marketplace") {
        Some(ReferralKind::Marketplace)
    } else if name.contains("solution") || name.contains("provider") {
        Some(ReferralKind::SolutionProvider)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Direction and status (§9, §11)

/// Whether a referral with this raw `direction` may become a lead (§11): `Incoming` in any case,
/// or no direction at all (the list request already filtered on Incoming).
pub fn is_incoming(direction: Option<&str>) -> bool {
    direction.is_none_or(|d| d.eq_ignore_ascii_case("Incoming"))
}

/// Whether a raw `status` is `Closed` (§9). Unknown values are not Closed.
pub fn is_closed(status: Option<&str>) -> bool {
    status.is_some_and(|s| s.eq_ignore_ascii_case("Closed"))
}

// ---------------------------------------------------------------------------------------------
// Customer domain (§12)

/// The field a customer domain candidate came from: `domain_source`, named by its JSON path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainSource {
    Website,
    CompanyWebsite,
    CustomerProfileWebsite,
    DetailsWebsite,
    CustomerProfileIds,
    CustomerProfileTeamEmail,
    ContactEmail,
    Email,
}

impl DomainSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainSource::Website => "website",
            DomainSource::CompanyWebsite => "companyWebsite",
            DomainSource::CustomerProfileWebsite => "customerProfile.website",
            DomainSource::DetailsWebsite => "details.website",
            DomainSource::CustomerProfileIds => "customerProfile.ids",
            DomainSource::CustomerProfileTeamEmail => "customerProfile.team.email",
            DomainSource::ContactEmail => "contact.email",
            DomainSource::Email => "email",
        }
    }

    fn is_email(self) -> bool {
        matches!(
            self,
            DomainSource::CustomerProfileTeamEmail
                | DomainSource::ContactEmail
                | DomainSource::Email
        )
    }
}

impl fmt::Display for DomainSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A raw value from one of the §12 fields, before normalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCandidate {
    /// The field's value as received (a whole e-mail address for e-mail fields).
    pub raw: String,
    pub source: DomainSource,
}

/// The customer domain of a referral (§12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerDomain {
    /// The first candidate that normalized to a valid, non-consumer domain.
    Usable {
        domain: Domain,
        candidate: DomainCandidate,
    },
    /// No candidate was usable; `best` is the first non-blank candidate, kept as `raw_domain`.
    Missing { best: Option<DomainCandidate> },
}

impl CustomerDomain {
    pub fn domain(&self) -> Option<&Domain> {
        match self {
            CustomerDomain::Usable { domain, .. } => Some(domain),
            CustomerDomain::Missing { .. } => None,
        }
    }

    /// The candidate stored as `raw_domain` and `domain_source`.
    pub fn candidate(&self) -> Option<&DomainCandidate> {
        match self {
            CustomerDomain::Usable { candidate, .. } => Some(candidate),
            CustomerDomain::Missing { best } => best.as_ref(),
        }
    }
}

/// The customer domain by §12's order: website fields, a web-address External id, then contact
/// e-mails (consumer mailboxes rejected).
pub fn customer_domain(referral: &Referral) -> CustomerDomain {
    let candidates = domain_candidates(referral);
    if let Some((domain, candidate)) = candidates
        .iter()
        .find_map(|c| usable_domain(c).map(|domain| (domain, c.clone())))
    {
        return CustomerDomain::Usable { domain, candidate };
    }
    let best = candidates.into_iter().find(|c| {
        // Blank values and placeholders such as `n/a` say nothing worth keeping.
        !matches!(
            Domain::parse(&c.raw),
            Err(DomainError::Empty | DomainError::Placeholder(_))
        )
    });
    CustomerDomain::Missing { best }
}

fn domain_candidates(referral: &Referral) -> Vec<DomainCandidate> {
    let profile = referral.customer_profile.as_ref();
    let websites = [
        (DomainSource::Website, referral.website.as_deref()),
        (
            DomainSource::CompanyWebsite,
            referral.company_website.as_deref(),
        ),
        (
            DomainSource::CustomerProfileWebsite,
            profile.and_then(|p| p.website.as_deref()),
        ),
        (
            DomainSource::DetailsWebsite,
            referral.details.as_ref().and_then(|d| d.website.as_deref()),
        ),
    ];
    let external_ids = profile
        .into_iter()
        .flat_map(|p| &p.ids)
        .filter(|id| is(id.profile_type.as_deref(), "External"))
        .filter_map(|id| id.id.as_deref())
        .filter(|id| looks_like_web_address(id))
        .map(|id| (DomainSource::CustomerProfileIds, Some(id)));
    let team_emails = profile.into_iter().flat_map(|p| &p.team).map(|member| {
        (
            DomainSource::CustomerProfileTeamEmail,
            member.email.as_deref(),
        )
    });
    let other_emails = [
        (
            DomainSource::ContactEmail,
            referral.contact.as_ref().and_then(|c| c.email.as_deref()),
        ),
        (DomainSource::Email, referral.email.as_deref()),
    ];
    websites
        .into_iter()
        .chain(external_ids)
        .chain(team_emails)
        .chain(other_emails)
        .filter_map(|(source, raw)| {
            raw.map(|raw| DomainCandidate {
                raw: raw.to_owned(),
                source,
            })
        })
        .collect()
}

fn usable_domain(candidate: &DomainCandidate) -> Option<Domain> {
    if candidate.source.is_email() {
        // `hunter.md` §2: an e-mail field counts only with an `@`.
        if !candidate.raw.contains('@') {
            return None;
        }
        let domain = Domain::parse(&candidate.raw).ok()?;
        return (!CONSUMER_MAILBOX_DOMAINS.contains(&domain.as_str())).then_some(domain);
    }
    Domain::parse(&candidate.raw).ok()
}

/// §12 step 2: an `http(s)://` scheme, a leading `www.`, or a host whose last label is a top-level
/// domain of the Public Suffix List (a CRM id such as `6-EC3LOVPHK` is none of these).
fn looks_like_web_address(id: &str) -> bool {
    let lower = id.trim().to_lowercase();
    if ["http://", "https://", "www."]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
    {
        return true;
    }
    let host = lower.split(['/', '?', '#', ':']).next().unwrap_or_default();
    host.trim_end_matches('.')
        .rsplit_once('.')
        .is_some_and(|(_, tld)| is_public_suffix(tld))
}

// ---------------------------------------------------------------------------------------------
// Azure tenant id (§13)

/// The customer's Azure tenant id (§13): top-level `azureTenantId`, else
/// `customerProfile.azureTenantId`; only a GUID counts, lowercased. Values that are present but
/// not a GUID come back as warnings for the caller to log.
pub fn azure_tenant_id(referral: &Referral) -> (Option<String>, Vec<ReferralWarning>) {
    let fields = [
        (TenantIdField::TopLevel, referral.azure_tenant_id.as_ref()),
        (
            TenantIdField::CustomerProfile,
            referral
                .customer_profile
                .as_ref()
                .and_then(|p| p.azure_tenant_id.as_ref()),
        ),
    ];
    let mut warnings = Vec::new();
    for (field, value) in fields {
        match value {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) if text.trim().is_empty() => {}
            Some(Value::String(text)) if is_guid(text.trim()) => {
                return (Some(text.trim().to_ascii_lowercase()), warnings);
            }
            Some(_) => warnings.push(ReferralWarning::InvalidAzureTenantId(field)),
        }
    }
    (None, warnings)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of either case.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where a tenant id was read (§13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantIdField {
    TopLevel,
    CustomerProfile,
}

impl TenantIdField {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantIdField::TopLevel => "azureTenantId",
            TenantIdField::CustomerProfile => "customerProfile.azureTenantId",
        }
    }
}

/// Something the spec says to ignore with a warning. `Display` quotes no payload values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralWarning {
    /// §13: present but not a GUID; ignored.
    #[error("{} is not a GUID; ignored", .0.as_str())]
    InvalidAzureTenantId(TenantIdField),
}

// ---------------------------------------------------------------------------------------------
// One referral → outcome (§14 "Per referral")

/// What Hunter keeps of one referral: a `partner_center_referrals` row without its bookkeeping
/// columns. Raw API values are as received, except that blank strings count as absent.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralFacts {
    pub referral_id: String,
    pub engagement_id: Option<String>,
    /// `referral_type` (§10.2).
    pub kind: Option<ReferralKind>,
    pub r#type: Option<String>,
    pub qualification: Option<String>,
    pub direction: Option<String>,
    pub status: Option<String>,
    pub substatus: Option<String>,
    /// `customerProfile.name`, else a non-standard `companyName`, else the domain (§12).
    pub company_name: Option<String>,
    /// `customerProfile.address.country`.
    pub customer_country: Option<String>,
    /// `domain`, `raw_domain` and `domain_source`.
    pub customer_domain: CustomerDomain,
    pub azure_tenant_id: Option<String>,
    /// `details.dealValue` as exact decimal text.
    pub deal_value: Option<String>,
    pub currency: Option<String>,
    pub created_datetime: Option<DateTime<Utc>>,
    pub updated_datetime: Option<DateTime<Utc>>,
    /// For the caller to log (with the referral id masked).
    pub warnings: Vec<ReferralWarning>,
}

impl ReferralFacts {
    /// §11.
    pub fn is_incoming(&self) -> bool {
        is_incoming(self.direction.as_deref())
    }

    pub fn domain(&self) -> Option<&Domain> {
        self.customer_domain.domain()
    }
}

/// Why a tracked referral is not a lead (§14 step 4); counted as skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    /// §11. Holds the raw direction.
    #[error("direction is `{0}`, not Incoming")]
    NotIncoming(String),
    /// §12 step 4.
    #[error(
        "no usable customer domain (no website, web-address External id or non-consumer contact e-mail)"
    )]
    NoDomain,
}

/// A referral that cannot be processed (§14 step 1): a failure of the run. The reason quotes no
/// payload values; the id, when there is one, is for the caller to mask.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct MalformedReferral {
    pub referral_id: Option<String>,
    pub reason: String,
}

/// The result of [`map_referral`].
#[derive(Debug, Clone, PartialEq)]
pub enum ReferralOutcome {
    /// Incoming with a usable domain: track it and make it a lead.
    Lead {
        /// The same as `facts.domain()`.
        domain: Domain,
        facts: ReferralFacts,
    },
    /// Track it, but it is not a lead.
    Skipped {
        facts: ReferralFacts,
        reason: SkipReason,
    },
    Malformed(MalformedReferral),
}

impl ReferralOutcome {
    /// The facts to track, for leads and skipped referrals alike.
    pub fn facts(&self) -> Option<&ReferralFacts> {
        match self {
            ReferralOutcome::Lead { facts, .. } | ReferralOutcome::Skipped { facts, .. } => {
                Some(facts)
            }
            ReferralOutcome::Malformed(_) => None,
        }
    }
}

/// Maps one element of the API's `value` array (§8) to its outcome: kind (§10), direction (§11),
/// domain (§12), tenant id (§13), then lead or skipped per §14 steps 1–4.
pub fn map_referral(raw: &Value) -> ReferralOutcome {
    match referral_facts(raw) {
        Err(malformed) => ReferralOutcome::Malformed(malformed),
        Ok(facts) => match (&facts.direction, facts.domain()) {
            (Some(direction), _) if !facts.is_incoming() => ReferralOutcome::Skipped {
                reason: SkipReason::NotIncoming(direction.clone()),
                facts,
            },
            (_, None) => ReferralOutcome::Skipped {
                facts,
                reason: SkipReason::NoDomain,
            },
            (_, Some(domain)) => ReferralOutcome::Lead {
                domain: domain.clone(),
                facts,
            },
        },
    }
}

/// The facts of one referral, whatever its direction or domain.
pub fn referral_facts(raw: &Value) -> Result<ReferralFacts, MalformedReferral> {
    let raw_id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
    let malformed = |reason: String| MalformedReferral {
        referral_id: raw_id.clone().filter(|id| !id.trim().is_empty()),
        reason,
    };
    let Value::Object(map) = raw else {
        return Err(malformed(format!(
            "the referral is {}, not a JSON object",
            json_type(raw)
        )));
    };
    let referral = Referral::deserialize(raw).map_err(|_| malformed(shape_error(map)))?;
    let referral_id = present(referral.id.as_deref())
        .ok_or_else(|| malformed("the referral has no id".to_owned()))?
        .to_owned();
    let created_datetime =
        time(referral.created_date_time.as_deref(), "createdDateTime").map_err(&malformed)?;
    let updated_datetime =
        time(referral.updated_date_time.as_deref(), "updatedDateTime").map_err(&malformed)?;
    let customer_domain = customer_domain(&referral);
    let (azure_tenant_id, warnings) = azure_tenant_id(&referral);
    let profile = referral.customer_profile.as_ref();
    let company_name = [
        profile.and_then(|p| p.name.as_deref()),
        referral.company_name.as_deref(),
        customer_domain.domain().map(Domain::as_str),
    ]
    .into_iter()
    .find_map(present)
    .map(str::to_owned);
    let details = referral.details.as_ref();
    Ok(ReferralFacts {
        kind: referral_kind(&referral),
        referral_id,
        engagement_id: owned(referral.engagement_id.as_deref()),
        r#type: owned(referral.r#type.as_deref()),
        qualification: owned(referral.qualification.as_deref()),
        direction: owned(referral.direction.as_deref()),
        status: owned(referral.status.as_deref()),
        substatus: owned(referral.substatus.as_deref()),
        company_name,
        customer_country: owned(
            profile
                .and_then(|p| p.address.as_ref())
                .and_then(|a| a.country.as_deref()),
        ),
        customer_domain,
        azure_tenant_id,
        deal_value: details.and_then(|d| d.deal_value.clone()),
        currency: owned(details.and_then(|d| d.currency.as_deref())),
        created_datetime,
        updated_datetime,
        warnings,
    })
}

/// Names the field whose JSON type does not fit, down to one level inside the objects Hunter
/// reads. serde's own message is not used: it can quote a value, such as a contact's e-mail.
fn shape_error(map: &Map<String, Value>) -> String {
    let Some(key) = first_bad_key::<Referral>(map) else {
        return "the referral does not have the documented shape".to_owned();
    };
    let inner = match (key, &map[key]) {
        ("customerProfile", Value::Object(m)) => first_bad_key::<CustomerProfile>(m),
        ("details", Value::Object(m)) => first_bad_key::<Details>(m),
        ("inviteContext", Value::Object(m)) => first_bad_key::<InviteContext>(m),
        ("contact", Value::Object(m)) => first_bad_key::<Member>(m),
        _ => None,
    };
    match inner {
        Some(inner) => format!("`{key}.{inner}` has an unexpected JSON type or shape"),
        None => format!("`{key}` has an unexpected JSON type or shape"),
    }
}

/// The first key that `T` cannot read on its own (every field of `T` is optional).
fn first_bad_key<'m, T: for<'de> Deserialize<'de>>(map: &'m Map<String, Value>) -> Option<&'m str> {
    map.iter()
        .find(|(key, value)| {
            let alone = Value::Object(Map::from_iter([((*key).clone(), (*value).clone())]));
            T::deserialize(&alone).is_err()
        })
        .map(|(key, _)| key.as_str())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An ISO 8601 time (§8): RFC 3339 with any offset; without an offset it is taken as UTC.
fn time(value: Option<&str>, field: &str) -> Result<Option<DateTime<Utc>>, String> {
    let Some(text) = present(value) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map(Some)
        .map_err(|_| format!("`{field}` is not an ISO 8601 time"))
}

/// A non-blank value, trimmed.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A raw value as received; blank counts as absent.
fn owned(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).map(str::to_owned)
}

fn is(value: Option<&str>, name: &str) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case(name))
}

/// The Partner Center settings that shape a score (`hunter.md` §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerScoring {
    /// `HUNTER_PARTNER_CENTER_AZURE_TENANT_SCORE`.
    pub azure_tenant_score: i32,
    /// `HUNTER_PARTNER_CENTER_COSELL_BONUS`.
    pub cosell_bonus: i32,
}

#[cfg(test)]
mod tests;
