//! Re-scoring after the rules changed (`hunter.md` §5.1): every lead whose score was computed
//! under another rules version is scored again from its stored signals, without DNS.

use hunter_core::model::PartnerContext;
use hunter_core::referral::PartnerScoring;
use hunter_core::rules::Rules;
use hunter_core::score;
use hunter_store::{Store, StoreError};

use crate::scan::apply_referrals;

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
        let mut scores = Vec::with_capacity(domains.len());
        for domain in &domains {
            if let Some(stored) = store.signals(domain).await? {
                let score = score::score(&stored.signals, &PartnerContext::default(), rules);
                scores.push((domain.clone(), score));
            }
        }
        store.save_scores(&scores).await?;
        // As after a scan: leads with referrals are scored with their facts.
        apply_referrals(store, rules, scoring, &domains).await?;
        done += scores.len();
        after = Some(last);
    }
}
