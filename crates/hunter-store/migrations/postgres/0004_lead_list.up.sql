-- Lead list filters (hunter.md §9 item 27). A filtered page in the default order (priority_category,
-- readiness_score desc, domain; §5.5) reads one index range already in order instead of sorting
-- every match, and its COUNT reads the same range: each equality filter leads a copy of the
-- default-order key, followed by the other filter columns, so that a combination of filters is
-- checked in the index without reading the (wide) rows. These replace the indexes of 0001.
DROP INDEX lead_scores_priority_idx;
DROP INDEX lead_scores_segment_idx;
DROP INDEX lead_scores_provider_idx;
DROP INDEX lead_scores_referral_type_idx;
CREATE INDEX lead_scores_order_idx
    ON lead_scores (priority_category, readiness_score DESC, domain, segment, provider, referral_type);
CREATE INDEX lead_scores_segment_order_idx
    ON lead_scores (segment, priority_category, readiness_score DESC, domain, provider, referral_type);
CREATE INDEX lead_scores_provider_order_idx
    ON lead_scores (provider, priority_category, readiness_score DESC, domain, segment, referral_type);
CREATE INDEX lead_scores_referral_type_order_idx
    ON lead_scores (referral_type, priority_category, readiness_score DESC, domain, segment, provider);

-- Sorting by company name walks this index and stops after a page, instead of sorting every lead.
CREATE INDEX companies_name_idx ON companies (canonical_name);

-- Search over domain, company name and provider (§9 item 27): their lowercased text in one
-- column with a trigram index, so `LIKE '%term%'` of three or more characters reads matching
-- rows instead of every lead. pg_trgm is a trusted extension: the database owner may create it.
-- Triggers keep the column in step with scores and company names.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE lead_scores ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE lead_scores l
    SET search_text = lower(l.domain || chr(10) || COALESCE(c.canonical_name, '') || chr(10) || l.provider)
    FROM companies c WHERE c.domain = l.domain;
CREATE INDEX lead_scores_search_idx ON lead_scores USING gin (search_text gin_trgm_ops);

CREATE FUNCTION lead_scores_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := lower(NEW.domain || chr(10)
        || COALESCE((SELECT canonical_name FROM companies WHERE domain = NEW.domain), '')
        || chr(10) || NEW.provider);
    RETURN NEW;
END
$$;
CREATE TRIGGER lead_scores_search_text BEFORE INSERT OR UPDATE OF domain, provider ON lead_scores
    FOR EACH ROW EXECUTE FUNCTION lead_scores_search_text();

CREATE FUNCTION companies_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE lead_scores
        SET search_text = lower(domain || chr(10) || COALESCE(NEW.canonical_name, '') || chr(10) || provider)
        WHERE domain = NEW.domain;
    RETURN NULL;
END
$$;
CREATE TRIGGER companies_search_text AFTER UPDATE OF canonical_name ON companies
    FOR EACH ROW WHEN (OLD.canonical_name IS DISTINCT FROM NEW.canonical_name)
    EXECUTE FUNCTION companies_search_text();
