-- Scan jobs shared by many workers (bulk_scan, rescan): instead of leasing the whole job to one
-- worker, each worker claims a few pending items at a time. A claim is a token and an expiry on
-- the items; results are committed only under the claim's token, so when a worker dies its
-- claim runs out, another worker takes the items, and nothing is counted twice.
ALTER TABLE job_items ADD COLUMN claim_token TEXT;
ALTER TABLE job_items ADD COLUMN claim_until TEXT;

-- The nightly rescan: at most one queued or running at a time across every process, and one per
-- scheduled time (its `schedule_slot`, e.g. `2026-11-29T02:00:00Z`), however many schedulers
-- see that time come.
ALTER TABLE jobs ADD COLUMN schedule_slot TEXT;
CREATE UNIQUE INDEX jobs_one_active_rescan_idx ON jobs (kind)
    WHERE kind = 'rescan' AND status IN ('queued', 'running');
CREATE UNIQUE INDEX jobs_schedule_slot_idx ON jobs (kind, schedule_slot);

-- Choosing what a rescan covers: domains by the age of their last stored result.
CREATE INDEX domain_signals_scanned_at_idx ON domain_signals (scanned_at);
