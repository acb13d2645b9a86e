//! Scan results: `domain_signals`, `lead_scores`, the company's provider and its history.

use hunter_core::model::{Provider, ScanStatus, Score, Signals};
use sqlx::{Any, Transaction};

use crate::codec::{bool_to_db, normalize_time, now, to_json};
use crate::ingest::usable_name;
use crate::{SaveOutcome, ScanRecord, Store, StoreError, domain_order, in_input_order};

impl Store {
    /// Stores a batch of scan results in one transaction; outcomes follow the input order.
    ///
    /// - The company is created when missing; a non-empty `company_name` renames it.
    /// - A `timeout`/`servfail` result over a stored `ok`/`partial` one only moves
    ///   `last_attempt_status`/`last_attempt_at` ([`SaveOutcome::KeptPrevious`]).
    /// - Otherwise signals and score are upserted, `companies.provider` becomes the score's
    ///   effective provider, and a change from a non-null provider is logged with `job_id`.
    ///
    /// An `invalid` result has no domain to store it under: the whole batch is refused with
    /// [`StoreError::InvalidInput`] before anything is written, so callers filter them out.
    pub async fn save_scans(&self, records: &[ScanRecord]) -> Result<Vec<SaveOutcome>, StoreError> {
        records.iter().try_for_each(validate)?;
        let mut tx = self.begin_write().await?;
        let out = save_scans_in(&mut tx, records).await?;
        tx.commit().await?;
        Ok(out)
    }
}

impl Store {
    /// Up to `limit` domains, in domain order after `after`, whose stored score was computed
    /// under a rules version other than `rules_version` (`hunter.md` §5.1).
    pub async fn stale_scores(
        &self,
        rules_version: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT domain FROM lead_scores
             WHERE rules_version <> $1 AND domain > $2
             ORDER BY domain LIMIT $3",
        )
        .bind(rules_version)
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the scores of existing leads in one transaction, leaving their signals alone:
    /// re-scoring from stored signals (after a rules change, or with new referral facts). When
    /// the effective provider changes (a referral-borne tenant id makes it M365),
    /// `companies.provider` follows and the change is logged. Domains without a stored score
    /// are ignored (nothing to re-score).
    pub async fn save_scores(&self, scores: &[(String, Score)]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let now = now();
        for i in domain_order(scores, |(domain, _)| domain) {
            let (domain, score) = &scores[i];
            let stored: Option<Option<String>> = sqlx::query_scalar(
                "SELECT c.provider FROM lead_scores l JOIN companies c ON c.domain = l.domain
                 WHERE l.domain = $1",
            )
            .bind(domain)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(previous) = stored else { continue };
            upsert_score(&mut tx, domain, score, &now).await?;
            if previous.as_deref() != Some(score.provider.as_str()) {
                sqlx::query("UPDATE companies SET provider = $2 WHERE domain = $1")
                    .bind(domain)
                    .bind(score.provider.as_str())
                    .execute(&mut *tx)
                    .await?;
                if let Some(previous) = previous {
                    insert_provider_change(&mut tx, domain, &previous, score.provider, &now, None)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// [`Store::save_scans`] inside the caller's transaction, so a job can commit its progress with
/// the results it describes.
pub(crate) async fn save_scans_in(
    tx: &mut Transaction<'static, Any>,
    records: &[ScanRecord],
) -> Result<Vec<SaveOutcome>, StoreError> {
    let scanned_at = records
        .iter()
        .map(|r| {
            validate(r)?;
            normalize_time("scanned_at", &r.scanned_at)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let now = now();
    let mut out = Vec::with_capacity(records.len());
    for i in domain_order(records, |r| &r.signals.domain) {
        out.push((i, save_one(tx, &records[i], &scanned_at[i], &now).await?));
    }
    Ok(in_input_order(out))
}

fn validate(record: &ScanRecord) -> Result<(), StoreError> {
    let domain = &record.signals.domain;
    if record.signals.scan_status == ScanStatus::Invalid {
        return Err(StoreError::InvalidInput(format!(
            "an `invalid` scan result ({domain:?}) cannot be stored"
        )));
    }
    if domain.trim().is_empty() {
        return Err(StoreError::InvalidInput(
            "a scan result has an empty domain".into(),
        ));
    }
    Ok(())
}

async fn save_one(
    tx: &mut Transaction<'static, Any>,
    record: &ScanRecord,
    scanned_at: &str,
    now: &str,
) -> Result<SaveOutcome, StoreError> {
    let signals = &record.signals;
    let domain = signals.domain.as_str();
    let name = usable_name(record.company_name.as_deref());

    // Written first on purpose: DO UPDATE locks the company row (PostgreSQL), so concurrent
    // saves of one domain queue here and each reads the state the previous one left.
    // RETURNING gives the provider as it was before this scan.
    let previous_provider: Option<String> = sqlx::query_scalar(
        "INSERT INTO companies (domain, canonical_name, created_at, updated_at)
         VALUES ($1, $2, $3, $3)
         ON CONFLICT (domain) DO UPDATE SET
             canonical_name = COALESCE($4, companies.canonical_name),
             updated_at = $3
         RETURNING provider",
    )
    .bind(domain)
    .bind(name.unwrap_or(domain))
    .bind(now)
    .bind(name)
    .fetch_one(&mut **tx)
    .await?;

    let stored_status: Option<String> =
        sqlx::query_scalar("SELECT scan_status FROM domain_signals WHERE domain = $1")
            .bind(domain)
            .fetch_optional(&mut **tx)
            .await?;
    let stored_is_usable = match stored_status {
        None => false,
        Some(s) => s
            .parse::<ScanStatus>()
            .map_err(|e| StoreError::corrupt("domain_signals.scan_status", s.clone(), e))?
            .is_usable(),
    };

    if signals.scan_status.is_scan_failure() && stored_is_usable {
        sqlx::query(
            "UPDATE domain_signals
             SET last_attempt_status = $2, last_attempt_at = $3, updated_at = $4
             WHERE domain = $1",
        )
        .bind(domain)
        .bind(signals.scan_status.as_str())
        .bind(scanned_at)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        tracing::debug!(domain, status = %signals.scan_status, "scan failed; kept the stored result");
        return Ok(SaveOutcome::KeptPrevious);
    }

    upsert_signals(tx, signals, scanned_at, now).await?;
    upsert_score(tx, domain, &record.score, now).await?;

    let new_provider = record.score.provider;
    sqlx::query("UPDATE companies SET provider = $2 WHERE domain = $1")
        .bind(domain)
        .bind(new_provider.as_str())
        .execute(&mut **tx)
        .await?;

    let changed_from = previous_provider
        .as_deref()
        .filter(|p| *p != new_provider.as_str());
    if let Some(previous) = changed_from {
        insert_provider_change(
            tx,
            domain,
            previous,
            new_provider,
            scanned_at,
            record.job_id.as_deref(),
        )
        .await?;
    }
    let provider_changed = changed_from.is_some();
    Ok(SaveOutcome::Saved { provider_changed })
}

async fn insert_provider_change(
    tx: &mut Transaction<'static, Any>,
    domain: &str,
    previous: &str,
    new: Provider,
    changed_at: &str,
    job_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO provider_change_history (domain, previous_provider, new_provider, changed_at, job_id)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(domain)
    .bind(previous)
    .bind(new.as_str())
    .bind(changed_at)
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One row per domain, updated in place (never delete + insert). The WHOIS columns are not
/// scan results and are left alone.
async fn upsert_signals(
    tx: &mut Transaction<'static, Any>,
    s: &Signals,
    scanned_at: &str,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO domain_signals (
             domain, scan_status, last_attempt_status, last_attempt_at, scanned_at,
             mx_records, mx_root, classified_provider, gateway, local_provider, tenant_size,
             spf, spf_record, spf_includes, spf_include_count,
             dkim, dkim_selectors,
             dmarc_record, dmarc_policy, dmarc_subdomain_policy, dmarc_coverage,
             autodiscover_target, entra_tenant_id, evidence, created_at, updated_at)
         VALUES ($1, $2, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                 $16, $17, $18, $19, $20, $21, $22, $23, $23)
         ON CONFLICT (domain) DO UPDATE SET
             scan_status = excluded.scan_status,
             last_attempt_status = excluded.last_attempt_status,
             last_attempt_at = excluded.last_attempt_at,
             scanned_at = excluded.scanned_at,
             mx_records = excluded.mx_records,
             mx_root = excluded.mx_root,
             classified_provider = excluded.classified_provider,
             gateway = excluded.gateway,
             local_provider = excluded.local_provider,
             tenant_size = excluded.tenant_size,
             spf = excluded.spf,
             spf_record = excluded.spf_record,
             spf_includes = excluded.spf_includes,
             spf_include_count = excluded.spf_include_count,
             dkim = excluded.dkim,
             dkim_selectors = excluded.dkim_selectors,
             dmarc_record = excluded.dmarc_record,
             dmarc_policy = excluded.dmarc_policy,
             dmarc_subdomain_policy = excluded.dmarc_subdomain_policy,
             dmarc_coverage = excluded.dmarc_coverage,
             autodiscover_target = excluded.autodiscover_target,
             entra_tenant_id = excluded.entra_tenant_id,
             evidence = excluded.evidence,
             updated_at = excluded.updated_at",
    )
    .bind(&s.domain)
    .bind(s.scan_status.as_str())
    .bind(scanned_at)
    .bind(to_json(&s.mx_records)?)
    .bind(s.mx_root.as_deref())
    .bind(s.provider.as_str())
    .bind(s.gateway.as_deref())
    .bind(s.local_provider.as_deref())
    .bind(s.tenant_size.map(|t| t.as_str()))
    .bind(bool_to_db(s.spf))
    .bind(s.spf_record.as_deref())
    .bind(to_json(&s.spf_includes)?)
    .bind(i64::from(s.spf_include_count))
    .bind(bool_to_db(s.dkim))
    .bind(to_json(&s.dkim_selectors)?)
    .bind(s.dmarc_record.as_deref())
    .bind(s.dmarc_policy.map(|p| p.as_str()))
    .bind(s.dmarc_subdomain_policy.as_deref())
    .bind(s.dmarc_coverage.map(i64::from))
    .bind(s.autodiscover_target.as_deref())
    .bind(s.entra_tenant_id.as_deref())
    .bind(to_json(&s.evidence)?)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One row per domain, updated in place. `referral_type` and `azure_tenant_id` are Partner
/// Center facts, not scan results: a rescan leaves them as they are.
async fn upsert_score(
    tx: &mut Transaction<'static, Any>,
    domain: &str,
    score: &Score,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO lead_scores (
             domain, provider, dns_score, readiness_score, segment, segment_rule, reason,
             technical_heat, commercial_segment, commercial_heat, priority_category, priority_label,
             breakdown, rules_version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
         ON CONFLICT (domain) DO UPDATE SET
             provider = excluded.provider,
             dns_score = excluded.dns_score,
             readiness_score = excluded.readiness_score,
             segment = excluded.segment,
             segment_rule = excluded.segment_rule,
             reason = excluded.reason,
             technical_heat = excluded.technical_heat,
             commercial_segment = excluded.commercial_segment,
             commercial_heat = excluded.commercial_heat,
             priority_category = excluded.priority_category,
             priority_label = excluded.priority_label,
             breakdown = excluded.breakdown,
             rules_version = excluded.rules_version,
             updated_at = excluded.updated_at",
    )
    .bind(domain)
    .bind(score.provider.as_str())
    .bind(i64::from(score.dns_score))
    .bind(i64::from(score.readiness_score))
    .bind(score.segment.as_str())
    .bind(&score.segment_rule)
    .bind(&score.reason)
    .bind(score.technical_heat.as_str())
    .bind(score.commercial_segment.as_str())
    .bind(score.commercial_heat.as_str())
    .bind(score.priority_category.as_str())
    .bind(&score.priority_label)
    .bind(to_json(&score.breakdown)?)
    .bind(&score.rules_version)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
