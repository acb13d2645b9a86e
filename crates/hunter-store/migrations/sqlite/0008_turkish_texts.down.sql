-- Back to 0001's lead view, without the Turkish texts.
DROP VIEW leads;
ALTER TABLE lead_scores DROP COLUMN priority_label_tr;
ALTER TABLE lead_scores DROP COLUMN reason_tr;

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
    s.nameservers
FROM companies c
JOIN domain_signals s ON s.domain = c.domain
JOIN lead_scores l ON l.domain = c.domain;
