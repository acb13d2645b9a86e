//! Inputs arriving: the company row (one per domain) and the `raw_leads` log.

use std::collections::{HashMap, HashSet};

// The SQL built here holds only `$n` placeholders; every value is bound.
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::codec::{now, to_json};
use crate::{
    Ingested, NewInput, Source, Store, StoreError, domain_order, in_input_order, rows_per_statement,
};

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

impl Store {
    /// Records one webhook input like [`Store::ingest`], with the id of the API key it came
    /// with on its `raw_leads` row (the key itself is never stored).
    pub async fn ingest_webhook(
        &self,
        input: &NewInput,
        api_key_id: Option<&str>,
    ) -> Result<Ingested, StoreError> {
        validate(input)?;
        let now = now();
        let mut tx = self.begin_write().await?;
        let companies = ensure_companies(&mut tx, std::slice::from_ref(input), &[0], &now).await?;
        let (company_id, created) = companies[input.domain.as_str()];
        sqlx::query(
            "INSERT INTO raw_leads
                 (source, source_ref, company_name, email, website, domain, payload, ingested_at,
                  updated_at, api_key_id)
             VALUES ($2, $3, $4, $5, $6, $7, $8, $1, $1, $9)",
        )
        .bind(&now)
        .bind(input.source.as_str())
        .bind(input.source_ref.as_deref())
        .bind(input.company_name.as_deref())
        .bind(input.email.as_deref())
        .bind(input.website.as_deref())
        .bind(&input.domain)
        .bind(to_json(&input.payload)?)
        .bind(api_key_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ingested {
            domain: input.domain.clone(),
            company_id,
            created,
        })
    }
}

/// [`Store::ingest`] inside the caller's transaction, so a job can commit its progress with it.
pub(crate) async fn ingest_in(
    tx: &mut Transaction<'static, Any>,
    inputs: &[NewInput],
) -> Result<Vec<Ingested>, StoreError> {
    inputs.iter().try_for_each(validate)?;
    let now = now();
    let order = domain_order(inputs, |input| &input.domain);
    let mut out = Vec::with_capacity(inputs.len());
    // Sized for `raw_leads`, the widest row written per input: a thousand-row batch takes a
    // handful of round trips instead of 2,000.
    for chunk in order.chunks(rows_per_statement(tx, RAW_LEAD_VALUES)) {
        let companies = ensure_companies(tx, inputs, chunk, &now).await?;
        let mut seen = HashSet::new();
        for &i in chunk {
            let domain = &inputs[i].domain;
            let company_id = companies[domain.as_str()].0;
            // Only the first input of a domain the insert created counts as creating it.
            let created = companies[domain.as_str()].1 && seen.insert(domain.as_str());
            out.push((
                i,
                Ingested {
                    domain: domain.clone(),
                    company_id,
                    created,
                },
            ));
        }
        insert_raw_leads(tx, inputs, chunk, &now).await?;
    }
    Ok(in_input_order(out))
}

/// Each domain of `chunk`: its company id, and whether this call created the company. A new
/// company takes its first input's name (or its domain); later non-empty names replace the
/// stored one, the last winning, as if the inputs came one by one.
async fn ensure_companies(
    tx: &mut Transaction<'static, Any>,
    inputs: &[NewInput],
    chunk: &[usize],
    now: &str,
) -> Result<HashMap<String, (i64, bool)>, StoreError> {
    let mut sql = String::from(
        "INSERT INTO companies (domain, canonical_name, created_at, updated_at) VALUES ",
    );
    sql.push_str(&timed_rows(chunk.len(), 2));
    // DO NOTHING + RETURNING tells new rows from existing ones on both backends.
    sql.push_str(" ON CONFLICT (domain) DO NOTHING RETURNING id, domain");
    let mut insert = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql)).bind(now);
    for &i in chunk {
        let input = &inputs[i];
        insert = insert
            .bind(&input.domain)
            .bind(usable_name(input.company_name.as_deref()).unwrap_or(&input.domain));
    }
    let created: HashMap<String, i64> = insert
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(id, d)| (d, id))
        .collect();

    // The rest: existing companies, and repeats of a domain created just now.
    let mut renames: Vec<(&str, Option<&str>)> = Vec::new();
    let mut first_seen = HashSet::new();
    for &i in chunk {
        let input = &inputs[i];
        let domain = input.domain.as_str();
        let name = usable_name(input.company_name.as_deref());
        let first = first_seen.insert(domain);
        if first && created.contains_key(domain) {
            continue;
        }
        match renames.iter_mut().find(|(d, _)| *d == domain) {
            Some((_, stored)) => *stored = name.or(*stored),
            None if created.contains_key(domain) && name.is_none() => {}
            None => renames.push((domain, name)),
        }
    }
    let mut ids: HashMap<String, (i64, bool)> = created
        .iter()
        .map(|(domain, &id)| (domain.clone(), (id, true)))
        .collect();
    if renames.is_empty() {
        return Ok(ids);
    }
    let mut sql = String::from("WITH v(domain, name) AS (VALUES ");
    for n in 0..renames.len() {
        sql.push_str(&format!("{}({})", comma(n), placeholders(n, 2)));
    }
    sql.push_str(
        ") UPDATE companies SET canonical_name = COALESCE(v.name, companies.canonical_name),
             updated_at = $1
         FROM v WHERE companies.domain = v.domain
         RETURNING companies.id, companies.domain",
    );
    let mut update = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql)).bind(now);
    for (domain, name) in &renames {
        update = update.bind(*domain).bind(*name);
    }
    for (id, domain) in update.fetch_all(&mut **tx).await? {
        ids.entry(domain).or_insert((id, false));
    }
    Ok(ids)
}

/// `$a, $b, …` for the `n`th row of `width` values, after the shared `$1`.
pub(crate) fn placeholders(n: usize, width: usize) -> String {
    let first = 2 + n * width;
    (first..first + width)
        .map(|p| format!("${p}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(…, $1, $1), …` for `rows` rows of `width` values each, every row ending in the shared
/// write time `$1` twice (its created and updated columns).
pub(crate) fn timed_rows(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|n| format!("({}, $1, $1)", placeholders(n, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn comma(n: usize) -> &'static str {
    match n {
        0 => "",
        _ => ", ",
    }
}

/// Logs each input of `chunk` in `raw_leads`: one statement for appended sources, an upsert
/// each for Partner Center (a batch may re-sync one referral twice, which a single upsert
/// statement refuses).
async fn insert_raw_leads(
    tx: &mut Transaction<'static, Any>,
    inputs: &[NewInput],
    chunk: &[usize],
    now: &str,
) -> Result<(), StoreError> {
    let (referrals, appended): (Vec<usize>, Vec<usize>) = chunk
        .iter()
        .partition(|&&i| inputs[i].source == Source::PartnerCenter);
    for i in referrals {
        insert_raw_lead(tx, &inputs[i], now).await?;
    }
    if appended.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO raw_leads
             (source, source_ref, company_name, email, website, domain, payload, ingested_at, updated_at)
         VALUES ",
    );
    sql.push_str(&timed_rows(appended.len(), RAW_LEAD_VALUES));
    let mut insert = sqlx::query(AssertSqlSafe(sql)).bind(now);
    for i in appended {
        insert = bind_raw_lead(insert, &inputs[i])?;
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

/// The values [`bind_raw_lead`] binds per row.
const RAW_LEAD_VALUES: usize = 7;

/// Binds a `raw_leads` row's own values, in column order; its times are the shared `$1`.
fn bind_raw_lead<'q>(
    query: Query<'q, Any, AnyArguments>,
    input: &'q NewInput,
) -> Result<Query<'q, Any, AnyArguments>, StoreError> {
    Ok(query
        .bind(input.source.as_str())
        .bind(input.source_ref.as_deref())
        .bind(input.company_name.as_deref())
        .bind(input.email.as_deref())
        .bind(input.website.as_deref())
        .bind(&input.domain)
        .bind(to_json(&input.payload)?))
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
             VALUES ($2, $3, $4, $5, $6, $7, $8, $1, $1)
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
             VALUES ($2, $3, $4, $5, $6, $7, $8, $1, $1)"
        }
    };
    bind_raw_lead(sqlx::query(sql).bind(now), input)?
        .execute(&mut **tx)
        .await?;
    Ok(())
}
