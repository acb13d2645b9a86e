//! The scan pipeline: domain → probe → analysis → score → (batched) store.
//! The path reads straight through `scan_domain`; `scan_many` adds bounded concurrency and one
//! writer task that saves results in batches, one transaction each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use hunter_core::model::{PartnerContext, ScanStatus, Score, Signals};
use hunter_core::referral::PartnerScoring;
use hunter_core::rules::Rules;
use hunter_core::{Domain, analysis, score};
use hunter_probe::{ProbeConfig, Prober};
use hunter_store::{PartnerFacts, ScanRecord, Store, StoreError};
use tokio::sync::mpsc;

use crate::config::Config;

/// Results saved per transaction at most.
const WRITE_BATCH: usize = 500;

/// What one input's scan produced: the CLI line, the job result, the stored row.
#[derive(Debug, Clone)]
pub struct ScanOutcome {
    pub signals: Signals,
    pub score: Score,
    /// RFC 3339 UTC time the scan finished.
    pub scanned_at: String,
    /// From the first query to the score; zero when nothing was queried.
    pub took: Duration,
}

/// Everything a scan needs, built once and shared.
pub struct Scanner {
    prober: Prober,
    rules: Arc<Rules>,
    concurrency: usize,
    partner_scoring: PartnerScoring,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("the DNS resolver could not be set up: {0}")]
    Probe(#[from] hunter_probe::ProbeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the result writer stopped unexpectedly")]
    WriterStopped,
}

impl Scanner {
    pub fn new(config: &Config, rules: Arc<Rules>) -> Result<Scanner, ScanError> {
        let probe = ProbeConfig {
            servers: config.dns_servers.clone(),
            query_timeout: config.dns_timeout,
            deadline: config.scan_deadline,
            tenant_discovery: config
                .tenant_discovery_enabled
                .then(|| config.partner_center.authority_url.clone()),
            ..ProbeConfig::default()
        };
        Ok(Scanner {
            prober: Prober::new(&probe)?,
            rules,
            concurrency: config.scan_concurrency,
            partner_scoring: PartnerScoring {
                azure_tenant_score: config.partner_center.azure_tenant_score,
                cosell_bonus: config.partner_center.cosell_bonus,
            },
        })
    }

    /// `HUNTER_PARTNER_CENTER_AZURE_TENANT_SCORE` and `_COSELL_BONUS`.
    pub fn partner_scoring(&self) -> PartnerScoring {
        self.partner_scoring
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Domains scanned at once (`HUNTER_SCAN_CONCURRENCY`).
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
}

/// Scans and scores one domain. Never fails: DNS trouble shows in `scan_status`.
pub async fn scan_domain(scanner: &Scanner, domain: &Domain) -> ScanOutcome {
    let started = Instant::now();
    let raw = scanner.prober.probe(domain).await;
    let signals = analysis::analyze(domain, &raw);
    let score = score::score(&signals, &PartnerContext::default(), &scanner.rules);
    ScanOutcome {
        signals,
        score,
        scanned_at: now(),
        took: started.elapsed(),
    }
}

/// The outcome for an input that did not normalize: nothing is queried or stored.
pub fn invalid_outcome(input: &str, rules: &Rules) -> ScanOutcome {
    let signals = Signals::empty(input.trim(), ScanStatus::Invalid);
    let score = score::score(&signals, &PartnerContext::default(), rules);
    ScanOutcome {
        signals,
        score,
        scanned_at: now(),
        took: Duration::ZERO,
    }
}

/// Scans `domains` with at most `HUNTER_SCAN_CONCURRENCY` at once, saving each result when a
/// store is given, and calls `on_result(index, outcome)` as results arrive (in any order).
pub async fn scan_many(
    scanner: &Scanner,
    store: Option<&Store>,
    domains: &[Domain],
    job_id: Option<&str>,
    on_result: impl FnMut(usize, &ScanOutcome),
) -> Result<(), ScanError> {
    let items = futures::stream::iter(domains.iter().cloned().enumerate());
    scan_stream(scanner, store, items, job_id, on_result).await
}

/// [`scan_many`] over a stream of `(key, domain)` items, pulled as scan slots free up: memory
/// stays bounded by the concurrency however long the stream is (a million-row import).
pub async fn scan_stream<K>(
    scanner: &Scanner,
    store: Option<&Store>,
    items: impl Stream<Item = (K, Domain)>,
    job_id: Option<&str>,
    mut on_result: impl FnMut(K, &ScanOutcome),
) -> Result<(), ScanError> {
    let (tx, writer) = match store {
        Some(store) => {
            let (tx, rx) = mpsc::channel(WRITE_BATCH * 2);
            (
                Some(tx),
                Some(tokio::spawn(write_batches(
                    store.clone(),
                    scanner.rules.clone(),
                    scanner.partner_scoring,
                    rx,
                ))),
            )
        }
        None => (None, None),
    };
    let mut results = std::pin::pin!(
        items
            .map(|(key, domain)| async move { (key, scan_domain(scanner, &domain).await) })
            .buffer_unordered(scanner.concurrency)
    );
    while let Some((key, outcome)) = results.next().await {
        on_result(key, &outcome);
        if let Some(tx) = &tx {
            let record = ScanRecord {
                signals: outcome.signals,
                score: outcome.score,
                company_name: None,
                job_id: job_id.map(str::to_owned),
                scanned_at: outcome.scanned_at,
            };
            if tx.send(record).await.is_err() {
                // The writer stopped on an error; it is reported below.
                break;
            }
        }
    }
    drop(tx);
    if let Some(writer) = writer {
        writer.await.map_err(|_| ScanError::WriterStopped)??;
    }
    Ok(())
}

/// The single writer: takes what has queued up (up to a batch) and saves it in one transaction,
/// leads with referrals scored with their facts.
async fn write_batches(
    store: Store,
    rules: Arc<Rules>,
    scoring: PartnerScoring,
    mut rx: mpsc::Receiver<ScanRecord>,
) -> Result<(), StoreError> {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    while rx.recv_many(&mut batch, WRITE_BATCH).await > 0 {
        let with_referrals =
            score_with_referral_facts(&store, &rules, scoring, batch.iter_mut()).await?;
        store.save_scans(&batch).await?;
        apply_facts(&store, &with_referrals).await?;
        batch.clear();
    }
    Ok(())
}

/// A scan scores from DNS alone. Before a batch is saved, the records of leads with Incoming
/// referrals are scored again with their facts, so a co-sell bonus or a referral-borne tenant
/// id survives rescans. Returns those leads' domains, for [`apply_facts`] after the save.
pub async fn score_with_referral_facts<'a>(
    store: &Store,
    rules: &Rules,
    scoring: PartnerScoring,
    records: impl Iterator<Item = &'a mut ScanRecord>,
) -> Result<Vec<String>, StoreError> {
    let mut records: Vec<&mut ScanRecord> = records.collect();
    let domains: Vec<String> = records.iter().map(|r| r.signals.domain.clone()).collect();
    let with_referrals = store.domains_with_referrals(&domains).await?;
    for record in records.iter_mut() {
        if with_referrals.contains(&record.signals.domain) {
            let facts = store.partner_facts(&record.signals.domain).await?;
            record.score = score::score(&record.signals, &partner_context(&facts, scoring), rules);
        }
    }
    Ok(with_referrals)
}

/// Writes the referral facts (type, tenant id) onto the leads of `domains`; a lead's first
/// scan creates its score row without them.
pub async fn apply_facts(store: &Store, domains: &[String]) -> Result<(), StoreError> {
    for domain in domains {
        store.apply_partner_facts(domain).await?;
    }
    Ok(())
}

/// What a lead's referral facts mean for its score.
pub fn partner_context(facts: &PartnerFacts, scoring: PartnerScoring) -> PartnerContext {
    PartnerContext {
        azure_tenant: facts.azure_tenant_id.is_some(),
        cosell: facts.open_cosell,
        azure_tenant_score: scoring.azure_tenant_score,
        cosell_bonus: scoring.cosell_bonus,
    }
}

/// Scores a lead from its stored signals with its referral facts (tenant override, co-sell
/// bonus) and writes the facts onto the lead.
pub async fn score_with_referrals(
    store: &Store,
    rules: &Rules,
    scoring: PartnerScoring,
    domain: &str,
) -> Result<(), StoreError> {
    let facts = store.partner_facts(domain).await?;
    if let Some(stored) = store.signals(domain).await? {
        let score = score::score(&stored.signals, &partner_context(&facts, scoring), rules);
        store.save_scores(&[(domain.to_owned(), score)]).await?;
    }
    store.apply_partner_facts(domain).await?;
    Ok(())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
