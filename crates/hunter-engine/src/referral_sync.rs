//! One Partner Center sync run (`partner-center-api.md` §14, `contract.md` §5): read the
//! referrals page by page, track each one on its own (one failure never stops the others), make
//! Incoming referrals with a usable domain leads, scan each new domain once, and score the
//! touched leads with their referral facts.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use hunter_core::referral::{PartnerScoring, ReferralFacts, ReferralOutcome, map_referral};
use hunter_core::{Domain, mask};
use hunter_partner_center::{ClientError, ReferralsClient};
use hunter_store::{ReferralLink, ReferralRecord, Store, StoreError, SyncCounts};
use serde::Serialize;
use serde_json::Value;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::partner_center::PartnerCenter;
use crate::scan::{ScanError, ScanOutcome, Scanner, scan_many, score_with_referrals};

/// How much a run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Stop at the newest `updatedDateTime` the last completed run saw.
    Incremental,
    /// Read everything and rescan the referral domains (`force: true`).
    Full,
}

/// The sync result of `contract.md` §5.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncResult {
    /// Referrals stored and linked to a lead.
    pub success_count: u64,
    /// Referrals that could not be processed.
    pub failure_count: u64,
    /// Referrals stored without a lead: not Incoming, or no usable company domain.
    pub skipped_count: u64,
    pub errors: Vec<String>,
    pub total_fetched: u64,
}

/// Why a run failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("a Partner Center sync is already running")]
    AlreadyRunning,
    #[error(transparent)]
    PartnerCenter(#[from] ClientError),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Scan(#[from] ScanError),
}

impl SyncError {
    pub fn is_already_running(&self) -> bool {
        matches!(self, SyncError::AlreadyRunning)
    }
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        if e.is_sync_running() {
            SyncError::AlreadyRunning
        } else {
            SyncError::Store(e)
        }
    }
}

/// One sync run, recorded in `partner_center_sync_runs` (completed with its counts, or failed
/// with the reason). Only one runs at a time across every process sharing the database.
pub async fn sync_referrals(
    store: &Store,
    client: &ReferralsClient,
    scanner: &Scanner,
    scoring: PartnerScoring,
    mode: SyncMode,
    job_id: Option<&str>,
) -> Result<SyncResult, SyncError> {
    let run = store.start_sync_run(mode == SyncMode::Full, job_id).await?;
    tracing::info!(run = run.id, ?mode, "Partner Center sync started");
    match run_pages(store, client, scanner, scoring, mode).await {
        Ok((result, pages, newest)) => {
            let counts = SyncCounts {
                pages_fetched: pages,
                total_fetched: result.total_fetched,
                success_count: result.success_count,
                failure_count: result.failure_count,
                skipped_count: result.skipped_count,
            };
            let mark = newest.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true));
            store
                .finish_sync_run(run.id, &counts, &result.errors, mark.as_deref())
                .await?;
            tracing::info!(
                run = run.id,
                pages,
                total_fetched = result.total_fetched,
                success = result.success_count,
                skipped = result.skipped_count,
                failed = result.failure_count,
                "Partner Center sync finished"
            );
            Ok(result)
        }
        Err(error) => {
            if let Err(e) = store.fail_sync_run(run.id, &error.to_string()).await {
                tracing::warn!(run = run.id, error = %e, "the failed sync run could not be recorded");
            }
            tracing::warn!(run = run.id, %error, "Partner Center sync failed");
            Err(error)
        }
    }
}

/// Reads and processes the pages; returns the result, the pages read and the newest
/// `updatedDateTime` seen.
async fn run_pages(
    store: &Store,
    client: &ReferralsClient,
    scanner: &Scanner,
    scoring: PartnerScoring,
    mode: SyncMode,
) -> Result<(SyncResult, u64, Option<DateTime<Utc>>), SyncError> {
    let stop_before = match mode {
        SyncMode::Incremental => store
            .last_high_water_mark()
            .await?
            .and_then(|m| DateTime::parse_from_rfc3339(&m).ok())
            .map(|m| m.with_timezone(&Utc)),
        SyncMode::Full => None,
    };
    let mut result = SyncResult::default();
    let mut pages_read = 0;
    let mut newest: Option<DateTime<Utc>> = None;
    let mut to_scan = BTreeSet::new();
    let mut to_score = BTreeSet::new();
    let mut pages = client.list_referrals();
    'pages: while let Some(page) = pages.next_page().await? {
        pages_read += 1;
        for raw in page.referrals {
            let updated = updated_at(&raw);
            // Newest first: what is older than the last run's newest was seen then. Equal
            // times are read again, harmlessly, so none is lost.
            if let (Some(mark), Some(updated)) = (stop_before, updated)
                && updated < mark
            {
                break 'pages;
            }
            result.total_fetched += 1;
            newest = newest.max(updated);
            process(store, mode, &raw, &mut result, &mut to_scan, &mut to_score).await;
        }
    }

    // Each new domain is scanned once, however many referrals name it.
    let domains: Vec<Domain> = to_scan
        .iter()
        .filter_map(|d| Domain::parse(d).ok())
        .collect();
    if !domains.is_empty() {
        scan_many(
            scanner,
            Some(store),
            &domains,
            None,
            |_: usize, _: &ScanOutcome| {},
        )
        .await?;
    }
    // Scans score leads with their referral facts themselves; the others whose facts changed
    // are scored from their stored signals.
    for domain in to_score.difference(&to_scan) {
        // The referral is stored and linked either way; the next run scores it again.
        if let Err(e) = score_with_referrals(store, scanner.rules(), scoring, domain).await {
            result
                .errors
                .push(format!("{domain}: scoring with its referrals failed: {e}"));
        }
    }
    Ok((result, pages_read, newest))
}

/// Tracks one referral and counts it.
async fn process(
    store: &Store,
    mode: SyncMode,
    raw: &Value,
    result: &mut SyncResult,
    to_scan: &mut BTreeSet<String>,
    to_score: &mut BTreeSet<String>,
) {
    let facts = match map_referral(raw) {
        ReferralOutcome::Malformed(malformed) => {
            tracing::warn!(referral = %malformed.referral_id.as_deref().map(mask::mask).unwrap_or_default(), reason = %malformed.reason, "referral skipped as malformed");
            result.failure_count += 1;
            result.errors.push(malformed.to_string());
            return;
        }
        ReferralOutcome::Lead { facts, .. } | ReferralOutcome::Skipped { facts, .. } => facts,
    };
    let masked_id = mask::mask(&facts.referral_id);
    for warning in &facts.warnings {
        tracing::warn!(referral = %masked_id, ?warning, "referral field ignored");
    }
    let saved = match store.save_referral(&record(&facts, raw)).await {
        Ok(saved) => saved,
        Err(e) => {
            tracing::warn!(referral = %masked_id, error = %e, "referral could not be stored");
            result.failure_count += 1;
            result
                .errors
                .push(format!("referral {}: {e}", facts.referral_id));
            return;
        }
    };
    if let Some(previous) = saved.previous_domain {
        to_score.insert(previous);
    }
    match saved.link {
        ReferralLink::Lead {
            domain,
            has_signals,
            ..
        } => {
            tracing::info!(referral = %masked_id, kind = ?facts.kind, "referral linked to a lead");
            result.success_count += 1;
            if !has_signals || mode == SyncMode::Full {
                to_scan.insert(domain);
            } else if saved.changed {
                to_score.insert(domain);
            }
        }
        ReferralLink::NotIncoming | ReferralLink::NoDomain => {
            tracing::info!(referral = %masked_id, link = ?saved.link, "referral tracked, not a lead");
            result.skipped_count += 1;
        }
    }
}

fn updated_at(raw: &Value) -> Option<DateTime<Utc>> {
    let text = raw.get("updatedDateTime")?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn record(facts: &ReferralFacts, raw: &Value) -> ReferralRecord {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true));
    let candidate = facts.customer_domain.candidate();
    ReferralRecord {
        referral_id: facts.referral_id.clone(),
        engagement_id: facts.engagement_id.clone(),
        referral_type: facts.kind.map(|k| k.as_str().to_owned()),
        r#type: facts.r#type.clone(),
        qualification: facts.qualification.clone(),
        direction: facts.direction.clone(),
        status: facts.status.clone(),
        substatus: facts.substatus.clone(),
        company_name: facts.company_name.clone(),
        customer_country: facts.customer_country.clone(),
        domain: facts.domain().map(|d| d.to_string()),
        raw_domain: candidate.map(|c| c.raw.clone()),
        domain_source: candidate.map(|c| c.source.as_str().to_owned()),
        azure_tenant_id: facts.azure_tenant_id.clone(),
        deal_value: facts.deal_value.clone(),
        currency: facts.currency.clone(),
        created_datetime: time(facts.created_datetime),
        updated_datetime: time(facts.updated_datetime),
        raw_data: raw.clone(),
    }
}

/// A scheduled run that could not start within this time of being due is dropped.
const TASK_EXPIRY: Duration = Duration::from_secs(3600);

/// The background sync (`HUNTER_PARTNER_CENTER_SYNC_INTERVAL`), inside `hunter serve` and
/// `hunter worker` until `shutdown`. Switched off, it says so once and returns at once: the
/// flag is read at start-up only, so no tick could find it on. Several processes sharing a
/// database sync once per interval between them: a tick skips
/// when another process started a run less than an interval ago, and only one run can be going
/// at a time. A failed run is logged and the next tick tries again.
pub async fn run_scheduler(
    store: Store,
    scanner: Arc<Scanner>,
    partner_center: Option<Arc<PartnerCenter>>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let Some(pc) = partner_center else {
        tracing::info!(
            "Partner Center is switched off (HUNTER_PARTNER_CENTER_ENABLED); no scheduled referral sync"
        );
        return;
    };
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let due = tokio::select! {
            _ = shutdown.cancelled() => return,
            due = ticks.tick() => due,
        };
        if due.elapsed() > TASK_EXPIRY {
            tracing::warn!("a scheduled Partner Center sync is over an hour late; dropped");
            continue;
        }
        match recently_started(&store, interval).await {
            Ok(true) => {
                tracing::info!("another process synced this interval; scheduled sync skipped");
                continue;
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not read the last sync run; scheduled sync skipped");
                continue;
            }
        }
        let run = sync_referrals(
            &store,
            &pc.client,
            &scanner,
            pc.scoring,
            SyncMode::Incremental,
            None,
        );
        // A run is not cut short by a shutdown: it reads a few pages, bounded by timeouts.
        match run.await {
            Ok(_) => {}
            Err(e) if e.is_already_running() => {
                tracing::info!("a Partner Center sync is already running; scheduled sync skipped");
            }
            // `sync_referrals` logged the failure and recorded it with the run.
            Err(_) => {}
        }
    }
}

/// Whether the newest sync run started less than (almost) `interval` ago.
async fn recently_started(store: &Store, interval: Duration) -> Result<bool, StoreError> {
    let Some(last) = store.sync_runs(1).await?.into_iter().next() else {
        return Ok(false);
    };
    let Ok(started) = DateTime::parse_from_rfc3339(&last.started_at) else {
        return Ok(false);
    };
    let age = Utc::now().signed_duration_since(started.with_timezone(&Utc));
    // A little slack, so that this process's own previous tick never counts.
    let window = interval.mul_f64(0.9);
    Ok(age.to_std().is_ok_and(|age| age < window))
}
