-- Back to 0004's search index: lowercased text, the tokenizer folding case (0004's statements).
DROP TRIGGER lead_search_company;
DROP TRIGGER lead_search_delete;
DROP TRIGGER lead_search_update;
DROP TRIGGER lead_search_insert;
DROP TABLE lead_search;
DROP VIEW lead_search_rows;

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
