-- The score's texts for people in Turkish too (team.md §7): Hunter writes both languages when it
-- scores; the English columns stay as they were. Null in rows scored before this migration:
-- such leads are re-scored from their stored signals (no DNS) after start-up, and until then
-- the `leads` view shows their English texts in Turkish too. The breakdown JSON carries each
-- line's `label_tr` the same way (absent in older rows).
ALTER TABLE lead_scores ADD COLUMN reason_tr TEXT;
ALTER TABLE lead_scores ADD COLUMN priority_label_tr TEXT;

DROP VIEW leads;
CREATE VIEW leads AS
SELECT
    c.domain,
    c.canonical_name AS company_name,
    l.provider,
    s.gateway,
    s.local_provider,
    s.tenant_size,
    s.mx_root,
    s.spf,
    s.dkim,
    s.dmarc_policy,
    s.dmarc_coverage,
    l.readiness_score,
    l.segment,
    l.reason,
    l.technical_heat,
    l.commercial_segment,
    l.commercial_heat,
    l.priority_category,
    l.priority_label,
    l.referral_type,
    l.azure_tenant_id,
    s.scan_status,
    s.scanned_at,
    s.entra_tenant_id,
    s.dkim_selectors,
    s.spf_include_count,
    s.dmarc_subdomain_policy,
    s.mx_records,
    l.dns_score,
    l.segment_rule,
    s.classified_provider,
    s.registrar,
    s.expires_at,
    s.nameservers,
    COALESCE(l.reason_tr, l.reason) AS reason_tr,
    COALESCE(l.priority_label_tr, l.priority_label) AS priority_label_tr
FROM companies c
JOIN domain_signals s ON s.domain = c.domain
JOIN lead_scores l ON l.domain = c.domain;
