//! Scan results: `domain_signals`, `lead_scores`, the company's provider and its history.

use std::collections::HashMap;

use hunter_core::model::{Provider, ScanStatus, Score};
use sqlx::{Any, Transaction};

use crate::codec::{Cols, bool_to_db, normalize_time, now, to_json};
use crate::ingest::{comma, timed_rows, usable_name};
use crate::{
    SaveOutcome, ScanRecord, Store, StoreError, domain_order, in_input_order, rows_per_statement,
};

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
    /// under a rules version other than `rules_version` (`hunter.md` §5.1), or before scores
    /// had Turkish texts (migration 0008 leaves those null).
    pub async fn stale_scores(
        &self,
        rules_version: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT domain FROM lead_scores
             WHERE (rules_version <> $1 OR reason_tr IS NULL) AND domain > $2
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
            upsert_scores(&mut tx, &[(domain.as_str(), score)], &now).await?;
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
///
/// Written a chunk at a time with multi-row statements, in domain order. A domain repeated in
/// `records` is written in rounds (its first record in the first round, and so on), since one
/// upsert statement cannot touch a row twice; the last record of a domain wins, as if the
/// records had been saved one by one.
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
    for round in rounds(records) {
        // Sized for `domain_signals`, the widest row a record writes.
        for chunk in round.chunks(rows_per_statement(tx, SIGNALS_VALUES)) {
            let batch = Batch {
                records,
                scanned_at: &scanned_at,
                chunk,
                now: &now,
            };
            out.extend(batch.save(tx).await?);
        }
    }
    Ok(in_input_order(out))
}

/// Positions of `records` in domain order, split so that no round holds a domain twice.
fn rounds(records: &[ScanRecord]) -> Vec<Vec<usize>> {
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    let mut previous: Option<&str> = None;
    let mut repeat = 0;
    for i in domain_order(records, |r| &r.signals.domain) {
        let domain = records[i].signals.domain.as_str();
        repeat = if previous == Some(domain) {
            repeat + 1
        } else {
            0
        };
        previous = Some(domain);
        if rounds.len() == repeat {
            rounds.push(Vec::new());
        }
        rounds[repeat].push(i);
    }
    rounds
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

/// Records of distinct domains (`chunk`, positions in `records`, in domain order) saved together.
struct Batch<'a> {
    records: &'a [ScanRecord],
    scanned_at: &'a [String],
    chunk: &'a [usize],
    now: &'a str,
}

impl Batch<'_> {
    async fn save(
        &self,
        tx: &mut Transaction<'static, Any>,
    ) -> Result<Vec<(usize, SaveOutcome)>, StoreError> {
        let previous_providers = self.upsert_companies(tx).await?;
        let stored_statuses = self.stored_statuses(tx).await?;
        let mut out = Vec::with_capacity(self.chunk.len());
        let mut saved = Vec::with_capacity(self.chunk.len());
        for &i in self.chunk {
            let signals = &self.records[i].signals;
            let stored_is_usable = match stored_statuses.get(&signals.domain) {
                None => false,
                Some(s) => s
                    .parse::<ScanStatus>()
                    .map_err(|e| StoreError::corrupt("domain_signals.scan_status", s.clone(), e))?
                    .is_usable(),
            };
            if signals.scan_status.is_scan_failure() && stored_is_usable {
                self.keep_previous(tx, i).await?;
                out.push((i, SaveOutcome::KeptPrevious));
            } else {
                saved.push(i);
            }
        }
        if saved.is_empty() {
            return Ok(out);
        }
        upsert_signals(tx, self.records, self.scanned_at, &saved, self.now).await?;
        let scores: Vec<(&str, &Score)> = saved
            .iter()
            .map(|&i| {
                (
                    self.records[i].signals.domain.as_str(),
                    &self.records[i].score,
                )
            })
            .collect();
        upsert_scores(tx, &scores, self.now).await?;

        let mut moved = Vec::new();
        for &i in &saved {
            let record = &self.records[i];
            let domain = record.signals.domain.as_str();
            let new = record.score.provider;
            let previous = previous_providers.get(domain).cloned().flatten();
            if previous.as_deref() != Some(new.as_str()) {
                moved.push((domain, new));
            }
            let changed_from = previous.filter(|p| p != new.as_str());
            if let Some(previous) = &changed_from {
                insert_provider_change(
                    tx,
                    domain,
                    previous,
                    new,
                    &self.scanned_at[i],
                    record.job_id.as_deref(),
                )
                .await?;
            }
            let provider_changed = changed_from.is_some();
            out.push((i, SaveOutcome::Saved { provider_changed }));
        }
        set_providers(tx, &moved).await?;
        Ok(out)
    }

    /// Creates missing companies and renames those given a name; returns each domain's provider
    /// as it was before this batch.
    ///
    /// Written first on purpose: DO UPDATE locks the company rows (PostgreSQL), so concurrent
    /// saves of one domain queue here and each reads the state the previous one left. The
    /// inserted name is the given one or else the domain; on conflict only a given name (one
    /// that is not just the domain) replaces the stored one.
    async fn upsert_companies(
        &self,
        tx: &mut Transaction<'static, Any>,
    ) -> Result<HashMap<String, Option<String>>, StoreError> {
        let mut sql = String::from(
            "INSERT INTO companies (domain, canonical_name, created_at, updated_at) VALUES ",
        );
        sql.push_str(&timed_rows(self.chunk.len(), 2));
        sql.push_str(
            " ON CONFLICT (domain) DO UPDATE SET
                 canonical_name = CASE WHEN excluded.canonical_name = excluded.domain
                                       THEN companies.canonical_name
                                       ELSE excluded.canonical_name END,
                 updated_at = excluded.updated_at
             RETURNING domain, provider",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.now);
        for &i in self.chunk {
            let record = &self.records[i];
            let domain = record.signals.domain.as_str();
            let name = usable_name(record.company_name.as_deref()).unwrap_or(domain);
            query = query.bind(domain).bind(name);
        }
        let rows = query.fetch_all(&mut **tx).await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok((c.text("domain")?, c.opt_text("provider")?))
            })
            .collect()
    }

    /// The stored `scan_status` of the batch's domains that have signals.
    async fn stored_statuses(
        &self,
        tx: &mut Transaction<'static, Any>,
    ) -> Result<HashMap<String, String>, StoreError> {
        let list: Vec<String> = (1..=self.chunk.len()).map(|p| format!("${p}")).collect();
        let sql = format!(
            "SELECT domain, scan_status FROM domain_signals WHERE domain IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &i in self.chunk {
            query = query.bind(self.records[i].signals.domain.as_str());
        }
        let rows = query.fetch_all(&mut **tx).await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok((c.text("domain")?, c.text("scan_status")?))
            })
            .collect()
    }

    /// A failed rescan over a usable result: only the attempt is noted.
    async fn keep_previous(
        &self,
        tx: &mut Transaction<'static, Any>,
        i: usize,
    ) -> Result<(), StoreError> {
        let signals = &self.records[i].signals;
        sqlx::query(
            "UPDATE domain_signals
             SET last_attempt_status = $2, last_attempt_at = $3, updated_at = $4
             WHERE domain = $1",
        )
        .bind(&signals.domain)
        .bind(signals.scan_status.as_str())
        .bind(&self.scanned_at[i])
        .bind(self.now)
        .execute(&mut **tx)
        .await?;
        tracing::debug!(domain = %signals.domain, status = %signals.scan_status, "scan failed; kept the stored result");
        Ok(())
    }
}

/// `companies.provider` becomes each score's effective provider, for those that differ.
async fn set_providers(
    tx: &mut Transaction<'static, Any>,
    moved: &[(&str, Provider)],
) -> Result<(), StoreError> {
    for chunk in moved.chunks(rows_per_statement(tx, 2)) {
        let mut sql = String::from("WITH v(domain, provider) AS (VALUES ");
        for n in 0..chunk.len() {
            sql.push_str(&format!("{}(${}, ${})", comma(n), 2 * n + 1, 2 * n + 2));
        }
        sql.push_str(
            ") UPDATE companies SET provider = v.provider FROM v WHERE companies.domain = v.domain",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (domain, provider) in chunk {
            query = query.bind(*domain).bind(provider.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
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

/// Values per `domain_signals` row, after the shared `$1` (the write time).
const SIGNALS_VALUES: usize = 22;

/// One row per domain, updated in place (never delete + insert). The WHOIS columns are not
/// scan results and are left alone. `rows` are positions in `records`, distinct domains.
async fn upsert_signals(
    tx: &mut Transaction<'static, Any>,
    records: &[ScanRecord],
    scanned_at: &[String],
    rows: &[usize],
    now: &str,
) -> Result<(), StoreError> {
    let mut sql = String::from(
        "INSERT INTO domain_signals (
             domain, scan_status, last_attempt_status, last_attempt_at, scanned_at,
             mx_records, mx_root, classified_provider, gateway, local_provider, tenant_size,
             spf, spf_record, spf_includes, spf_include_count,
             dkim, dkim_selectors,
             dmarc_record, dmarc_policy, dmarc_subdomain_policy, dmarc_coverage,
             autodiscover_target, entra_tenant_id, evidence, created_at, updated_at)
         VALUES ",
    );
    for n in 0..rows.len() {
        let p = |k: usize| format!("${}", 2 + n * SIGNALS_VALUES + k);
        // The status and the scan time each fill two columns.
        let repeated = format!("{}, {}, {}, {}, {}", p(0), p(1), p(1), p(2), p(2));
        let rest: Vec<String> = (3..SIGNALS_VALUES).map(p).collect();
        sql.push_str(&format!(
            "{}({repeated}, {}, $1, $1)",
            comma(n),
            rest.join(", ")
        ));
    }
    sql.push_str(
        " ON CONFLICT (domain) DO UPDATE SET
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
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
    for &i in rows {
        let s = &records[i].signals;
        query = query
            .bind(&s.domain)
            .bind(s.scan_status.as_str())
            .bind(&scanned_at[i])
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
            .bind(to_json(&s.evidence)?);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Values per `lead_scores` row, after the shared `$1` (the write time).
const SCORE_VALUES: usize = 16;

/// One row per domain (distinct), updated in place. `referral_type` and `azure_tenant_id` are
/// Partner Center facts, not scan results: a rescan leaves them as they are.
async fn upsert_scores(
    tx: &mut Transaction<'static, Any>,
    scores: &[(&str, &Score)],
    now: &str,
) -> Result<(), StoreError> {
    for chunk in scores.chunks(rows_per_statement(tx, SCORE_VALUES)) {
        let mut sql = String::from(
            "INSERT INTO lead_scores (
                 domain, provider, dns_score, readiness_score, segment, segment_rule, reason,
                 technical_heat, commercial_segment, commercial_heat, priority_category,
                 priority_label, breakdown, rules_version, reason_tr, priority_label_tr,
                 created_at, updated_at)
             VALUES ",
        );
        sql.push_str(&timed_rows(chunk.len(), SCORE_VALUES));
        sql.push_str(
            " ON CONFLICT (domain) DO UPDATE SET
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
                 reason_tr = excluded.reason_tr,
                 priority_label_tr = excluded.priority_label_tr,
                 updated_at = excluded.updated_at",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for (domain, score) in chunk {
            query = query
                .bind(*domain)
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
                .bind(&score.reason_tr)
                .bind(&score.priority_label_tr);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
