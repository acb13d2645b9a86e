//! The nightly rescan (`hunter.md` §8): every day at `HUNTER_RESCAN_AT` (UTC), a `rescan` job of
//! every domain whose stored result is older than `HUNTER_RESCAN_MAX_AGE_HOURS`. It runs inside
//! `hunter serve` and `hunter worker`; however many processes share the database, each
//! scheduled time makes one job, and a rescan never starts while another is queued or running
//! (both enforced by unique indexes, see `hunter_store` shared_jobs). The job is shared: every
//! process's workers scan it. Provider changes are recorded with the job's id, and its result
//! counts them.
//!
//! A time missed while no process ran (a restart at 02:00) is caught up at the next start, once.

use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use tokio_util::sync::CancellationToken;

use crate::config::RescanConfig;
use crate::jobs::JobQueue;

/// Longest sleep between two looks at the clock, so a changed system clock is noticed.
const MAX_SLEEP: Duration = Duration::from_secs(300);
/// Pause after a database error before trying again.
const RETRY: Duration = Duration::from_secs(60);

/// Queues the nightly rescans until `shutdown`. Switched off (`HUNTER_RESCAN_AT=off`), it logs
/// that once and returns.
pub async fn run_rescan_scheduler(
    queue: JobQueue,
    config: RescanConfig,
    shutdown: CancellationToken,
) {
    let Some(at) = config.at else {
        tracing::info!("the nightly rescan is switched off");
        return;
    };
    let mut handled: Option<DateTime<Utc>> = None;
    loop {
        let now = Utc::now();
        let slot = latest_slot(now, at);
        let mut wait = next_slot(now, at)
            .signed_duration_since(now)
            .to_std()
            .unwrap_or_default()
            .min(MAX_SLEEP);
        if handled != Some(slot) {
            match queue.enqueue_rescan(config.max_age, &slot_name(slot)).await {
                // An empty rescan (a fresh database, or every result recent) is recorded as a
                // completed job all the same, so that other processes see the slot as taken.
                Ok(Some(job)) if job.total == 0 => {
                    tracing::info!(slot = %slot, "nightly rescan: no domain is due");
                    handled = Some(slot);
                }
                Ok(Some(job)) => {
                    tracing::info!(job_id = %job.id, total = job.total, status = %job.status, slot = %slot, "nightly rescan queued");
                    handled = Some(slot);
                }
                Ok(None) => {
                    tracing::info!(slot = %slot, "nightly rescan skipped: already queued for this time, or another one is still running");
                    handled = Some(slot);
                }
                Err(e) => {
                    tracing::warn!(error = %e, slot = %slot, "could not queue the nightly rescan; trying again");
                    wait = RETRY;
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            // A little past the time, so the next look finds the new slot.
            _ = tokio::time::sleep(wait + Duration::from_millis(100)) => {}
        }
    }
}

/// The most recent time of day `at` (UTC) at or before `now`.
fn latest_slot(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let today = now.date_naive().and_time(at).and_utc();
    if today <= now {
        today
    } else {
        today - TimeDelta::days(1)
    }
}

fn next_slot(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    latest_slot(now, at) + TimeDelta::days(1)
}

/// How a slot is stored (`jobs.schedule_slot`): the same text in every process.
fn slot_name(slot: DateTime<Utc>) -> String {
    slot.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn slots_are_the_latest_and_next_time_of_day_around_now() {
        let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        let cases = [
            // now, latest, next
            (
                "2026-11-29T01:59:59Z",
                "2026-11-28T02:00:00Z",
                "2026-11-29T02:00:00Z",
            ),
            (
                "2026-11-29T02:00:00Z",
                "2026-11-29T02:00:00Z",
                "2026-11-30T02:00:00Z",
            ),
            (
                "2026-11-29T15:30:00Z",
                "2026-11-29T02:00:00Z",
                "2026-11-30T02:00:00Z",
            ),
            (
                "2026-12-31T23:00:00Z",
                "2026-12-31T02:00:00Z",
                "2027-01-01T02:00:00Z",
            ),
        ];
        for (now, latest, next) in cases {
            assert_eq!(latest_slot(t(now), two), t(latest), "{now}");
            assert_eq!(next_slot(t(now), two), t(next), "{now}");
        }
        assert_eq!(slot_name(t("2026-11-29T02:00:00Z")), "2026-11-29T02:00:00Z");
    }
}
