//! Inputs arriving: the company row (one per domain) and the `raw_leads` log.

use sqlx::{Any, Transaction};

use crate::codec::{now, to_json};
use crate::{Ingested, NewInput, Source, Store, StoreError, domain_order, in_input_order};

/// A company name that may replace the stored one: trimmed, and only when something is left.
pub(crate) fn usable_name(name: Option<&str>) -> Option<&str> {
    name.map(str::trim).filter(|n| !n.is_empty())
}

fn validate(input: &NewInput) -> Result<(), StoreError> {
    if input.domain.trim().is_empty() {
        return Err(StoreError::InvalidInput(
            "an input has an empty domain".into(),
        ));
    }
    if input.source == Source::PartnerCenter && input.source_ref.is_none() {
        return Err(StoreError::InvalidInput(format!(
            "partnercenter input for {} has no source_ref (referral id)",
            input.domain
        )));
    }
    Ok(())
}

impl Store {
    /// Records a batch of inputs in one transaction: each creates its company when new (or
    /// renames it when it carries a non-empty name) and logs a `raw_leads` row. Partner Center
    /// rows are upserted on (source, source_ref), so a re-synced referral updates its row; other
    /// sources append. Results follow the input order.
    pub async fn ingest(&self, inputs: &[NewInput]) -> Result<Vec<Ingested>, StoreError> {
        inputs.iter().try_for_each(validate)?;
        let mut tx = self.begin_write().await?;
        let out = ingest_in(&mut tx, inputs).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// [`Store::ingest`] inside the caller's transaction, so a job can commit its progress with it.
pub(crate) async fn ingest_in(
    tx: &mut Transaction<'static, Any>,
    inputs: &[NewInput],
) -> Result<Vec<Ingested>, StoreError> {
    inputs.iter().try_for_each(validate)?;
    let now = now();
    let mut out = Vec::with_capacity(inputs.len());
    for i in domain_order(inputs, |input| &input.domain) {
        let input = &inputs[i];
        let name = usable_name(input.company_name.as_deref());
        let (company_id, created) = ensure_company(tx, &input.domain, name, &now).await?;
        insert_raw_lead(tx, input, &now).await?;
        let ingested = Ingested {
            domain: input.domain.clone(),
            company_id,
            created,
        };
        out.push((i, ingested));
    }
    Ok(in_input_order(out))
}

/// The company's id, and whether this call created it. A non-empty `name` replaces the stored
/// one; without any name a new company is named after its domain.
async fn ensure_company(
    tx: &mut Transaction<'static, Any>,
    domain: &str,
    name: Option<&str>,
    now: &str,
) -> Result<(i64, bool), StoreError> {
    // DO NOTHING + RETURNING tells a new row from an existing one on both backends.
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO companies (domain, canonical_name, created_at, updated_at)
         VALUES ($1, $2, $3, $3)
         ON CONFLICT (domain) DO NOTHING
         RETURNING id",
    )
    .bind(domain)
    .bind(name.unwrap_or(domain))
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let id: i64 = sqlx::query_scalar(
        "UPDATE companies
         SET canonical_name = COALESCE($2, canonical_name), updated_at = $3
         WHERE domain = $1
         RETURNING id",
    )
    .bind(domain)
    .bind(name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, false))
}

pub(crate) async fn insert_raw_lead(
    tx: &mut Transaction<'static, Any>,
    input: &NewInput,
    now: &str,
) -> Result<(), StoreError> {
    let sql = match input.source {
        Source::PartnerCenter => {
            "INSERT INTO raw_leads
                 (source, source_ref, company_name, email, website, domain, payload, ingested_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (source, source_ref) DO UPDATE SET
                 company_name = excluded.company_name,
                 email = excluded.email,
                 website = excluded.website,
                 domain = excluded.domain,
                 payload = excluded.payload,
                 updated_at = excluded.updated_at"
        }
        Source::Domain | Source::Csv | Source::Webhook => {
            "INSERT INTO raw_leads
                 (source, source_ref, company_name, email, website, domain, payload, ingested_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
        }
    };
    sqlx::query(sql)
        .bind(input.source.as_str())
        .bind(input.source_ref.as_deref())
        .bind(input.company_name.as_deref())
        .bind(input.email.as_deref())
        .bind(input.website.as_deref())
        .bind(&input.domain)
        .bind(to_json(&input.payload)?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
