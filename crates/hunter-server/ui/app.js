// Hunter web UI: plain JavaScript, no framework, no build step.
// Talks to the JSON API of contract.md §4; every text the user sees is English.
"use strict";

(() => {
  // ---------------------------------------------------------------------------------------
  // Vocabulary (hunter.md §5, contract.md §4)

  const PRIORITIES = [
    ["P1", "High Potential Greenfield"],
    ["P2", "Competitive Takeover"],
    ["P3", "Existing Microsoft but Weak Partner"],
    ["P4", "Renewal Pressure"],
    ["P5", "Low Intent / Long Nurturing"],
    ["P6", "No-Go / Archive"],
  ];
  const PRIORITY_LABEL = Object.fromEntries(PRIORITIES);

  const SEGMENTS = [
    ["Existing", "Already on Microsoft 365: protect the account and upsell."],
    ["Migration", "Strong mail setup on a non-Microsoft platform: ready for migration."],
    ["Cold", "Moderate mail security, or local/self-hosted mail with some basics: nurture."],
    ["Skip", "Weak mail setup, no mail at all or a failed scan: low readiness."],
  ];
  const SEGMENT_MEANING = Object.fromEntries(SEGMENTS);

  const PROVIDERS = ["M365", "Google", "Yandex", "Zoho", "Amazon", "SendGrid", "Mailgun", "Hosting", "Local", "Unknown"];
  const PROVIDER_NAME = {
    M365: "Microsoft 365", Google: "Google Workspace", Yandex: "Yandex 360", Zoho: "Zoho Mail",
    Amazon: "Amazon SES / WorkMail", SendGrid: "SendGrid", Mailgun: "Mailgun",
    Hosting: "Web hosting mail", Local: "Local or self-hosted mail", Unknown: "Unknown provider",
  };

  const REFERRALS = [
    ["co-sell", "Co-sell", "Microsoft co-sell referral"],
    ["marketplace", "Marketplace", "Azure Marketplace / AppSource referral"],
    ["solution-provider", "SP", "Solution provider referral"],
  ];
  const REFERRAL = Object.fromEntries(REFERRALS.map(([v, short, long]) => [v, { short, long }]));

  const PAGE_SIZES = [25, 50, 100, 200];
  const DEFAULT_PAGE_SIZE = 50;
  const STORAGE_KEY = "hunter.leads.view";
  const FILTER_KEYS = ["segment", "provider", "referral_type", "priority_category", "min_score", "search"];
  const STATE_KEYS = [...FILTER_KEYS, "sort_by", "sort_order", "page", "page_size"];

  // Table columns. `sort`: the API's sort_by value; `first`: order of the first click.
  const COLUMNS = [
    { key: "priority", title: "Priority", short: "Prio", sort: "priority_category", first: "asc" },
    { key: "domain", title: "Domain", sort: "domain", first: "asc" },
    { key: "company", title: "Company", sort: "company_name", first: "asc" },
    { key: "referral", title: "Referral", sort: "referral_type", first: "asc" },
    { key: "provider", title: "Provider", sort: "provider", first: "asc" },
    { key: "gateway", title: "Gateway", sort: "gateway", first: "asc" },
    { key: "local_provider", title: "Local provider", sort: "local_provider", first: "asc" },
    { key: "tenant_size", title: "Tenant size", sort: "tenant_size", first: "asc" },
    { key: "segment", title: "Segment", sort: "segment", first: "asc" },
    { key: "score", title: "Score", sort: "readiness_score", first: "desc", numeric: true },
  ];

  // ---------------------------------------------------------------------------------------
  // Small helpers

  const $ = (id) => document.getElementById(id);

  /** Creates an element: el("span", {class: "x", dataset: {testid: "y"}}, child, "text"). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const dash = () => el("span", { class: "muted", "aria-label": "none" }, "-");
  const present = (v) => v !== null && v !== undefined && v !== "";
  const cap = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
  const fmtInt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : "–");
  const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : "0");

  /** The server's messages are sentence fragments ("not a usable domain: …"): show them as
   *  sentences. */
  function sentence(text) {
    const t = typeof text === "string" ? text.trim() : "";
    if (!t) return "";
    const first = t.charAt(0).toUpperCase() + t.slice(1);
    return /[.!?…]$/.test(first) ? first : `${first}.`;
  }

  function debounce(fn, ms) {
    let timer = null;
    const wrapped = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
    wrapped.flush = (...args) => {
      clearTimeout(timer);
      fn(...args);
    };
    return wrapped;
  }

  /** An error whose message is fit to show to a user. */
  class ApiError extends Error {
    constructor(message, status, code) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  const STATUS_TEXT = {
    400: "The request was not accepted. Check the input and try again.",
    404: "That item was not found. It may have been removed.",
    409: "Another operation is already running. Try again in a moment.",
    413: "The file is too large to upload.",
    415: "That file type is not supported. Upload a CSV or XLSX file.",
    422: "The input could not be processed.",
    429: "Too many requests. Wait a moment and try again.",
    500: "The server hit a problem. Try again; if it keeps happening, tell an administrator.",
    503: "The server is not ready (database unavailable). Try again shortly.",
  };

  /** fetch + JSON + the error envelope `{"error":{"code","message"}}` → ApiError. */
  async function api(path, options = {}) {
    const opts = { ...options, headers: { Accept: "application/json", ...(options.headers || {}) } };
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    let response;
    try {
      response = await fetch(path, opts);
    } catch (e) {
      if (e && e.name === "AbortError") throw e;
      throw new ApiError("Cannot reach the Hunter server. Check your connection and try again.", 0, "network");
    }
    const text = await response.text();
    let body = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (_) {
        body = null;
      }
    }
    if (!response.ok) {
      const envelope = body && body.error;
      const message = sentence(envelope && envelope.message) || STATUS_TEXT[response.status]
        || `The server answered with status ${response.status}.`;
      throw new ApiError(message, response.status, (envelope && envelope.code) || String(response.status));
    }
    return body;
  }

  // ---------------------------------------------------------------------------------------
  // Toasts

  function toast(kind, title, message) {
    const box = el("div", {
      class: `toast toast-${kind}`,
      role: kind === "error" ? "alert" : "status",
      dataset: { testid: `toast-${kind}` },
    });
    const close = el("button", { type: "button", class: "toast-close", "aria-label": "Dismiss" }, "×");
    box.append(
      el("span", { class: "toast-icon", "aria-hidden": "true" }, kind === "error" ? "!" : "✓"),
      el("div", { class: "toast-text" },
        el("strong", { class: "toast-title" }, title),
        message ? el("span", { class: "toast-message", dataset: { testid: "toast-message" } }, message) : null),
      close,
    );
    const remove = () => {
      box.classList.add("toast-leaving");
      setTimeout(() => box.remove(), 200);
    };
    close.addEventListener("click", remove);
    $("toasts").append(box);
    // Errors stay longer: people need time to read what went wrong.
    setTimeout(remove, kind === "error" ? 9000 : 5000);
    return box;
  }

  // ---------------------------------------------------------------------------------------
  // Tooltips (hover and keyboard focus; native `title` is invisible to keyboard users)

  const tooltip = $("tooltip");
  let tipTarget = null;

  function showTip(target) {
    const text = target.getAttribute("data-tip");
    if (!text) return;
    tipTarget = target;
    tooltip.textContent = text;
    tooltip.hidden = false;
    const r = target.getBoundingClientRect();
    const t = tooltip.getBoundingClientRect();
    let left = r.left + r.width / 2 - t.width / 2;
    left = Math.max(8, Math.min(left, window.innerWidth - t.width - 8));
    let top = r.bottom + 8;
    if (top + t.height > window.innerHeight - 8) top = r.top - t.height - 8;
    tooltip.style.left = `${Math.round(left)}px`;
    tooltip.style.top = `${Math.round(top)}px`;
  }

  function hideTip() {
    tipTarget = null;
    tooltip.hidden = true;
  }

  document.addEventListener("mouseover", (e) => {
    const t = e.target.closest && e.target.closest("[data-tip]");
    if (t && t !== tipTarget) showTip(t);
    else if (!t && tipTarget) hideTip();
  });
  document.addEventListener("focusin", (e) => {
    const t = e.target.closest && e.target.closest("[data-tip]");
    if (t) showTip(t);
    else hideTip();
  });
  document.addEventListener("focusout", hideTip);
  document.addEventListener("scroll", hideTip, true);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && tipTarget) hideTip();
  });

  // ---------------------------------------------------------------------------------------
  // Badges

  function priorityBadge(category, label) {
    const cat = category || "P6";
    const text = label || PRIORITY_LABEL[cat] || "";
    return el("span", {
      class: `badge prio prio-${cat.toLowerCase()}`,
      tabindex: "0",
      "data-tip": `${cat}: ${text}`,
      "aria-label": `${cat}, ${text}`,
      dataset: { testid: "priority-badge", priority: cat },
    }, cat);
  }

  function segmentBadge(segment, reason) {
    const explanation = reason || SEGMENT_MEANING[segment] || "";
    return el("span", {
      class: `badge seg seg-${String(segment).toLowerCase()}`,
      tabindex: "0",
      "data-tip": explanation,
      "aria-label": `${segment}: ${explanation}`,
      dataset: { testid: "segment-badge", segment },
    }, segment);
  }

  function providerBadge(provider) {
    const p = provider || "Unknown";
    return el("span", {
      class: `badge prov prov-${p.toLowerCase()}`,
      title: PROVIDER_NAME[p] || p,
      dataset: { testid: "provider-badge", provider: p },
    }, p);
  }

  function referralBadge(type) {
    if (!type) return el("span", { class: "muted", dataset: { testid: "referral-badge", referral: "" } }, "-");
    const r = REFERRAL[type] || { short: type, long: type };
    return el("span", {
      class: `badge ref ref-${type}`,
      tabindex: "0",
      "data-tip": r.long,
      "aria-label": r.long,
      dataset: { testid: "referral-badge", referral: type },
    }, r.short);
  }

  function scoreMeter(score) {
    const s = Number(score) || 0;
    const band = s >= 70 ? "high" : s >= 40 ? "mid" : "low";
    return el("span", { class: `score score-${band}`, dataset: { testid: "score", score: String(s) } },
      el("span", { class: "score-num" }, String(s)),
      el("span", { class: "score-track", "aria-hidden": "true" },
        el("span", { class: "score-fill", style: `width:${Math.max(0, Math.min(100, s))}%` })));
  }

  // ---------------------------------------------------------------------------------------
  // View state: filters, sort and page, kept in the URL and in localStorage

  const state = {
    segment: "", provider: "", referral_type: "", priority_category: "", min_score: "", search: "",
    sort_by: "", sort_order: "", page: 1, page_size: DEFAULT_PAGE_SIZE,
  };

  function readState() {
    const url = new URLSearchParams(location.search);
    let source = null;
    if (STATE_KEYS.some((k) => url.has(k))) {
      source = Object.fromEntries(STATE_KEYS.filter((k) => url.has(k)).map((k) => [k, url.get(k)]));
    } else {
      try {
        source = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      } catch (_) {
        source = null;
      }
    }
    if (!source || typeof source !== "object") return;
    for (const k of FILTER_KEYS) if (typeof source[k] === "string") state[k] = source[k];
    if (["asc", "desc"].includes(source.sort_order)) state.sort_order = source.sort_order;
    if (typeof source.sort_by === "string" && COLUMNS.some((c) => c.sort === source.sort_by)) {
      state.sort_by = source.sort_by;
    }
    const page = parseInt(source.page, 10);
    state.page = page >= 1 ? page : 1;
    const size = parseInt(source.page_size, 10);
    state.page_size = PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE;
    if (!state.sort_by) state.sort_order = "";
  }

  /** Filter parameters only (the export uses them too). */
  function filterParams() {
    const p = new URLSearchParams();
    for (const k of FILTER_KEYS) {
      const v = String(state[k] ?? "").trim();
      if (v !== "") p.set(k, v);
    }
    return p;
  }

  function listParams() {
    const p = filterParams();
    if (state.sort_by) {
      p.set("sort_by", state.sort_by);
      p.set("sort_order", state.sort_order || "asc");
    }
    p.set("page", String(state.page));
    p.set("page_size", String(state.page_size));
    return p;
  }

  function saveState() {
    const p = filterParams();
    if (state.sort_by) {
      p.set("sort_by", state.sort_by);
      p.set("sort_order", state.sort_order || "asc");
    }
    if (state.page !== 1) p.set("page", String(state.page));
    if (state.page_size !== DEFAULT_PAGE_SIZE) p.set("page_size", String(state.page_size));
    const qs = p.toString();
    const url = `${location.pathname}${qs ? `?${qs}` : ""}${location.hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", url);
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(STATE_KEYS.map((k) => [k, state[k]]))));
    } catch (_) {
      // Private mode or a full quota: the URL still carries the view.
    }
  }

  const hasFilters = () => FILTER_KEYS.some((k) => String(state[k] ?? "").trim() !== "");

  // ---------------------------------------------------------------------------------------
  // Filters form

  function fillSelect(select, options) {
    for (const [value, text, title] of options) {
      select.append(el("option", { value, title: title || null }, text));
    }
  }

  const fSearch = $("f-search");
  const fSegment = $("f-segment");
  const fPriority = $("f-priority");
  const fProvider = $("f-provider");
  const fReferral = $("f-referral");
  const fMinScore = $("f-min-score");
  const pageSize = $("page-size");

  fillSelect(fSegment, SEGMENTS.map(([s, meaning]) => [s, s, meaning]));
  fillSelect(fPriority, PRIORITIES.map(([p, label]) => [p, `${p} · ${label}`, label]));
  fillSelect(fProvider, PROVIDERS.map((p) => [p, p === "M365" ? "Microsoft 365" : p, PROVIDER_NAME[p]]));
  fillSelect(fReferral, REFERRALS.map(([v, , long]) => [v, long.replace(/ referral$/, ""), long]));

  function syncForm() {
    fSearch.value = state.search;
    fSegment.value = state.segment;
    fPriority.value = state.priority_category;
    fProvider.value = state.provider;
    fReferral.value = state.referral_type;
    fMinScore.value = state.min_score;
    pageSize.value = String(state.page_size);
    for (const s of [fSegment, fPriority, fProvider, fReferral]) {
      s.closest(".field").classList.toggle("is-active", s.value !== "");
    }
    fMinScore.closest(".field").classList.toggle("is-active", fMinScore.value !== "");
    $("f-reset").disabled = !hasFilters();
    markKpiChips();
  }

  /** Marks the KPI chips matching the active priority and segment filters. */
  function markKpiChips() {
    for (const chip of document.querySelectorAll(".kpi-chip")) {
      const on = chip.dataset.filter === "priority" ? state.priority_category === chip.dataset.value
        : state.segment === chip.dataset.value;
      chip.classList.toggle("is-active", on);
      chip.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  function setFilter(key, value) {
    if (state[key] === value) return;
    state[key] = value;
    state.page = 1;
    refresh();
  }

  fSegment.addEventListener("change", () => setFilter("segment", fSegment.value));
  fPriority.addEventListener("change", () => setFilter("priority_category", fPriority.value));
  fProvider.addEventListener("change", () => setFilter("provider", fProvider.value));
  fReferral.addEventListener("change", () => setFilter("referral_type", fReferral.value));

  const searchLater = debounce(() => setFilter("search", fSearch.value.trim()), 300);
  fSearch.addEventListener("input", searchLater);
  fSearch.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      searchLater.flush();
    }
  });

  const minScoreLater = debounce(() => {
    const raw = fMinScore.value.trim();
    if (raw === "") return setFilter("min_score", "");
    const n = Math.round(Number(raw));
    if (!Number.isFinite(n) || n < 0 || n > 100) {
      fMinScore.setAttribute("aria-invalid", "true");
      toast("error", "Minimum score must be between 0 and 100.");
      return;
    }
    fMinScore.removeAttribute("aria-invalid");
    setFilter("min_score", String(n));
  }, 400);
  fMinScore.addEventListener("input", minScoreLater);
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    searchLater.flush();
  });

  function clearFilters() {
    for (const k of FILTER_KEYS) state[k] = "";
    fMinScore.removeAttribute("aria-invalid");
    state.page = 1;
    refresh();
  }
  $("f-reset").addEventListener("click", clearFilters);
  $("empty-clear").addEventListener("click", clearFilters);

  // ---------------------------------------------------------------------------------------
  // Table

  const headRow = $("leads-head-row");
  const body = $("leads-body");
  const table = $("leads-table");

  function renderHead() {
    headRow.replaceChildren();
    for (const col of COLUMNS) {
      const active = state.sort_by === col.sort;
      const order = active ? state.sort_order || "asc" : null;
      const th = el("th", {
        scope: "col",
        class: `col-${col.key}${col.numeric ? " num" : ""}`,
        "aria-sort": active ? (order === "asc" ? "ascending" : "descending") : "none",
        dataset: { testid: `col-${col.key}`, sortKey: col.sort },
      });
      const arrow = active ? (order === "asc" ? "▲" : "▼") : "↕";
      const next = active ? (order === "asc" ? "descending" : "ascending") : (col.first === "asc" ? "ascending" : "descending");
      th.append(el("button", {
        type: "button",
        class: `sort${active ? " is-active" : ""}`,
        title: `Sort by ${col.title.toLowerCase()}, ${next}`,
        dataset: { testid: `sort-${col.key}` },
        onclick: () => sortBy(col),
      }, col.short
        ? [el("span", { class: "th-long" }, col.title), el("span", { class: "th-short", "aria-hidden": "true" }, col.short)]
        : col.title,
      el("span", { class: "sort-arrow", "aria-hidden": "true" }, arrow)));
      headRow.append(th);
    }
  }

  function sortBy(col) {
    if (state.sort_by === col.sort) {
      state.sort_order = state.sort_order === "asc" ? "desc" : "asc";
    } else {
      state.sort_by = col.sort;
      state.sort_order = col.first;
    }
    state.page = 1;
    refresh();
  }

  function leadRow(lead) {
    const domainLink = el("a", {
      href: `#lead/${encodeURIComponent(lead.domain)}`,
      class: "domain-link",
      title: `Why this score? Open the breakdown for ${lead.domain}`,
      dataset: { testid: "lead-link", domain: lead.domain },
      onclick: (e) => {
        e.preventDefault();
        openBreakdown(lead.domain, e.currentTarget);
      },
    }, lead.domain);
    const status = lead.scan_status && !["ok"].includes(lead.scan_status)
      ? el("span", { class: `status status-${lead.scan_status}`, "data-tip": statusText(lead.scan_status), tabindex: "0" }, statusShort(lead.scan_status))
      : null;
    const company = present(lead.company_name) && lead.company_name !== lead.domain ? lead.company_name : null;
    const cells = {
      priority: priorityBadge(lead.priority_category, lead.priority_label),
      domain: el("span", { class: "domain-cell" }, domainLink, status),
      company: company ? el("span", { class: "company", title: company }, company) : dash(),
      referral: referralBadge(lead.referral_type),
      provider: providerBadge(lead.provider),
      gateway: present(lead.gateway) ? lead.gateway : dash(),
      local_provider: present(lead.local_provider) ? lead.local_provider : dash(),
      tenant_size: present(lead.tenant_size) ? cap(lead.tenant_size) : dash(),
      segment: segmentBadge(lead.segment, lead.reason),
      score: el("span", { class: "score-cell" }, scoreMeter(lead.readiness_score),
        el("button", {
          type: "button",
          class: "why",
          "aria-label": `Why this score? ${lead.domain}`,
          title: "Why this score?",
          dataset: { testid: "why-button", domain: lead.domain },
          onclick: (e) => openBreakdown(lead.domain, e.currentTarget),
        }, "?")),
    };
    const tr = el("tr", { dataset: { testid: "lead-row", domain: lead.domain } });
    for (const col of COLUMNS) {
      tr.append(el("td", { class: `col-${col.key}${col.numeric ? " num" : ""}`, dataset: { col: col.key } }, cells[col.key]));
    }
    return tr;
  }

  function statusShort(s) {
    return { partial: "partial", no_mx: "no MX", nxdomain: "no domain", timeout: "timeout", servfail: "DNS error", invalid: "invalid" }[s] || s;
  }

  function statusText(s) {
    return {
      partial: "Partial scan: the MX lookup worked, another lookup failed.",
      no_mx: "The domain has no MX record: it receives no mail.",
      nxdomain: "The domain does not exist in DNS.",
      timeout: "The last scan timed out.",
      servfail: "The DNS server returned an error for this domain.",
      invalid: "The input is not a valid domain.",
    }[s] || s;
  }

  let listController = null;
  let lastList = null;

  async function loadLeads() {
    if (listController) listController.abort();
    const controller = new AbortController();
    listController = controller;
    table.setAttribute("aria-busy", "true");
    $("table-loading").hidden = false;
    $("leads-section").classList.add("is-loading");
    try {
      const data = await api(`/api/leads?${listParams()}`, { signal: controller.signal });
      if (controller.signal.aborted) return;
      const totalPages = Math.max(1, Number(data.total_pages) || 1);
      if (data.total > 0 && (!data.leads || data.leads.length === 0) && state.page > totalPages) {
        // The list shrank under a saved page number: go to the last page instead.
        state.page = totalPages;
        saveState();
        return loadLeads();
      }
      lastList = data;
      renderLeads(data);
    } catch (e) {
      if (e && e.name === "AbortError") return;
      renderLeadsError(e);
      toast("error", "Could not load leads.", e.message);
    } finally {
      if (listController === controller) {
        listController = null;
        table.setAttribute("aria-busy", "false");
        $("table-loading").hidden = true;
        $("leads-section").classList.remove("is-loading");
      }
    }
  }

  function renderLeads(data) {
    const leads = Array.isArray(data.leads) ? data.leads : [];
    body.replaceChildren(...leads.map(leadRow));
    const total = Number(data.total) || 0;
    const page = Number(data.page) || state.page;
    const size = Number(data.page_size) || state.page_size;
    const pages = Math.max(1, Number(data.total_pages) || Math.ceil(total / size) || 1);

    const empty = leads.length === 0;
    $("empty").hidden = !empty;
    $("table-wrap").hidden = empty;
    if (empty) {
      const filtered = hasFilters();
      $("empty-title").textContent = filtered ? "No leads match these filters" : "No leads yet — upload a CSV/XLSX or scan a domain above";
      $("empty-text").textContent = filtered
        ? "Loosen or clear the filters to see more leads."
        : "Scanned companies appear here, best opportunities (P1) first.";
      $("empty-clear").hidden = !filtered;
    }

    const from = total === 0 ? 0 : (page - 1) * size + 1;
    const to = Math.min(total, (page - 1) * size + leads.length);
    $("page-summary").textContent = total === 0
      ? "No leads"
      : `Showing ${fmtInt(from)}–${fmtInt(to)} of ${fmtInt(total)} lead${total === 1 ? "" : "s"}`;
    $("page-of").textContent = `Page ${fmtInt(page)} of ${fmtInt(pages)}`;
    $("page-prev").disabled = page <= 1;
    $("page-next").disabled = page >= pages;
  }

  function renderLeadsError(e) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: String(COLUMNS.length), class: "table-error" },
      `The lead list could not be loaded: ${e.message}`)));
    $("empty").hidden = true;
    $("table-wrap").hidden = false;
    $("page-summary").textContent = "";
  }

  $("page-prev").addEventListener("click", () => {
    if (state.page > 1) {
      state.page -= 1;
      refresh();
    }
  });
  $("page-next").addEventListener("click", () => {
    const pages = lastList ? Number(lastList.total_pages) || 1 : 1;
    if (state.page < pages) {
      state.page += 1;
      refresh();
    }
  });
  pageSize.addEventListener("change", () => {
    const size = parseInt(pageSize.value, 10);
    if (!PAGE_SIZES.includes(size)) return;
    // Keep the first visible lead on screen.
    const first = (state.page - 1) * state.page_size;
    state.page_size = size;
    state.page = Math.floor(first / size) + 1;
    refresh();
  });

  function updateExportLinks() {
    const p = filterParams();
    const qs = p.toString();
    $("export-csv").href = `/api/leads/export?format=csv${qs ? `&${qs}` : ""}`;
    $("export-xlsx").href = `/api/leads/export?format=xlsx${qs ? `&${qs}` : ""}`;
  }

  /** After any change of the view: store it, update the form, links and headers, reload. */
  function refresh() {
    saveState();
    syncForm();
    updateExportLinks();
    renderHead();
    return loadLeads();
  }

  // ---------------------------------------------------------------------------------------
  // KPIs

  async function loadKpis() {
    const box = $("kpis");
    box.setAttribute("aria-busy", "true");
    try {
      const k = await api("/api/dashboard/kpis");
      renderKpis(k || {});
    } catch (e) {
      $("kpi-total").textContent = "–";
      toast("error", "Could not load the lead counts.", e.message);
    } finally {
      box.setAttribute("aria-busy", "false");
    }
  }

  function renderKpis(k) {
    $("kpi-total").textContent = fmtInt(Number(k.total_leads) || 0);
    const byPriority = k.by_priority || {};
    $("kpi-priority").replaceChildren(...PRIORITIES.map(([p, label]) => el("button", {
      type: "button",
      class: `kpi-chip prio-${p.toLowerCase()}${state.priority_category === p ? " is-active" : ""}`,
      "aria-pressed": state.priority_category === p ? "true" : "false",
      "data-tip": `${p}: ${label}. Click to filter.`,
      dataset: { testid: `kpi-priority-${p}`, filter: "priority", value: p },
      onclick: () => setFilter("priority_category", state.priority_category === p ? "" : p),
    }, el("span", { class: "chip-key" }, p), el("span", { class: "chip-val" }, fmtInt(Number(byPriority[p]) || 0)))));
    const bySegment = k.by_segment || {};
    $("kpi-segment").replaceChildren(...SEGMENTS.map(([s, meaning]) => el("button", {
      type: "button",
      class: `kpi-chip kseg-${s.toLowerCase()}${state.segment === s ? " is-active" : ""}`,
      "aria-pressed": state.segment === s ? "true" : "false",
      "data-tip": `${meaning} Click to filter.`,
      dataset: { testid: `kpi-segment-${s}`, filter: "segment", value: s },
      onclick: () => setFilter("segment", state.segment === s ? "" : s),
    }, el("span", { class: "chip-key" }, s), el("span", { class: "chip-val" }, fmtInt(Number(bySegment[s]) || 0)))));
  }

  // ---------------------------------------------------------------------------------------
  // Buttons with a busy state

  function setBusy(button, busy, busyText) {
    const label = button.querySelector(".btn-label") || button;
    if (busy) {
      button.dataset.idleText = label.textContent;
      label.textContent = busyText;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      if (!button.querySelector(".spinner")) button.prepend(el("span", { class: "spinner", "aria-hidden": "true" }));
    } else {
      if (button.dataset.idleText) label.textContent = button.dataset.idleText;
      button.disabled = false;
      button.removeAttribute("aria-busy");
      const s = button.querySelector(".spinner");
      if (s) s.remove();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Single-domain scan

  $("scan-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("scan-domain");
    const domain = input.value.trim();
    if (!domain) {
      input.setAttribute("aria-invalid", "true");
      toast("error", "Enter a domain to scan.", "For example contoso.com, https://www.contoso.com or name@contoso.com.");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    const button = $("scan-submit");
    setBusy(button, true, "Scanning…");
    try {
      const lead = await api("/api/scan/domain", { method: "POST", json: { domain } });
      showScanResult(lead);
      toast("success", `Scanned ${lead.domain}`,
        `${lead.priority_category} ${lead.priority_label} · score ${lead.readiness_score} · ${lead.segment}`);
      input.value = "";
      loadLeads();
      loadKpis();
    } catch (err) {
      input.setAttribute("aria-invalid", "true");
      const title = err.status === 422 || err.status === 400
        ? `“${domain}” could not be scanned.`
        : "The scan did not finish.";
      const message = err.status === 422 && !err.message
        ? "That does not look like a domain. Enter something like contoso.com."
        : err.message;
      toast("error", title, message);
    } finally {
      setBusy(button, false);
    }
  });
  $("scan-domain").addEventListener("input", () => $("scan-domain").removeAttribute("aria-invalid"));

  function showScanResult(lead) {
    const box = $("scan-result");
    box.hidden = false;
    box.replaceChildren(
      el("div", { class: "scan-result-head" },
        priorityBadge(lead.priority_category, lead.priority_label),
        el("strong", { class: "scan-result-domain", dataset: { testid: "scan-result-domain" } }, lead.domain),
        scoreMeter(lead.readiness_score)),
      el("div", { class: "scan-result-meta" },
        providerBadge(lead.provider),
        segmentBadge(lead.segment, lead.reason),
        lead.gateway ? el("span", { class: "meta" }, `Gateway: ${lead.gateway}`) : null,
        lead.tenant_size ? el("span", { class: "meta" }, `Tenant: ${lead.tenant_size}`) : null,
        lead.scan_status && lead.scan_status !== "ok" ? el("span", { class: "meta" }, `Scan: ${statusShort(lead.scan_status)}`) : null),
      el("p", { class: "scan-result-reason" }, lead.reason || ""),
      el("button", {
        type: "button",
        class: "btn btn-link",
        dataset: { testid: "scan-result-why" },
        onclick: (e) => openBreakdown(lead.domain, e.currentTarget),
      }, "Why this score?"),
    );
  }

  // ---------------------------------------------------------------------------------------
  // File import with a job

  const JOB_POLL_MS = 500;
  let jobTimer = null;

  $("upload-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const fileInput = $("upload-file");
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      toast("error", "Choose a file first.", "Pick a CSV or XLSX file with a domain, website or email column.");
      fileInput.focus();
      return;
    }
    if (!/\.(csv|xlsx)$/i.test(file.name)) {
      toast("error", "That file type is not supported.", "Upload a .csv or .xlsx file.");
      return;
    }
    const autoDetect = $("upload-auto-detect").checked;
    const form = new FormData();
    form.append("file", file, file.name);
    const button = $("upload-submit");
    setBusy(button, true, "Uploading…");
    try {
      const res = await api(`/api/ingest/file?scan=true&auto_detect=${autoDetect}`, { method: "POST", body: form });
      if (!res || !res.job_id) throw new ApiError("The server did not return a job id.", 500, "no_job");
      $("upload-submit").querySelector(".btn-label").textContent = "Importing…";
      startJob(res.job_id, file.name);
      fileInput.value = "";
    } catch (err) {
      toast("error", `“${file.name}” could not be imported.`, err.message);
      setBusy(button, false);
    }
  });

  const JOB_KEY = "hunter.import.job";

  function startJob(jobId, name) {
    clearTimeout(jobTimer);
    try {
      // A reload while the job runs picks the progress up again.
      localStorage.setItem(JOB_KEY, JSON.stringify({ jobId, name }));
    } catch (_) {
      // Not essential.
    }
    const box = $("job");
    box.hidden = false;
    box.dataset.jobId = jobId;
    box.dataset.status = "queued";
    $("job-errors").hidden = true;
    $("job-errors-list").replaceChildren();
    renderJob({ status: "queued", total: 0, processed: 0, succeeded: 0, failed: 0, errors: [] }, name);
    pollJob(jobId, name);
  }

  async function pollJob(jobId, name) {
    let job;
    try {
      job = await api(`/api/jobs/${encodeURIComponent(jobId)}`);
    } catch (err) {
      if (err.status === 404) {
        finishJobUi();
        $("job").hidden = true;
        toast("error", "The import job was not found.", "It may belong to another Hunter database. Upload the file again if needed.");
        return;
      }
      // A hiccup: keep polling, a little slower.
      jobTimer = setTimeout(() => pollJob(jobId, name), JOB_POLL_MS * 4);
      return;
    }
    if ($("job").dataset.jobId !== jobId) return;
    renderJob(job, name);
    if (job.status === "completed" || job.status === "failed") {
      finishJobUi();
      loadLeads();
      loadKpis();
      if (job.status === "completed") {
        const r = job.result && typeof job.result === "object" ? job.result : {};
        const failed = Number(job.failed) || 0;
        let text;
        if (typeof r.ingested === "number") {
          const skipped = Number(r.skipped) || 0;
          text = `${fmtInt(r.ingested)} compan${r.ingested === 1 ? "y" : "ies"} imported and scanned`
            + (skipped ? `, ${fmtInt(skipped)} row${skipped === 1 ? "" : "s"} skipped` : "")
            + (failed ? " (see the list below)." : ".");
        } else {
          text = `${fmtInt(Number(job.succeeded) || 0)} of ${fmtInt(Number(job.total) || 0)} done`
            + (failed ? `, ${fmtInt(failed)} with problems (see the list below).` : ".");
        }
        // Some bad rows do not make the import a failure: they are listed under the bar.
        const nothing = typeof r.ingested === "number" ? r.ingested === 0 : (Number(job.succeeded) || 0) === 0;
        toast(nothing ? "error" : "success", `Import of ${name} finished`, text);
      } else {
        const first = (job.errors || [])[0];
        toast("error", `Import of ${name} failed`, sentence(first && first.message) || "The job stopped before it finished.");
      }
      return;
    }
    jobTimer = setTimeout(() => pollJob(jobId, name), JOB_POLL_MS);
  }

  function finishJobUi() {
    setBusy($("upload-submit"), false);
    try {
      localStorage.removeItem(JOB_KEY);
    } catch (_) {
      // Not essential.
    }
  }

  function resumeJob() {
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(JOB_KEY) || "null");
    } catch (_) {
      saved = null;
    }
    if (saved && typeof saved.jobId === "string") {
      setBusy($("upload-submit"), true, "Importing…");
      startJob(saved.jobId, String(saved.name || "your file"));
    }
  }

  const JOB_STATUS = { queued: "Queued", running: "Importing and scanning", completed: "Completed", failed: "Failed" };

  function renderJob(job, name) {
    const box = $("job");
    const total = Number(job.total) || 0;
    const processed = Number(job.processed) || 0;
    const done = job.status === "completed";
    let pct = total > 0 ? Math.floor((processed / total) * 100) : 0;
    if (done) pct = 100;
    pct = Math.max(0, Math.min(100, pct));
    box.dataset.status = job.status;
    box.classList.toggle("is-indeterminate", job.status === "running" && total === 0);
    box.classList.toggle("is-failed", job.status === "failed");
    box.classList.toggle("is-done", done);
    $("job-status").textContent = `${JOB_STATUS[job.status] || job.status} · ${name}`;
    // Units of work: the file's rows, then one scan per imported company.
    const failedUnits = Number(job.failed) || 0;
    $("job-counts").textContent = total > 0 || done
      ? `${fmtInt(processed)} of ${fmtInt(total)} done${failedUnits ? ` · ${fmtInt(failedUnits)} with problems` : ""}`
      : "Reading the file…";
    $("job-progress").setAttribute("aria-valuenow", String(pct));
    $("job-progress-bar").style.width = `${pct}%`;
    $("job-percent").textContent = `${pct}%`;
    const errors = Array.isArray(job.errors) ? job.errors : [];
    const list = $("job-errors-list");
    list.replaceChildren(...errors.map((err) => {
      const where = [];
      if (err && err.row !== undefined && err.row !== null) where.push(`Row ${err.row}`);
      if (err && err.domain) where.push(err.domain);
      const text = sentence(typeof err === "string" ? err : err && err.message) || "Unknown problem.";
      return el("li", { dataset: { testid: "job-error" } },
        where.length ? el("strong", {}, `${where.join(" · ")}: `) : null, text);
    }));
    $("job-errors").hidden = errors.length === 0;
    if (errors.length && (Number(job.failed) || 0) > errors.length) {
      list.append(el("li", { class: "muted" }, `…and ${fmtInt(job.failed - errors.length)} more.`));
    }
  }

  // ---------------------------------------------------------------------------------------
  // "Why this score?" dialog

  const dialog = $("breakdown");
  let dialogReturnFocus = null;
  let breakdownController = null;

  async function openBreakdown(domain, opener) {
    dialogReturnFocus = opener || document.activeElement;
    $("bd-title").textContent = "Why this score?";
    $("bd-sub").textContent = domain;
    $("bd-body").replaceChildren(el("div", { class: "dialog-loading", dataset: { testid: "breakdown-loading" } },
      el("span", { class: "spinner", "aria-hidden": "true" }), "Loading the breakdown…"));
    dialog.dataset.domain = domain;
    if (!dialog.open) dialog.showModal();
    if (breakdownController) breakdownController.abort();
    const controller = new AbortController();
    breakdownController = controller;
    try {
      const data = await api(`/api/leads/${encodeURIComponent(domain)}/score-breakdown`, { signal: controller.signal });
      if (controller.signal.aborted || dialog.dataset.domain !== domain) return;
      renderBreakdown(domain, data || {});
    } catch (e) {
      if (e && e.name === "AbortError") return;
      $("bd-body").replaceChildren(el("p", { class: "dialog-error", role: "alert" },
        `The breakdown could not be loaded: ${e.message}`));
    }
  }

  /** Finds the first array among the given keys (the server's shape may nest the lead). */
  function pick(obj, ...keys) {
    for (const k of keys) {
      const path = k.split(".");
      let v = obj;
      for (const part of path) v = v && typeof v === "object" ? v[part] : undefined;
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }

  function renderBreakdown(domain, data) {
    const lead = pick(data, "lead") || data;
    const field = (k) => pick(data, k, `lead.${k}`, `score.${k}`, `signals.${k}`, `p_model.${k}`, `pmodel.${k}`, `priority.${k}`);
    const linesRaw = pick(data, "lines", "breakdown", "score_lines", "score.breakdown", "lead.breakdown") || [];
    const lines = Array.isArray(linesRaw) ? linesRaw : [];
    const evidenceRaw = pick(data, "evidence", "signals.evidence", "lead.evidence") || [];
    const evidence = Array.isArray(evidenceRaw) ? evidenceRaw : [];
    const score = field("readiness_score") ?? field("score") ?? field("total");
    const category = field("priority_category");
    const label = field("priority_label");

    if (category || score !== undefined) {
      $("bd-title").replaceChildren("Why this score? ",
        category ? priorityBadge(category, label) : null);
    }
    const company = field("company_name");
    $("bd-sub").textContent = company && company !== domain ? `${domain} · ${company}` : domain;

    const parts = [];

    // Summary
    const summary = el("div", { class: "bd-summary" },
      score !== undefined ? el("div", { class: "bd-score" },
        el("span", { class: "bd-score-num", dataset: { testid: "breakdown-score" } }, String(score)),
        el("span", { class: "bd-score-of" }, "/ 100")) : null,
      el("div", { class: "bd-summary-text" },
        el("div", { class: "bd-badges" },
          field("provider") ? providerBadge(field("provider")) : null,
          field("segment") ? segmentBadge(field("segment"), field("reason")) : null,
          field("referral_type") ? referralBadge(field("referral_type")) : null),
        field("reason") ? el("p", { class: "bd-reason", dataset: { testid: "breakdown-reason" } }, field("reason")) : null));
    parts.push(summary);

    // Score lines
    const rows = lines.map((line) => {
      const points = Number(line.points) || 0;
      const isTotal = line.name === "total";
      return el("tr", { class: isTotal ? "bd-total" : "", dataset: { testid: "breakdown-line", name: line.name || "" } },
        el("th", { scope: "row" },
          el("span", { class: "bd-label" }, line.label || line.name || ""),
          line.name && line.label && !isTotal ? el("code", { class: "bd-key" }, line.name) : null),
        el("td", { class: `num bd-points ${points > 0 ? "pos" : points < 0 ? "neg" : "zero"}` },
          isTotal ? String(points) : signed(points)));
    });
    const hasTotal = lines.some((l) => l.name === "total");
    if (!hasTotal && lines.length && score !== undefined) {
      rows.push(el("tr", { class: "bd-total", dataset: { testid: "breakdown-line", name: "total" } },
        el("th", { scope: "row" }, "Total"), el("td", { class: "num bd-points" }, String(score))));
    }
    parts.push(el("section", { class: "bd-section" },
      el("h3", {}, "Score lines"),
      lines.length
        ? el("table", { class: "bd-lines", dataset: { testid: "breakdown-lines" } },
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Line"), el("th", { scope: "col", class: "num" }, "Points"))),
          el("tbody", {}, rows))
        : el("p", { class: "muted" }, "No score lines were recorded for this lead.")));

    // Signals and P-model
    const facts = [
      ["Scan status", field("scan_status") ? (field("scan_status") === "ok" ? "ok (all lookups answered)" : statusText(field("scan_status"))) : null],
      ["MX root", field("mx_root")],
      ["Gateway", field("gateway")],
      ["Local provider", field("local_provider")],
      ["Tenant size", field("tenant_size") ? cap(field("tenant_size")) : null],
      ["SPF", yesNo(field("spf"))],
      ["DKIM", yesNo(field("dkim"))],
      ["DMARC policy", field("dmarc_policy") || (field("scan_status") ? "no record" : null)],
      ["DMARC coverage", present(field("dmarc_coverage")) ? `${field("dmarc_coverage")}%` : null],
      ["Technical heat", field("technical_heat")],
      ["Commercial segment", field("commercial_segment")],
      ["Commercial heat", field("commercial_heat")],
      ["Priority", category ? `${category} · ${label || PRIORITY_LABEL[category] || ""}` : null],
      ["Azure tenant (Partner Center)", field("azure_tenant_id")],
      ["Entra tenant", field("entra_tenant_id")],
      ["Rules version", field("rules_version")],
      ["Scanned", field("scanned_at") ? formatTime(field("scanned_at")) : null],
    ].filter(([, v]) => present(v));
    if (facts.length) {
      parts.push(el("section", { class: "bd-section" },
        el("h3", {}, "Signals and priority"),
        el("dl", { class: "bd-facts", dataset: { testid: "breakdown-facts" } },
          facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]))));
    }

    // Evidence
    parts.push(el("section", { class: "bd-section" },
      el("h3", {}, "DNS evidence"),
      evidence.length
        ? el("ul", { class: "bd-evidence", dataset: { testid: "breakdown-evidence" } }, evidence.map((ev) => {
          if (typeof ev === "string") return el("li", { dataset: { testid: "evidence-item" } }, ev);
          return el("li", { class: ev.decisive ? "decisive" : "", dataset: { testid: "evidence-item" } },
            el("span", { class: "ev-kind" }, evidenceKind(ev.kind)),
            el("code", { class: "ev-detail" }, ev.detail || ""),
            ev.provider ? el("span", { class: "ev-provider" }, `→ ${ev.provider}`) : null,
            ev.decisive ? el("span", { class: "ev-decisive", title: "This item decided the provider" }, "decisive") : null);
        }))
        : el("p", { class: "muted", dataset: { testid: "breakdown-no-evidence" } }, "No provider evidence: nothing in DNS pointed to a known mail platform.")));

    $("bd-body").replaceChildren(...parts);
  }

  function yesNo(v) {
    if (v === true) return "found";
    if (v === false) return "missing";
    return null;
  }

  function evidenceKind(kind) {
    return {
      mx: "MX", gateway: "Gateway", spf_include: "SPF include", dkim: "DKIM", autodiscover: "Autodiscover",
      verification_txt: "Verification TXT", tenant: "Entra tenant", partner_center: "Partner Center",
    }[kind] || kind || "Evidence";
  }

  function formatTime(s) {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) return s;
    return d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
  }

  function closeDialog() {
    if (dialog.open) dialog.close();
  }

  $("bd-close").addEventListener("click", closeDialog);
  // A click on the backdrop lands on the <dialog> itself, outside its inner box.
  dialog.addEventListener("click", (e) => {
    if (e.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    const inner = dialog.querySelector(".dialog-inner").getBoundingClientRect();
    const inInner = e.clientX >= inner.left && e.clientX <= inner.right && e.clientY >= inner.top && e.clientY <= inner.bottom;
    if (!inside || !inInner) closeDialog();
  });
  dialog.addEventListener("close", () => {
    if (breakdownController) breakdownController.abort();
    breakdownController = null;
    delete dialog.dataset.domain;
    if (dialogReturnFocus && document.contains(dialogReturnFocus)) dialogReturnFocus.focus();
    dialogReturnFocus = null;
    if (location.hash.startsWith("#lead/")) history.replaceState(null, "", `${location.pathname}${location.search}`);
  });

  // ---------------------------------------------------------------------------------------
  // Partner Center (Task 2.5): the sync button appears only when the feature is on.

  async function loadConfig() {
    try {
      const cfg = await api("/api/config");
      $("sync-pc").hidden = !(cfg && cfg.partner_center_enabled === true);
    } catch (_) {
      $("sync-pc").hidden = true;
    }
  }

  $("sync-pc").addEventListener("click", async () => {
    const button = $("sync-pc");
    setBusy(button, true, "Syncing…");
    try {
      const res = await api("/api/referrals/sync", { method: "POST", json: {} });
      if (res && res.job_id) await waitForSync(res.job_id);
      else if (res) syncDone(res);
    } catch (e) {
      toast("error", "Partner Center sync failed.", e.message);
    } finally {
      setBusy(button, false);
    }
  });

  async function waitForSync(jobId) {
    for (;;) {
      const job = await api(`/api/jobs/${encodeURIComponent(jobId)}`);
      if (job.status === "completed") return syncDone(job.result || {});
      if (job.status === "failed") {
        const first = (job.errors || [])[0];
        throw new ApiError((first && (first.message || first)) || "The sync run failed.", 500, "sync_failed");
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  function syncDone(r) {
    const parts = [`${fmtInt(Number(r.success_count) || 0)} linked`];
    if (r.skipped_count) parts.push(`${fmtInt(r.skipped_count)} skipped`);
    if (r.failure_count) parts.push(`${fmtInt(r.failure_count)} failed`);
    toast(r.failure_count ? "error" : "success", "Partner Center sync finished", `${parts.join(", ")} of ${fmtInt(Number(r.total_fetched) || 0)} referrals.`);
    loadLeads();
    loadKpis();
  }

  // ---------------------------------------------------------------------------------------
  // Start

  function openFromHash() {
    const m = /^#lead\/(.+)$/.exec(location.hash);
    if (m) openBreakdown(decodeURIComponent(m[1]));
  }

  window.addEventListener("popstate", () => {
    readState();
    refresh();
  });
  window.addEventListener("hashchange", openFromHash);

  readState();
  refresh();
  loadKpis();
  loadConfig();
  resumeJob();
  openFromHash();
})();
