// Hunter web UI: the admin page (`#admin`, team.md §4 and §6): API keys, team members and the
// audit trail. Uses the helpers of app.js (`window.HunterApp`) and the catalog of i18n.js; every
// text comes in English and Turkish, dates and numbers are written with Intl in the page's
// language.
"use strict";

(() => {
  const I18n = window.HunterI18n;
  const App = window.HunterApp;
  if (!I18n || !App) return;
  const { t } = I18n;
  const { $, el, tx, T, api, toast, errText, setBusy } = App;

  const SCOPES = ["leads:read", "leads:export", "ingest", "scan", "referrals:sync", "referrals:write", "crm:push"];
  const EVENTS = [
    "login.success", "login.failure", "logout", "access.denied", "api_key.created", "api_key.revoked",
    "user.disabled", "user.enabled", "leads.exported", "file.imported", "scan.bulk", "referrals.synced",
  ];
  const ROLES = { "Hunter.Admin": "auth.role_admin", "Hunter.User": "auth.role_user" };
  const AUDIT_PAGE_SIZE = 25;

  const data = { keys: null, users: null, audit: null, errors: {} };
  const audit = { event: "", page: 1 };
  let shown = false;

  const fmtInt = (n) => I18n.number(n);
  const when = (v) => (v ? I18n.when(v) : null);
  const machine = (text, attrs) => el("code", { translate: "no", ...(attrs || {}) }, text);
  const never = () => tx("span", { class: "muted" }, "admin.never");

  // ---------------------------------------------------------------------------------------
  // A confirmation of our own (the browser's confirm() speaks the browser's language)

  const confirmDialog = $("confirm");
  let confirmReturnFocus = null;

  function confirmBox(titleKey, textKey, okKey, params) {
    confirmReturnFocus = document.activeElement;
    I18n.bind($("confirm-title"), titleKey, params);
    I18n.bind($("confirm-text"), textKey, params);
    I18n.bind($("confirm-ok"), okKey, params);
    confirmDialog.returnValue = "";
    confirmDialog.showModal();
    $("confirm-cancel").focus();
    return new Promise((resolve) => {
      confirmDialog.addEventListener("close", () => {
        if (confirmReturnFocus && document.contains(confirmReturnFocus)) confirmReturnFocus.focus();
        resolve(confirmDialog.returnValue === "ok");
      }, { once: true });
    });
  }

  // ---------------------------------------------------------------------------------------
  // Loading

  function busy(table, on) {
    $(table).setAttribute("aria-busy", on ? "true" : "false");
  }

  async function loadKeys() {
    busy("keys-table", true);
    try {
      data.keys = (await api("/api/admin/api-keys")).api_keys || [];
      delete data.errors.keys;
    } catch (e) {
      data.errors.keys = e;
    }
    renderKeys();
    renderAudit();
    busy("keys-table", false);
  }

  async function loadUsers() {
    busy("users-table", true);
    try {
      data.users = (await api("/api/admin/users")).users || [];
      delete data.errors.users;
    } catch (e) {
      data.errors.users = e;
    }
    renderUsers();
    renderAudit();
    busy("users-table", false);
  }

  let auditAsked = 0;

  async function loadAudit() {
    const asked = ++auditAsked;
    busy("audit-table", true);
    const p = new URLSearchParams({ page: String(audit.page), page_size: String(AUDIT_PAGE_SIZE) });
    if (audit.event) p.set("event", audit.event);
    try {
      const found = await api(`/api/admin/audit?${p}`);
      if (asked !== auditAsked) return;
      const pages = Math.max(1, Number(found.total_pages) || 1);
      if (audit.page > pages && Number(found.total) > 0) {
        audit.page = pages;
        loadAudit();
        return;
      }
      data.audit = found;
      delete data.errors.audit;
    } catch (e) {
      if (asked !== auditAsked) return;
      data.errors.audit = e;
    }
    renderAudit();
    busy("audit-table", false);
  }

  function loadAll() {
    loadKeys();
    loadUsers();
    loadAudit();
  }

  /** A table's single row for "nothing here" or "could not load". */
  function wideRow(table, columns, node, testid) {
    $(table).replaceChildren(el("tr", { class: "admin-note-row" },
      el("td", { colspan: String(columns), class: "admin-note", dataset: { testid } }, node)));
  }

  const errorNote = (e) => tx("span", { class: "table-error-text", role: "alert" }, "admin.load_error", { message: errText(e) });

  // ---------------------------------------------------------------------------------------
  // API keys

  const scopeBox = $("key-scopes");
  scopeBox.replaceChildren(...SCOPES.map((scope) => el("label", { class: "checkbox scope" },
    el("input", { type: "checkbox", name: "scopes", value: scope, dataset: { testid: `scope-${scope}` } }),
    el("span", { class: "scope-text" },
      tx("span", { class: "scope-label" }, `scope.${scope}`),
      machine(scope, { class: "scope-code" })))));

  function keyStatus(key) {
    if (key.revoked_at) return "revoked";
    if (key.expires_at && new Date(key.expires_at).getTime() <= Date.now()) return "expired";
    return "active";
  }

  function renderKeys() {
    const body = $("keys-body");
    if (data.errors.keys) return wideRow("keys-body", 9, errorNote(data.errors.keys), "api-keys-error");
    const keys = data.keys || [];
    if (!keys.length) return wideRow("keys-body", 9, tx("span", {}, "keys.empty"), "api-keys-empty");
    body.replaceChildren(...keys.map((key) => {
      const status = keyStatus(key);
      const badge = tx("span", {
        class: `badge state state-${status}`,
        dataset: { testid: "key-status", status },
      }, `keys.status.${status}`);
      if (status === "revoked") {
        badge.tabIndex = 0;
        badge.setAttribute("data-tip", t("keys.revoked_on", { date: I18n.when(key.revoked_at) }));
      }
      const action = status === "active"
        ? el("button", {
          type: "button",
          class: "btn btn-secondary btn-small btn-danger-outline",
          "aria-label": t("keys.revoke_label", { name: key.name }),
          dataset: { testid: `revoke-${key.id}` },
          onclick: (e) => revokeKey(key, e.currentTarget),
        }, t("keys.revoke"))
        : null;
      return el("tr", { dataset: { testid: "key-row", id: key.id, status } },
        el("td", { class: "cell-name" }, el("span", { translate: "no" }, key.name)),
        el("td", {}, machine(key.prefix, { dataset: { testid: "key-prefix" } })),
        el("td", { class: "cell-scopes" }, el("div", { class: "scope-chips" }, (key.scopes || []).map((s) => machine(s, {
          class: "scope-chip",
          title: I18n.has(`scope.${s}`) ? t(`scope.${s}`) : null,
        })))),
        el("td", { class: "num" }, t("keys.per_minute", { count: Number(key.rate_limit_per_minute) || 0 })),
        el("td", {}, when(key.created_at)),
        el("td", {}, key.expires_at ? I18n.day(key.expires_at) : never()),
        el("td", {}, key.last_used_at ? when(key.last_used_at) : never()),
        el("td", {}, badge),
        el("td", { class: "cell-action" }, action));
    }));
  }

  function formError(input, key) {
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    toast("error", T("keys.create_failed"), T(key));
  }

  $("key-form").addEventListener("input", (e) => {
    if (e.target && e.target.removeAttribute) e.target.removeAttribute("aria-invalid");
  });

  $("key-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const nameInput = $("key-name");
    const name = nameInput.value.trim();
    const scopes = [...scopeBox.querySelectorAll("input:checked")].map((i) => i.value);
    const rate = Number($("key-rate").value.trim() || "60");
    const days = Number($("key-expiry").value.trim() || "90");
    if (!name) return formError(nameInput, "keys.need_name");
    if (!scopes.length) return formError(scopeBox.querySelector("input"), "keys.need_scope");
    if (!Number.isInteger(rate) || rate < 1 || rate > 100000) return formError($("key-rate"), "keys.bad_rate");
    if (!Number.isInteger(days) || days < 1 || days > 365) return formError($("key-expiry"), "keys.bad_expiry");
    const button = $("key-submit");
    setBusy(button, true, "keys.creating");
    try {
      const created = await api("/api/admin/api-keys", {
        method: "POST",
        json: { name, scopes, rate_limit_per_minute: rate, expires_in_days: days },
      });
      showNewKey(created);
      toast("success", T("keys.created_title", { name: created.name }));
      nameInput.value = "";
      for (const box of scopeBox.querySelectorAll("input:checked")) box.checked = false;
      $("key-rate").value = "60";
      $("key-expiry").value = "90";
      loadKeys();
      loadAudit();
    } catch (err) {
      toast("error", T("keys.create_failed"), errText(err));
    } finally {
      setBusy(button, false);
    }
  });

  function showNewKey(created) {
    $("new-key-value").textContent = created.key;
    $("new-key").dataset.id = created.id;
    I18n.bind($("new-key-copy"), "keys.copy");
    $("new-key").hidden = false;
    $("new-key-copy").focus();
  }

  /** The key leaves the page for good: it was shown once. */
  function hideNewKey() {
    $("new-key-value").textContent = "";
    delete $("new-key").dataset.id;
    $("new-key").hidden = true;
  }

  $("new-key-done").addEventListener("click", hideNewKey);

  $("new-key-copy").addEventListener("click", async () => {
    const text = $("new-key-value").textContent;
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch (_) {
      // No clipboard API (or no permission): select the text and use the old command.
      const range = document.createRange();
      range.selectNodeContents($("new-key-value"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try {
        copied = document.execCommand("copy");
      } catch (_) {
        copied = false;
      }
    }
    if (copied) I18n.bind($("new-key-copy"), "keys.copied");
    else toast("error", T("keys.copy_failed"));
  });

  async function revokeKey(key, button) {
    const ok = await confirmBox("keys.revoke_title", "keys.revoke_text", "keys.revoke", { name: key.name });
    if (!ok) return;
    button.disabled = true;
    try {
      await api(`/api/admin/api-keys/${encodeURIComponent(key.id)}/revoke`, { method: "POST", json: {} });
      toast("success", T("keys.revoked_title", { name: key.name }));
      if ($("new-key").dataset.id === key.id) hideNewKey();
    } catch (err) {
      toast("error", T("keys.revoke_failed"), errText(err));
      button.disabled = false;
    }
    loadKeys();
    loadAudit();
  }

  // ---------------------------------------------------------------------------------------
  // Team members

  function roleBadges(roles) {
    if (!roles || !roles.length) return tx("span", { class: "muted" }, "users.no_roles");
    return roles.map((role) => (ROLES[role]
      ? tx("span", { class: `badge role-badge ${role === "Hunter.Admin" ? "role-admin" : "role-user"}`, title: role }, ROLES[role])
      : machine(role, { class: "scope-chip" })));
  }

  function renderUsers() {
    if (data.errors.users) return wideRow("users-body", 6, errorNote(data.errors.users), "users-error");
    const users = data.users || [];
    const me = App.me;
    const local = !!me && me.mode === "local";
    if (!users.length) {
      return wideRow("users-body", 6, tx("span", {}, local ? "users.empty_local" : "users.empty"), "users-empty");
    }
    const myId = me && me.user ? me.user.id : null;
    $("users-body").replaceChildren(...users.map((user) => {
      const self = user.id === myId;
      const status = user.disabled ? "disabled" : "active";
      let action;
      if (user.disabled) {
        action = el("button", {
          type: "button",
          class: "btn btn-secondary btn-small",
          "aria-label": t("users.enable_label", { name: user.name }),
          dataset: { testid: `enable-${user.id}` },
          onclick: (e) => changeUser(user, "enable", e.currentTarget),
        }, t("users.enable"));
      } else {
        action = el("button", {
          type: "button",
          class: "btn btn-secondary btn-small btn-danger-outline",
          "aria-label": t("users.disable_label", { name: user.name }),
          disabled: self,
          "data-tip": self ? t("users.self_tip") : null,
          dataset: { testid: `disable-${user.id}` },
          onclick: (e) => changeUser(user, "disable", e.currentTarget),
        }, t("users.disable"));
      }
      return el("tr", { dataset: { testid: "user-row", id: user.id, status } },
        el("td", { class: "cell-name" }, el("span", { translate: "no" }, user.name || user.id),
          self ? el("span", { class: "muted you" }, ` (${t("users.you")})`) : null),
        el("td", {}, user.email ? el("span", { translate: "no" }, user.email) : never()),
        el("td", { class: "cell-roles" }, roleBadges(user.roles)),
        el("td", {}, user.last_login_at ? when(user.last_login_at) : never()),
        el("td", {}, tx("span", { class: `badge state state-${status}`, dataset: { testid: "user-status", status } }, `users.status.${status}`)),
        // A disabled button shows no tooltip: its cell carries the reason.
        el("td", { class: "cell-action", "data-tip": self ? t("users.self_tip") : null }, action));
    }));
  }

  async function changeUser(user, what, button) {
    if (what === "disable") {
      const ok = await confirmBox("users.disable_title", "users.disable_text", "users.disable", { name: user.name });
      if (!ok) return;
    }
    button.disabled = true;
    try {
      await api(`/api/admin/users/${encodeURIComponent(user.id)}/${what}`, { method: "POST", json: {} });
      toast("success", T(what === "disable" ? "users.disabled_title" : "users.enabled_title", { name: user.name }));
    } catch (err) {
      toast("error", T("users.change_failed"), errText(err));
    }
    loadUsers();
    loadAudit();
  }

  // ---------------------------------------------------------------------------------------
  // Audit trail

  const eventSelect = $("audit-event");
  for (const event of EVENTS) eventSelect.append(tx("option", { value: event }, `audit.event.${event}`));
  eventSelect.addEventListener("change", () => {
    audit.event = eventSelect.value;
    audit.page = 1;
    loadAudit();
  });
  $("audit-prev").addEventListener("click", () => {
    if (audit.page > 1) {
      audit.page -= 1;
      loadAudit();
    }
  });
  $("audit-next").addEventListener("click", () => {
    const pages = data.audit ? Number(data.audit.total_pages) || 1 : 1;
    if (audit.page < pages) {
      audit.page += 1;
      loadAudit();
    }
  });

  const eventLabel = (event) => (I18n.has(`audit.event.${event}`) ? t(`audit.event.${event}`) : event);

  /** A user id, an API key id, `local` or `system`, as a person reads it. */
  function who(id) {
    if (id === "local") return tx("span", {}, "audit.actor_local");
    if (id === "system") return tx("span", {}, "audit.actor_system");
    if (typeof id === "string" && id.startsWith("api_key:")) {
      const keyId = id.slice("api_key:".length);
      return el("span", {}, t("audit.actor_key"), " ", keyName(keyId));
    }
    const user = (data.users || []).find((u) => u.id === id);
    if (user) return el("span", { translate: "no", title: user.email || user.id }, user.name || user.id);
    return machine(String(id));
  }

  function keyName(keyId) {
    const key = (data.keys || []).find((k) => k.id === keyId);
    if (key) return el("span", { translate: "no", title: key.prefix }, key.name);
    return machine(keyId);
  }

  function target(event, value) {
    if (value === null || value === undefined || value === "") return el("span", { class: "muted" }, "-");
    if (event.startsWith("api_key.")) return keyName(value);
    if (event.startsWith("user.") || event.startsWith("login.") || event === "logout") return who(value);
    return machine(String(value));
  }

  function details(value) {
    if (!value || typeof value !== "object") return null;
    const parts = Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
    return parts.length ? machine(parts.join(" · "), { class: "audit-details" }) : null;
  }

  function renderAudit() {
    const found = data.audit;
    if (data.errors.audit) {
      wideRow("audit-body", 6, errorNote(data.errors.audit), "audit-error");
    } else if (!found) {
      return;
    } else if (!found.events || !found.events.length) {
      wideRow("audit-body", 6, tx("span", {}, audit.event ? "audit.empty_filtered" : "audit.empty"), "audit-empty");
    } else {
      $("audit-body").replaceChildren(...found.events.map((ev) => el("tr", {
        dataset: { testid: "audit-row", event: ev.event, outcome: ev.outcome },
      },
      el("td", { class: "cell-time" }, when(ev.at)),
      el("td", { class: "cell-event" }, el("span", { dataset: { testid: "audit-event-label" } }, eventLabel(ev.event))),
      el("td", {}, who(ev.actor)),
      el("td", {}, el("span", { class: `badge state state-${ev.outcome === "success" ? "active" : "failed"}` },
        I18n.has(`audit.outcome.${ev.outcome}`) ? t(`audit.outcome.${ev.outcome}`) : ev.outcome)),
      el("td", {}, target(ev.event, ev.target)),
      el("td", { class: "cell-details" }, details(ev.details)))));
    }
    const total = found ? Number(found.total) || 0 : 0;
    const pages = found ? Math.max(1, Number(found.total_pages) || 1) : 1;
    const page = found ? Number(found.page) || audit.page : audit.page;
    I18n.bind($("audit-summary"), "audit.summary", { count: total });
    I18n.bind($("audit-page-of"), "pager.page_of", { page, pages });
    $("audit-prev").disabled = page <= 1;
    $("audit-next").disabled = page >= pages;
  }

  // ---------------------------------------------------------------------------------------
  // The page

  document.addEventListener("hunter:lang", () => {
    if (!shown) return;
    renderKeys();
    renderUsers();
    renderAudit();
  });

  window.HunterAdmin = {
    show() {
      shown = true;
      hideNewKey();
      loadAll();
    },
    hide() {
      shown = false;
      hideNewKey();
    },
  };
})();
