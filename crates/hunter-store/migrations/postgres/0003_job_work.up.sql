-- The job queue's working state (hunter.md §7, §8): a job is persisted with everything needed to
-- run it, so it survives a restart and runs on any process sharing the database.
-- Same type conventions as 0001: timestamps TEXT (RFC 3339 UTC, fixed shape, so text order is time
-- order), JSON TEXT.

-- A running job belongs to whoever holds the current lease token until `lease_until`; a holder
-- that stops renewing (its process died) loses the job to the next claim. Every progress write
-- checks the token, so a stale holder can never count work twice.
ALTER TABLE jobs ADD COLUMN lease_token TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
-- Imports: data rows of the file already ingested, committed with them; a resumed import skips
-- them.
ALTER TABLE jobs ADD COLUMN file_rows_done BIGINT NOT NULL DEFAULT 0;

-- Domains a job scans, one row each. `outcome` is NULL while pending and is set (the stored
-- scan's status, or `error`) in the transaction that stores the result and counts it.
CREATE TABLE job_items (
    job_id   TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    domain   TEXT NOT NULL,
    outcome  TEXT,
    PRIMARY KEY (job_id, position),
    CONSTRAINT job_items_domain_key UNIQUE (job_id, domain)
);

-- Finding the next pending items stays cheap however many are done.
CREATE INDEX job_items_pending_idx ON job_items (job_id, position) WHERE outcome IS NULL;

-- An uploaded file, kept with its job until the job finishes.
CREATE TABLE job_files (
    job_id    TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content   BYTEA NOT NULL
);
