-- Back to 0004's search text: lower() under the database's collation.
CREATE OR REPLACE FUNCTION lead_scores_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := lower(NEW.domain || chr(10)
        || COALESCE((SELECT canonical_name FROM companies WHERE domain = NEW.domain), '')
        || chr(10) || NEW.provider);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION companies_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE lead_scores
        SET search_text = lower(domain || chr(10) || COALESCE(NEW.canonical_name, '') || chr(10) || provider)
        WHERE domain = NEW.domain;
    RETURN NULL;
END
$$;

UPDATE lead_scores l
    SET search_text = lower(l.domain || chr(10) || COALESCE(c.canonical_name, '') || chr(10) || l.provider)
    FROM companies c WHERE c.domain = l.domain;

DROP FUNCTION hunter_search_fold(text);
