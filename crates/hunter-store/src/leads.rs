//! The lead list, its export and the dashboard counts: filtered, sorted and paged in the
//! database (`hunter.md` §9.27) from the one `leads` view, with the same SQL on both backends.
//!
//! Every order ends in `domain` (unique, not null), so it is total: pages never overlap or skip,
//! and the export can page by keyset (the last row's sort key) instead of by offset.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::str::FromStr;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use hunter_core::model::{Lead, PriorityCategory, Provider, Segment};
use hunter_core::search::{LETTER_FOLDS, MARK_FOLDS, fold};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments, AssertSqlSafe, Row};

use crate::read::{LEAD_COLUMNS, lead_from_row};
use crate::{Backend, Store, StoreError};

/// Leads fetched per query while exporting.
const EXPORT_CHUNK: usize = 1000;

/// The `referral_type` filter value and KPI key for leads without a referral.
pub(crate) const NO_REFERRAL: &str = "none";

/// `leads` view columns that are `lead_scores` columns under the same name: an order over these
/// alone can be served by `lead_scores` and its indexes without joining the other tables.
const SCORE_COLUMNS: [&str; 11] = [
    "domain",
    "provider",
    "readiness_score",
    "segment",
    "technical_heat",
    "commercial_segment",
    "commercial_heat",
    "priority_category",
    "priority_label",
    "referral_type",
    "azure_tenant_id",
];

/// What a lead query reads: `lead_scores` alone (its indexes hold every filter and the default
/// order) or the whole `leads` view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Scores,
    Leads,
}

impl Source {
    fn table(self) -> &'static str {
        match self {
            Source::Scores => "lead_scores",
            Source::Leads => "leads",
        }
    }
}

/// Searches shorter than this cannot use the trigram index and scan instead.
const TRIGRAM: usize = 3;

/// KPI keys that are always present, with 0 when empty.
const REFERRAL_TYPES: [&str; 4] = ["co-sell", "marketplace", "solution-provider", NO_REFERRAL];

/// List filters; they combine with AND. `None` leaves a field unfiltered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFilter {
    pub segment: Option<Segment>,
    pub provider: Option<Provider>,
    /// `co-sell`, `marketplace`, `solution-provider`, or `none` for leads without a referral.
    pub referral_type: Option<String>,
    pub priority_category: Option<PriorityCategory>,
    /// Leads with `readiness_score >= min_score`.
    pub min_score: Option<i32>,
    /// Substring of the domain, company name or provider, both sides folded by
    /// [`hunter_core::search::fold`] (case and Turkish letters); `%` and `_` are literal. Blank
    /// means no search.
    pub search: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

impl FromStr for SortOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "asc" => Ok(SortOrder::Asc),
            "desc" => Ok(SortOrder::Desc),
            _ => Err(format!("sort_order must be `asc` or `desc`, not `{s}`")),
        }
    }
}

/// A lead column the list can be sorted by, named as in the lead's JSON (which is also its
/// column in the `leads` view). Text columns sort by their stored text (`P1` < `P2`,
/// `Cold` < `Existing`); nulls come last in either direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadSort {
    Domain,
    CompanyName,
    Provider,
    Gateway,
    LocalProvider,
    TenantSize,
    MxRoot,
    Spf,
    Dkim,
    DmarcPolicy,
    DmarcCoverage,
    ReadinessScore,
    Segment,
    TechnicalHeat,
    CommercialSegment,
    CommercialHeat,
    PriorityCategory,
    PriorityLabel,
    ReferralType,
    AzureTenantId,
    ScanStatus,
    ScannedAt,
}

/// Every [`LeadSort`], in the order of the lead's fields.
pub const SORTABLE: &[LeadSort] = &[
    LeadSort::Domain,
    LeadSort::CompanyName,
    LeadSort::Provider,
    LeadSort::Gateway,
    LeadSort::LocalProvider,
    LeadSort::TenantSize,
    LeadSort::MxRoot,
    LeadSort::Spf,
    LeadSort::Dkim,
    LeadSort::DmarcPolicy,
    LeadSort::DmarcCoverage,
    LeadSort::ReadinessScore,
    LeadSort::Segment,
    LeadSort::TechnicalHeat,
    LeadSort::CommercialSegment,
    LeadSort::CommercialHeat,
    LeadSort::PriorityCategory,
    LeadSort::PriorityLabel,
    LeadSort::ReferralType,
    LeadSort::AzureTenantId,
    LeadSort::ScanStatus,
    LeadSort::ScannedAt,
];

impl LeadSort {
    /// The JSON field name, which is also the `leads` view column.
    pub fn name(self) -> &'static str {
        match self {
            LeadSort::Domain => "domain",
            LeadSort::CompanyName => "company_name",
            LeadSort::Provider => "provider",
            LeadSort::Gateway => "gateway",
            LeadSort::LocalProvider => "local_provider",
            LeadSort::TenantSize => "tenant_size",
            LeadSort::MxRoot => "mx_root",
            LeadSort::Spf => "spf",
            LeadSort::Dkim => "dkim",
            LeadSort::DmarcPolicy => "dmarc_policy",
            LeadSort::DmarcCoverage => "dmarc_coverage",
            LeadSort::ReadinessScore => "readiness_score",
            LeadSort::Segment => "segment",
            LeadSort::TechnicalHeat => "technical_heat",
            LeadSort::CommercialSegment => "commercial_segment",
            LeadSort::CommercialHeat => "commercial_heat",
            LeadSort::PriorityCategory => "priority_category",
            LeadSort::PriorityLabel => "priority_label",
            LeadSort::ReferralType => "referral_type",
            LeadSort::AzureTenantId => "azure_tenant_id",
            LeadSort::ScanStatus => "scan_status",
            LeadSort::ScannedAt => "scanned_at",
        }
    }

    /// The column as an order term: its type and nullability as in migration 0001.
    fn term(self, order: SortOrder) -> Term {
        use LeadSort::*;
        Term {
            column: self.name(),
            desc: order == SortOrder::Desc,
            int: matches!(self, Spf | Dkim | DmarcCoverage | ReadinessScore),
            nullable: matches!(
                self,
                Gateway
                    | LocalProvider
                    | TenantSize
                    | MxRoot
                    | Spf
                    | Dkim
                    | DmarcPolicy
                    | DmarcCoverage
                    | ReferralType
                    | AzureTenantId
                    | ScannedAt
            ),
        }
    }
}

impl fmt::Display for LeadSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LeadSort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SORTABLE
            .iter()
            .copied()
            .find(|sort| sort.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = SORTABLE.iter().map(|sort| sort.name()).collect();
                format!("sort_by must be one of {}, not `{s}`", names.join(", "))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadQuery {
    pub filter: LeadFilter,
    /// `None`: the default order (priority category, best score first, domain).
    pub sort: Option<(LeadSort, SortOrder)>,
    /// 1-based; 0 counts as 1.
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeadPage {
    pub leads: Vec<Lead>,
    /// Leads matching the filter, on every page.
    pub total: u64,
}

/// Dashboard counts (`contract.md` §4). Every segment, priority category and referral type
/// (`none` for leads without one) is a key, with 0 when empty, so the UI renders fixed tiles.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kpis {
    pub total_leads: u64,
    pub by_segment: BTreeMap<String, u64>,
    pub by_priority: BTreeMap<String, u64>,
    pub by_referral_type: BTreeMap<String, u64>,
}

impl Store {
    /// One page of leads in the requested order and the number of leads matching the filter.
    /// A page past the end is empty and still carries the total.
    ///
    /// Three steps, so that a page on 100,000 leads reads an index range rather than every lead:
    /// the count and the page's domains come from `lead_scores` alone when the order allows it
    /// (every `lead_scores` row has its company and signals, so it holds exactly the leads),
    /// then only the page's rows are read from the `leads` view.
    pub async fn leads(&self, q: &LeadQuery) -> Result<LeadPage, StoreError> {
        let mut count = Sql::new("SELECT COUNT(*) FROM lead_scores WHERE ");
        count.filter(&q.filter, self.backend, Source::Scores)?;
        let total: i64 = sqlx::query_scalar_with(AssertSqlSafe(count.text), count.args)
            .fetch_one(&self.pool)
            .await?;

        let offset = u64::from(q.page.max(1) - 1) * u64::from(q.page_size);
        let terms = order_terms(q.sort);
        let source = if terms.iter().all(|t| SCORE_COLUMNS.contains(&t.column)) {
            Source::Scores
        } else {
            Source::Leads
        };
        let mut pick = Sql::new(&format!("SELECT domain FROM {} WHERE ", source.table()));
        pick.filter(&q.filter, self.backend, source)?;
        pick.order_by(&terms);
        pick.push(" LIMIT ");
        pick.bind(i64::from(q.page_size))?;
        pick.push(" OFFSET ");
        // Past i64 there is nothing to show anyway.
        pick.bind(i64::try_from(offset).unwrap_or(i64::MAX))?;
        let domains: Vec<String> = sqlx::query_scalar_with(AssertSqlSafe(pick.text), pick.args)
            .fetch_all(&self.pool)
            .await?;

        let total = u64::try_from(total).unwrap_or_default();
        if domains.is_empty() {
            return Ok(LeadPage {
                leads: Vec::new(),
                total,
            });
        }
        let mut select = Sql::new(&format!(
            "SELECT {LEAD_COLUMNS} FROM leads WHERE domain IN ("
        ));
        for (i, domain) in domains.iter().enumerate() {
            if i > 0 {
                select.push(", ");
            }
            select.bind(domain.clone())?;
        }
        select.push(")");
        let mut leads: Vec<Lead> = self
            .rows(select)
            .await?
            .iter()
            .map(lead_from_row)
            .collect::<Result<_, _>>()?;
        let position: HashMap<&str, usize> = domains
            .iter()
            .enumerate()
            .map(|(i, d)| (d.as_str(), i))
            .collect();
        leads.sort_by_key(|lead| position.get(lead.domain.as_str()).copied());
        Ok(LeadPage { leads, total })
    }

    /// Every lead matching `filter`, in the order of [`Store::leads`], fetched in chunks of
    /// 1,000 by keyset (each chunk starts after the previous chunk's last sort key), so an export
    /// of 100,000 leads never holds them all and no connection stays busy while the consumer
    /// writes. A lead whose sort key changes during the export may be missed or repeated; the
    /// others appear exactly once.
    pub fn export_leads(
        &self,
        filter: LeadFilter,
        sort: Option<(LeadSort, SortOrder)>,
    ) -> BoxStream<'static, Result<Lead, StoreError>> {
        let store = self.clone();
        let terms = order_terms(sort);
        stream::try_unfold(Cursor::Start, move |cursor| {
            export_chunk(store.clone(), filter.clone(), terms.clone(), cursor)
        })
        .map_ok(|leads| stream::iter(leads.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }

    /// Lead counts by segment, priority category and referral type. One pass with a sum per
    /// key rather than GROUP BY: no sort of every lead (a temporary B-tree on SQLite), and one
    /// snapshot, so every group adds up to the total.
    pub async fn kpis(&self) -> Result<Kpis, StoreError> {
        let groups: [(&str, Vec<String>); 3] = [
            ("segment", keys(Segment::ALL)),
            ("priority_category", keys(PriorityCategory::ALL)),
            ("referral_type", keys(REFERRAL_TYPES)),
        ];
        let mut sql = Sql::new("SELECT COUNT(*)");
        for (column, keys) in &groups {
            for key in keys {
                if *column == "referral_type" && key == NO_REFERRAL {
                    sql.push(", SUM(CASE WHEN referral_type IS NULL THEN 1 ELSE 0 END)");
                } else {
                    sql.push(&format!(", SUM(CASE WHEN {column} = "));
                    sql.bind(key.clone())?;
                    sql.push(" THEN 1 ELSE 0 END)");
                }
            }
        }
        sql.push(" FROM leads");
        let row = sqlx::query_with(AssertSqlSafe(sql.text), sql.args)
            .fetch_one(&self.pool)
            .await?;
        // SUM over no rows is NULL.
        let count = |i: usize| -> Result<u64, StoreError> {
            let n: Option<i64> = row.try_get(i)?;
            Ok(u64::try_from(n.unwrap_or_default()).unwrap_or_default())
        };
        // Columns after the total, in the order of `groups`.
        let mut column = 0;
        let mut counts = |keys: Vec<String>| -> Result<BTreeMap<String, u64>, StoreError> {
            keys.into_iter()
                .map(|key| {
                    column += 1;
                    Ok((key, count(column)?))
                })
                .collect()
        };
        let [segments, priorities, referral_types] = groups.map(|(_, keys)| keys);
        Ok(Kpis {
            total_leads: count(0)?,
            by_segment: counts(segments)?,
            by_priority: counts(priorities)?,
            by_referral_type: counts(referral_types)?,
        })
    }

    pub(crate) async fn rows(&self, sql: Sql) -> Result<Vec<AnyRow>, StoreError> {
        Ok(sqlx::query_with(AssertSqlSafe(sql.text), sql.args)
            .fetch_all(&self.pool)
            .await?)
    }
}

fn keys<T: ToString>(keys: impl IntoIterator<Item = T>) -> Vec<String> {
    keys.into_iter().map(|k| k.to_string()).collect()
}

/// The export's next chunk and where the one after starts; `None` when done.
async fn export_chunk(
    store: Store,
    filter: LeadFilter,
    terms: Vec<Term>,
    cursor: Cursor,
) -> Result<Option<(Vec<Lead>, Cursor)>, StoreError> {
    let after = match cursor {
        Cursor::Done => return Ok(None),
        Cursor::Start => None,
        Cursor::After(key) => Some(key),
    };
    let mut select = Sql::new(&format!("SELECT {LEAD_COLUMNS} FROM leads WHERE "));
    select.filter(&filter, store.backend, Source::Leads)?;
    if let Some(key) = &after {
        select.push(" AND ");
        select.after(&terms, key)?;
    }
    select.order_by(&terms);
    select.push(&format!(" LIMIT {EXPORT_CHUNK}"));
    let rows = store.rows(select).await?;
    let next = match rows.last() {
        Some(last) if rows.len() == EXPORT_CHUNK => Cursor::After(sort_key(&terms, last)?),
        _ => Cursor::Done,
    };
    let leads = rows.iter().map(lead_from_row).collect::<Result<_, _>>()?;
    Ok(Some((leads, next)))
}

/// Where the export stands between chunks.
enum Cursor {
    Start,
    After(Vec<KeyValue>),
    Done,
}

/// One ORDER BY term over a `leads` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Term {
    column: &'static str,
    desc: bool,
    /// BIGINT rather than TEXT; decides how a keyset value is read back.
    int: bool,
    nullable: bool,
}

/// The default order (`hunter.md` §5.5): P1 first, best score first, then domain.
const DEFAULT_ORDER: [Term; 3] = [
    Term {
        column: "priority_category",
        desc: false,
        int: false,
        nullable: false,
    },
    Term {
        column: "readiness_score",
        desc: true,
        int: true,
        nullable: false,
    },
    Term {
        column: "domain",
        desc: false,
        int: false,
        nullable: false,
    },
];

/// The requested column first, then the default order as tiebreak (without repeating the
/// column). It always ends in the unique `domain`, so the order is total.
fn order_terms(sort: Option<(LeadSort, SortOrder)>) -> Vec<Term> {
    let Some((column, order)) = sort else {
        return DEFAULT_ORDER.to_vec();
    };
    let first = column.term(order);
    std::iter::once(first)
        .chain(
            DEFAULT_ORDER
                .into_iter()
                .filter(|t| t.column != first.column),
        )
        .collect()
}

/// A sort-key value of the last exported row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyValue {
    Null,
    Int(i64),
    Text(String),
}

fn sort_key(terms: &[Term], row: &AnyRow) -> Result<Vec<KeyValue>, StoreError> {
    terms
        .iter()
        .map(|t| {
            Ok(if t.int {
                row.try_get::<Option<i64>, _>(t.column)?
                    .map_or(KeyValue::Null, KeyValue::Int)
            } else {
                row.try_get::<Option<String>, _>(t.column)?
                    .map_or(KeyValue::Null, KeyValue::Text)
            })
        })
        .collect()
}

/// SQL text with `$n` placeholders and their values. Every use of a value gets its own,
/// increasing number: SQLite numbers parameters by first appearance.
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: AnyArguments,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: AnyArguments::default(),
        }
    }

    pub(crate) fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(crate) fn bind<T>(&mut self, value: T) -> Result<(), StoreError>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        self.args.add(value).map_err(sqlx::Error::Encode)?;
        // Writing to a String cannot fail.
        let _ = write!(self.text, "${}", self.args.len());
        Ok(())
    }

    fn bind_key(&mut self, value: &KeyValue) -> Result<(), StoreError> {
        match value {
            KeyValue::Int(i) => self.bind(*i),
            KeyValue::Text(t) => self.bind(t.clone()),
            // Callers never compare with null; `IS NULL` needs no value.
            KeyValue::Null => Err(StoreError::InvalidInput("null sort key".into())),
        }
    }

    /// The filter's conditions joined by AND; `1 = 1` without any. The search is a folded
    /// substring of domain, company name or provider (`%` and `_` literal), through the trigram
    /// index where the backend and its length allow; the index holds folded text (migration
    /// 0006), so the term is folded the same way.
    fn filter(
        &mut self,
        filter: &LeadFilter,
        backend: Backend,
        source: Source,
    ) -> Result<(), StoreError> {
        let mut conditions: Vec<(&str, String)> = Vec::new();
        if let Some(segment) = filter.segment {
            conditions.push(("segment = ", segment.to_string()));
        }
        if let Some(provider) = filter.provider {
            conditions.push(("provider = ", provider.to_string()));
        }
        if let Some(priority) = filter.priority_category {
            conditions.push(("priority_category = ", priority.to_string()));
        }
        self.push("1 = 1");
        for (condition, value) in conditions {
            self.push(" AND ");
            self.push(condition);
            self.bind(value)?;
        }
        match filter.referral_type.as_deref() {
            None => {}
            Some(NO_REFERRAL) => self.push(" AND referral_type IS NULL"),
            Some(t) => {
                self.push(" AND referral_type = ");
                self.bind(t.to_owned())?;
            }
        }
        if let Some(min) = filter.min_score {
            self.push(" AND readiness_score >= ");
            self.bind(i64::from(min))?;
        }
        let search = filter.search.as_deref().map(str::trim).unwrap_or_default();
        if search.is_empty() {
            return Ok(());
        }
        let needle = fold(search);
        let pattern = format!("%{}%", escape_like(&needle));
        // On `lead_scores` the matches are looked up by primary key (or, on PostgreSQL, are
        // the indexed column itself); the view has no such key and takes their domains.
        let (open, close) = match (backend, source) {
            (Backend::Sqlite, Source::Scores) => {
                ("id IN (SELECT rowid FROM lead_search WHERE ", ")")
            }
            (Backend::Sqlite, Source::Leads) => {
                ("domain IN (SELECT domain FROM lead_search WHERE ", ")")
            }
            (Backend::Postgres, Source::Scores) => ("", ""),
            (Backend::Postgres, Source::Leads) => {
                ("domain IN (SELECT domain FROM lead_scores WHERE ", ")")
            }
        };
        self.push(" AND ");
        self.push(open);
        match backend {
            Backend::Sqlite if needle.chars().count() >= TRIGRAM => {
                // One quoted FTS5 string: a trigram phrase, which matches it as a substring.
                self.push("lead_search MATCH ");
                self.bind(format!("\"{}\"", needle.replace('"', "\"\"")))?;
            }
            Backend::Sqlite => {
                self.push("text LIKE ");
                self.bind(pattern)?;
                self.push(" ESCAPE '\\'");
            }
            Backend::Postgres => {
                // Backslash is PostgreSQL's default LIKE escape; an explicit ESCAPE clause
                // would hide the pattern from the trigram index.
                self.push("search_text LIKE ");
                self.bind(pattern)?;
            }
        }
        self.push(close);
        Ok(())
    }

    /// ` ORDER BY …` with nulls last on both backends (PostgreSQL would put them first in
    /// descending order, SQLite last): a nullable column is preceded by an is-null key.
    fn order_by(&mut self, terms: &[Term]) {
        let parts: Vec<String> = terms
            .iter()
            .map(|t| {
                let dir = if t.desc { "DESC" } else { "ASC" };
                if t.nullable {
                    let c = t.column;
                    format!("CASE WHEN {c} IS NULL THEN 1 ELSE 0 END, {c} {dir}")
                } else {
                    format!("{} {dir}", t.column)
                }
            })
            .collect();
        self.push(" ORDER BY ");
        self.push(&parts.join(", "));
    }

    /// Rows strictly after `key` in the order of `terms`: `t1 > k1 OR (t1 = k1 AND t2 > k2) OR …`
    /// (`<` for descending terms). A nullable term is two keys, is-null then value, matching
    /// [`Sql::order_by`]; rows with a null value are equal on it.
    fn after(&mut self, terms: &[Term], key: &[KeyValue]) -> Result<(), StoreError> {
        // Each atom: the condition "equal to the key here" and, unless nothing can come later
        // on this atom, "after the key here".
        let mut atoms: Vec<(Cond, Option<Cond>)> = Vec::new();
        for (t, value) in terms.iter().zip(key) {
            let c = t.column;
            match (t.nullable, value) {
                (true, KeyValue::Null) => {
                    atoms.push((Cond::Fixed(format!("{c} IS NULL")), None));
                }
                (true, value) => {
                    atoms.push((
                        Cond::Fixed(format!("{c} IS NOT NULL")),
                        Some(Cond::Fixed(format!("{c} IS NULL"))),
                    ));
                    atoms.push(compare(t, value.clone()));
                }
                (false, KeyValue::Null) => {
                    return Err(StoreError::corrupt(c, "NULL", "a NOT NULL sort column"));
                }
                (false, value) => atoms.push(compare(t, value.clone())),
            }
        }
        // The first term as a plain range too, so the planner can start an index scan there.
        if let (Some(t), Some(first)) = (terms.first(), key.first())
            && !t.nullable
        {
            self.push(&format!(
                "{} {} ",
                t.column,
                if t.desc { "<=" } else { ">=" }
            ));
            self.bind_key(first)?;
            self.push(" AND ");
        }
        self.push("(");
        let mut first = true;
        for (i, (_, later)) in atoms.iter().enumerate() {
            let Some(later) = later else { continue };
            if !first {
                self.push(" OR ");
            }
            first = false;
            self.push("(");
            for (equal, _) in &atoms[..i] {
                self.cond(equal)?;
                self.push(" AND ");
            }
            self.cond(later)?;
            self.push(")");
        }
        if first {
            // Only possible for a key of all nulls, which `domain` never is.
            self.push("1 = 0");
        }
        self.push(")");
        Ok(())
    }

    fn cond(&mut self, cond: &Cond) -> Result<(), StoreError> {
        match cond {
            Cond::Fixed(sql) => {
                self.push(sql);
                Ok(())
            }
            Cond::Compare(sql, value) => {
                self.push(sql);
                self.bind_key(value)
            }
        }
    }
}

/// A condition of a keyset clause: fixed SQL, or SQL ending in an operator and its value.
enum Cond {
    Fixed(String),
    Compare(String, KeyValue),
}

/// Equal to and after `value` on a non-null term.
fn compare(t: &Term, value: KeyValue) -> (Cond, Option<Cond>) {
    let c = t.column;
    let op = if t.desc { "<" } else { ">" };
    (
        Cond::Compare(format!("{c} = "), value.clone()),
        Some(Cond::Compare(format!("{c} {op} "), value)),
    )
}

/// SQL folding the text of `expr` as [`fold`] does: on PostgreSQL migration 0006's
/// `hunter_search_fold`, on SQLite (which has no stored functions) the same replacements
/// written out, then `lower()`, which folds only ASCII there.
pub(crate) fn fold_sql(expr: &str, backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!("hunter_search_fold({expr})"),
        Backend::Sqlite => {
            let mut sql = expr.to_owned();
            for &mark in MARK_FOLDS {
                sql = format!("replace({sql}, char({}), '')", u32::from(mark));
            }
            for &(from, to) in LETTER_FOLDS {
                sql = format!("replace({sql}, '{from}', '{to}')");
            }
            format!("lower({sql})")
        }
    }
}

/// `%`, `_` and the escape character itself match literally under `ESCAPE '\'`.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names_are_the_lead_fields_and_unknown_ones_are_refused() {
        for sort in SORTABLE {
            assert_eq!(sort.name().parse::<LeadSort>(), Ok(*sort));
            assert_eq!(sort.to_string(), sort.name());
        }
        let err = "password".parse::<LeadSort>().unwrap_err();
        assert!(err.contains("domain, company_name, provider"), "{err}");
        assert!(err.contains("`password`"), "{err}");
        assert_eq!("DESC".parse::<SortOrder>(), Ok(SortOrder::Desc));
        assert!("up".parse::<SortOrder>().is_err());
    }

    #[test]
    fn filters_become_numbered_placeholders_and_searches_use_the_trigram_index() {
        let filter = |search: &str| LeadFilter {
            segment: Some(Segment::Migration),
            min_score: Some(60),
            search: Some(search.into()),
            referral_type: Some("none".into()),
            ..LeadFilter::default()
        };
        let head =
            "1 = 1 AND segment = $1 AND referral_type IS NULL AND readiness_score >= $2 AND ";
        let cases = [
            (
                Backend::Sqlite,
                Source::Scores,
                " 100%_\"Sure\\ ",
                "id IN (SELECT rowid FROM lead_search WHERE lead_search MATCH $3)",
            ),
            (
                Backend::Sqlite,
                Source::Leads,
                " %A ",
                "domain IN (SELECT domain FROM lead_search WHERE text LIKE $3 ESCAPE '\\')",
            ),
            (
                Backend::Postgres,
                Source::Scores,
                " 100%_\"Sure\\ ",
                "search_text LIKE $3",
            ),
            (
                Backend::Postgres,
                Source::Leads,
                "abc",
                "domain IN (SELECT domain FROM lead_scores WHERE search_text LIKE $3)",
            ),
        ];
        for (backend, source, search, condition) in cases {
            let mut sql = Sql::new("");
            sql.filter(&filter(search), backend, source).unwrap();
            assert_eq!(
                sql.text,
                format!("{head}{condition}"),
                "{backend:?} {search:?}"
            );
            assert_eq!(sql.args.len(), 3);
        }
        let mut sql = Sql::new("");
        sql.filter(&filter("  "), Backend::Sqlite, Source::Scores)
            .unwrap();
        assert_eq!(Some(sql.text.as_str()), head.strip_suffix(" AND "));
        assert_eq!(escape_like("100%_sure\\"), "100\\%\\_sure\\\\");
    }

    #[test]
    fn an_explicit_sort_keeps_the_default_order_as_tiebreak_without_repeating_itself() {
        let columns = |sort| -> Vec<&str> { order_terms(sort).iter().map(|t| t.column).collect() };
        assert_eq!(
            columns(None),
            ["priority_category", "readiness_score", "domain"]
        );
        assert_eq!(
            columns(Some((LeadSort::Gateway, SortOrder::Desc))),
            ["gateway", "priority_category", "readiness_score", "domain"]
        );
        assert_eq!(
            columns(Some((LeadSort::ReadinessScore, SortOrder::Asc))),
            ["readiness_score", "priority_category", "domain"]
        );
        assert_eq!(
            columns(Some((LeadSort::Domain, SortOrder::Desc))),
            ["domain", "priority_category", "readiness_score"]
        );
    }

    #[test]
    fn the_keyset_clause_follows_the_order_with_nulls_last() {
        let terms = order_terms(Some((LeadSort::Gateway, SortOrder::Desc)));
        let key = |gateway: KeyValue| {
            vec![
                gateway,
                KeyValue::Text("P2".into()),
                KeyValue::Int(70),
                KeyValue::Text("a.com".into()),
            ]
        };
        let mut sql = Sql::new("");
        sql.after(&terms, &key(KeyValue::Text("mimecast".into())))
            .unwrap();
        assert_eq!(
            sql.text,
            "((gateway IS NULL) \
             OR (gateway IS NOT NULL AND gateway < $1) \
             OR (gateway IS NOT NULL AND gateway = $2 AND priority_category > $3) \
             OR (gateway IS NOT NULL AND gateway = $4 AND priority_category = $5 AND readiness_score < $6) \
             OR (gateway IS NOT NULL AND gateway = $7 AND priority_category = $8 AND readiness_score = $9 AND domain > $10))"
        );
        let mut sql = Sql::new("");
        sql.after(&terms, &key(KeyValue::Null)).unwrap();
        assert_eq!(
            sql.text,
            "((gateway IS NULL AND priority_category > $1) \
             OR (gateway IS NULL AND priority_category = $2 AND readiness_score < $3) \
             OR (gateway IS NULL AND priority_category = $4 AND readiness_score = $5 AND domain > $6))"
        );
        let mut sql = Sql::new("");
        sql.after(&order_terms(None), &key(KeyValue::Null)[1..])
            .unwrap();
        assert_eq!(
            sql.text,
            "priority_category >= $1 AND ((priority_category > $2) \
             OR (priority_category = $3 AND readiness_score < $4) \
             OR (priority_category = $5 AND readiness_score = $6 AND domain > $7))"
        );
    }
}
