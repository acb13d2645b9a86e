DROP INDEX domain_signals_scanned_at_idx;
DROP INDEX jobs_schedule_slot_idx;
DROP INDEX jobs_one_active_rescan_idx;
ALTER TABLE jobs DROP COLUMN schedule_slot;
ALTER TABLE job_items DROP COLUMN claim_until;
ALTER TABLE job_items DROP COLUMN claim_token;
