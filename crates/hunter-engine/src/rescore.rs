//! Re-scoring after the rules changed (`hunter.md` §5.1): every lead whose score was computed
//! under another rules version is scored again from its stored signals, without DNS.

use hunter_core::model::PartnerContext;
use hunter_core::referral::PartnerScoring;
use hunter_core::rules::Rules;
use hunter_core::score;
use hunter_store::{Store, StoreError};

use crate::scan::partner_context;

/// Leads re-scored per transaction.
const BATCH: u32 = 500;

/// Re-scores every lead scored under a rules version other than `rules.version`, in batches,
/// and returns how many were re-scored. Safe to run in several processes at once: each writes
/// the same scores.
pub async fn rescore_stale(
    store: &Store,
    rules: &Rules,
    scoring: PartnerScoring,
) -> Result<usize, StoreError> {
    let mut done = 0;
    let mut after: Option<String> = None;
    loop {
        let domains = store
            .stale_scores(&rules.version, after.as_deref(), BATCH)
            .await?;
        let Some(last) = domains.last().cloned() else {
            return Ok(done);
        };
        // As in a scan: leads with referrals are scored with their facts.
        let with_referrals = store.domains_with_referrals(&domains).await?;
        let mut scores = Vec::with_capacity(domains.len());
        for domain in &domains {
            let Some(stored) = store.signals(domain).await? else {
                continue;
            };
            let partner = match with_referrals.contains(domain) {
                true => partner_context(&store.partner_facts(domain).await?, scoring),
                false => PartnerContext::default(),
            };
            scores.push((
                domain.clone(),
                score::score(&stored.signals, &partner, rules),
            ));
        }
        store.save_scores(&scores).await?;
        done += scores.len();
        after = Some(last);
    }
}
