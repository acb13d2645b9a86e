//! Reading leads, signals and provider history back.

use hunter_core::model::{BreakdownLine, Lead, Score, Signals};
use serde::Deserialize;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::codec::Cols;
use crate::{ProviderChange, Store, StoreError, StoredSignals};

impl Store {
    /// The lead for `domain` from the `leads` view (companies + domain_signals + lead_scores,
    /// one query). `None` when the domain is unknown or has never been scanned.
    pub async fn lead(&self, domain: &str) -> Result<Option<Lead>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {LEAD_COLUMNS} FROM leads WHERE domain = $1"
        )))
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(lead_from_row).transpose()
    }

    /// The stored `domain_signals` row, with evidence, raw record texts and `last_attempt_*`.
    pub async fn signals(&self, domain: &str) -> Result<Option<StoredSignals>, StoreError> {
        let row = sqlx::query(
            "SELECT domain, scan_status, last_attempt_status, last_attempt_at, scanned_at,
                    mx_records, mx_root, classified_provider, gateway, local_provider, tenant_size,
                    spf, spf_record, spf_includes, spf_include_count, dkim, dkim_selectors,
                    dmarc_record, dmarc_policy, dmarc_subdomain_policy, dmarc_coverage,
                    autodiscover_target, entra_tenant_id, evidence,
                    registrar, expires_at, nameservers, updated_at
             FROM domain_signals WHERE domain = $1",
        )
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_signals_from_row).transpose()
    }

    /// The stored `lead_scores` row as a [`Score`], breakdown and rules version included
    /// ("why this score", re-scoring under new rules). A score stored before Turkish texts
    /// existed (until its re-score) reads its English texts as the Turkish ones.
    pub async fn score(&self, domain: &str) -> Result<Option<Score>, StoreError> {
        let row = sqlx::query(
            "SELECT provider, dns_score, readiness_score, segment, segment_rule, reason,
                    COALESCE(reason_tr, reason) AS reason_tr,
                    technical_heat, commercial_segment, commercial_heat, priority_category,
                    priority_label, COALESCE(priority_label_tr, priority_label) AS priority_label_tr,
                    breakdown, rules_version
             FROM lead_scores WHERE domain = $1",
        )
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| {
                let c = Cols(row);
                Ok(Score {
                    provider: c.parse("provider")?,
                    dns_score: c.int("dns_score")?,
                    readiness_score: c.int("readiness_score")?,
                    segment: c.parse("segment")?,
                    segment_rule: c.text("segment_rule")?,
                    reason: c.text("reason")?,
                    reason_tr: c.text("reason_tr")?,
                    technical_heat: c.parse("technical_heat")?,
                    commercial_segment: c.parse("commercial_segment")?,
                    commercial_heat: c.parse("commercial_heat")?,
                    priority_category: c.parse("priority_category")?,
                    priority_label: c.text("priority_label")?,
                    priority_label_tr: c.text("priority_label_tr")?,
                    breakdown: c
                        .json::<Vec<StoredLine>>("breakdown")?
                        .into_iter()
                        .map(BreakdownLine::from)
                        .collect(),
                    rules_version: c.text("rules_version")?,
                })
            })
            .transpose()
    }

    /// The domain's provider changes, oldest first.
    pub async fn provider_history(&self, domain: &str) -> Result<Vec<ProviderChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT domain, previous_provider, new_provider, changed_at, job_id
             FROM provider_change_history WHERE domain = $1
             ORDER BY changed_at, id",
        )
        .bind(domain)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok(ProviderChange {
                    domain: c.text("domain")?,
                    previous_provider: c.opt_parse("previous_provider")?,
                    new_provider: c.parse("new_provider")?,
                    changed_at: c.text("changed_at")?,
                    job_id: c.opt_text("job_id")?,
                })
            })
            .collect()
    }
}

/// A breakdown line as stored: without `label_tr` when written before Turkish texts existed.
#[derive(Deserialize)]
struct StoredLine {
    name: String,
    label: String,
    label_tr: Option<String>,
    points: i32,
}

impl From<StoredLine> for BreakdownLine {
    fn from(line: StoredLine) -> Self {
        BreakdownLine {
            label_tr: line.label_tr.unwrap_or_else(|| line.label.clone()),
            name: line.name,
            label: line.label,
            points: line.points,
        }
    }
}

/// The `leads` view columns that make a [`Lead`], in the order [`lead_from_row`] reads them.
pub(crate) const LEAD_COLUMNS: &str = "domain, company_name, provider, gateway, local_provider, \
    tenant_size, mx_root, spf, dkim, dmarc_policy, dmarc_coverage, readiness_score, segment, \
    reason, technical_heat, commercial_segment, commercial_heat, priority_category, \
    priority_label, referral_type, azure_tenant_id, scan_status, scanned_at, entra_tenant_id, \
    dkim_selectors, spf_include_count, dmarc_subdomain_policy, mx_records, dns_score, segment_rule, \
    registrar, expires_at, nameservers, reason_tr, priority_label_tr";

/// Decodes one row of the `leads` view.
pub(crate) fn lead_from_row(row: &AnyRow) -> Result<Lead, StoreError> {
    let c = Cols(row);
    Ok(Lead {
        domain: c.text("domain")?,
        company_name: c.opt_text("company_name")?,
        provider: c.parse("provider")?,
        gateway: c.opt_text("gateway")?,
        local_provider: c.opt_text("local_provider")?,
        tenant_size: c.opt_parse("tenant_size")?,
        mx_root: c.opt_text("mx_root")?,
        spf: c.opt_bool("spf")?,
        dkim: c.opt_bool("dkim")?,
        dmarc_policy: c.opt_parse("dmarc_policy")?,
        dmarc_coverage: c.opt_int("dmarc_coverage")?,
        readiness_score: c.int("readiness_score")?,
        segment: c.parse("segment")?,
        reason: c.text("reason")?,
        reason_tr: c.text("reason_tr")?,
        technical_heat: c.parse("technical_heat")?,
        commercial_segment: c.parse("commercial_segment")?,
        commercial_heat: c.parse("commercial_heat")?,
        priority_category: c.parse("priority_category")?,
        priority_label: c.text("priority_label")?,
        priority_label_tr: c.text("priority_label_tr")?,
        referral_type: c.opt_text("referral_type")?,
        azure_tenant_id: c.opt_text("azure_tenant_id")?,
        scan_status: c.parse("scan_status")?,
        scanned_at: c.opt_text("scanned_at")?,
        entra_tenant_id: c.opt_text("entra_tenant_id")?,
        dkim_selectors: c.json("dkim_selectors")?,
        spf_include_count: c.int("spf_include_count")?,
        dmarc_subdomain_policy: c.opt_text("dmarc_subdomain_policy")?,
        mx_records: c.json("mx_records")?,
        dns_score: c.int("dns_score")?,
        segment_rule: c.text("segment_rule")?,
        registrar: c.opt_text("registrar")?,
        expires_at: c.opt_text("expires_at")?,
        nameservers: c.opt_json_list("nameservers")?,
    })
}

fn stored_signals_from_row(row: &AnyRow) -> Result<StoredSignals, StoreError> {
    let c = Cols(row);
    let signals = Signals {
        domain: c.text("domain")?,
        scan_status: c.parse("scan_status")?,
        mx_records: c.json("mx_records")?,
        mx_root: c.opt_text("mx_root")?,
        provider: c.parse("classified_provider")?,
        gateway: c.opt_text("gateway")?,
        local_provider: c.opt_text("local_provider")?,
        tenant_size: c.opt_parse("tenant_size")?,
        spf: c.opt_bool("spf")?,
        spf_record: c.opt_text("spf_record")?,
        spf_includes: c.json("spf_includes")?,
        spf_include_count: c.int("spf_include_count")?,
        dkim: c.opt_bool("dkim")?,
        dkim_selectors: c.json("dkim_selectors")?,
        dmarc_record: c.opt_text("dmarc_record")?,
        dmarc_policy: c.opt_parse("dmarc_policy")?,
        dmarc_subdomain_policy: c.opt_text("dmarc_subdomain_policy")?,
        dmarc_coverage: c.opt_int("dmarc_coverage")?,
        autodiscover_target: c.opt_text("autodiscover_target")?,
        entra_tenant_id: c.opt_text("entra_tenant_id")?,
        evidence: c.json("evidence")?,
    };
    Ok(StoredSignals {
        signals,
        last_attempt_status: c.opt_parse("last_attempt_status")?,
        last_attempt_at: c.opt_text("last_attempt_at")?,
        scanned_at: c.opt_text("scanned_at")?,
        registrar: c.opt_text("registrar")?,
        expires_at: c.opt_text("expires_at")?,
        nameservers: c.opt_json_list("nameservers")?,
        updated_at: c.text("updated_at")?,
    })
}
