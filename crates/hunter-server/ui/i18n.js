// Hunter web UI texts in English and Turkish (team.md §7), and the few functions that use them.
//
// - `MESSAGES.en` and `MESSAGES.tr` have the same keys. A value is a string with `{name}`
//   placeholders, or a plural `{one, other}` chosen by `Intl.PluralRules` on `params.count`.
// - `t(key, params)`: the text in the current language. Numbers among the params are written the
//   way the language writes them (12,345 / 12.345); a param `{$key, params}` is itself translated.
// - `label(prefix, code)`: the text for an API code (`segment.Existing`), the code itself when the
//   catalog has none.
// - In the page: `data-i18n` (textContent), `data-i18n-html` (markup from the catalog only),
//   `data-i18n-title`, `data-i18n-placeholder`, `data-i18n-aria-label`, `data-i18n-tip` (the
//   tooltip of app.js), with `data-i18n-params`
//   (JSON) for all of them; `apply()` fills them on load and on every language switch.
// - The language: the one stored in localStorage `hunter.lang`, else the browser's (`tr…` →
//   Turkish, else English). `setLang(lang)` switches without a reload and fires `hunter:lang`.
"use strict";

window.HunterI18n = (() => {
  const MESSAGES = {
    en: {
      "page.title": "Hunter · Lead intelligence",
      "page.skip": "Skip to the lead list",
      "header.subtitle": "Microsoft 365 lead intelligence",
      "header.sync": "Sync Partner Center",
      "header.syncing": "Syncing…",
      "header.docs": "API docs",
      "lang.switch": "Language",
      "lang.use_en": "Show the page in English",
      "lang.use_tr": "Show the page in Turkish",

      "kpi.region": "Lead counts",
      "kpi.total": "Total leads",
      "kpi.by_priority": "By priority",
      "kpi.by_segment": "By segment",
      "kpi.filter_tip": "{label}. Click to filter.",
      "kpi.error": "Could not load the lead counts.",

      "scan.title": "Scan a domain",
      "scan.hint": "A domain, website or e-mail address. The result is saved to the lead list.",
      "scan.input_label": "Domain to scan",
      "scan.submit": "Scan",
      "scan.busy": "Scanning…",
      "scan.empty_title": "Enter a domain to scan.",
      "scan.empty_text": "For example contoso.com, https://www.contoso.com or name@contoso.com.",
      "scan.done_title": "Scanned {domain}",
      "scan.done_text": "{category} {label} · score {score} · {segment}",
      "scan.bad_title": "“{domain}” could not be scanned.",
      "scan.failed_title": "The scan did not finish.",
      "scan.not_a_domain": "That does not look like a domain. Enter something like contoso.com.",
      "scan.meta_gateway": "Gateway: {gateway}",
      "scan.meta_tenant": "Tenant: {size}",
      "scan.meta_status": "Scan: {status}",

      "upload.title": "Import a company list",
      "upload.hint": "CSV or XLSX with a <code>domain</code>, <code>website</code> or <code>email</code> column. Every imported company is scanned.",
      "upload.file_label": "CSV or XLSX file",
      "upload.auto_detect": "Auto-detect columns",
      "upload.choose": "Choose a file",
      "upload.no_file": "No file chosen",
      "upload.submit": "Upload and scan",
      "upload.uploading": "Uploading…",
      "upload.importing": "Importing…",
      "upload.no_file_title": "Choose a file first.",
      "upload.no_file_text": "Pick a CSV or XLSX file with a domain, website or email column.",
      "upload.bad_type_title": "That file type is not supported.",
      "upload.bad_type_text": "Upload a .csv or .xlsx file.",
      "upload.no_job": "The server did not return a job id.",
      "upload.failed_title": "“{name}” could not be imported.",
      "upload.your_file": "your file",

      "job.progress": "Import progress",
      "job.problems_title": "Rows with problems",
      "job.status.queued": "Queued",
      "job.status.running": "Importing and scanning",
      "job.status.completed": "Completed",
      "job.status.failed": "Failed",
      "job.status_line": "{status} · {name}",
      "job.counts": "{processed} of {total} done",
      "job.counts_problems": {
        one: "{processed} of {total} done · {count} with problems",
        other: "{processed} of {total} done · {count} with problems",
      },
      "job.reading": "Reading the file…",
      "job.row": "Row {row}",
      "job.unknown_problem": "Unknown problem.",
      "job.more": { one: "…and {count} more.", other: "…and {count} more." },
      "job.not_found_title": "The import job was not found.",
      "job.not_found_text": "It may belong to another Hunter database. Upload the file again if needed.",
      "job.done_title": "Import of {name} finished",
      "job.failed_title": "Import of {name} failed",
      "job.stopped": "The job stopped before it finished.",
      "job.done_imported": {
        one: "{count} company imported and scanned",
        other: "{count} companies imported and scanned",
      },
      "job.done_skipped": { one: ", {count} row skipped", other: ", {count} rows skipped" },
      "job.done_see_below": " (see the list below).",
      "job.done_end": ".",
      "job.done_progress": "{done} of {total} done",
      "job.done_problems": {
        one: ", {count} with problems (see the list below).",
        other: ", {count} with problems (see the list below).",
      },

      "leads.title": "Leads",
      "leads.export_group": "Export the filtered leads",
      "leads.export_csv": "Export CSV",
      "leads.export_xlsx": "Export XLSX",
      "leads.table_region": "Lead table, scrolls sideways on small screens",
      "leads.caption": "Leads, sorted and filtered as set above",
      "leads.loading": "Loading leads…",
      "leads.load_error": "Could not load leads.",
      "leads.table_error": "The lead list could not be loaded: {message}",
      "leads.open_title": "Why this score? Open the breakdown for {domain}",
      "leads.why_label": "Why this score? {domain}",
      "leads.none": "none",

      "filters.region": "Filter leads",
      "filters.search": "Search",
      "filters.search_placeholder": "Domain or company",
      "filters.segment": "Segment",
      "filters.all_segments": "All segments",
      "filters.priority": "Priority",
      "filters.all_priorities": "All priorities",
      "filters.priority_option": "{code} · {label}",
      "filters.provider": "Provider",
      "filters.all_providers": "All providers",
      "filters.referral": "Referral",
      "filters.all_referrals": "All referrals",
      "filters.min_score": "Min score",
      "filters.clear": "Clear filters",
      "filters.bad_min_score": "Minimum score must be between 0 and 100.",

      "col.priority": "Priority",
      "col.priority_short": "Prio",
      "col.domain": "Domain",
      "col.company": "Company",
      "col.referral": "Referral",
      "col.provider": "Provider",
      "col.gateway": "Gateway",
      "col.local_provider": "Local provider",
      "col.tenant_size": "Tenant size",
      "col.segment": "Segment",
      "col.score": "Score",
      "sort.asc": "Sort by {column}, ascending",
      "sort.desc": "Sort by {column}, descending",

      "empty.filtered_title": "No leads match these filters",
      "empty.filtered_text": "Loosen or clear the filters to see more leads.",
      "empty.none_title": "No leads yet — upload a CSV/XLSX or scan a domain above",
      "empty.none_text": "Scanned companies appear here, best opportunities (P1) first.",

      "pager.region": "Pages",
      "pager.rows_per_page": "Rows per page",
      "pager.prev": "Previous",
      "pager.prev_label": "Previous page",
      "pager.next": "Next",
      "pager.next_label": "Next page",
      "pager.no_leads": "No leads",
      "pager.summary": {
        one: "Showing {from}–{to} of {count} lead",
        other: "Showing {from}–{to} of {count} leads",
      },
      "pager.page_of": "Page {page} of {pages}",

      "footer.text": "Scores follow the embedded rules; open a domain to see every point line and the DNS evidence behind it.",

      "bd.title": "Why this score?",
      "bd.close": "Close",
      "bd.loading": "Loading the breakdown…",
      "bd.error": "The breakdown could not be loaded: {message}",
      "bd.out_of": "/ 100",
      "bd.total": "Total",
      "bd.lines": "Score lines",
      "bd.line": "Line",
      "bd.points": "Points",
      "bd.no_lines": "No score lines were recorded for this lead.",
      "bd.signals": "Signals and priority",
      "bd.evidence": "DNS evidence",
      "bd.decisive": "decisive",
      "bd.decisive_title": "This item decided the provider",
      "bd.no_evidence": "No provider evidence: nothing in DNS pointed to a known mail platform.",
      "bd.fact.scan_status": "Scan status",
      "bd.fact.scan_ok": "ok (all lookups answered)",
      "bd.fact.mx_root": "MX root",
      "bd.fact.gateway": "Gateway",
      "bd.fact.local_provider": "Local provider",
      "bd.fact.tenant_size": "Tenant size",
      "bd.fact.spf": "SPF",
      "bd.fact.dkim": "DKIM",
      "bd.fact.dmarc_policy": "DMARC policy",
      "bd.fact.no_record": "no record",
      "bd.fact.dmarc_coverage": "DMARC coverage",
      "bd.fact.technical_heat": "Technical heat",
      "bd.fact.commercial_segment": "Commercial segment",
      "bd.fact.commercial_heat": "Commercial heat",
      "bd.fact.priority": "Priority",
      "bd.fact.azure_tenant": "Azure tenant (Partner Center)",
      "bd.fact.entra_tenant": "Entra tenant",
      "bd.fact.rules_version": "Rules version",
      "bd.fact.scanned": "Scanned",
      "bd.fact.found": "found",
      "bd.fact.missing": "missing",

      "sync.failed_title": "Partner Center sync failed.",
      "sync.run_failed": "The sync run failed.",
      "sync.done_title": "Partner Center sync finished",
      "sync.linked": "{count} linked",
      "sync.skipped": ", {count} skipped",
      "sync.failed": ", {count} failed",
      "sync.of_total": { one: " of {count} referral.", other: " of {count} referrals." },

      "toast.dismiss": "Dismiss",
      "common.percent": "{value}%",

      "error.network": "Cannot reach the Hunter server. Check your connection and try again.",
      "error.status": "The server answered with status {status}.",
      "error.400": "The request was not accepted. Check the input and try again.",
      "error.404": "That item was not found. It may have been removed.",
      "error.409": "Another operation is already running. Try again in a moment.",
      "error.413": "The file is too large to upload.",
      "error.415": "That file type is not supported. Upload a CSV or XLSX file.",
      "error.422": "The input could not be processed.",
      "error.429": "Too many requests. Wait a moment and try again.",
      "error.500": "The server hit a problem. Try again; if it keeps happening, tell an administrator.",
      "error.503": "The server is not ready (database unavailable). Try again shortly.",

      "priority.P1": "High Potential Greenfield",
      "priority.P2": "Competitive Takeover",
      "priority.P3": "Existing Microsoft but Weak Partner",
      "priority.P4": "Renewal Pressure",
      "priority.P5": "Low Intent / Long Nurturing",
      "priority.P6": "No-Go / Archive",

      "segment.Existing": "Existing",
      "segment.Migration": "Migration",
      "segment.Cold": "Cold",
      "segment.Skip": "Skip",
      "segment_meaning.Existing": "Already on Microsoft 365: protect the account and upsell.",
      "segment_meaning.Migration": "Strong mail setup on a non-Microsoft platform: ready for migration.",
      "segment_meaning.Cold": "Moderate mail security, or local/self-hosted mail with some basics: nurture.",
      "segment_meaning.Skip": "Weak mail setup, no mail at all or a failed scan: low readiness.",

      "provider.M365": "M365",
      "provider.Google": "Google",
      "provider.Yandex": "Yandex",
      "provider.Zoho": "Zoho",
      "provider.Amazon": "Amazon",
      "provider.SendGrid": "SendGrid",
      "provider.Mailgun": "Mailgun",
      "provider.Hosting": "Hosting",
      "provider.Local": "Local",
      "provider.Unknown": "Unknown",
      "provider_name.M365": "Microsoft 365",
      "provider_name.Google": "Google Workspace",
      "provider_name.Yandex": "Yandex 360",
      "provider_name.Zoho": "Zoho Mail",
      "provider_name.Amazon": "Amazon SES / WorkMail",
      "provider_name.SendGrid": "SendGrid",
      "provider_name.Mailgun": "Mailgun",
      "provider_name.Hosting": "Web hosting mail",
      "provider_name.Local": "Local or self-hosted mail",
      "provider_name.Unknown": "Unknown provider",

      "referral.co-sell": "Co-sell",
      "referral.marketplace": "Marketplace",
      "referral.solution-provider": "SP",
      "referral_name.co-sell": "Microsoft co-sell referral",
      "referral_name.marketplace": "Azure Marketplace / AppSource referral",
      "referral_name.solution-provider": "Solution provider referral",
      "referral_option.co-sell": "Microsoft co-sell",
      "referral_option.marketplace": "Azure Marketplace / AppSource",
      "referral_option.solution-provider": "Solution provider",

      "status.partial": "partial",
      "status.no_mx": "no MX",
      "status.nxdomain": "no domain",
      "status.timeout": "timeout",
      "status.servfail": "DNS error",
      "status.invalid": "invalid",
      "status_text.partial": "Partial scan: the MX lookup worked, another lookup failed.",
      "status_text.no_mx": "The domain has no MX record: it receives no mail.",
      "status_text.nxdomain": "The domain does not exist in DNS.",
      "status_text.timeout": "The last scan timed out.",
      "status_text.servfail": "The DNS server returned an error for this domain.",
      "status_text.invalid": "The input is not a valid domain.",

      "tenant_size.small": "Small",
      "tenant_size.medium": "Medium",
      "tenant_size.large": "Large",
      "dmarc.none": "none",
      "dmarc.quarantine": "quarantine",
      "dmarc.reject": "reject",
      "heat.Hot": "Hot",
      "heat.Warm": "Warm",
      "heat.Cold": "Cold",
      "commercial_segment.GREENFIELD": "GREENFIELD",
      "commercial_segment.COMPETITIVE": "COMPETITIVE",
      "commercial_segment.WEAK_PARTNER": "WEAK_PARTNER",
      "commercial_segment.RENEWAL": "RENEWAL",
      "commercial_segment.LOW_INTENT": "LOW_INTENT",
      "commercial_segment.NO_GO": "NO_GO",
      "commercial_heat.HIGH": "HIGH",
      "commercial_heat.MEDIUM": "MEDIUM",
      "commercial_heat.LOW": "LOW",
      "evidence.mx": "MX",
      "evidence.gateway": "Gateway",
      "evidence.spf_include": "SPF include",
      "evidence.dkim": "DKIM",
      "evidence.autodiscover": "Autodiscover",
      "evidence.verification_txt": "Verification TXT",
      "evidence.tenant": "Entra tenant",
      "evidence.partner_center": "Partner Center",
      "evidence.other": "Evidence",

      "header.admin": "Administration",
      "auth.local_mode": "Local mode — this machine only",
      "auth.local_mode_label": "Local mode: this machine only, no sign-in",
      "auth.local_mode_tip": "Nobody signs in: Hunter answers only on this computer (localhost) and everyone here acts as an administrator. For a team, run it on a server with sign-in with Microsoft.",
      "auth.sign_out": "Sign out",
      "auth.sign_in": "Sign in with Microsoft",
      "auth.role_admin": "Admin",
      "auth.role_user": "User",
      "auth.role_admin_tip": "Administrator: leads, API keys, team members and the audit trail",
      "auth.role_user_tip": "Team member: leads, scans, imports and exports",
      "auth.signed_out_title": "You are signed out",
      "auth.signed_out_text": "Sign in with your work account to use Hunter again.",
      "auth.failed_title": "Sign-in did not complete",
      "auth.failed_text": "Hunter still has no session for this browser. Try again; if it keeps happening, ask your administrator for the Hunter.User role.",
      "error.forbidden": "You do not have the role this needs. Ask your administrator.",
      "error.forbidden_title": "Not allowed",

      "admin.title": "Administration",
      "admin.hint": "API keys for scripts and integrations, the team members who signed in, and the audit trail.",
      "admin.back": "← Back to the leads",
      "admin.actions": "Actions",
      "admin.never": "never",
      "admin.loading": "Loading…",
      "admin.load_error": "Could not load this list: {message}",

      "keys.title": "API keys",
      "keys.hint": "For scripts and integrations: send the key as <code>X-API-Key: KEY</code> or <code>Authorization: Bearer KEY</code>. A key can do only what its scopes allow, and never administration.",
      "keys.name": "Name",
      "keys.name_placeholder": "e.g. CRM webhook",
      "keys.rate": "Requests per minute",
      "keys.expiry": "Expires after (days)",
      "keys.scopes": "Scopes",
      "keys.create": "Create key",
      "keys.creating": "Creating…",
      "keys.need_name": "Give the key a name, such as the integration that uses it.",
      "keys.need_scope": "Choose at least one scope.",
      "keys.bad_rate": "Requests per minute must be a whole number from 1 to 100,000.",
      "keys.bad_expiry": "The expiry must be a whole number of days from 1 to 365.",
      "keys.create_failed": "The key could not be created.",
      "keys.created_title": "API key “{name}” created",
      "keys.new_title": "Copy this key now.",
      "keys.new_warning": "It will not be shown again: Hunter keeps only a fingerprint of it. If it is lost, revoke it and create a new one.",
      "keys.copy": "Copy",
      "keys.copied": "Copied",
      "keys.copy_failed": "Could not copy: select the key and copy it by hand.",
      "keys.done": "I have stored it — hide the key",
      "keys.caption": "API keys, newest first",
      "keys.col.name": "Name",
      "keys.col.prefix": "Starts with",
      "keys.col.scopes": "Scopes",
      "keys.col.limit": "Limit",
      "keys.col.created": "Created",
      "keys.col.expires": "Expires",
      "keys.col.last_used": "Last used",
      "keys.col.status": "Status",
      "keys.per_minute": "{count}/min",
      "keys.empty": "No API keys yet. Create one above for each script or integration.",
      "keys.status.active": "Active",
      "keys.status.revoked": "Revoked",
      "keys.status.expired": "Expired",
      "keys.revoked_on": "Revoked on {date}",
      "keys.revoke": "Revoke",
      "keys.revoke_label": "Revoke the key {name}",
      "keys.revoke_title": "Revoke “{name}”?",
      "keys.revoke_text": "Every request with this key is refused from now on. This cannot be undone.",
      "keys.revoked_title": "API key “{name}” revoked",
      "keys.revoke_failed": "The key could not be revoked.",
      "scope.leads:read": "Read leads",
      "scope.leads:export": "Export leads",
      "scope.ingest": "Add companies (file, domain, webhook)",
      "scope.scan": "Scan domains",
      "scope.referrals:sync": "Sync Partner Center referrals",
      "scope.referrals:write": "Write referrals",
      "scope.crm:push": "Push to the CRM",

      "users.title": "Team members",
      "users.hint": "Everyone who has signed in with Microsoft. Roles come from the Entra app roles at each sign-in; disabling a member ends their sessions at once.",
      "users.caption": "Team members",
      "users.col.name": "Name",
      "users.col.email": "E-mail",
      "users.col.roles": "Roles",
      "users.col.last_login": "Last sign-in",
      "users.col.status": "Status",
      "users.empty": "Nobody has signed in yet. Members appear here after their first sign-in with Microsoft.",
      "users.empty_local": "Local mode has no sign-in, so there are no team members. With sign-in with Microsoft, everyone who signs in appears here.",
      "users.you": "you",
      "users.no_roles": "no role",
      "users.status.active": "Active",
      "users.status.disabled": "Disabled",
      "users.disable": "Disable",
      "users.enable": "Enable",
      "users.disable_label": "Disable {name}",
      "users.enable_label": "Enable {name}",
      "users.self_tip": "You cannot disable yourself; ask another administrator.",
      "users.disable_title": "Disable {name}?",
      "users.disable_text": "Their sessions end at once and they cannot sign in until an administrator enables them again.",
      "users.disabled_title": "{name} is disabled",
      "users.enabled_title": "{name} can sign in again",
      "users.change_failed": "The member could not be changed.",

      "audit.title": "Audit trail",
      "audit.hint": "Sign-ins, key and member changes, exports, imports, bulk scans and syncs, newest first.",
      "audit.filter": "Event",
      "audit.all_events": "All events",
      "audit.caption": "Audit events, newest first",
      "audit.pager": "Audit pages",
      "audit.col.at": "Time",
      "audit.col.event": "Event",
      "audit.col.actor": "Who",
      "audit.col.outcome": "Outcome",
      "audit.col.target": "Target",
      "audit.col.details": "Details",
      "audit.empty": "No events recorded yet.",
      "audit.empty_filtered": "No events of this kind yet.",
      "audit.summary": { one: "{count} event", other: "{count} events" },
      "audit.actor_local": "This machine (local mode)",
      "audit.actor_system": "Hunter itself",
      "audit.actor_key": "API key",
      "audit.outcome.success": "Success",
      "audit.outcome.failure": "Failure",
      "audit.event.login.success": "Signed in",
      "audit.event.login.failure": "Sign-in failed",
      "audit.event.logout": "Signed out",
      "audit.event.access.denied": "Access denied",
      "audit.event.api_key.created": "API key created",
      "audit.event.api_key.revoked": "API key revoked",
      "audit.event.user.disabled": "Member disabled",
      "audit.event.user.enabled": "Member enabled",
      "audit.event.leads.exported": "Leads exported",
      "audit.event.file.imported": "File imported",
      "audit.event.scan.bulk": "Bulk scan",
      "audit.event.referrals.synced": "Referrals synced",

      "confirm.cancel": "Cancel",
      "confirm.ok": "Confirm",
    },

    tr: {
      "page.title": "Hunter · Potansiyel müşteri istihbaratı",
      "page.skip": "Potansiyel müşteri listesine geç",
      "header.subtitle": "Microsoft 365 potansiyel müşteri istihbaratı",
      "header.sync": "Partner Center ile eşitle",
      "header.syncing": "Eşitleniyor…",
      "header.docs": "API belgeleri",
      "lang.switch": "Dil",
      "lang.use_en": "Sayfayı İngilizce göster",
      "lang.use_tr": "Sayfayı Türkçe göster",

      "kpi.region": "Potansiyel müşteri sayıları",
      "kpi.total": "Toplam potansiyel müşteri",
      "kpi.by_priority": "Önceliğe göre",
      "kpi.by_segment": "Segmente göre",
      "kpi.filter_tip": "{label}. Filtrelemek için tıklayın.",
      "kpi.error": "Potansiyel müşteri sayıları yüklenemedi.",

      "scan.title": "Alan adı tara",
      "scan.hint": "Bir alan adı, web sitesi veya e-posta adresi. Sonuç potansiyel müşteri listesine kaydedilir.",
      "scan.input_label": "Taranacak alan adı",
      "scan.submit": "Tara",
      "scan.busy": "Taranıyor…",
      "scan.empty_title": "Taranacak bir alan adı girin.",
      "scan.empty_text": "Örneğin contoso.com, https://www.contoso.com veya ad@contoso.com.",
      "scan.done_title": "Tarandı: {domain}",
      "scan.done_text": "{category} {label} · puan {score} · {segment}",
      "scan.bad_title": "“{domain}” taranamadı.",
      "scan.failed_title": "Tarama tamamlanamadı.",
      "scan.not_a_domain": "Bu bir alan adına benzemiyor. contoso.com gibi bir alan adı girin.",
      "scan.meta_gateway": "Ağ geçidi: {gateway}",
      "scan.meta_tenant": "Kiracı: {size}",
      "scan.meta_status": "Tarama: {status}",

      "upload.title": "Firma listesi içe aktar",
      "upload.hint": "<code>domain</code>, <code>website</code> veya <code>email</code> sütunu olan bir CSV ya da XLSX dosyası. İçe aktarılan her firma taranır.",
      "upload.file_label": "CSV veya XLSX dosyası",
      "upload.auto_detect": "Sütunları otomatik algıla",
      "upload.choose": "Dosya seçin",
      "upload.no_file": "Dosya seçilmedi",
      "upload.submit": "Yükle ve tara",
      "upload.uploading": "Yükleniyor…",
      "upload.importing": "İçe aktarılıyor…",
      "upload.no_file_title": "Önce bir dosya seçin.",
      "upload.no_file_text": "domain, website veya email sütunu olan bir CSV ya da XLSX dosyası seçin.",
      "upload.bad_type_title": "Bu dosya türü desteklenmiyor.",
      "upload.bad_type_text": ".csv veya .xlsx uzantılı bir dosya yükleyin.",
      "upload.no_job": "Sunucu bir iş kimliği döndürmedi.",
      "upload.failed_title": "“{name}” içe aktarılamadı.",
      "upload.your_file": "dosyanız",

      "job.progress": "İçe aktarma ilerlemesi",
      "job.problems_title": "Sorunlu satırlar",
      "job.status.queued": "Sırada",
      "job.status.running": "İçe aktarılıyor ve taranıyor",
      "job.status.completed": "Tamamlandı",
      "job.status.failed": "Başarısız",
      "job.status_line": "{status} · {name}",
      "job.counts": "{processed} / {total} tamamlandı",
      "job.counts_problems": {
        one: "{processed} / {total} tamamlandı · {count} sorunlu",
        other: "{processed} / {total} tamamlandı · {count} sorunlu",
      },
      "job.reading": "Dosya okunuyor…",
      "job.row": "Satır {row}",
      "job.unknown_problem": "Bilinmeyen sorun.",
      "job.more": { one: "…ve {count} tane daha.", other: "…ve {count} tane daha." },
      "job.not_found_title": "İçe aktarma işi bulunamadı.",
      "job.not_found_text": "Başka bir Hunter veritabanına ait olabilir. Gerekirse dosyayı yeniden yükleyin.",
      "job.done_title": "İçe aktarma tamamlandı: {name}",
      "job.failed_title": "İçe aktarma başarısız oldu: {name}",
      "job.stopped": "İş, tamamlanmadan durdu.",
      "job.done_imported": {
        one: "{count} firma içe aktarıldı ve tarandı",
        other: "{count} firma içe aktarıldı ve tarandı",
      },
      "job.done_skipped": { one: ", {count} satır atlandı", other: ", {count} satır atlandı" },
      "job.done_see_below": " (aşağıdaki listeye bakın).",
      "job.done_end": ".",
      "job.done_progress": "{done} / {total} tamamlandı",
      "job.done_problems": {
        one: ", {count} sorunlu (aşağıdaki listeye bakın).",
        other: ", {count} sorunlu (aşağıdaki listeye bakın).",
      },

      "leads.title": "Potansiyel müşteriler",
      "leads.export_group": "Filtrelenmiş potansiyel müşterileri dışa aktar",
      "leads.export_csv": "CSV olarak dışa aktar",
      "leads.export_xlsx": "XLSX olarak dışa aktar",
      "leads.table_region": "Potansiyel müşteri tablosu, küçük ekranlarda yana kaydırılır",
      "leads.caption": "Yukarıdaki ayarlara göre sıralanmış ve filtrelenmiş potansiyel müşteriler",
      "leads.loading": "Potansiyel müşteriler yükleniyor…",
      "leads.load_error": "Potansiyel müşteriler yüklenemedi.",
      "leads.table_error": "Potansiyel müşteri listesi yüklenemedi: {message}",
      "leads.open_title": "Bu puan nereden geliyor? {domain} için puan dökümünü açın",
      "leads.why_label": "Bu puan nereden geliyor? {domain}",
      "leads.none": "yok",

      "filters.region": "Potansiyel müşterileri filtrele",
      "filters.search": "Ara",
      "filters.search_placeholder": "Alan adı veya firma",
      "filters.segment": "Segment",
      "filters.all_segments": "Tümü",
      "filters.priority": "Öncelik",
      "filters.all_priorities": "Tümü",
      "filters.priority_option": "{code} · {label}",
      "filters.provider": "Sağlayıcı",
      "filters.all_providers": "Tümü",
      "filters.referral": "Yönlendirme",
      "filters.all_referrals": "Tümü",
      "filters.min_score": "Min. puan",
      "filters.clear": "Filtreleri temizle",
      "filters.bad_min_score": "En düşük puan 0 ile 100 arasında olmalıdır.",

      "col.priority": "Öncelik",
      "col.priority_short": "Önc.",
      "col.domain": "Alan adı",
      "col.company": "Firma",
      "col.referral": "Yönlendirme",
      "col.provider": "Sağlayıcı",
      "col.gateway": "Ağ geçidi",
      "col.local_provider": "Yerel sağlayıcı",
      "col.tenant_size": "Kiracı boyutu",
      "col.segment": "Segment",
      "col.score": "Puan",
      "sort.asc": "{column} sütununa göre artan sırala",
      "sort.desc": "{column} sütununa göre azalan sırala",

      "empty.filtered_title": "Bu filtrelere uyan potansiyel müşteri yok",
      "empty.filtered_text": "Daha fazla potansiyel müşteri görmek için filtreleri gevşetin veya temizleyin.",
      "empty.none_title": "Henüz potansiyel müşteri yok — bir CSV/XLSX yükleyin veya yukarıda bir alan adı tarayın",
      "empty.none_text": "Taranan firmalar burada görünür, en iyi fırsatlar (P1) en üstte.",

      "pager.region": "Sayfalar",
      "pager.rows_per_page": "Sayfa başına satır",
      "pager.prev": "Önceki",
      "pager.prev_label": "Önceki sayfa",
      "pager.next": "Sonraki",
      "pager.next_label": "Sonraki sayfa",
      "pager.no_leads": "Potansiyel müşteri yok",
      "pager.summary": {
        one: "{count} potansiyel müşteriden {from}–{to} arası gösteriliyor",
        other: "{count} potansiyel müşteriden {from}–{to} arası gösteriliyor",
      },
      "pager.page_of": "Sayfa {page} / {pages}",

      "footer.text": "Puanlar yerleşik kurallara göre hesaplanır; her puan satırını ve arkasındaki DNS kanıtını görmek için bir alan adını açın.",

      "bd.title": "Bu puan nereden geliyor?",
      "bd.close": "Kapat",
      "bd.loading": "Puan dökümü yükleniyor…",
      "bd.error": "Puan dökümü yüklenemedi: {message}",
      "bd.out_of": "/ 100",
      "bd.total": "Toplam",
      "bd.lines": "Puan satırları",
      "bd.line": "Satır",
      "bd.points": "Puan",
      "bd.no_lines": "Bu potansiyel müşteri için puan satırı kaydedilmemiş.",
      "bd.signals": "Sinyaller ve öncelik",
      "bd.evidence": "DNS kanıtı",
      "bd.decisive": "belirleyici",
      "bd.decisive_title": "Sağlayıcıyı bu kayıt belirledi",
      "bd.no_evidence": "Sağlayıcı kanıtı yok: DNS'te bilinen bir e-posta platformunu gösteren bir kayıt bulunamadı.",
      "bd.fact.scan_status": "Tarama durumu",
      "bd.fact.scan_ok": "tamam (tüm sorgular yanıtlandı)",
      "bd.fact.mx_root": "MX kökü",
      "bd.fact.gateway": "Ağ geçidi",
      "bd.fact.local_provider": "Yerel sağlayıcı",
      "bd.fact.tenant_size": "Kiracı boyutu",
      "bd.fact.spf": "SPF",
      "bd.fact.dkim": "DKIM",
      "bd.fact.dmarc_policy": "DMARC politikası",
      "bd.fact.no_record": "kayıt yok",
      "bd.fact.dmarc_coverage": "DMARC kapsamı",
      "bd.fact.technical_heat": "Teknik sıcaklık",
      "bd.fact.commercial_segment": "Ticari segment",
      "bd.fact.commercial_heat": "Ticari sıcaklık",
      "bd.fact.priority": "Öncelik",
      "bd.fact.azure_tenant": "Azure kiracısı (Partner Center)",
      "bd.fact.entra_tenant": "Entra kiracısı",
      "bd.fact.rules_version": "Kural sürümü",
      "bd.fact.scanned": "Tarama zamanı",
      "bd.fact.found": "bulundu",
      "bd.fact.missing": "yok",

      "sync.failed_title": "Partner Center eşitlemesi başarısız oldu.",
      "sync.run_failed": "Eşitleme çalışması başarısız oldu.",
      "sync.done_title": "Partner Center eşitlemesi tamamlandı",
      "sync.linked": "{count} bağlandı",
      "sync.skipped": ", {count} atlandı",
      "sync.failed": ", {count} başarısız",
      "sync.of_total": { one: " (toplam {count} yönlendirme).", other: " (toplam {count} yönlendirme)." },

      "toast.dismiss": "Kapat",
      "common.percent": "%{value}",

      "error.network": "Hunter sunucusuna ulaşılamıyor. Bağlantınızı kontrol edip yeniden deneyin.",
      "error.status": "Sunucu {status} durum koduyla yanıt verdi.",
      "error.400": "İstek kabul edilmedi. Girdiyi kontrol edip yeniden deneyin.",
      "error.404": "Bu öğe bulunamadı. Kaldırılmış olabilir.",
      "error.409": "Başka bir işlem zaten çalışıyor. Biraz sonra yeniden deneyin.",
      "error.413": "Dosya yüklenemeyecek kadar büyük.",
      "error.415": "Bu dosya türü desteklenmiyor. Bir CSV veya XLSX dosyası yükleyin.",
      "error.422": "Girdi işlenemedi.",
      "error.429": "Çok fazla istek. Biraz bekleyip yeniden deneyin.",
      "error.500": "Sunucuda bir sorun oluştu. Yeniden deneyin; sorun sürerse bir yöneticiye bildirin.",
      "error.503": "Sunucu hazır değil (veritabanına ulaşılamıyor). Birazdan yeniden deneyin.",

      "priority.P1": "Yüksek Potansiyelli Yeni Müşteri",
      "priority.P2": "Rakipten Müşteri Kazanımı",
      "priority.P3": "Mevcut Microsoft Müşterisi, Zayıf İş Ortağı",
      "priority.P4": "Yenileme Baskısı",
      "priority.P5": "Düşük İlgi / Uzun Vadeli Takip",
      "priority.P6": "Uygun Değil / Arşiv",

      "segment.Existing": "Mevcut",
      "segment.Migration": "Geçiş",
      "segment.Cold": "Soğuk",
      "segment.Skip": "Atla",
      "segment_meaning.Existing": "Zaten Microsoft 365 kullanıyor: hesabı koruyun ve ek satış yapın.",
      "segment_meaning.Migration": "Microsoft dışı bir platformda güçlü e-posta yapılandırması: geçişe hazır.",
      "segment_meaning.Cold": "Orta düzeyde e-posta güvenliği ya da temel ayarları olan yerel veya kendi sunucusundaki e-posta: takip edin.",
      "segment_meaning.Skip": "Zayıf e-posta yapılandırması, hiç e-posta yok ya da tarama başarısız: hazırlık düşük.",

      "provider.M365": "M365",
      "provider.Google": "Google",
      "provider.Yandex": "Yandex",
      "provider.Zoho": "Zoho",
      "provider.Amazon": "Amazon",
      "provider.SendGrid": "SendGrid",
      "provider.Mailgun": "Mailgun",
      "provider.Hosting": "Hosting",
      "provider.Local": "Yerel",
      "provider.Unknown": "Bilinmiyor",
      "provider_name.M365": "Microsoft 365",
      "provider_name.Google": "Google Workspace",
      "provider_name.Yandex": "Yandex 360",
      "provider_name.Zoho": "Zoho Mail",
      "provider_name.Amazon": "Amazon SES / WorkMail",
      "provider_name.SendGrid": "SendGrid",
      "provider_name.Mailgun": "Mailgun",
      "provider_name.Hosting": "Web hosting e-postası",
      "provider_name.Local": "Yerel veya kendi sunucusunda barındırılan e-posta",
      "provider_name.Unknown": "Bilinmeyen sağlayıcı",

      "referral.co-sell": "Ortak satış",
      "referral.marketplace": "Marketplace",
      "referral.solution-provider": "ÇS",
      "referral_name.co-sell": "Microsoft ortak satış (co-sell) yönlendirmesi",
      "referral_name.marketplace": "Azure Marketplace / AppSource yönlendirmesi",
      "referral_name.solution-provider": "Çözüm sağlayıcı yönlendirmesi",
      "referral_option.co-sell": "Microsoft ortak satış",
      "referral_option.marketplace": "Azure Marketplace / AppSource",
      "referral_option.solution-provider": "Çözüm sağlayıcı",

      "status.partial": "kısmi",
      "status.no_mx": "MX yok",
      "status.nxdomain": "alan adı yok",
      "status.timeout": "zaman aşımı",
      "status.servfail": "DNS hatası",
      "status.invalid": "geçersiz",
      "status_text.partial": "Kısmi tarama: MX sorgusu yanıtlandı, başka bir sorgu başarısız oldu.",
      "status_text.no_mx": "Alan adının MX kaydı yok: e-posta almıyor.",
      "status_text.nxdomain": "Alan adı DNS'te yok.",
      "status_text.timeout": "Son tarama zaman aşımına uğradı.",
      "status_text.servfail": "DNS sunucusu bu alan adı için hata döndürdü.",
      "status_text.invalid": "Girdi geçerli bir alan adı değil.",

      "tenant_size.small": "Küçük",
      "tenant_size.medium": "Orta",
      "tenant_size.large": "Büyük",
      "dmarc.none": "none (yok)",
      "dmarc.quarantine": "quarantine (karantina)",
      "dmarc.reject": "reject (reddet)",
      "heat.Hot": "Sıcak",
      "heat.Warm": "Ilık",
      "heat.Cold": "Soğuk",
      "commercial_segment.GREENFIELD": "Yeni müşteri",
      "commercial_segment.COMPETITIVE": "Rakipten kazanım",
      "commercial_segment.WEAK_PARTNER": "Zayıf iş ortağı",
      "commercial_segment.RENEWAL": "Yenileme",
      "commercial_segment.LOW_INTENT": "Düşük ilgi",
      "commercial_segment.NO_GO": "Uygun değil",
      "commercial_heat.HIGH": "Yüksek",
      "commercial_heat.MEDIUM": "Orta",
      "commercial_heat.LOW": "Düşük",
      "evidence.mx": "MX",
      "evidence.gateway": "Ağ geçidi",
      "evidence.spf_include": "SPF include",
      "evidence.dkim": "DKIM",
      "evidence.autodiscover": "Autodiscover",
      "evidence.verification_txt": "Doğrulama TXT",
      "evidence.tenant": "Entra kiracısı",
      "evidence.partner_center": "Partner Center",
      "evidence.other": "Kanıt",

      "header.admin": "Yönetim",
      "auth.local_mode": "Yerel kip — yalnızca bu bilgisayar",
      "auth.local_mode_label": "Yerel kip: yalnızca bu bilgisayar, oturum açma yok",
      "auth.local_mode_tip": "Kimse oturum açmaz: Hunter yalnızca bu bilgisayarda (localhost) yanıt verir ve buradaki herkes yönetici olarak çalışır. Bir ekip için Microsoft ile oturum açmalı bir sunucuda çalıştırın.",
      "auth.sign_out": "Oturumu kapat",
      "auth.sign_in": "Microsoft ile oturum aç",
      "auth.role_admin": "Yönetici",
      "auth.role_user": "Kullanıcı",
      "auth.role_admin_tip": "Yönetici: potansiyel müşteriler, API anahtarları, ekip üyeleri ve denetim kaydı",
      "auth.role_user_tip": "Ekip üyesi: potansiyel müşteriler, taramalar, içe ve dışa aktarmalar",
      "auth.signed_out_title": "Oturumunuz kapalı",
      "auth.signed_out_text": "Hunter'ı yeniden kullanmak için iş hesabınızla oturum açın.",
      "auth.failed_title": "Oturum açma tamamlanmadı",
      "auth.failed_text": "Hunter'ın bu tarayıcı için hâlâ bir oturumu yok. Yeniden deneyin; sorun sürerse yöneticinizden Hunter.User rolünü isteyin.",
      "error.forbidden": "Bunun için gereken role sahip değilsiniz. Yöneticinize başvurun.",
      "error.forbidden_title": "İzin yok",

      "admin.title": "Yönetim",
      "admin.hint": "Betikler ve entegrasyonlar için API anahtarları, oturum açmış ekip üyeleri ve denetim kaydı.",
      "admin.back": "← Potansiyel müşterilere dön",
      "admin.actions": "İşlemler",
      "admin.never": "hiç",
      "admin.loading": "Yükleniyor…",
      "admin.load_error": "Bu liste yüklenemedi: {message}",

      "keys.title": "API anahtarları",
      "keys.hint": "Betikler ve entegrasyonlar için: anahtarı <code>X-API-Key: KEY</code> ya da <code>Authorization: Bearer KEY</code> olarak gönderin. Bir anahtar yalnızca kapsamlarının izin verdiğini yapabilir, yönetimi asla.",
      "keys.name": "Ad",
      "keys.name_placeholder": "ör. CRM webhook'u",
      "keys.rate": "Dakikada istek",
      "keys.expiry": "Geçerlilik süresi (gün)",
      "keys.scopes": "Kapsamlar",
      "keys.create": "Anahtar oluştur",
      "keys.creating": "Oluşturuluyor…",
      "keys.need_name": "Anahtara bir ad verin, örneğin onu kullanan entegrasyonun adı.",
      "keys.need_scope": "En az bir kapsam seçin.",
      "keys.bad_rate": "Dakikada istek 1 ile 100.000 arasında bir tam sayı olmalı.",
      "keys.bad_expiry": "Geçerlilik süresi 1 ile 365 arasında bir gün sayısı olmalı.",
      "keys.create_failed": "Anahtar oluşturulamadı.",
      "keys.created_title": "“{name}” API anahtarı oluşturuldu",
      "keys.new_title": "Bu anahtarı şimdi kopyalayın.",
      "keys.new_warning": "Bir daha gösterilmeyecek: Hunter yalnızca parmak izini saklar. Kaybederseniz iptal edip yenisini oluşturun.",
      "keys.copy": "Kopyala",
      "keys.copied": "Kopyalandı",
      "keys.copy_failed": "Kopyalanamadı: anahtarı seçip elle kopyalayın.",
      "keys.done": "Sakladım — anahtarı gizle",
      "keys.caption": "API anahtarları, en yenisi önce",
      "keys.col.name": "Ad",
      "keys.col.prefix": "Başlangıcı",
      "keys.col.scopes": "Kapsamlar",
      "keys.col.limit": "Sınır",
      "keys.col.created": "Oluşturulma",
      "keys.col.expires": "Bitiş",
      "keys.col.last_used": "Son kullanım",
      "keys.col.status": "Durum",
      "keys.per_minute": "{count}/dk",
      "keys.empty": "Henüz API anahtarı yok. Her betik ya da entegrasyon için yukarıdan bir tane oluşturun.",
      "keys.status.active": "Etkin",
      "keys.status.revoked": "İptal edildi",
      "keys.status.expired": "Süresi doldu",
      "keys.revoked_on": "{date} tarihinde iptal edildi",
      "keys.revoke": "İptal et",
      "keys.revoke_label": "{name} anahtarını iptal et",
      "keys.revoke_title": "“{name}” iptal edilsin mi?",
      "keys.revoke_text": "Bu anahtarla gelen her istek bundan sonra reddedilir. Bu işlem geri alınamaz.",
      "keys.revoked_title": "“{name}” API anahtarı iptal edildi",
      "keys.revoke_failed": "Anahtar iptal edilemedi.",
      "scope.leads:read": "Potansiyel müşterileri okuma",
      "scope.leads:export": "Potansiyel müşterileri dışa aktarma",
      "scope.ingest": "Şirket ekleme (dosya, alan adı, webhook)",
      "scope.scan": "Alan adı tarama",
      "scope.referrals:sync": "Partner Center yönlendirmelerini eşitleme",
      "scope.referrals:write": "Yönlendirme yazma",
      "scope.crm:push": "CRM'e gönderme",

      "users.title": "Ekip üyeleri",
      "users.hint": "Microsoft ile oturum açmış herkes. Roller her oturum açışta Entra uygulama rollerinden gelir; bir üyeyi devre dışı bırakmak oturumlarını hemen kapatır.",
      "users.caption": "Ekip üyeleri",
      "users.col.name": "Ad",
      "users.col.email": "E-posta",
      "users.col.roles": "Roller",
      "users.col.last_login": "Son oturum açma",
      "users.col.status": "Durum",
      "users.empty": "Henüz kimse oturum açmadı. Üyeler Microsoft ile ilk oturum açışlarından sonra burada görünür.",
      "users.empty_local": "Yerel kipte oturum açma olmadığı için ekip üyesi yok. Microsoft ile oturum açma kullanıldığında oturum açan herkes burada görünür.",
      "users.you": "siz",
      "users.no_roles": "rol yok",
      "users.status.active": "Etkin",
      "users.status.disabled": "Devre dışı",
      "users.disable": "Devre dışı bırak",
      "users.enable": "Etkinleştir",
      "users.disable_label": "{name} kişisini devre dışı bırak",
      "users.enable_label": "{name} kişisini etkinleştir",
      "users.self_tip": "Kendinizi devre dışı bırakamazsınız; başka bir yöneticiye başvurun.",
      "users.disable_title": "{name} devre dışı bırakılsın mı?",
      "users.disable_text": "Oturumları hemen kapanır ve bir yönetici yeniden etkinleştirene kadar oturum açamaz.",
      "users.disabled_title": "{name} devre dışı bırakıldı",
      "users.enabled_title": "{name} yeniden oturum açabilir",
      "users.change_failed": "Üye değiştirilemedi.",

      "audit.title": "Denetim kaydı",
      "audit.hint": "Oturum açmalar, anahtar ve üye değişiklikleri, dışa ve içe aktarmalar, toplu taramalar ve eşitlemeler; en yenisi önce.",
      "audit.filter": "Olay",
      "audit.all_events": "Tüm olaylar",
      "audit.caption": "Denetim olayları, en yenisi önce",
      "audit.pager": "Denetim sayfaları",
      "audit.col.at": "Zaman",
      "audit.col.event": "Olay",
      "audit.col.actor": "Kim",
      "audit.col.outcome": "Sonuç",
      "audit.col.target": "Hedef",
      "audit.col.details": "Ayrıntılar",
      "audit.empty": "Henüz kaydedilmiş olay yok.",
      "audit.empty_filtered": "Bu türde henüz olay yok.",
      "audit.summary": { one: "{count} olay", other: "{count} olay" },
      "audit.actor_local": "Bu bilgisayar (yerel kip)",
      "audit.actor_system": "Hunter'ın kendisi",
      "audit.actor_key": "API anahtarı",
      "audit.outcome.success": "Başarılı",
      "audit.outcome.failure": "Başarısız",
      "audit.event.login.success": "Oturum açıldı",
      "audit.event.login.failure": "Oturum açılamadı",
      "audit.event.logout": "Oturum kapatıldı",
      "audit.event.access.denied": "Erişim reddedildi",
      "audit.event.api_key.created": "API anahtarı oluşturuldu",
      "audit.event.api_key.revoked": "API anahtarı iptal edildi",
      "audit.event.user.disabled": "Üye devre dışı bırakıldı",
      "audit.event.user.enabled": "Üye etkinleştirildi",
      "audit.event.leads.exported": "Potansiyel müşteriler dışa aktarıldı",
      "audit.event.file.imported": "Dosya içe aktarıldı",
      "audit.event.scan.bulk": "Toplu tarama",
      "audit.event.referrals.synced": "Yönlendirmeler eşitlendi",

      "confirm.cancel": "Vazgeç",
      "confirm.ok": "Onayla",
    },
  };

  const LANGS = Object.keys(MESSAGES);
  const STORAGE_KEY = "hunter.lang";
  const LOCALES = { en: "en-US", tr: "tr-TR" };

  function browserLang() {
    const list = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]) || [];
    const first = String(list[0] || "").toLowerCase();
    return first.startsWith("tr") ? "tr" : "en";
  }

  function storedLang() {
    try {
      const v = localStorage.getItem(STORAGE_KEY);
      return LANGS.includes(v) ? v : null;
    } catch (_) {
      return null;
    }
  }

  let lang = storedLang() || browserLang();
  let numberFormat = null;
  let pluralRules = null;

  function setup() {
    numberFormat = new Intl.NumberFormat(LOCALES[lang]);
    pluralRules = new Intl.PluralRules(LOCALES[lang]);
    document.documentElement.lang = lang;
  }
  setup();

  const locale = () => LOCALES[lang];
  const has = (key) => Object.prototype.hasOwnProperty.call(MESSAGES[lang], key);

  function number(n) {
    return typeof n === "number" && Number.isFinite(n) ? numberFormat.format(n) : "–";
  }

  function dateTime(value) {
    const d = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(d.getTime())) return String(value);
    return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(d);
  }

  /** A date and time for tables of records: the month written out, never an abbreviation. */
  function when(value) {
    const d = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(d.getTime())) return String(value);
    return new Intl.DateTimeFormat(locale(), {
      year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
    }).format(d);
  }

  /** A day, the month written out. */
  function day(value) {
    const d = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(d.getTime())) return String(value);
    return new Intl.DateTimeFormat(locale(), { year: "numeric", month: "long", day: "numeric" }).format(d);
  }

  function param(v) {
    if (typeof v === "number") return number(v);
    if (v && typeof v === "object" && typeof v.$key === "string") return t(v.$key, v.params);
    if (v && typeof v === "object" && Array.isArray(v.$label)) return label(v.$label[0], v.$label[1]);
    return v === null || v === undefined ? "" : String(v);
  }

  /** The text of `key` in the current language (the key itself when it is missing). */
  function t(key, params) {
    let msg = MESSAGES[lang][key];
    if (msg === undefined) msg = MESSAGES.en[key];
    if (msg === undefined) return key;
    if (typeof msg === "object") {
      const count = params && typeof params.count === "number" ? params.count : 0;
      msg = msg[pluralRules.select(count)] ?? msg.other;
    }
    if (!params) return msg;
    return msg.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? param(params[name]) : whole));
  }

  /** The text for an API code, e.g. label("segment", "Existing"); the code when unknown. */
  function label(prefix, code) {
    if (code === null || code === undefined || code === "") return "";
    const key = `${prefix}.${code}`;
    return has(key) || Object.prototype.hasOwnProperty.call(MESSAGES.en, key) ? t(key) : String(code);
  }

  const ATTRS = [
    ["i18nTitle", "title"],
    ["i18nPlaceholder", "placeholder"],
    ["i18nAriaLabel", "aria-label"],
    ["i18nTip", "data-tip"],
  ];
  const SELECTOR = "[data-i18n],[data-i18n-html],[data-i18n-title],[data-i18n-placeholder],[data-i18n-aria-label],[data-i18n-tip]";

  function paramsOf(node) {
    const raw = node.dataset.i18nParams;
    if (!raw) return undefined;
    try {
      return JSON.parse(raw);
    } catch (_) {
      return undefined;
    }
  }

  function applyTo(node) {
    const params = paramsOf(node);
    const d = node.dataset;
    if (d.i18n) node.textContent = t(d.i18n, params);
    // Markup only from the catalog, never from data.
    if (d.i18nHtml) node.innerHTML = t(d.i18nHtml, params);
    for (const [prop, attr] of ATTRS) if (d[prop]) node.setAttribute(attr, t(d[prop], params));
  }

  /** Fills every `data-i18n*` element under `root` (the whole page by default). */
  function apply(root) {
    const base = root || document;
    if (base.nodeType === 1 && base.matches(SELECTOR)) applyTo(base);
    for (const node of base.querySelectorAll(SELECTOR)) applyTo(node);
    if (!root) {
      document.title = t("page.title");
      for (const b of document.querySelectorAll("[data-lang]")) {
        b.setAttribute("aria-pressed", b.dataset.lang === lang ? "true" : "false");
      }
    }
  }

  /** Sets `data-i18n` (and its params) on `node` and fills it: the text follows every switch. */
  function bind(node, key, params, attr) {
    const name = attr ? `i18n${attr}` : "i18n";
    node.dataset[name] = key;
    if (params) node.dataset.i18nParams = JSON.stringify(params);
    applyTo(node);
    return node;
  }

  function setLang(next) {
    if (!LANGS.includes(next)) return;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch (_) {
      // Private mode: the choice lasts until the page closes.
    }
    if (next === lang) return;
    lang = next;
    setup();
    apply();
    document.dispatchEvent(new CustomEvent("hunter:lang", { detail: { lang } }));
  }

  apply();

  return {
    MESSAGES,
    LANGS,
    t,
    label,
    has,
    apply,
    bind,
    setLang,
    number,
    dateTime,
    when,
    day,
    locale,
    get lang() {
      return lang;
    },
  };
})();
