DROP INDEX lead_scores_referral_type_order_idx;
DROP INDEX lead_scores_provider_order_idx;
DROP INDEX lead_scores_segment_order_idx;
CREATE INDEX lead_scores_segment_idx ON lead_scores (segment);
CREATE INDEX lead_scores_provider_idx ON lead_scores (provider);
CREATE INDEX lead_scores_referral_type_idx ON lead_scores (referral_type);
