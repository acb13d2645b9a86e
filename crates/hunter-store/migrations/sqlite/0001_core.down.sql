-- The view, then children before parents, so nothing points at a dropped table.
DROP VIEW leads;
DROP TABLE jobs;
DROP TABLE provider_change_history;
DROP TABLE lead_scores;
DROP TABLE domain_signals;
DROP TABLE raw_leads;
DROP TABLE companies;
