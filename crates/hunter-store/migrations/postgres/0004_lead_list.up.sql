-- Lead list filters (hunter.md §9 item 27). A filtered page in the default order (priority_category,
-- readiness_score desc, domain; §5.5) reads one index range already in order instead of sorting
-- every match, and its COUNT reads the same range: each equality filter leads a copy of the
-- default-order key. These replace the single-column indexes of 0001, which they cover.
-- priority_category and the plain list use lead_scores_priority_idx from 0001.
DROP INDEX lead_scores_segment_idx;
DROP INDEX lead_scores_provider_idx;
DROP INDEX lead_scores_referral_type_idx;
CREATE INDEX lead_scores_segment_order_idx
    ON lead_scores (segment, priority_category, readiness_score DESC, domain);
CREATE INDEX lead_scores_provider_order_idx
    ON lead_scores (provider, priority_category, readiness_score DESC, domain);
CREATE INDEX lead_scores_referral_type_order_idx
    ON lead_scores (referral_type, priority_category, readiness_score DESC, domain);
