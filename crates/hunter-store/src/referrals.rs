//! Partner Center referrals (`hunter.md` §6, §7; `partner-center-api.md` §14): one tracking row
//! per referral, the company and `raw_leads` row of each Incoming referral with a domain, the
//! per-domain facts that feed scoring and the lead list, the referral list, and sync runs (at most
//! one running, across processes).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hunter_core::Domain;
use hunter_core::model::UnknownName;
use hunter_core::search::fold;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Transaction};

use crate::codec::{Cols, format_time, normalize_time, now, to_json};
use crate::ingest::ingest_in;
use crate::jobs::to_db;
use crate::leads::{NO_REFERRAL, Sql, escape_like, fold_sql};
use crate::{Backend, MAX_JOB_ERRORS, NewInput, Source, Store, StoreError};

/// A `running` sync run started longer ago than this is taken to be dead (its process ended
/// without finishing it): the next [`Store::start_sync_run`] marks it failed and starts anew.
/// A sync reads a few pages and queues its scans rather than running them, so a live run takes
/// minutes; an hour leaves ample room while never blocking syncs for long after a crash.
pub const SYNC_RUN_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Referral kinds in the order they win a domain's `referral_type` (`hunter.md` §6).
const KINDS_BY_RANK: [&str; 3] = ["co-sell", "solution-provider", "marketplace"];

/// Referrals that may become leads and feed scoring: Incoming, or without a direction (the list
/// request already filtered on Incoming; `partner-center-api.md` §11).
const INCOMING: &str = "(direction IS NULL OR lower(direction) = 'incoming')";

/// A referral is linked when it counts (Incoming) and its domain is a lead.
const LINKED: &str = "((r.direction IS NULL OR lower(r.direction) = 'incoming') \
     AND EXISTS (SELECT 1 FROM lead_scores l WHERE l.domain = r.domain))";

const REFERRAL_COLUMNS: &str = "r.id, r.referral_id, r.engagement_id, r.referral_type, r.type, \
     r.qualification, r.direction, r.status, r.substatus, r.company_name, r.customer_country, \
     r.domain, r.raw_domain, r.domain_source, r.azure_tenant_id, r.deal_value, r.currency, \
     r.created_datetime, r.updated_datetime, r.raw_data, r.created_at, r.synced_at, r.updated_at";

const SYNC_RUN_COLUMNS: &str = "id, job_id, forced, status, started_at, finished_at, \
     pages_fetched, total_fetched, success_count, failure_count, skipped_count, errors, \
     high_water_mark";

/// One referral as the sync read it, already mapped (kind, direction, domain, tenant id per
/// `partner-center-api.md` §10–§13). Raw API values are stored as received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferralRecord {
    pub referral_id: String,
    pub engagement_id: Option<String>,
    /// `co-sell`, `marketplace`, `solution-provider`, or `None` when unknown.
    pub referral_type: Option<String>,
    /// The API's `type` (`Independent`, `Shared`…).
    pub r#type: Option<String>,
    pub qualification: Option<String>,
    /// `None` when the payload has none: treated as Incoming.
    pub direction: Option<String>,
    pub status: Option<String>,
    pub substatus: Option<String>,
    /// Also names the company; a name equal to the domain (the fallback) never renames one.
    pub company_name: Option<String>,
    pub customer_country: Option<String>,
    /// Normalized (`hunter_core::Domain`); `None` when no field gave a usable one.
    pub domain: Option<String>,
    pub raw_domain: Option<String>,
    pub domain_source: Option<String>,
    pub azure_tenant_id: Option<String>,
    /// The decimal as its exact text.
    pub deal_value: Option<String>,
    pub currency: Option<String>,
    /// RFC 3339; stored in the store's shape (UTC, microseconds), so text order is time order.
    pub created_datetime: Option<String>,
    /// RFC 3339, as `created_datetime`.
    pub updated_datetime: Option<String>,
    /// The full referral, unknown fields included.
    pub raw_data: Value,
}

impl ReferralRecord {
    fn is_incoming(&self) -> bool {
        self.direction
            .as_deref()
            .is_none_or(|d| d.eq_ignore_ascii_case("incoming"))
    }
}

/// What [`Store::save_referral`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedReferral {
    /// No tracking row existed for this referral id.
    pub created: bool,
    /// New, or its kind, status, tenant id, direction or domain differ from the stored row: the
    /// domain's score may change (re-score it when it has signals).
    pub changed: bool,
    /// The domain the referral was stored under before, when that differs from its domain now:
    /// that domain lost this referral's facts, so its lead may need a re-score too.
    pub previous_domain: Option<String>,
    pub link: ReferralLink,
}

/// Whether a saved referral became a lead (`partner-center-api.md` §14 steps 4–6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralLink {
    /// Tracked only: its direction is not Incoming (counts as skipped).
    NotIncoming,
    /// Tracked only: no usable domain (counts as skipped).
    NoDomain,
    /// The company and the `raw_leads` row were upserted.
    Lead {
        domain: String,
        /// This referral created the company.
        company_created: bool,
        /// The domain has a stored scan result; without one, the caller queues a scan.
        has_signals: bool,
    },
}

/// A domain's Partner Center facts, from its Incoming referrals (`hunter.md` §6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartnerFacts {
    /// `co-sell` if any referral is co-sell, else `solution-provider`, else `marketplace`.
    pub referral_type: Option<String>,
    /// From the referral with the newest `updated_datetime` that carries one.
    pub azure_tenant_id: Option<String>,
    /// A co-sell referral whose status is not `Closed` (an unknown status is not Closed): the
    /// co-sell bonus applies.
    pub open_cosell: bool,
}

/// A tracking row as the referral list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackedReferral {
    pub id: i64,
    pub referral_id: String,
    pub engagement_id: Option<String>,
    pub referral_type: Option<String>,
    pub r#type: Option<String>,
    pub qualification: Option<String>,
    pub direction: Option<String>,
    pub status: Option<String>,
    pub substatus: Option<String>,
    pub company_name: Option<String>,
    pub customer_country: Option<String>,
    pub domain: Option<String>,
    pub raw_domain: Option<String>,
    pub domain_source: Option<String>,
    pub azure_tenant_id: Option<String>,
    pub deal_value: Option<String>,
    pub currency: Option<String>,
    pub created_datetime: Option<String>,
    pub updated_datetime: Option<String>,
    pub raw_data: Value,
    /// Incoming, and its domain is a lead.
    pub linked: bool,
    pub created_at: String,
    /// The last sync that saw it.
    pub synced_at: String,
    pub updated_at: String,
}

/// Referral list filters; they combine with AND. `None` leaves a field unfiltered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralFilter {
    /// `co-sell`, `marketplace`, `solution-provider`, or `none` for referrals of unknown kind.
    pub referral_type: Option<String>,
    /// The API status, case-insensitively (`closed` matches `Closed`).
    pub status: Option<String>,
    /// Only referrals that are (`true`) or are not (`false`) linked to a lead.
    pub linked: Option<bool>,
    /// Substring of the company name, domain or referral id, both sides folded as the lead
    /// search folds them (case and Turkish letters); `%` and `_` are literal. Blank means no
    /// search.
    pub search: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralQuery {
    pub filter: ReferralFilter,
    /// 1-based; 0 counts as 1.
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReferralPage {
    /// Newest `updated_datetime` first (referrals without one last), then newest tracked first.
    pub referrals: Vec<TrackedReferral>,
    /// Referrals matching the filter, on every page.
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncRunStatus {
    Running,
    Completed,
    Failed,
}

impl SyncRunStatus {
    pub const ALL: &'static [SyncRunStatus] = &[
        SyncRunStatus::Running,
        SyncRunStatus::Completed,
        SyncRunStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncRunStatus::Running => "running",
            SyncRunStatus::Completed => "completed",
            SyncRunStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for SyncRunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SyncRunStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SyncRunStatus::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "SyncRunStatus",
                value: s.to_owned(),
            })
    }
}

/// One `partner_center_sync_runs` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncRun {
    pub id: i64,
    pub job_id: Option<String>,
    pub forced: bool,
    pub status: SyncRunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub pages_fetched: u64,
    pub total_fetched: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub skipped_count: u64,
    /// One short message per failed referral (the first [`MAX_JOB_ERRORS`]), or why the run
    /// failed.
    pub errors: Vec<String>,
    /// The newest `updatedDateTime` this run covered (`partner-center-api.md` §14).
    pub high_water_mark: Option<String>,
}

/// A finished run's counters (`contract.md` §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    pub pages_fetched: u64,
    /// Referrals examined: always `success_count + failure_count + skipped_count` (checked).
    pub total_fetched: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub skipped_count: u64,
}

impl Store {
    /// Those of `domains` that have an Incoming referral: their scores carry referral facts, so
    /// a scan (which scores from DNS alone) is followed by a score with the facts.
    pub async fn domains_with_referrals(
        &self,
        domains: &[String],
    ) -> Result<Vec<String>, StoreError> {
        if domains.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT DISTINCT domain FROM partner_center_referrals \
             WHERE (direction IS NULL OR lower(direction) = 'incoming') AND domain IN (",
        );
        for (i, domain) in domains.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(domain.clone())?;
        }
        sql.push(") ORDER BY domain");
        Ok(sqlx::query_scalar_with(AssertSqlSafe(sql.text), sql.args)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Tracks one referral in one transaction (`partner-center-api.md` §14 steps 3–5): the
    /// `partner_center_referrals` row is upserted by referral id (`created_at` kept, `synced_at`
    /// and `updated_at` now). An Incoming referral with a domain also upserts its company (a
    /// non-empty name other than the domain renames it) and its `raw_leads` row, keyed by
    /// (`partnercenter`, referral id), so a re-sync adds no row. The lead of every domain the
    /// referral counts or counted for gets its `referral_type` and `azure_tenant_id` anew.
    ///
    /// Refused with [`StoreError::InvalidInput`] before writing: a blank referral id, an unknown
    /// `referral_type`, a domain that is not normalized, a time that is not RFC 3339.
    pub async fn save_referral(
        &self,
        record: &ReferralRecord,
    ) -> Result<SavedReferral, StoreError> {
        validate(record)?;
        let created_datetime = record
            .created_datetime
            .as_deref()
            .map(|t| normalize_time("created_datetime", t))
            .transpose()?;
        let updated_datetime = record
            .updated_datetime
            .as_deref()
            .map(|t| normalize_time("updated_datetime", t))
            .transpose()?;
        let now = now();
        let mut tx = self.begin_write().await?;

        let previous = sqlx::query(
            "SELECT referral_type, status, azure_tenant_id, direction, domain
             FROM partner_center_referrals WHERE referral_id = $1",
        )
        .bind(&record.referral_id)
        .fetch_optional(&mut *tx)
        .await?;
        let previous = previous
            .as_ref()
            .map(|row| {
                let c = Cols(row);
                Ok::<_, StoreError>([
                    c.opt_text("referral_type")?,
                    c.opt_text("status")?,
                    c.opt_text("azure_tenant_id")?,
                    c.opt_text("direction")?,
                    c.opt_text("domain")?,
                ])
            })
            .transpose()?;
        let current = [
            record.referral_type.clone(),
            record.status.clone(),
            record.azure_tenant_id.clone(),
            record.direction.clone(),
            record.domain.clone(),
        ];

        sqlx::query(
            "INSERT INTO partner_center_referrals (
                 referral_id, engagement_id, referral_type, type, qualification, direction, status,
                 substatus, company_name, customer_country, domain, raw_domain, domain_source,
                 azure_tenant_id, deal_value, currency, created_datetime, updated_datetime,
                 raw_data, created_at, synced_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $20, $20)
             ON CONFLICT (referral_id) DO UPDATE SET
                 engagement_id = excluded.engagement_id,
                 referral_type = excluded.referral_type,
                 type = excluded.type,
                 qualification = excluded.qualification,
                 direction = excluded.direction,
                 status = excluded.status,
                 substatus = excluded.substatus,
                 company_name = excluded.company_name,
                 customer_country = excluded.customer_country,
                 domain = excluded.domain,
                 raw_domain = excluded.raw_domain,
                 domain_source = excluded.domain_source,
                 azure_tenant_id = excluded.azure_tenant_id,
                 deal_value = excluded.deal_value,
                 currency = excluded.currency,
                 created_datetime = excluded.created_datetime,
                 updated_datetime = excluded.updated_datetime,
                 raw_data = excluded.raw_data,
                 synced_at = excluded.synced_at,
                 updated_at = excluded.updated_at",
        )
        .bind(&record.referral_id)
        .bind(record.engagement_id.as_deref())
        .bind(record.referral_type.as_deref())
        .bind(record.r#type.as_deref())
        .bind(record.qualification.as_deref())
        .bind(record.direction.as_deref())
        .bind(record.status.as_deref())
        .bind(record.substatus.as_deref())
        .bind(record.company_name.as_deref())
        .bind(record.customer_country.as_deref())
        .bind(record.domain.as_deref())
        .bind(record.raw_domain.as_deref())
        .bind(record.domain_source.as_deref())
        .bind(record.azure_tenant_id.as_deref())
        .bind(record.deal_value.as_deref())
        .bind(record.currency.as_deref())
        .bind(created_datetime)
        .bind(updated_datetime)
        .bind(to_json(&record.raw_data)?)
        .bind(&now)
        .execute(&mut *tx)
        .await?;

        let link = match record.domain.as_deref() {
            _ if !record.is_incoming() => ReferralLink::NotIncoming,
            None => ReferralLink::NoDomain,
            Some(domain) => link_lead(&mut tx, record, domain).await?,
        };

        let previous_domain = previous
            .as_ref()
            .and_then(|[.., domain]| domain.clone())
            .filter(|d| record.domain.as_deref() != Some(d.as_str()));
        for domain in record.domain.iter().chain(&previous_domain) {
            apply_facts_in(&mut tx, domain).await?;
        }
        tx.commit().await?;
        Ok(SavedReferral {
            created: previous.is_none(),
            changed: previous.is_none_or(|p| p != current),
            previous_domain,
            link,
        })
    }

    /// The domain's Partner Center facts from its tracked Incoming referrals; all empty when it
    /// has none. Scoring takes the tenant override and the co-sell bonus from here.
    pub async fn partner_facts(&self, domain: &str) -> Result<PartnerFacts, StoreError> {
        let mut conn = self.pool.acquire().await?;
        facts(&mut conn, domain).await
    }

    /// Writes the domain's [`PartnerFacts`] into its lead (`lead_scores.referral_type`,
    /// `azure_tenant_id`); returns whether the domain is a lead. Scans and re-scores leave these
    /// columns alone, so call this once a referral's domain has been scanned for the first time.
    pub async fn apply_partner_facts(&self, domain: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let lead = apply_facts_in(&mut tx, domain).await?;
        tx.commit().await?;
        Ok(lead)
    }

    /// One page of tracked referrals, newest first, and how many match the filter. A page past
    /// the end is empty and still carries the total.
    pub async fn referrals(&self, q: &ReferralQuery) -> Result<ReferralPage, StoreError> {
        let mut count = Sql::new("SELECT COUNT(*) FROM partner_center_referrals r WHERE ");
        referral_filter(&mut count, &q.filter, self.backend)?;
        let total: i64 = sqlx::query_scalar_with(AssertSqlSafe(count.text), count.args)
            .fetch_one(&self.pool)
            .await?;

        let offset = u64::from(q.page.max(1) - 1) * u64::from(q.page_size);
        let mut select = Sql::new(&format!(
            "SELECT {REFERRAL_COLUMNS}, CASE WHEN {LINKED} THEN 1 ELSE 0 END AS linked
             FROM partner_center_referrals r WHERE "
        ));
        referral_filter(&mut select, &q.filter, self.backend)?;
        select.push(
            " ORDER BY CASE WHEN r.updated_datetime IS NULL THEN 1 ELSE 0 END,
                       r.updated_datetime DESC, r.id DESC LIMIT ",
        );
        select.bind(i64::from(q.page_size))?;
        select.push(" OFFSET ");
        // Past i64 there is nothing to show anyway.
        select.bind(i64::try_from(offset).unwrap_or(i64::MAX))?;
        let referrals = self
            .rows(select)
            .await?
            .iter()
            .map(referral_from_row)
            .collect::<Result<_, _>>()?;
        Ok(ReferralPage {
            referrals,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }

    /// Starts a sync run, or fails with [`StoreError::SyncRunning`] while another one runs (the
    /// partial unique index on `status = 'running'` decides, also between processes). A running
    /// run is first given up (marked failed) when its process is evidently gone: it started over
    /// [`SYNC_RUN_TIMEOUT`] ago, its job is no longer running under a live lease, or it belongs to
    /// `job_id` itself (the job was claimed again after its previous holder's lease expired).
    pub async fn start_sync_run(
        &self,
        forced: bool,
        job_id: Option<&str>,
    ) -> Result<SyncRun, StoreError> {
        let started = Utc::now();
        let now = format_time(started);
        let timeout = TimeDelta::from_std(SYNC_RUN_TIMEOUT).unwrap_or(TimeDelta::MAX);
        let stale_before = started
            .checked_sub_signed(timeout)
            .map(format_time)
            .unwrap_or_default();
        let abandoned = to_json(&[format!(
            "the run stopped without finishing (its process ended, or it ran over {} minutes); \
             a later run took over",
            SYNC_RUN_TIMEOUT.as_secs() / 60
        )])?;
        let mut tx = self.begin_write().await?;
        let given_up: Vec<i64> = sqlx::query_scalar(
            "UPDATE partner_center_sync_runs
             SET status = 'failed', finished_at = $1, errors = $2
             WHERE status = 'running'
               AND (started_at < $3
                    OR job_id = $4
                    OR EXISTS (SELECT 1 FROM jobs j
                               WHERE j.id = partner_center_sync_runs.job_id
                                 AND (j.status <> 'running' OR j.lease_until < $1)))
             RETURNING id",
        )
        .bind(&now)
        .bind(abandoned)
        .bind(stale_before)
        .bind(job_id)
        .fetch_all(&mut *tx)
        .await?;
        for id in given_up {
            tracing::warn!(run_id = id, "gave up a sync run whose process is gone");
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO partner_center_sync_runs (job_id, forced, status, started_at)
             VALUES ($1, $2, 'running', $3)
             RETURNING {SYNC_RUN_COLUMNS}"
        )))
        .bind(job_id)
        .bind(i64::from(forced))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            e if e.is_unique_violation() => StoreError::SyncRunning,
            e => e,
        })?;
        let run = sync_run_from_row(&row)?;
        tx.commit().await?;
        Ok(run)
    }

    /// Completes a running run with its counters, its first [`MAX_JOB_ERRORS`] referral errors
    /// and its high-water mark (RFC 3339; `None` when nothing was processed, which leaves the
    /// previous mark in force). Refused with [`StoreError::InvalidInput`] when the counters do not
    /// add up or the run is not running (it was given up as dead).
    pub async fn finish_sync_run(
        &self,
        id: i64,
        counts: &SyncCounts,
        errors: &[String],
        high_water_mark: Option<&str>,
    ) -> Result<SyncRun, StoreError> {
        let examined = counts.success_count + counts.failure_count + counts.skipped_count;
        if counts.total_fetched != examined {
            return Err(StoreError::InvalidInput(format!(
                "sync run {id}: total_fetched {} is not success + failure + skipped ({examined})",
                counts.total_fetched
            )));
        }
        let high_water_mark = high_water_mark
            .map(|t| normalize_time("high_water_mark", t))
            .transpose()?;
        let errors = &errors[..errors.len().min(MAX_JOB_ERRORS)];
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE partner_center_sync_runs
             SET status = 'completed', finished_at = $2, pages_fetched = $3, total_fetched = $4,
                 success_count = $5, failure_count = $6, skipped_count = $7, errors = $8,
                 high_water_mark = $9
             WHERE id = $1 AND status = 'running'
             RETURNING {SYNC_RUN_COLUMNS}"
        )))
        .bind(id)
        .bind(now())
        .bind(to_db(counts.pages_fetched)?)
        .bind(to_db(counts.total_fetched)?)
        .bind(to_db(counts.success_count)?)
        .bind(to_db(counts.failure_count)?)
        .bind(to_db(counts.skipped_count)?)
        .bind(to_json(errors)?)
        .bind(high_water_mark)
        .fetch_optional(&self.pool)
        .await?;
        sync_run_from_row(&row.ok_or_else(|| not_running(id))?)
    }

    /// Fails a running run as a whole (a page or the token could not be had): `message` becomes
    /// its error and its high-water mark does not count. Refused like [`Store::finish_sync_run`]
    /// when the run is not running.
    pub async fn fail_sync_run(&self, id: i64, message: &str) -> Result<SyncRun, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE partner_center_sync_runs
             SET status = 'failed', finished_at = $2, errors = $3
             WHERE id = $1 AND status = 'running'
             RETURNING {SYNC_RUN_COLUMNS}"
        )))
        .bind(id)
        .bind(now())
        .bind(to_json(&[message])?)
        .fetch_optional(&self.pool)
        .await?;
        sync_run_from_row(&row.ok_or_else(|| not_running(id))?)
    }

    /// Where an incremental sync stops paging: the high-water mark of the latest completed run
    /// that recorded one; `None` before any, which makes the sync read everything.
    pub async fn last_high_water_mark(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT high_water_mark FROM partner_center_sync_runs
             WHERE status = 'completed' AND high_water_mark IS NOT NULL
             ORDER BY started_at DESC, id DESC
             LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The `limit` most recently started runs, newest first.
    pub async fn sync_runs(&self, limit: u32) -> Result<Vec<SyncRun>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SYNC_RUN_COLUMNS} FROM partner_center_sync_runs
             ORDER BY started_at DESC, id DESC
             LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(sync_run_from_row).collect()
    }
}

fn validate(record: &ReferralRecord) -> Result<(), StoreError> {
    if record.referral_id.trim().is_empty() {
        return Err(StoreError::InvalidInput(
            "a referral has an empty referral id".into(),
        ));
    }
    if let Some(kind) = record.referral_type.as_deref()
        && !KINDS_BY_RANK.contains(&kind)
    {
        return Err(StoreError::InvalidInput(format!(
            "referral {} has unknown referral_type {kind:?}",
            record.referral_id
        )));
    }
    if let Some(domain) = record.domain.as_deref()
        && Domain::parse(domain).ok().as_ref().map(Domain::as_str) != Some(domain)
    {
        // Another spelling of a domain would create a second company for it.
        return Err(StoreError::InvalidInput(format!(
            "referral {} has domain {domain:?}, which is not a normalized domain",
            record.referral_id
        )));
    }
    Ok(())
}

/// Upserts the company and the referral's `raw_leads` row through the ingest path.
async fn link_lead(
    tx: &mut Transaction<'static, Any>,
    record: &ReferralRecord,
    domain: &str,
) -> Result<ReferralLink, StoreError> {
    // The list falls back to the domain as company name; as a company name that is "no name",
    // which must not replace a real one (`hunter.md` §1).
    let company_name = record
        .company_name
        .clone()
        .filter(|name| !name.trim().eq_ignore_ascii_case(domain));
    let input = NewInput {
        source: Source::PartnerCenter,
        source_ref: Some(record.referral_id.clone()),
        domain: domain.to_owned(),
        company_name,
        email: None,
        website: None,
        payload: record.raw_data.clone(),
    };
    let ingested = ingest_in(tx, std::slice::from_ref(&input)).await?;
    let has_signals: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM domain_signals WHERE domain = $1")
            .bind(domain)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(ReferralLink::Lead {
        domain: domain.to_owned(),
        company_created: ingested.first().is_some_and(|i| i.created),
        has_signals: has_signals.is_some(),
    })
}

async fn facts(conn: &mut AnyConnection, domain: &str) -> Result<PartnerFacts, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT
             MAX(CASE referral_type WHEN $2 THEN 3 WHEN $3 THEN 2 WHEN $4 THEN 1 ELSE 0 END) AS kind,
             MAX(CASE WHEN referral_type = $2 AND (status IS NULL OR lower(status) <> 'closed')
                      THEN 1 ELSE 0 END) AS open_cosell
         FROM partner_center_referrals
         WHERE domain = $1 AND {INCOMING}"
    )))
    .bind(domain)
    .bind(KINDS_BY_RANK[0])
    .bind(KINDS_BY_RANK[1])
    .bind(KINDS_BY_RANK[2])
    .fetch_one(&mut *conn)
    .await?;
    let c = Cols(&row);
    // MAX over no referrals is NULL.
    let rank: usize = c.opt_int("kind")?.unwrap_or_default();
    let referral_type = rank
        .checked_sub(1)
        .and_then(|i| KINDS_BY_RANK.iter().rev().nth(i))
        .map(|kind| (*kind).to_owned());
    let open_cosell = c.opt_int::<i64>("open_cosell")?.unwrap_or_default() == 1;
    let azure_tenant_id: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT azure_tenant_id FROM partner_center_referrals
         WHERE domain = $1 AND azure_tenant_id IS NOT NULL AND {INCOMING}
         ORDER BY CASE WHEN updated_datetime IS NULL THEN 1 ELSE 0 END,
                  updated_datetime DESC, id DESC
         LIMIT 1"
    )))
    .bind(domain)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(PartnerFacts {
        referral_type,
        azure_tenant_id,
        open_cosell,
    })
}

/// Writes the domain's facts into its `lead_scores` row; `false` when it has none (not a lead).
async fn apply_facts_in(
    tx: &mut Transaction<'static, Any>,
    domain: &str,
) -> Result<bool, StoreError> {
    let facts = facts(&mut *tx, domain).await?;
    let done = sqlx::query(
        "UPDATE lead_scores SET referral_type = $2, azure_tenant_id = $3 WHERE domain = $1",
    )
    .bind(domain)
    .bind(facts.referral_type)
    .bind(facts.azure_tenant_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The filter's conditions joined by AND on `partner_center_referrals r`; `1 = 1` without any.
fn referral_filter(
    sql: &mut Sql,
    filter: &ReferralFilter,
    backend: Backend,
) -> Result<(), StoreError> {
    sql.push("1 = 1");
    match filter.referral_type.as_deref() {
        None => {}
        Some(NO_REFERRAL) => sql.push(" AND r.referral_type IS NULL"),
        Some(kind) => {
            sql.push(" AND r.referral_type = ");
            sql.bind(kind.to_owned())?;
        }
    }
    if let Some(status) = filter.status.as_deref() {
        sql.push(" AND lower(r.status) = ");
        sql.bind(status.to_lowercase())?;
    }
    match filter.linked {
        None => {}
        Some(true) => sql.push(&format!(" AND {LINKED}")),
        Some(false) => sql.push(&format!(" AND NOT {LINKED}")),
    }
    let search = filter.search.as_deref().map(str::trim).unwrap_or_default();
    if !search.is_empty() {
        // No index to keep in step here: the list is scanned, so each column is folded as read.
        let pattern = format!("%{}%", escape_like(&fold(search)));
        sql.push(" AND (");
        for (i, column) in ["r.company_name", "r.domain", "r.referral_id"]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push(&format!("{} LIKE ", fold_sql(column, backend)));
            sql.bind(pattern.clone())?;
            sql.push(" ESCAPE '\\'");
        }
        sql.push(")");
    }
    Ok(())
}

fn referral_from_row(row: &AnyRow) -> Result<TrackedReferral, StoreError> {
    let c = Cols(row);
    Ok(TrackedReferral {
        id: c.int("id")?,
        referral_id: c.text("referral_id")?,
        engagement_id: c.opt_text("engagement_id")?,
        referral_type: c.opt_text("referral_type")?,
        r#type: c.opt_text("type")?,
        qualification: c.opt_text("qualification")?,
        direction: c.opt_text("direction")?,
        status: c.opt_text("status")?,
        substatus: c.opt_text("substatus")?,
        company_name: c.opt_text("company_name")?,
        customer_country: c.opt_text("customer_country")?,
        domain: c.opt_text("domain")?,
        raw_domain: c.opt_text("raw_domain")?,
        domain_source: c.opt_text("domain_source")?,
        azure_tenant_id: c.opt_text("azure_tenant_id")?,
        deal_value: c.opt_text("deal_value")?,
        currency: c.opt_text("currency")?,
        created_datetime: c.opt_text("created_datetime")?,
        updated_datetime: c.opt_text("updated_datetime")?,
        raw_data: c.json("raw_data")?,
        linked: c.opt_bool("linked")?.unwrap_or_default(),
        created_at: c.text("created_at")?,
        synced_at: c.text("synced_at")?,
        updated_at: c.text("updated_at")?,
    })
}

fn sync_run_from_row(row: &AnyRow) -> Result<SyncRun, StoreError> {
    let c = Cols(row);
    Ok(SyncRun {
        id: c.int("id")?,
        job_id: c.opt_text("job_id")?,
        forced: c.opt_bool("forced")?.unwrap_or_default(),
        status: c.parse("status")?,
        started_at: c.text("started_at")?,
        finished_at: c.opt_text("finished_at")?,
        pages_fetched: c.int("pages_fetched")?,
        total_fetched: c.int("total_fetched")?,
        success_count: c.int("success_count")?,
        failure_count: c.int("failure_count")?,
        skipped_count: c.int("skipped_count")?,
        errors: c.json("errors")?,
        high_water_mark: c.opt_text("high_water_mark")?,
    })
}

fn not_running(id: i64) -> StoreError {
    StoreError::InvalidInput(format!(
        "sync run {id} is not running (unknown, finished, or given up as dead)"
    ))
}
