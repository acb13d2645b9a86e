//! Query parameters. Each value parses into its own type (an enum of the model, or a newtype
//! that checks its range), so an unknown or out-of-range value is a 400 before any handler runs.
//! An empty value (`segment=`) counts as absent: that is what a form's "All" option sends (the
//! OpenAPI document says so with `allowEmptyValue` on every query parameter).

use std::fmt::Display;
use std::str::FromStr;

use hunter_core::Lang;
use hunter_core::model::{PriorityCategory, Provider, Segment};
use hunter_store::{LeadFilter, LeadSort, ReferralFilter as TrackedFilter, SortOrder};
use serde::{Deserialize, Deserializer, de};
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::views::{self, NO_REFERRAL, REFERRAL_TYPES};

/// Deserializes an optional query value through `FromStr`; empty means absent.
fn from_str<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(de::Error::custom)
}

/// Free text of a request (query or JSON body), refused when it holds U+0000: PostgreSQL text
/// cannot store or compare it, so it is a 400 on both backends rather than a 500 on one.
pub(crate) fn text<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    let text = Option::<String>::deserialize(d)?;
    if text.as_deref().is_some_and(|t| t.contains('\0')) {
        return Err(de::Error::custom("text must not contain U+0000 (NUL)"));
    }
    Ok(text)
}

/// An optional whole number of a JSON body. JSON Schema's `integer` includes `135.0`, so a
/// client generated from the document may send one; serde alone would refuse it.
pub(crate) fn whole_number<'de, D>(d: D) -> Result<Option<u32>, D::Error>
where
    D: Deserializer<'de>,
{
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = match number.as_u64() {
        Some(n) => Some(n),
        None => number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u64),
    };
    whole
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| {
            de::Error::custom(format!(
                "{number} is not a whole number from 0 to {}",
                u32::MAX
            ))
        })
}

/// An integer in `MIN..=MAX`, parsed from a query value.
fn bounded<const MIN: u32, const MAX: u32>(text: &str, what: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|n| (MIN..=MAX).contains(n))
        .ok_or_else(|| format!("{what} must be a whole number from {MIN} to {MAX}, not `{text}`"))
}

/// A page number, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page(u32);

impl Page {
    /// The largest page number taken (a later page is simply empty).
    pub const MAX: u32 = u32::MAX;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Page {
    fn default() -> Self {
        Page(1)
    }
}

impl FromStr for Page {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        bounded::<1, { Page::MAX }>(s, "page").map(Page)
    }
}

/// Leads per page, 1 to 200; 50 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    pub const MAX: u32 = 200;
    pub const DEFAULT: u32 = 50;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        PageSize(PageSize::DEFAULT)
    }
}

impl FromStr for PageSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        bounded::<1, { PageSize::MAX }>(s, "page_size").map(PageSize)
    }
}

/// The lowest `readiness_score` shown, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinScore(u32);

impl MinScore {
    pub const MAX: u32 = 100;
}

impl FromStr for MinScore {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        bounded::<0, { MinScore::MAX }>(s, "min_score").map(MinScore)
    }
}

/// A `referral_type` of `contract.md` §4, or `none` for leads without a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFilter(&'static str);

impl FromStr for ReferralFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        REFERRAL_TYPES
            .iter()
            .chain([&NO_REFERRAL])
            .find(|t| **t == s)
            .map(|t| ReferralFilter(t))
            .ok_or_else(|| {
                format!(
                    "referral_type must be one of {}, or {NO_REFERRAL}; not `{s}`",
                    REFERRAL_TYPES.join(", ")
                )
            })
    }
}

/// The filters shared by the lead list and the export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadFilterParams {
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::segment)]
    segment: Option<Segment>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::provider)]
    provider: Option<Provider>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::referral_filter)]
    referral_type: Option<ReferralFilter>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::priority_category)]
    priority_category: Option<PriorityCategory>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::min_score)]
    min_score: Option<MinScore>,
    /// Part of the domain, company name or provider, any case.
    #[serde(default, deserialize_with = "text")]
    #[param(value_type = Option<String>, pattern = "^[^\\u0000]*$")]
    search: Option<String>,
}

impl LeadFilterParams {
    pub fn into_filter(self) -> LeadFilter {
        LeadFilter {
            segment: self.segment,
            provider: self.provider,
            referral_type: self.referral_type.map(|t| t.0.to_owned()),
            priority_category: self.priority_category,
            min_score: self.min_score.map(|s| s.0 as i32),
            search: self
                .search
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
        }
    }
}

/// The order of leads; without `sort_by`, the default order (priority, score, domain).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SortParams {
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::sort_by)]
    sort_by: Option<LeadSort>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::sort_order)]
    sort_order: Option<SortOrder>,
}

impl SortParams {
    pub fn into_sort(self) -> Result<Option<(LeadSort, SortOrder)>, ApiError> {
        match (self.sort_by, self.sort_order) {
            (Some(by), order) => Ok(Some((by, order.unwrap_or(SortOrder::Asc)))),
            (None, None) => Ok(None),
            (None, Some(_)) => Err(ApiError::bad_request(
                "invalid_query",
                "sort_order needs sort_by",
                "sort_order için sort_by da gerekir",
            )),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::page)]
    page: Option<Page>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::page_size)]
    page_size: Option<PageSize>,
}

impl PageParams {
    pub fn page(&self) -> Page {
        self.page.unwrap_or_default()
    }

    pub fn page_size(&self) -> PageSize {
        self.page_size.unwrap_or_default()
    }
}

/// `GET /api/admin/audit`: one event name or all, and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// One event only: `login.success`, `login.failure`, `logout`, `access.denied`,
    /// `api_key.created`, `api_key.revoked`, `user.disabled`, `user.enabled`, `leads.exported`,
    /// `file.imported`, `scan.bulk`, `referrals.synced`.
    #[serde(default, deserialize_with = "text")]
    event: Option<String>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::page)]
    page: Option<Page>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::page_size)]
    page_size: Option<PageSize>,
}

impl AuditParams {
    pub fn event(&self) -> Option<&str> {
        self.event
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
    }

    pub fn page(&self) -> Page {
        self.page.unwrap_or_default()
    }

    pub fn page_size(&self) -> PageSize {
        self.page_size.unwrap_or_default()
    }
}

/// The export's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Csv,
    Xlsx,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(format!("format must be csv or xlsx, not `{s}`")),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::format)]
    pub format: Option<Format>,
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::lang)]
    pub lang: Option<Lang>,
}

/// `POST /api/ingest/file` options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Scan the imported domains afterwards (default false).
    #[serde(default, deserialize_with = "from_str")]
    #[param(value_type = Option<bool>)]
    scan: Option<bool>,
    /// Guess the company and website columns from headers and cells (default false).
    #[serde(default, deserialize_with = "from_str")]
    #[param(value_type = Option<bool>)]
    auto_detect: Option<bool>,
}

impl ImportParams {
    pub fn scan(&self) -> bool {
        self.scan.unwrap_or(false)
    }

    pub fn auto_detect(&self) -> bool {
        self.auto_detect.unwrap_or(false)
    }
}

/// A yes/no query value: `true` or `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(bool);

impl FromStr for Flag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "true" => Ok(Flag(true)),
            "false" => Ok(Flag(false)),
            _ => Err(format!("linked must be `true` or `false`, not `{s}`")),
        }
    }
}

/// The filters of the referral list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralFilterParams {
    #[serde(default, deserialize_with = "from_str")]
    #[param(schema_with = views::referral_filter)]
    referral_type: Option<ReferralFilter>,
    /// The Partner Center status (`New`, `Active`, `Closed`), any case.
    #[serde(default, deserialize_with = "text")]
    #[param(value_type = Option<String>, pattern = "^[^\\u0000]*$")]
    status: Option<String>,
    /// Only referrals that are (`true`) or are not (`false`) linked to a lead.
    #[serde(default, deserialize_with = "from_str")]
    #[param(value_type = Option<bool>)]
    linked: Option<Flag>,
    /// Part of the company name, domain or referral id, any case.
    #[serde(default, deserialize_with = "text")]
    #[param(value_type = Option<String>, pattern = "^[^\\u0000]*$")]
    search: Option<String>,
}

impl ReferralFilterParams {
    pub fn into_filter(self) -> TrackedFilter {
        let text = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        TrackedFilter {
            referral_type: self.referral_type.map(|t| t.0.to_owned()),
            status: text(self.status),
            linked: self.linked.map(|f| f.0),
            search: text(self.search),
        }
    }
}
