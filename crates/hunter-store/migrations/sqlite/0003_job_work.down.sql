DROP TABLE job_files;
DROP TABLE job_items;
ALTER TABLE jobs DROP COLUMN file_rows_done;
ALTER TABLE jobs DROP COLUMN lease_until;
ALTER TABLE jobs DROP COLUMN lease_token;
