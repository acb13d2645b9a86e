-- Turkish-aware search (team.md §7): the search text of a lead is folded as
-- hunter_core::search::fold folds a typed search, so `istanbul`, `İSTANBUL`, `ISTANBUL` and
-- `danismanlik` find "İstanbul Danışmanlık Ltd. Şti.". The letters İ ı Ş ş Ğ ğ Ç ç Ö ö Ü ü Â â Î î Û û
-- become ASCII and the combining marks of their decomposed forms (U+0307 dot above, U+0327
-- cedilla, U+0306 breve, U+0308 diaeresis, U+0302 circumflex) are dropped before lower(), which
-- folds only ASCII here: `I` becomes `i`, never `ı`, and `İ` becomes `i`, never `i̇`. The same
-- table is in the PostgreSQL folder; a store test checks both against the Rust fold.
--
-- The trigram index now holds folded text, so it matches case-sensitively: case is already
-- folded, and the tokenizer's own Unicode case folding would make SQLite match letters that
-- PostgreSQL does not.
DROP TRIGGER lead_search_company;
DROP TRIGGER lead_search_delete;
DROP TRIGGER lead_search_update;
DROP TRIGGER lead_search_insert;
DROP TABLE lead_search;

-- The search row of every lead, folded: the one place the triggers take it from.
CREATE VIEW lead_search_rows AS
SELECT l.id, l.domain, lower(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        l.domain || char(10) || COALESCE(c.canonical_name, '') || char(10) || l.provider
        , char(775), '')
        , char(807), '')
        , char(774), '')
        , char(776), '')
        , char(770), '')
        , 'İ', 'i')
        , 'ı', 'i')
        , 'Ş', 's')
        , 'ş', 's')
        , 'Ğ', 'g')
        , 'ğ', 'g')
        , 'Ç', 'c')
        , 'ç', 'c')
        , 'Ö', 'o')
        , 'ö', 'o')
        , 'Ü', 'u')
        , 'ü', 'u')
        , 'Â', 'a')
        , 'â', 'a')
        , 'Î', 'i')
        , 'î', 'i')
        , 'Û', 'u')
        , 'û', 'u')) AS text
FROM lead_scores l JOIN companies c ON c.domain = l.domain;

CREATE VIRTUAL TABLE lead_search USING fts5 (domain UNINDEXED, text, tokenize = 'trigram case_sensitive 1');
INSERT INTO lead_search (rowid, domain, text) SELECT id, domain, text FROM lead_search_rows;
CREATE TRIGGER lead_search_insert AFTER INSERT ON lead_scores
BEGIN
    INSERT INTO lead_search (rowid, domain, text)
        SELECT id, domain, text FROM lead_search_rows WHERE id = NEW.id;
END;
CREATE TRIGGER lead_search_update AFTER UPDATE OF domain, provider ON lead_scores
WHEN OLD.domain IS NOT NEW.domain OR OLD.provider IS NOT NEW.provider
BEGIN
    DELETE FROM lead_search WHERE rowid = OLD.id;
    INSERT INTO lead_search (rowid, domain, text)
        SELECT id, domain, text FROM lead_search_rows WHERE id = NEW.id;
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
        SELECT id, domain, text FROM lead_search_rows WHERE domain = NEW.domain;
END;
