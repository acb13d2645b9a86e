// Hunter web UI: plain JavaScript, no framework, no build step.
// Talks to the JSON API of contract.md §4; every text the user sees comes from the English and
// Turkish catalog of i18n.js (team.md §7), or from the API in the language it was asked for.
"use strict";

(() => {
  const I18n = window.HunterI18n;
  const { t, label } = I18n;

  // ---------------------------------------------------------------------------------------
  // Vocabulary (hunter.md §5, contract.md §4): codes; their texts are in the catalog.

  const PRIORITIES = ["P1", "P2", "P3", "P4", "P5", "P6"];
  const SEGMENTS = ["Existing", "Migration", "Cold", "Skip"];
  const PROVIDERS = ["M365", "Google", "Yandex", "Zoho", "Amazon", "SendGrid", "Mailgun", "Hosting", "Local", "Unknown"];
  const REFERRALS = ["co-sell", "marketplace", "solution-provider"];

  const PAGE_SIZES = [25, 50, 100, 200];
  const DEFAULT_PAGE_SIZE = 50;
  const STORAGE_KEY = "hunter.leads.view";
  const FILTER_KEYS = ["segment", "provider", "referral_type", "priority_category", "min_score", "search"];
  const STATE_KEYS = [...FILTER_KEYS, "sort_by", "sort_order", "page", "page_size"];

  // Table columns. `sort`: the API's sort_by value; `first`: order of the first click.
  // The header text is the catalog's `col.<key>` (and `col.<key>_short` when `short`).
  const COLUMNS = [
    { key: "priority", short: true, sort: "priority_category", first: "asc" },
    { key: "domain", sort: "domain", first: "asc" },
    { key: "company", sort: "company_name", first: "asc" },
    { key: "referral", sort: "referral_type", first: "asc" },
    { key: "provider", sort: "provider", first: "asc" },
    { key: "gateway", sort: "gateway", first: "asc" },
    { key: "local_provider", sort: "local_provider", first: "asc" },
    { key: "tenant_size", sort: "tenant_size", first: "asc" },
    { key: "segment", sort: "segment", first: "asc" },
    { key: "score", sort: "readiness_score", first: "desc", numeric: true },
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

  /** An element whose text is the catalog's `key` and follows every language switch. */
  const tx = (tag, attrs, key, params) => I18n.bind(el(tag, attrs), key, params);
  const dash = () => I18n.bind(el("span", { class: "muted" }, "-"), "leads.none", null, "AriaLabel");
  const present = (v) => v !== null && v !== undefined && v !== "";
  const fmtInt = (n) => I18n.number(n);
  const signed = (n) => (n > 0 ? `+${fmtInt(n)}` : n < 0 ? `−${fmtInt(Math.abs(n))}` : "0");

  /** The server's messages are sentence fragments ("not a usable domain: …"): show them as
   *  sentences. */
  function sentence(text) {
    const s = typeof text === "string" ? text.trim() : "";
    if (!s) return "";
    const first = s.charAt(0).toLocaleUpperCase(I18n.locale()) + s.slice(1);
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

  /** A text of the catalog, translated when shown (and again on a language switch). */
  const T = (key, params) => ({ $key: key, params });

  /** Nodes for a text: a plain string (the server's, already in the page's language), a `T()`
   *  or a list of them. */
  function textNodes(text) {
    if (text === null || text === undefined || text === "") return [];
    if (Array.isArray(text)) return text.flatMap(textNodes);
    if (typeof text === "object" && text.$key) return [tx("span", {}, text.$key, text.params)];
    return [document.createTextNode(String(text))];
  }

  /** An error whose message is fit to show to a user; `text` is its catalog text when the UI
   *  wrote it (the server's messages come in the requested language already). */
  class ApiError extends Error {
    constructor(message, status, code, text) {
      super(message);
      this.status = status;
      this.code = code;
      this.text = text || message;
    }
  }

  /** What to show of any error: its catalog text, or its message. */
  const errText = (e) => (e && (e.text || e.message)) || "";

  /** An ApiError whose message is the catalog's `key`. */
  const uiError = (key, status, code, params) => new ApiError(t(key, params), status, code, T(key, params));

  const STATUS_TEXT = [400, 404, 409, 413, 415, 422, 429, 500, 503];

  /** `Accept-Language` of every API call: the server's texts follow the page's language. */
  const langHeaders = () => ({ "Accept-Language": I18n.lang });

  /** fetch + JSON + the error envelope `{"error":{"code","message"}}` → ApiError. */
  async function api(path, options = {}) {
    const opts = { ...options, headers: { Accept: "application/json", ...langHeaders(), ...(options.headers || {}) } };
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
      throw uiError("error.network", 0, "network");
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
      const code = (envelope && envelope.code) || String(response.status);
      // No session (never signed in, or it ended): off to sign in with Microsoft.
      if (response.status === 401) {
        needSignIn();
        throw uiError("auth.signed_out_text", 401, code);
      }
      // Signed in, but without the role: a text of ours, in the page's language.
      if (response.status === 403 && code === "forbidden") throw uiError("error.forbidden", 403, code);
      const message = sentence(envelope && envelope.message);
      if (message) throw new ApiError(message, response.status, code);
      if (STATUS_TEXT.includes(response.status)) throw uiError(`error.${response.status}`, response.status, code);
      throw uiError("error.status", response.status, code, { status: String(response.status) });
    }
    return body;
  }

  // ---------------------------------------------------------------------------------------
  // Toasts

  function toast(kind, title, message) {
    // On the way to the sign-in page: nothing to tell that the next page will not fix.
    if (leaving) return el("div");
    const box = el("div", {
      class: `toast toast-${kind}`,
      role: kind === "error" ? "alert" : "status",
      dataset: { testid: `toast-${kind}` },
    });
    const close = I18n.bind(el("button", { type: "button", class: "toast-close" }, "×"), "toast.dismiss", null, "AriaLabel");
    const body = textNodes(message);
    box.append(
      el("span", { class: "toast-icon", "aria-hidden": "true" }, kind === "error" ? "!" : "✓"),
      el("div", { class: "toast-text" },
        el("strong", { class: "toast-title" }, textNodes(title)),
        body.length ? el("span", { class: "toast-message", dataset: { testid: "toast-message" } }, body) : null),
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
  // Who is signed in (team.md §2): `/api/me` first; a 401 from any call sends the browser to
  // sign in with Microsoft and back here. A loop guard and the "signed out" page stop the
  // browser from bouncing: after a sign-out, or when the last trip to sign in came back without
  // a session, the page says so and offers the button instead of going again.

  const LOGIN_AT_KEY = "hunter.auth.login_at";
  const SIGNED_OUT_KEY = "hunter.auth.signed_out";
  const LOGIN_RETRY_MS = 60 * 1000;
  const ADMIN_ROLE = "Hunter.Admin";

  /** `{mode, user}` of `/api/me`, or null before it answered (or when it could not). */
  let me = null;
  /** True once the page is leaving for the sign-in page. */
  let leaving = false;

  function session(op, key, value) {
    try {
      if (op === "get") return sessionStorage.getItem(key);
      if (op === "set") sessionStorage.setItem(key, value);
      else sessionStorage.removeItem(key);
      return true;
    } catch (_) {
      return null;
    }
  }

  const currentPath = () => `${location.pathname}${location.search}`;
  const signInHref = () => `/auth/login?return_to=${encodeURIComponent(currentPath())}`;

  function needSignIn() {
    if (leaving) return;
    const signedOut = session("get", SIGNED_OUT_KEY) === "1";
    const last = Number(session("get", LOGIN_AT_KEY)) || 0;
    const recent = Date.now() - last < LOGIN_RETRY_MS;
    // Without sessionStorage there is no loop guard: the button, never an automatic trip.
    const remembered = session("set", LOGIN_AT_KEY, String(Date.now()));
    if (signedOut || recent || !remembered) {
      showGate(signedOut ? "signed_out" : "failed");
      return;
    }
    leaving = true;
    location.assign(signInHref());
  }

  /** The page for a browser without a session: the work areas hidden, one button. */
  function showGate(kind) {
    const gate = $("signed-out");
    I18n.bind($("gate-title"), `auth.${kind}_title`);
    I18n.bind($("gate-text"), `auth.${kind}_text`);
    $("sign-in").href = signInHref();
    gate.hidden = false;
    gate.dataset.kind = kind;
    for (const id of ["work-panels", "leads-section", "kpis", "admin-page", "app-footer"]) $(id).hidden = true;
    $("user-box").hidden = true;
    $("open-admin").hidden = true;
  }

  $("sign-in").addEventListener("click", () => {
    session("remove", SIGNED_OUT_KEY);
    session("set", LOGIN_AT_KEY, String(Date.now()));
    $("sign-in").href = signInHref();
  });

  $("sign-out-form").addEventListener("submit", () => {
    // Back at `/` after Microsoft's sign-out: the "signed out" page, not a new sign-in.
    session("set", SIGNED_OUT_KEY, "1");
    session("remove", LOGIN_AT_KEY);
  });

  // The server says (`admin`), since HUNTER_AUTH_ADMIN_ROLE may name another role.
  const isAdmin = () => !!me && (me.mode === "local"
    || (me.user && me.user.admin === true)
    || (Array.isArray(me.user && me.user.roles) && me.user.roles.includes(ADMIN_ROLE)));

  /** Asks who is signed in; false when the page cannot go on (no session). */
  async function loadMe() {
    try {
      me = await api("/api/me");
    } catch (e) {
      if (e && e.status === 401) return false;
      // An older server or a hiccup: the lead pages still work, without the admin page.
      me = null;
      return true;
    }
    session("remove", LOGIN_AT_KEY);
    session("remove", SIGNED_OUT_KEY);
    renderMe();
    return true;
  }

  function renderMe() {
    const local = !!me && me.mode === "local";
    $("local-mode").hidden = !local;
    $("user-box").hidden = !me || local;
    $("open-admin").hidden = !isAdmin();
    if (me && !local) {
      const user = me.user || {};
      const name = $("user-name");
      name.textContent = user.name || user.email || user.id || "";
      if (user.email) name.title = user.email;
      const admin = isAdmin();
      const role = $("user-role");
      role.className = `badge role-badge ${admin ? "role-admin" : "role-user"}`;
      role.tabIndex = 0;
      I18n.bind(role, admin ? "auth.role_admin" : "auth.role_user");
      I18n.bind(role, admin ? "auth.role_admin_tip" : "auth.role_user_tip", null, "Tip");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Views: the leads (the default) or the admin page (`#admin`, admins only).

  const ADMIN_HASH = "#admin";
  let adminShown = false;

  function route() {
    if (!$("signed-out").hidden) return;
    const wantAdmin = location.hash === ADMIN_HASH && isAdmin() && !!window.HunterAdmin;
    for (const id of ["work-panels", "leads-section", "kpis", "app-footer"]) $(id).hidden = wantAdmin;
    $("admin-page").hidden = !wantAdmin;
    $("open-admin").classList.toggle("is-current", wantAdmin);
    if (wantAdmin) $("open-admin").setAttribute("aria-current", "page");
    else $("open-admin").removeAttribute("aria-current");
    if (wantAdmin !== adminShown) window.scrollTo(0, 0);
    if (wantAdmin && !adminShown) window.HunterAdmin.show();
    if (!wantAdmin && adminShown && window.HunterAdmin) window.HunterAdmin.hide();
    adminShown = wantAdmin;
    if (location.hash === ADMIN_HASH && me && !isAdmin()) {
      history.replaceState(null, "", currentPath());
      toast("error", T("error.forbidden_title"), T("error.forbidden"));
    }
  }

  $("close-admin").addEventListener("click", (e) => {
    e.preventDefault();
    history.pushState(null, "", currentPath());
    route();
  });

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

  function priorityBadge(category, priorityLabel) {
    const cat = category || "P6";
    const text = priorityLabel || label("priority", cat);
    return el("span", {
      class: `badge prio prio-${cat.toLowerCase()}`,
      tabindex: "0",
      "data-tip": `${cat}: ${text}`,
      "aria-label": `${cat}, ${text}`,
      dataset: { testid: "priority-badge", priority: cat },
    }, cat);
  }

  function segmentBadge(segment, reason) {
    const explanation = reason || label("segment_meaning", segment);
    const name = label("segment", segment);
    return el("span", {
      class: `badge seg seg-${String(segment).toLowerCase()}`,
      tabindex: "0",
      "data-tip": explanation,
      "aria-label": `${name}: ${explanation}`,
      dataset: { testid: "segment-badge", segment },
    }, name);
  }

  function providerBadge(provider) {
    const p = provider || "Unknown";
    return el("span", {
      class: `badge prov prov-${p.toLowerCase()}`,
      title: label("provider_name", p),
      dataset: { testid: "provider-badge", provider: p },
    }, label("provider", p));
  }

  function referralBadge(type) {
    if (!type) return el("span", { class: "muted", dataset: { testid: "referral-badge", referral: "" } }, "-");
    const long = label("referral_name", type);
    return el("span", {
      class: `badge ref ref-${type}`,
      tabindex: "0",
      "data-tip": long,
      "aria-label": long,
      dataset: { testid: "referral-badge", referral: type },
    }, label("referral", type));
  }

  function scoreMeter(score) {
    const s = Number(score) || 0;
    const band = s >= 70 ? "high" : s >= 40 ? "mid" : "low";
    return el("span", { class: `score score-${band}`, dataset: { testid: "score", score: String(s) } },
      el("span", { class: "score-num" }, fmtInt(s)),
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

  /** Appends options `[value, textKey, titleKey]`, whose texts follow the language. */
  function fillSelect(select, options) {
    for (const [value, textKey, titleKey, params] of options) {
      const option = tx("option", { value }, textKey, params);
      if (titleKey) I18n.bind(option, titleKey, params, "Title");
      select.append(option);
    }
  }

  const fSearch = $("f-search");
  const fSegment = $("f-segment");
  const fPriority = $("f-priority");
  const fProvider = $("f-provider");
  const fReferral = $("f-referral");
  const fMinScore = $("f-min-score");
  const pageSize = $("page-size");

  fillSelect(fSegment, SEGMENTS.map((s) => [s, `segment.${s}`, `segment_meaning.${s}`]));
  fillSelect(fPriority, PRIORITIES.map((p) => [p, "filters.priority_option", `priority.${p}`, { code: p, label: { $key: `priority.${p}` } }]));
  fillSelect(fProvider, PROVIDERS.map((p) => [p, p === "M365" ? "provider_name.M365" : `provider.${p}`, `provider_name.${p}`]));
  fillSelect(fReferral, REFERRALS.map((v) => [v, `referral_option.${v}`, `referral_name.${v}`]));

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
      toast("error", T("filters.bad_min_score"));
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
      const next = active ? (order === "asc" ? "desc" : "asc") : col.first;
      const title = t(`col.${col.key}`);
      th.append(el("button", {
        type: "button",
        class: `sort${active ? " is-active" : ""}`,
        title: t(`sort.${next}`, { column: title.toLocaleLowerCase(I18n.locale()) }),
        dataset: { testid: `sort-${col.key}` },
        onclick: () => sortBy(col),
      }, col.short
        ? [el("span", { class: "th-long" }, title), el("span", { class: "th-short", "aria-hidden": "true" }, t(`col.${col.key}_short`))]
        : title,
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
      translate: "no",
      title: t("leads.open_title", { domain: lead.domain }),
      dataset: { testid: "lead-link", domain: lead.domain },
      onclick: (e) => {
        e.preventDefault();
        openBreakdown(lead.domain, e.currentTarget);
      },
    }, lead.domain);
    const status = lead.scan_status && !["ok"].includes(lead.scan_status)
      ? el("span", { class: `status status-${lead.scan_status}`, "data-tip": label("status_text", lead.scan_status), tabindex: "0" }, label("status", lead.scan_status))
      : null;
    const company = present(lead.company_name) && lead.company_name !== lead.domain ? lead.company_name : null;
    const cells = {
      priority: priorityBadge(lead.priority_category, lead.priority_label),
      domain: el("span", { class: "domain-cell" }, domainLink, status),
      company: company ? el("span", { class: "company", title: company, translate: "no" }, company) : dash(),
      referral: referralBadge(lead.referral_type),
      provider: providerBadge(lead.provider),
      gateway: present(lead.gateway) ? el("span", { translate: "no" }, lead.gateway) : dash(),
      local_provider: present(lead.local_provider) ? el("span", { translate: "no" }, lead.local_provider) : dash(),
      tenant_size: present(lead.tenant_size) ? label("tenant_size", lead.tenant_size) : dash(),
      segment: segmentBadge(lead.segment, lead.reason),
      score: el("span", { class: "score-cell" }, scoreMeter(lead.readiness_score),
        el("button", {
          type: "button",
          class: "why",
          "aria-label": t("leads.why_label", { domain: lead.domain }),
          title: t("bd.title"),
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
      toast("error", T("leads.load_error"), errText(e));
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
      I18n.bind($("empty-title"), filtered ? "empty.filtered_title" : "empty.none_title");
      I18n.bind($("empty-text"), filtered ? "empty.filtered_text" : "empty.none_text");
      $("empty-clear").hidden = !filtered;
    }

    const from = total === 0 ? 0 : (page - 1) * size + 1;
    const to = Math.min(total, (page - 1) * size + leads.length);
    if (total === 0) I18n.bind($("page-summary"), "pager.no_leads");
    else I18n.bind($("page-summary"), "pager.summary", { from, to, count: total });
    I18n.bind($("page-of"), "pager.page_of", { page, pages });
    $("page-prev").disabled = page <= 1;
    $("page-next").disabled = page >= pages;
  }

  function renderLeadsError(e) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: String(COLUMNS.length), class: "table-error" },
      textNodes(T("leads.table_error", { message: errText(e) })))));
    $("empty").hidden = true;
    $("table-wrap").hidden = false;
    delete $("page-summary").dataset.i18n;
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

  /** The downloads carry the filters and the page's language (`lang=`: a link sends no
   *  `Accept-Language` of ours). */
  function updateExportLinks() {
    const p = filterParams();
    p.set("lang", I18n.lang);
    const qs = p.toString();
    $("export-csv").href = `/api/leads/export?format=csv&${qs}`;
    $("export-xlsx").href = `/api/leads/export?format=xlsx&${qs}`;
  }

  // A download is a plain navigation, so the page would never see its 401: with sign-in on,
  // the session is checked first, and an ended one goes to sign-in (through `api`) instead of
  // saving the error as a file.
  for (const id of ["export-csv", "export-xlsx"]) {
    $(id).addEventListener("click", async (e) => {
      if (!me || me.mode !== "entra") return;
      e.preventDefault();
      const href = e.currentTarget.href;
      try {
        await api("/api/me");
      } catch (_) {
        return;
      }
      window.location.href = href;
    });
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
      toast("error", T("kpi.error"), errText(e));
    } finally {
      box.setAttribute("aria-busy", "false");
    }
  }

  function renderKpis(k) {
    $("kpi-total").textContent = fmtInt(Number(k.total_leads) || 0);
    const byPriority = k.by_priority || {};
    $("kpi-priority").replaceChildren(...PRIORITIES.map((p) => el("button", {
      type: "button",
      class: `kpi-chip prio-${p.toLowerCase()}${state.priority_category === p ? " is-active" : ""}`,
      "aria-pressed": state.priority_category === p ? "true" : "false",
      "data-tip": t("kpi.filter_tip", { label: `${p}: ${label("priority", p)}` }),
      dataset: { testid: `kpi-priority-${p}`, filter: "priority", value: p },
      onclick: () => setFilter("priority_category", state.priority_category === p ? "" : p),
    }, el("span", { class: "chip-key" }, p), el("span", { class: "chip-val" }, fmtInt(Number(byPriority[p]) || 0)))));
    const bySegment = k.by_segment || {};
    $("kpi-segment").replaceChildren(...SEGMENTS.map((s) => el("button", {
      type: "button",
      class: `kpi-chip kseg-${s.toLowerCase()}${state.segment === s ? " is-active" : ""}`,
      "aria-pressed": state.segment === s ? "true" : "false",
      "data-tip": t("kpi.filter_tip", { label: `${label("segment", s)}: ${label("segment_meaning", s).replace(/\.$/, "")}` }),
      dataset: { testid: `kpi-segment-${s}`, filter: "segment", value: s },
      onclick: () => setFilter("segment", state.segment === s ? "" : s),
    }, el("span", { class: "chip-key" }, label("segment", s)), el("span", { class: "chip-val" }, fmtInt(Number(bySegment[s]) || 0)))));
  }

  // ---------------------------------------------------------------------------------------
  // Buttons with a busy state

  /** Busy: the label shows the catalog's `busyKey` (and follows a language switch). */
  function setBusy(button, busy, busyKey) {
    const text = button.querySelector(".btn-label") || button;
    if (busy) {
      if (!button.dataset.idleKey) button.dataset.idleKey = text.dataset.i18n || "";
      I18n.bind(text, busyKey);
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      if (!button.querySelector(".spinner")) button.prepend(el("span", { class: "spinner", "aria-hidden": "true" }));
    } else {
      if (button.dataset.idleKey) I18n.bind(text, button.dataset.idleKey);
      delete button.dataset.idleKey;
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
      toast("error", T("scan.empty_title"), T("scan.empty_text"));
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    const button = $("scan-submit");
    setBusy(button, true, "scan.busy");
    try {
      const lead = await api("/api/scan/domain", { method: "POST", json: { domain } });
      showScanResult(lead);
      toast("success", T("scan.done_title", { domain: lead.domain }),
        T("scan.done_text", {
          category: lead.priority_category,
          label: lead.priority_label,
          score: lead.readiness_score,
          segment: { $label: ["segment", lead.segment] },
        }));
      input.value = "";
      loadLeads();
      loadKpis();
    } catch (err) {
      input.setAttribute("aria-invalid", "true");
      const title = err.status === 422 || err.status === 400
        ? T("scan.bad_title", { domain })
        : T("scan.failed_title");
      const message = err.status === 422 && !err.message ? T("scan.not_a_domain") : errText(err);
      toast("error", title, message);
    } finally {
      setBusy(button, false);
    }
  });
  $("scan-domain").addEventListener("input", () => $("scan-domain").removeAttribute("aria-invalid"));

  function showScanResult(lead) {
    const box = $("scan-result");
    box.hidden = false;
    box.dataset.domain = lead.domain;
    box.replaceChildren(
      el("div", { class: "scan-result-head" },
        priorityBadge(lead.priority_category, lead.priority_label),
        el("strong", { class: "scan-result-domain", translate: "no", dataset: { testid: "scan-result-domain" } }, lead.domain),
        scoreMeter(lead.readiness_score)),
      el("div", { class: "scan-result-meta" },
        providerBadge(lead.provider),
        segmentBadge(lead.segment, lead.reason),
        lead.gateway ? tx("span", { class: "meta" }, "scan.meta_gateway", { gateway: lead.gateway }) : null,
        lead.tenant_size ? tx("span", { class: "meta" }, "scan.meta_tenant", { size: { $label: ["tenant_size", lead.tenant_size] } }) : null,
        lead.scan_status && lead.scan_status !== "ok"
          ? tx("span", { class: "meta" }, "scan.meta_status", { status: { $label: ["status", lead.scan_status] } }) : null),
      el("p", { class: "scan-result-reason" }, lead.reason || ""),
      tx("button", {
        type: "button",
        class: "btn btn-link",
        dataset: { testid: "scan-result-why" },
        onclick: (e) => openBreakdown(lead.domain, e.currentTarget),
      }, "bd.title"),
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
      toast("error", T("upload.no_file_title"), T("upload.no_file_text"));
      fileInput.focus();
      return;
    }
    if (!/\.(csv|xlsx)$/i.test(file.name)) {
      toast("error", T("upload.bad_type_title"), T("upload.bad_type_text"));
      return;
    }
    const autoDetect = $("upload-auto-detect").checked;
    const form = new FormData();
    form.append("file", file, file.name);
    const button = $("upload-submit");
    setBusy(button, true, "upload.uploading");
    try {
      const res = await api(`/api/ingest/file?scan=true&auto_detect=${autoDetect}`, { method: "POST", body: form });
      if (!res || !res.job_id) throw uiError("upload.no_job", 500, "no_job");
      I18n.bind($("upload-submit").querySelector(".btn-label"), "upload.importing");
      startJob(res.job_id, file.name);
      fileInput.value = "";
      showFileName();
    } catch (err) {
      toast("error", T("upload.failed_title", { name: file.name }), errText(err));
      setBusy(button, false);
    }
  });

  /** The chosen file's name beside our "Choose a file" button. */
  function showFileName() {
    const input = $("upload-file");
    const box = $("upload-file-name");
    const file = input.files && input.files[0];
    if (file) {
      delete box.dataset.i18n;
      box.setAttribute("translate", "no");
      box.textContent = file.name;
    } else {
      box.removeAttribute("translate");
      I18n.bind(box, "upload.no_file");
    }
  }
  $("upload-file").addEventListener("change", showFileName);

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
        toast("error", T("job.not_found_title"), T("job.not_found_text"));
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
          text = [
            T("job.done_imported", { count: r.ingested }),
            skipped ? T("job.done_skipped", { count: skipped }) : null,
            T(failed ? "job.done_see_below" : "job.done_end"),
          ];
        } else {
          text = [
            T("job.done_progress", { done: Number(job.succeeded) || 0, total: Number(job.total) || 0 }),
            T(failed ? "job.done_problems" : "job.done_end", { count: failed }),
          ];
        }
        // Some bad rows do not make the import a failure: they are listed under the bar.
        const nothing = typeof r.ingested === "number" ? r.ingested === 0 : (Number(job.succeeded) || 0) === 0;
        toast(nothing ? "error" : "success", T("job.done_title", { name }), text.filter(Boolean));
      } else {
        const first = (job.errors || [])[0];
        toast("error", T("job.failed_title", { name }), sentence(first && first.message) || T("job.stopped"));
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
      setBusy($("upload-submit"), true, "upload.importing");
      startJob(saved.jobId, saved.name ? String(saved.name) : T("upload.your_file"));
    }
  }

  let lastJob = null;

  function renderJob(job, name) {
    lastJob = { job, name };
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
    I18n.bind($("job-status"), "job.status_line", { status: { $label: ["job.status", job.status] }, name });
    // Units of work: the file's rows, then one scan per imported company.
    const failedUnits = Number(job.failed) || 0;
    if (total > 0 || done) {
      I18n.bind($("job-counts"), failedUnits ? "job.counts_problems" : "job.counts", { processed, total, count: failedUnits });
    } else {
      I18n.bind($("job-counts"), "job.reading");
    }
    $("job-progress").setAttribute("aria-valuenow", String(pct));
    $("job-progress-bar").style.width = `${pct}%`;
    I18n.bind($("job-percent"), "common.percent", { value: pct });
    const errors = Array.isArray(job.errors) ? job.errors : [];
    const list = $("job-errors-list");
    list.replaceChildren(...errors.map((err) => {
      const where = [];
      if (err && err.row !== undefined && err.row !== null) where.push(t("job.row", { row: err.row }));
      if (err && err.domain) where.push(err.domain);
      const text = sentence(typeof err === "string" ? err : err && err.message) || t("job.unknown_problem");
      return el("li", { dataset: { testid: "job-error" } },
        where.length ? el("strong", {}, `${where.join(" · ")}: `) : null, text);
    }));
    $("job-errors").hidden = errors.length === 0;
    if (errors.length && (Number(job.failed) || 0) > errors.length) {
      list.append(el("li", { class: "muted" }, t("job.more", { count: job.failed - errors.length })));
    }
  }

  // ---------------------------------------------------------------------------------------
  // "Why this score?" dialog

  const dialog = $("breakdown");
  let dialogReturnFocus = null;
  let breakdownController = null;

  async function openBreakdown(domain, opener) {
    dialogReturnFocus = opener || document.activeElement;
    $("bd-title").textContent = t("bd.title");
    $("bd-sub").textContent = domain;
    $("bd-body").replaceChildren(el("div", { class: "dialog-loading", dataset: { testid: "breakdown-loading" } },
      el("span", { class: "spinner", "aria-hidden": "true" }), tx("span", {}, "bd.loading")));
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
      $("bd-body").replaceChildren(tx("p", { class: "dialog-error", role: "alert" }, "bd.error", { message: errText(e) }));
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
    const priorityLabel = field("priority_label");

    if (category || score !== undefined) {
      $("bd-title").replaceChildren(`${t("bd.title")} `,
        category ? priorityBadge(category, priorityLabel) : null);
    }
    const company = field("company_name");
    $("bd-sub").textContent = company && company !== domain ? `${domain} · ${company}` : domain;

    const parts = [];

    // Summary
    const summary = el("div", { class: "bd-summary" },
      score !== undefined ? el("div", { class: "bd-score" },
        el("span", { class: "bd-score-num", dataset: { testid: "breakdown-score" } }, fmtInt(Number(score))),
        el("span", { class: "bd-score-of" }, t("bd.out_of"))) : null,
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
          line.name && line.label && !isTotal ? el("code", { class: "bd-key", translate: "no" }, line.name) : null),
        el("td", { class: `num bd-points ${points > 0 ? "pos" : points < 0 ? "neg" : "zero"}` },
          isTotal ? fmtInt(points) : signed(points)));
    });
    const hasTotal = lines.some((l) => l.name === "total");
    if (!hasTotal && lines.length && score !== undefined) {
      rows.push(el("tr", { class: "bd-total", dataset: { testid: "breakdown-line", name: "total" } },
        el("th", { scope: "row" }, t("bd.total")), el("td", { class: "num bd-points" }, fmtInt(Number(score)))));
    }
    parts.push(el("section", { class: "bd-section" },
      el("h3", {}, t("bd.lines")),
      lines.length
        ? el("table", { class: "bd-lines", dataset: { testid: "breakdown-lines" } },
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("bd.line")), el("th", { scope: "col", class: "num" }, t("bd.points")))),
          el("tbody", {}, rows))
        : el("p", { class: "muted" }, t("bd.no_lines"))));

    // Signals and P-model
    // Names and ids from DNS or Partner Center, shown as they are (translate="no").
    const DATA_FACTS = ["mx_root", "gateway", "local_provider", "azure_tenant", "entra_tenant", "rules_version"];
    const scanStatus = field("scan_status");
    const facts = [
      ["scan_status", scanStatus ? (scanStatus === "ok" ? t("bd.fact.scan_ok") : label("status_text", scanStatus)) : null],
      ["mx_root", field("mx_root")],
      ["gateway", field("gateway")],
      ["local_provider", field("local_provider")],
      ["tenant_size", field("tenant_size") ? label("tenant_size", field("tenant_size")) : null],
      ["spf", yesNo(field("spf"))],
      ["dkim", yesNo(field("dkim"))],
      ["dmarc_policy", field("dmarc_policy") ? label("dmarc", field("dmarc_policy")) : (scanStatus ? t("bd.fact.no_record") : null)],
      ["dmarc_coverage", present(field("dmarc_coverage")) ? t("common.percent", { value: Number(field("dmarc_coverage")) }) : null],
      ["technical_heat", label("heat", field("technical_heat"))],
      ["commercial_segment", label("commercial_segment", field("commercial_segment"))],
      ["commercial_heat", label("commercial_heat", field("commercial_heat"))],
      ["priority", category ? `${category} · ${priorityLabel || label("priority", category)}` : null],
      ["azure_tenant", field("azure_tenant_id")],
      ["entra_tenant", field("entra_tenant_id")],
      ["rules_version", field("rules_version")],
      ["scanned", field("scanned_at") ? I18n.dateTime(field("scanned_at")) : null],
    ].filter(([, v]) => present(v));
    if (facts.length) {
      parts.push(el("section", { class: "bd-section" },
        el("h3", {}, t("bd.signals")),
        el("dl", { class: "bd-facts", dataset: { testid: "breakdown-facts" } },
          facts.flatMap(([k, v]) => [
            el("dt", {}, t(`bd.fact.${k}`)),
            el("dd", { translate: DATA_FACTS.includes(k) ? "no" : null }, String(v))]))));
    }

    // Evidence
    parts.push(el("section", { class: "bd-section" },
      el("h3", {}, t("bd.evidence")),
      evidence.length
        ? el("ul", { class: "bd-evidence", dataset: { testid: "breakdown-evidence" } }, evidence.map((ev) => {
          if (typeof ev === "string") return el("li", { dataset: { testid: "evidence-item" } }, ev);
          return el("li", { class: ev.decisive ? "decisive" : "", dataset: { testid: "evidence-item" } },
            el("span", { class: "ev-kind" }, label("evidence", ev.kind || "other")),
            el("code", { class: "ev-detail", translate: "no" }, ev.detail || ""),
            ev.provider ? el("span", { class: "ev-provider", title: label("provider_name", ev.provider) }, `→ ${label("provider", ev.provider)}`) : null,
            ev.decisive ? el("span", { class: "ev-decisive", title: t("bd.decisive_title") }, t("bd.decisive")) : null);
        }))
        : el("p", { class: "muted", dataset: { testid: "breakdown-no-evidence" } }, t("bd.no_evidence"))));

    $("bd-body").replaceChildren(...parts);
  }

  function yesNo(v) {
    if (v === true) return t("bd.fact.found");
    if (v === false) return t("bd.fact.missing");
    return null;
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
    setBusy(button, true, "header.syncing");
    try {
      const res = await api("/api/referrals/sync", { method: "POST", json: {} });
      if (res && res.job_id) await waitForSync(res.job_id);
      else if (res) syncDone(res);
    } catch (e) {
      toast("error", T("sync.failed_title"), errText(e));
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
        const message = first && (first.message || first);
        if (message) throw new ApiError(String(message), 500, "sync_failed");
        throw uiError("sync.run_failed", 500, "sync_failed");
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  function syncDone(r) {
    const parts = [T("sync.linked", { count: Number(r.success_count) || 0 })];
    if (r.skipped_count) parts.push(T("sync.skipped", { count: Number(r.skipped_count) }));
    if (r.failure_count) parts.push(T("sync.failed", { count: Number(r.failure_count) }));
    parts.push(T("sync.of_total", { count: Number(r.total_fetched) || 0 }));
    toast(r.failure_count ? "error" : "success", T("sync.done_title"), parts);
    loadLeads();
    loadKpis();
  }

  // ---------------------------------------------------------------------------------------
  // Start

  function openFromHash() {
    route();
    const m = /^#lead\/(.+)$/.exec(location.hash);
    if (m) openBreakdown(decodeURIComponent(m[1]));
  }

  window.addEventListener("popstate", () => {
    readState();
    refresh();
    route();
  });
  window.addEventListener("hashchange", openFromHash);

  // ---------------------------------------------------------------------------------------
  // Language (team.md §7): the EN/TR switch applies without a reload. The static texts follow
  // by themselves (i18n.js); what was drawn from API data is drawn again, from a fresh fetch so
  // that the server's texts (reason, labels, messages) come in the new language too.

  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => I18n.setLang(button.dataset.lang));
  }

  document.addEventListener("hunter:lang", async () => {
    hideTip();
    refresh();
    loadKpis();
    if (dialog.open && dialog.dataset.domain) openBreakdown(dialog.dataset.domain, dialogReturnFocus);
    const scanBox = $("scan-result");
    if (!scanBox.hidden && scanBox.dataset.domain) {
      try {
        showScanResult(await api(`/api/leads/${encodeURIComponent(scanBox.dataset.domain)}`));
      } catch (_) {
        scanBox.hidden = true;
      }
    }
    const jobBox = $("job");
    if (!jobBox.hidden && lastJob && ["completed", "failed"].includes(lastJob.job.status)) {
      const { name } = lastJob;
      const jobId = jobBox.dataset.jobId;
      try {
        const job = await api(`/api/jobs/${encodeURIComponent(jobId)}`);
        if (jobBox.dataset.jobId === jobId) renderJob(job, name);
      } catch (_) {
        // The job is gone: what is shown stays.
      }
    }
  });

  // For admin.js: the same helpers, the same API client, the same toasts.
  window.HunterApp = {
    $, el, tx, T, api, toast, textNodes, errText, sentence, setBusy, uiError, ApiError,
    get me() {
      return me;
    },
    isAdmin,
  };

  async function start() {
    readState();
    syncForm();
    updateExportLinks();
    renderHead();
    if (!(await loadMe())) return;
    refresh();
    loadKpis();
    loadConfig();
    resumeJob();
    openFromHash();
  }

  // After every deferred script (admin.js) has run.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
