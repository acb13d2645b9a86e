//! What the API sends and receives, with OpenAPI schemas. Responses are built from the core and
//! store types by exhaustive conversions, so a field added there cannot silently miss here.

use std::collections::BTreeMap;
use std::fmt::Display;

use hunter_core::dns::MxRecord;
use hunter_core::model::{
    BreakdownLine, CommercialHeat, CommercialSegment, DmarcPolicy, Evidence, EvidenceKind, Lead,
    PriorityCategory, Provider, ScanStatus, Segment, TechnicalHeat, TenantSize,
};
use hunter_engine::referral_sync::SyncResult;
use hunter_store::{Job, JobError, JobKind, JobStatus, Kpis, SORTABLE, TrackedReferral};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

use crate::i18n;
use crate::params::{self, MinScore, Page, PageSize};

/// `referral_type` values (`contract.md` §4).
pub const REFERRAL_TYPES: &[&str] = &["co-sell", "marketplace", "solution-provider"];

/// The `referral_type` filter value (and KPI key) for leads without a referral.
pub const NO_REFERRAL: &str = "none";

/// Most domains one bulk request may carry (`hunter.md` §8); imports have no limit.
pub const BULK_MAX: usize = 1000;

/// A string schema listing the allowed names (with null when the field is optional).
fn names<T: Display>(all: impl IntoIterator<Item = T>, nullable: bool) -> Object {
    names_builder(all, nullable).build()
}

/// A query parameter's schema, with the parameter's description: utoipa drops a field's doc
/// comment when `schema_with` gives the schema, so `api::doc` moves this one up instead.
fn param(schema: ObjectBuilder, description: &str) -> Object {
    schema.description(Some(description)).build()
}

fn names_builder<T: Display>(all: impl IntoIterator<Item = T>, nullable: bool) -> ObjectBuilder {
    let mut values: Vec<Value> = all.into_iter().map(|v| v.to_string().into()).collect();
    let kind = if nullable {
        values.push(Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .enum_values(Some(values))
}

// One function per field kind: `schema_with` takes a function without arguments.
pub(crate) fn provider() -> Object {
    names(Provider::ALL, false)
}
pub(crate) fn segment() -> Object {
    names(Segment::ALL, false)
}
pub(crate) fn priority_category() -> Object {
    names(PriorityCategory::ALL, false)
}
pub(crate) fn referral_filter() -> Object {
    let all = REFERRAL_TYPES.iter().chain([&NO_REFERRAL]);
    param(
        names_builder(all, false),
        "`none`: without a referral type.",
    )
}
pub(crate) fn sort_by() -> Object {
    param(
        names_builder(SORTABLE, false),
        "A lead field; ties keep the default order (priority, score, domain).",
    )
}
pub(crate) fn sort_order() -> Object {
    param(
        names_builder(["asc", "desc"], false),
        "`asc` (default) or `desc`. Needs `sort_by`: alone it is refused (400 `invalid_query`).",
    )
}
pub(crate) fn format() -> Object {
    param(
        names_builder(["csv", "xlsx"], false),
        "`csv` (default) or `xlsx`.",
    )
}
pub(crate) fn lang() -> Object {
    param(
        names_builder(["en", "tr"], false),
        "`en` or `tr`: the language of `reason` and `priority_label`; `Accept-Language` without it.",
    )
}
/// A whole number in `min..=max` (query values), with its default when it has one.
fn whole(min: u32, max: u32, default: Option<u32>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(min))
        .maximum(Some(max))
        .default(default.map(Value::from))
}
pub(crate) fn page() -> Object {
    param(
        whole(1, Page::MAX, Some(1)),
        "From 1; a page past the last is empty.",
    )
}
pub(crate) fn page_size() -> Object {
    param(
        whole(1, PageSize::MAX, Some(PageSize::DEFAULT)),
        "1 to 200; 50 by default.",
    )
}
pub(crate) fn min_score() -> Object {
    param(
        whole(0, MinScore::MAX, None),
        "Only leads scoring at least this much (0–100).",
    )
}
/// Text as `params::text` takes it: anything but U+0000 (query parameters repeat it, as
/// `pattern`, to keep their doc comments).
pub(crate) const TEXT_PATTERN: &str = "^[^\\u0000]*$";
fn optional_text() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(TEXT_PATTERN))
        .build()
}
/// An API key's scopes: at least one of the contract's names.
pub(crate) fn scopes() -> Array {
    ArrayBuilder::new()
        .items(names_builder(
            hunter_core::access::Scope::ALL.map(hunter_core::access::Scope::as_str),
            false,
        ))
        .min_items(Some(1))
        .build()
}

/// A name for people: something besides spaces, at most 100 characters.
pub(crate) fn key_name() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(100))
        .pattern(Some(r"\S"))
        .build()
}

fn bulk_domains() -> Array {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1)),
        )
        .min_items(Some(1))
        .max_items(Some(BULK_MAX))
        .build()
}
fn referral_type() -> Object {
    names(REFERRAL_TYPES, true)
}
fn scan_status() -> Object {
    names(ScanStatus::ALL, false)
}
fn tenant_size() -> Object {
    names(TenantSize::ALL, true)
}
fn dmarc_policy() -> Object {
    names(DmarcPolicy::ALL, true)
}
fn technical_heat() -> Object {
    names(TechnicalHeat::ALL, false)
}
fn commercial_segment() -> Object {
    names(CommercialSegment::ALL, false)
}
fn commercial_heat() -> Object {
    names(CommercialHeat::ALL, false)
}
fn evidence_kind() -> Object {
    names(EvidenceKind::ALL, false)
}
fn optional_provider() -> Object {
    names(Provider::ALL, true)
}
fn job_kind() -> Object {
    names(JobKind::ALL, false)
}
fn job_status() -> Object {
    names(JobStatus::ALL, false)
}

/// A lead: company + signals + score (`contract.md` §4), the same on every surface.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadView {
    #[schema(examples("contoso.com"))]
    pub domain: String,
    pub company_name: Option<String>,
    /// The effective mail provider.
    #[schema(schema_with = provider)]
    pub provider: Provider,
    /// Security gateway in front of the mail servers (Mimecast, Proofpoint, …).
    pub gateway: Option<String>,
    pub local_provider: Option<String>,
    #[schema(schema_with = tenant_size)]
    pub tenant_size: Option<TenantSize>,
    /// Registrable domain of the first MX host.
    pub mx_root: Option<String>,
    pub spf: Option<bool>,
    pub dkim: Option<bool>,
    #[schema(schema_with = dmarc_policy)]
    pub dmarc_policy: Option<DmarcPolicy>,
    /// DMARC `pct`, 0–100.
    pub dmarc_coverage: Option<u8>,
    /// 0–100.
    pub readiness_score: i32,
    #[schema(schema_with = segment)]
    pub segment: Segment,
    pub reason: String,
    #[schema(schema_with = technical_heat)]
    pub technical_heat: TechnicalHeat,
    #[schema(schema_with = commercial_segment)]
    pub commercial_segment: CommercialSegment,
    #[schema(schema_with = commercial_heat)]
    pub commercial_heat: CommercialHeat,
    #[schema(schema_with = priority_category)]
    pub priority_category: PriorityCategory,
    pub priority_label: String,
    #[schema(schema_with = referral_type)]
    pub referral_type: Option<String>,
    /// Tenant id carried by a Partner Center referral.
    pub azure_tenant_id: Option<String>,
    #[schema(schema_with = scan_status)]
    pub scan_status: ScanStatus,
    /// RFC 3339 UTC; null until a scan produced usable signals.
    pub scanned_at: Option<String>,
    /// Tenant found by Entra tenant discovery.
    pub entra_tenant_id: Option<String>,
    pub dkim_selectors: Vec<String>,
    pub spf_include_count: u32,
    pub dmarc_subdomain_policy: Option<String>,
    pub mx_records: Vec<MxRecordView>,
    /// The DNS-only score before Partner Center adjustments.
    pub dns_score: i32,
    /// The segment rule that matched (`1`…, `fallback`, `hard_fail`, …).
    pub segment_rule: String,
    /// WHOIS / RDAP registrar; null until enrichment fills it.
    pub registrar: Option<String>,
    /// Domain expiry, `YYYY-MM-DD`.
    pub expires_at: Option<String>,
    pub nameservers: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MxRecordView {
    pub preference: u16,
    pub host: String,
}

impl From<MxRecord> for MxRecordView {
    fn from(MxRecord { preference, host }: MxRecord) -> Self {
        MxRecordView { preference, host }
    }
}

impl From<Lead> for LeadView {
    fn from(lead: Lead) -> Self {
        let Lead {
            domain,
            company_name,
            provider,
            gateway,
            local_provider,
            tenant_size,
            mx_root,
            spf,
            dkim,
            dmarc_policy,
            dmarc_coverage,
            readiness_score,
            segment,
            reason,
            reason_tr,
            technical_heat,
            commercial_segment,
            commercial_heat,
            priority_category,
            priority_label,
            priority_label_tr,
            referral_type,
            azure_tenant_id,
            scan_status,
            scanned_at,
            entra_tenant_id,
            dkim_selectors,
            spf_include_count,
            dmarc_subdomain_policy,
            mx_records,
            dns_score,
            segment_rule,
            registrar,
            expires_at,
            nameservers,
        } = lead;
        // Texts for people in the request's language (`team.md` §7).
        let lang = i18n::current();
        let reason = lang.pick(reason, reason_tr);
        let priority_label = lang.pick(priority_label, priority_label_tr);
        LeadView {
            domain,
            company_name,
            provider,
            gateway,
            local_provider,
            tenant_size,
            mx_root,
            spf,
            dkim,
            dmarc_policy,
            dmarc_coverage,
            readiness_score,
            segment,
            reason,
            technical_heat,
            commercial_segment,
            commercial_heat,
            priority_category,
            priority_label,
            referral_type,
            azure_tenant_id,
            scan_status,
            scanned_at,
            entra_tenant_id,
            dkim_selectors,
            spf_include_count,
            dmarc_subdomain_policy,
            mx_records: mx_records.into_iter().map(MxRecordView::from).collect(),
            dns_score,
            segment_rule,
            registrar,
            expires_at,
            nameservers,
        }
    }
}

/// One page of the lead list.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadPageView {
    pub leads: Vec<LeadView>,
    /// Leads matching the filters, all pages together.
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub total_pages: u64,
}

/// "Why this score": every line that made it (they add up to `readiness_score`), the signals
/// behind it, the provider evidence and the P-model fields (`hunter.md` §5.5, §8).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreBreakdownView {
    pub domain: String,
    pub company_name: Option<String>,
    pub readiness_score: i32,
    pub dns_score: i32,
    pub lines: Vec<BreakdownLineView>,
    #[schema(schema_with = provider)]
    pub provider: Provider,
    /// The DNS-only classification, before any Partner Center override.
    #[schema(schema_with = optional_provider)]
    pub classified_provider: Option<Provider>,
    #[schema(schema_with = segment)]
    pub segment: Segment,
    pub segment_rule: String,
    pub reason: String,
    #[schema(schema_with = technical_heat)]
    pub technical_heat: TechnicalHeat,
    #[schema(schema_with = commercial_segment)]
    pub commercial_segment: CommercialSegment,
    #[schema(schema_with = commercial_heat)]
    pub commercial_heat: CommercialHeat,
    #[schema(schema_with = priority_category)]
    pub priority_category: PriorityCategory,
    pub priority_label: String,
    #[schema(schema_with = referral_type)]
    pub referral_type: Option<String>,
    pub azure_tenant_id: Option<String>,
    #[schema(schema_with = scan_status)]
    pub scan_status: ScanStatus,
    pub scanned_at: Option<String>,
    pub mx_root: Option<String>,
    pub gateway: Option<String>,
    pub local_provider: Option<String>,
    #[schema(schema_with = tenant_size)]
    pub tenant_size: Option<TenantSize>,
    pub spf: Option<bool>,
    pub dkim: Option<bool>,
    #[schema(schema_with = dmarc_policy)]
    pub dmarc_policy: Option<DmarcPolicy>,
    pub dmarc_coverage: Option<u8>,
    pub entra_tenant_id: Option<String>,
    pub evidence: Vec<EvidenceView>,
    /// First 12 hex digits of the SHA-256 of the rules file that scored this lead.
    pub rules_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BreakdownLineView {
    /// `base_score`, `provider`, a signal or risk key, `clamp`, `partner_center_*`, `total`, …
    pub name: String,
    pub label: String,
    pub points: i32,
}

impl From<BreakdownLine> for BreakdownLineView {
    fn from(
        BreakdownLine {
            name,
            label,
            label_tr,
            points,
        }: BreakdownLine,
    ) -> Self {
        BreakdownLineView {
            name,
            label: i18n::current().pick(label, label_tr),
            points,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    #[schema(schema_with = evidence_kind)]
    pub kind: EvidenceKind,
    /// The record as seen, e.g. `10 eu-smtp-inbound-1.mimecast.com`.
    pub detail: String,
    #[schema(schema_with = optional_provider)]
    pub provider: Option<Provider>,
    /// This item decided the provider.
    pub decisive: bool,
}

impl From<Evidence> for EvidenceView {
    fn from(
        Evidence {
            kind,
            detail,
            provider,
            decisive,
        }: Evidence,
    ) -> Self {
        EvidenceView {
            kind,
            detail,
            provider,
            decisive,
        }
    }
}

/// A background job and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub job_id: String,
    #[schema(schema_with = job_kind)]
    pub kind: JobKind,
    #[schema(schema_with = job_status)]
    pub status: JobStatus,
    /// Units of work; for imports 0 until a worker has read the file.
    pub total: u64,
    /// Always `succeeded + failed`.
    pub processed: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// The first 100 errors.
    pub errors: Vec<JobErrorView>,
    pub params: Option<Value>,
    pub result: Option<Value>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// What went wrong, and where: a file row (1-based data row number) or a domain.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobErrorView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub message: String,
}

impl From<JobError> for JobErrorView {
    fn from(error: JobError) -> Self {
        let message = error.message_in(i18n::current()).to_owned();
        let JobError {
            row,
            domain,
            message: _,
            message_tr: _,
        } = error;
        JobErrorView {
            row,
            domain,
            message,
        }
    }
}

impl From<Job> for JobView {
    fn from(job: Job) -> Self {
        let Job {
            id,
            kind,
            status,
            total,
            processed,
            succeeded,
            failed,
            errors,
            params,
            result,
            created_at,
            started_at,
            finished_at,
        } = job;
        JobView {
            job_id: id,
            kind,
            status,
            total,
            processed,
            succeeded,
            failed,
            errors: errors.into_iter().map(JobErrorView::from).collect(),
            params,
            result,
            created_at,
            started_at,
            finished_at,
        }
    }
}

/// Lead counts for the dashboard; keys are the segment, priority and referral type names.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpisView {
    pub total_leads: u64,
    pub by_segment: BTreeMap<String, u64>,
    pub by_priority: BTreeMap<String, u64>,
    pub by_referral_type: BTreeMap<String, u64>,
}

/// `POST /api/ingest/domain`. Precedence website > email > domain; the first field that yields
/// a valid domain wins.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IngestDomainRequest {
    #[serde(default, deserialize_with = "params::text")]
    #[schema(schema_with = optional_text)]
    pub domain: Option<String>,
    #[serde(default, deserialize_with = "params::text")]
    #[schema(schema_with = optional_text)]
    pub company_name: Option<String>,
    #[serde(default, deserialize_with = "params::text")]
    #[schema(schema_with = optional_text)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "params::text")]
    #[schema(schema_with = optional_text)]
    pub website: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IngestedView {
    pub domain: String,
    pub company_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScanDomainRequest {
    /// A domain, website or email address.
    #[schema(examples("contoso.com"), min_length = 1)]
    pub domain: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkScanRequest {
    /// 1 to 1,000 domains (websites and email addresses work too); repeats are scanned once.
    #[schema(schema_with = bulk_domains)]
    pub domains: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobAccepted {
    pub job_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkScanAccepted {
    pub job_id: String,
    /// Distinct domains to scan.
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database cannot be reached.
    pub status: &'static str,
    /// `ok` or `unreachable`.
    pub database: &'static str,
}

/// Settings the web UI needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct UiConfig {
    pub partner_center_enabled: bool,
}

impl From<Kpis> for KpisView {
    fn from(
        Kpis {
            total_leads,
            by_segment,
            by_priority,
            by_referral_type,
        }: Kpis,
    ) -> Self {
        KpisView {
            total_leads,
            by_segment,
            by_priority,
            by_referral_type,
        }
    }
}

/// A tracked Partner Center referral (`contract.md` §4 `GET /api/referrals`), without its raw
/// API object, which carries contact details the list does not need.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralView {
    pub referral_id: String,
    pub engagement_id: Option<String>,
    /// `co-sell`, `marketplace`, `solution-provider`, or null when the kind is unknown.
    #[schema(schema_with = referral_type)]
    pub referral_type: Option<String>,
    /// The API's own `type`, `qualification`, `direction`, `status` and `substatus`.
    pub r#type: Option<String>,
    pub qualification: Option<String>,
    pub direction: Option<String>,
    pub status: Option<String>,
    pub substatus: Option<String>,
    pub company_name: Option<String>,
    pub customer_country: Option<String>,
    /// The normalized company domain; null when none was usable (the referral is skipped).
    pub domain: Option<String>,
    /// What the domain came from, as received.
    pub raw_domain: Option<String>,
    /// `website` or `email`.
    pub domain_source: Option<String>,
    pub azure_tenant_id: Option<String>,
    /// Exact decimal text.
    pub deal_value: Option<String>,
    pub currency: Option<String>,
    pub created_datetime: Option<String>,
    pub updated_datetime: Option<String>,
    /// Incoming, and its domain is a lead.
    pub linked: bool,
    pub created_at: String,
    /// The last sync that saw it.
    pub synced_at: String,
    pub updated_at: String,
}

impl From<TrackedReferral> for ReferralView {
    fn from(r: TrackedReferral) -> Self {
        let TrackedReferral {
            id: _,
            referral_id,
            engagement_id,
            referral_type,
            r#type,
            qualification,
            direction,
            status,
            substatus,
            company_name,
            customer_country,
            domain,
            raw_domain,
            domain_source,
            azure_tenant_id,
            deal_value,
            currency,
            created_datetime,
            updated_datetime,
            raw_data: _,
            linked,
            created_at,
            synced_at,
            updated_at,
        } = r;
        ReferralView {
            referral_id,
            engagement_id,
            referral_type,
            r#type,
            qualification,
            direction,
            status,
            substatus,
            company_name,
            customer_country,
            domain,
            raw_domain,
            domain_source,
            azure_tenant_id,
            deal_value,
            currency,
            created_datetime,
            updated_datetime,
            linked,
            created_at,
            synced_at,
            updated_at,
        }
    }
}

/// One page of tracked referrals, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralPageView {
    pub referrals: Vec<ReferralView>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub total_pages: u64,
}

/// The sync result (`contract.md` §5).
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResultView {
    /// Referrals stored and linked to a lead.
    pub success_count: u64,
    /// Referrals that could not be processed (the others still were).
    pub failure_count: u64,
    /// Referrals stored without a lead: not Incoming, or no usable company domain.
    pub skipped_count: u64,
    pub errors: Vec<String>,
    pub total_fetched: u64,
}

impl From<SyncResult> for SyncResultView {
    fn from(r: SyncResult) -> Self {
        let SyncResult {
            success_count,
            failure_count,
            skipped_count,
            errors,
            total_fetched,
        } = r;
        SyncResultView {
            success_count,
            failure_count,
            skipped_count,
            errors,
            total_fetched,
        }
    }
}
