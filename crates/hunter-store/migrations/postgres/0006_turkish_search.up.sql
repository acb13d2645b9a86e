-- Turkish-aware search (team.md §7): the search text of a lead is folded as
-- hunter_core::search::fold folds a typed search, so `istanbul`, `İSTANBUL`, `ISTANBUL` and
-- `danismanlik` find "İstanbul Danışmanlık Ltd. Şti.". The letters İ ı Ş ş Ğ ğ Ç ç Ö ö Ü ü Â â Î î Û û
-- become ASCII and the combining marks of their decomposed forms (U+0307 dot above, U+0327
-- cedilla, U+0306 breve, U+0308 diaeresis, U+0302 circumflex) are dropped before lower(). The
-- "C" collation makes lower() fold ASCII only, whatever the database's locale, so the text is
-- the same as SQLite's: `I` becomes `i`, never `ı`, and `İ` becomes `i`, never `i̇`. The same
-- table is in the SQLite folder; a store test checks both against the Rust fold.
CREATE FUNCTION hunter_search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT lower(translate($1,
            'İıŞşĞğÇçÖöÜüÂâÎîÛû' || chr(775) || chr(807) || chr(774) || chr(776) || chr(770),
            -- Characters of the first list past the end of this one are removed.
            'iissggccoouuaaiiuu') COLLATE "C")
    $$;

CREATE OR REPLACE FUNCTION lead_scores_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := hunter_search_fold(NEW.domain || chr(10)
        || COALESCE((SELECT canonical_name FROM companies WHERE domain = NEW.domain), '')
        || chr(10) || NEW.provider);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION companies_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE lead_scores
        SET search_text = hunter_search_fold(domain || chr(10) || COALESCE(NEW.canonical_name, '') || chr(10) || provider)
        WHERE domain = NEW.domain;
    RETURN NULL;
END
$$;

UPDATE lead_scores l
    SET search_text = hunter_search_fold(l.domain || chr(10) || COALESCE(c.canonical_name, '') || chr(10) || l.provider)
    FROM companies c WHERE c.domain = l.domain;
