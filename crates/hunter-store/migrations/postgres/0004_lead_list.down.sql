-- pg_trgm stays: dropping an extension could break other users of the database.
DROP TRIGGER companies_search_text ON companies;
DROP FUNCTION companies_search_text();
DROP TRIGGER lead_scores_search_text ON lead_scores;
DROP FUNCTION lead_scores_search_text();
DROP INDEX lead_scores_search_idx;
ALTER TABLE lead_scores DROP COLUMN search_text;
DROP INDEX companies_name_idx;
DROP INDEX lead_scores_referral_type_order_idx;
DROP INDEX lead_scores_provider_order_idx;
DROP INDEX lead_scores_segment_order_idx;
DROP INDEX lead_scores_order_idx;
CREATE INDEX lead_scores_priority_idx ON lead_scores (priority_category, readiness_score DESC, domain);
CREATE INDEX lead_scores_segment_idx ON lead_scores (segment);
CREATE INDEX lead_scores_provider_idx ON lead_scores (provider);
CREATE INDEX lead_scores_referral_type_idx ON lead_scores (referral_type);
