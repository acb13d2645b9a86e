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

-- Search over domain, company name and provider (§9 item 27): a trigram index, so a search of
-- three or more characters reads matching rows instead of every lead. One row per lead_scores
-- row (rowid = lead_scores.id); the triggers keep it in step with scores and company names.
CREATE VIRTUAL TABLE lead_search USING fts5 (domain UNINDEXED, text, tokenize = 'trigram');
INSERT INTO lead_search (rowid, domain, text)
    SELECT l.id, l.domain, l.domain || char(10) || COALESCE(c.canonical_name, '') || char(10) || l.provider
    FROM lead_scores l JOIN companies c ON c.domain = l.domain;
CREATE TRIGGER lead_search_insert AFTER INSERT ON lead_scores
BEGIN
    INSERT INTO lead_search (rowid, domain, text)
        SELECT NEW.id, NEW.domain,
               NEW.domain || char(10) || COALESCE(c.canonical_name, '') || char(10) || NEW.provider
        FROM companies c WHERE c.domain = NEW.domain;
END;
CREATE TRIGGER lead_search_update AFTER UPDATE OF domain, provider ON lead_scores
WHEN OLD.domain IS NOT NEW.domain OR OLD.provider IS NOT NEW.provider
BEGIN
    DELETE FROM lead_search WHERE rowid = OLD.id;
    INSERT INTO lead_search (rowid, domain, text)
        SELECT NEW.id, NEW.domain,
               NEW.domain || char(10) || COALESCE(c.canonical_name, '') || char(10) || NEW.provider
        FROM companies c WHERE c.domain = NEW.domain;
END;
CREATE TRIGGER lead_search_delete AFTER DELETE ON lead_scores
BEGIN
    DELETE FROM lead_search WHERE rowid = OLD.id;
END;
CREATE TRIGGER lead_search_company AFTER UPDATE OF canonical_name ON companies
WHEN OLD.canonical_name IS NOT NEW.canonical_name
BEGIN
    DELETE FROM lead_search WHERE rowid IN (SELECT id FROM lead_scores WHERE domain = NEW.domain);
    INSERT INTO lead_search (rowid, domain, text)
        SELECT l.id, l.domain,
               l.domain || char(10) || COALESCE(NEW.canonical_name, '') || char(10) || l.provider
        FROM lead_scores l WHERE l.domain = NEW.domain;
END;
