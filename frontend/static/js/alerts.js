// AlertCenter: the alerts of every page, from the page's one socket.
//
// - keeps every active alert by id from the "alerts" snapshot (sent on every (re)connect) and
//   the "alert" changes, always the record with the higher version (docs/protocol.md),
// - a toast per new or escalated alert (severity colour, host, summary, value, age), at most
//   MAX_TOASTS on screen and "+N more" beyond; critical toasts stay until acknowledged,
// - the header badge: how many firing, per severity,
// - sound (alert-sound.js) while an alert is firing, unacknowledged and not silenced,
// - desktop notifications while the tab is in the background, once the user allowed them,
// - ack (with an optional comment) and un-ack over the socket, "silence 1 h" over HTTP; the
//   server decides who may (a viewer's buttons are not shown, and would be refused anyway).

import { AlertSound } from "./alert-sound.js";
import { durationText, el } from "./format.js";
import { ACK, ALERT, ALERTS, ERROR, UNACK } from "./protocol.js";

const MAX_TOASTS = 4;
const CHANGE_BATCH_MS = 50;
const WARNING_TOAST_MS = 60000;
const RESOLVED_TOAST_MS = 5000;
const RANK = { critical: 2, warning: 1 };
const ALERT_ERRORS = new Set(["forbidden", "unknown_alert", "alert_resolved", "already_acked", "not_acked"]);

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

// Alerts taken in from a team's Alertmanager say so, with a link to what raised them (an http(s)
// link only: the URL comes from outside).
export function sourceBadge(a) {
  if (!a.source || a.source === "rules") return null;
  const name = a.source === "alertmanager" ? "Alertmanager" : a.source;
  let url = null;
  try {
    url = a.generator_url ? new URL(a.generator_url) : null;
  } catch {
    url = null;
  }
  const safe = url && (url.protocol === "http:" || url.protocol === "https:");
  const badge = el(safe ? "a" : "span", "alert-source", name);
  badge.dataset.source = a.source;
  if (safe) {
    badge.href = url.href;
    badge.target = "_blank";
    badge.rel = "noopener noreferrer";
    badge.title = "open where it was raised";
  }
  return badge;
}

export function isActive(a) {
  return a.state !== "resolved";
}

// Firing, nobody has taken it, nobody silenced it: it makes noise.
export function isLoud(a) {
  return a.state === "firing" && !a.ack && !a.silenced;
}

// Worst first: firing critical, firing warning, suppressed, pending; then the oldest first.
export function worstFirst(a, b) {
  const weight = (x) => (x.state === "firing" ? 10 + (RANK[x.severity] || 0) : x.state === "suppressed" ? 5 : 0);
  return weight(b) - weight(a) || (a.started_at || 0) - (b.started_at || 0);
}

export class AlertCenter extends EventTarget {
  constructor({ socket, hostUrl = "/hosts/__name__/", canRespond = false, root = document }) {
    super();
    this.socket = socket;
    this.hostUrl = hostUrl;
    this.canRespond = canRespond;
    this.alerts = new Map(); // id -> record
    this.toasted = new Map(); // id -> {el, timer}: the toasts on screen
    this.waiting = []; // ids of loud alerts behind "+N more", newest first
    this.synced = false;
    this.version = 0;
    this.lastError = null;
    this.els = { badge: root.getElementById("alert-badge"), toasts: root.getElementById("toasts") };
    this.sound = new AlertSound({
      enableSound: root.getElementById("enable-sound"),
      mute: root.getElementById("mute"),
      notify: root.getElementById("enable-notifications"),
    });
    socket.addEventListener("message", (ev) => this._frame(ev.detail));
    setInterval(() => this._everySecond(), 1000);
  }

  // ---- frames --------------------------------------------------------------------------

  _frame(msg) {
    if (msg.type === ALERTS) this.snapshot(msg);
    else if (msg.type === ALERT) this.change(msg.event, msg.alert);
    else if (msg.type === ERROR && ALERT_ERRORS.has(msg.code)) {
      this.lastError = msg;
      this._flash(msg.message);
    }
  }

  snapshot(msg) {
    const list = Array.isArray(msg.alerts) ? msg.alerts : [];
    const seen = new Set();
    for (const a of list) {
      if (!a || typeof a.id !== "number") continue;
      seen.add(a.id);
      this._keep(a);
    }
    // What ended while this screen was away is not in the snapshot any more.
    for (const id of [...this.alerts.keys()]) if (!seen.has(id)) this._drop(id);
    this.version = Math.max(this.version, msg.version || 0);
    this.synced = true;
    for (const a of [...this.alerts.values()].sort(worstFirst)) this._toastIfNew(a);
    this._changed();
  }

  change(event, a) {
    if (!a || typeof a.id !== "number") return;
    const before = this.alerts.get(a.id);
    if (before && before.version >= a.version) return; // an older copy (it came twice)
    this._keep(a);
    this.version = Math.max(this.version, a.version || 0);
    if (!isActive(a)) {
      this._settleToast(a, "resolved");
    } else if (event === "fired" || event === "escalated" || event === "resumed" || event === "unsilenced" || event === "unacked") {
      this._toastIfNew(a, event === "escalated" || event === "unacked" || event === "unsilenced");
      if (event !== "unacked" && !a.silenced) this._notify(a);
    } else if (event === "acked" || event === "silenced") {
      this._settleToast(a, event);
    } else {
      this._refreshToast(a);
    }
    this._changed();
  }

  _keep(a) {
    if (isActive(a)) this.alerts.set(a.id, a);
    else this.alerts.delete(a.id);
  }

  _drop(id) {
    this.alerts.delete(id);
    this._removeToast(id);
  }

  active() {
    return [...this.alerts.values()].sort(worstFirst);
  }

  forHost(name) {
    return this.active().filter((a) => a.host === name);
  }

  // The worst firing severity per host: what the overview marks its tiles with.
  hostLevels() {
    const levels = new Map();
    for (const a of this.alerts.values()) {
      if (a.state !== "firing") continue;
      const was = levels.get(a.host);
      if (!was || (RANK[a.severity] || 0) > (RANK[was] || 0)) levels.set(a.host, a.severity);
    }
    return levels;
  }

  // A storm brings hundreds of frames in a burst: the badge, the sound and the page's lists are
  // redrawn once per burst (at most CHANGE_BATCH_MS later), not once per alert.
  _changed() {
    if (this._changeTimer) return;
    this._changeTimer = setTimeout(() => {
      this._changeTimer = null;
      this._renderBadge();
      this.sound.update(this.loudest());
      this.dispatchEvent(new CustomEvent("change"));
    }, CHANGE_BATCH_MS);
  }

  // ---- responses ------------------------------------------------------------------------

  ack(id, comment = "") {
    const msg = { type: ACK, id };
    if (comment) msg.comment = comment;
    return this.socket.send(msg);
  }

  unack(id) {
    return this.socket.send({ type: UNACK, id });
  }

  async silence(a, seconds = 3600, comment = "") {
    const body = { host: a.host, rule: a.rule, labels: a.labels || {}, duration_s: seconds, comment };
    const r = await fetch("/alerts/silences/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
    if (!r.ok) {
      let text = `silence refused (${r.status})`;
      try { text = (await r.json()).error.message; } catch { /* not JSON */ }
      this._flash(text);
      return false;
    }
    return true;
  }

  // ---- toasts ---------------------------------------------------------------------------

  _toastIfNew(a, again = false) {
    if (a.state !== "firing" || a.ack || a.silenced) return;
    const shown = this.toasted.get(a.id);
    if (shown && !again) {
      this._refreshToast(a);
      return;
    }
    if (!shown && !again && this.waiting.includes(a.id)) return;
    if (shown) this._removeToast(a.id);
    this._addToast(a);
  }

  _addToast(a) {
    const box = this.els.toasts;
    if (!box) return;
    // A dead rack fires dozens at once: only MAX_TOASTS are made, the rest wait their turn
    // (newest first) behind one "+N more" line, and cost nothing until they are shown.
    if (this.toasted.size >= MAX_TOASTS) {
      this.waiting = [a.id, ...this.waiting.filter((id) => id !== a.id)];
      this._layoutToasts();
      return;
    }
    const t = el("div", "toast");
    t.dataset.id = a.id;
    t.dataset.severity = a.severity || "warning";
    t.setAttribute("role", a.severity === "critical" ? "alert" : "status");
    const head = el("div", "toast-head");
    head.append(el("span", "toast-severity", (a.severity || "").toUpperCase()));
    // An Alertmanager alert may name no host of ours: then it is told by its rule.
    const host = el(a.host ? "a" : "span", "toast-host", a.host || a.rule);
    if (a.host) host.href = this.hostUrl.replace("__name__", encodeURIComponent(a.host));
    head.append(host);
    const source = sourceBadge(a);
    if (source) head.append(source);
    head.append(el("span", "toast-age"));
    t.append(head, el("div", "toast-summary"), el("div", "toast-note"));
    const actions = el("div", "toast-actions");
    if (this.canRespond) {
      const comment = el("input", "toast-comment");
      comment.placeholder = "comment (optional)";
      comment.maxLength = 500;
      const ack = el("button", "toast-ack", "Acknowledge");
      ack.type = "button";
      ack.addEventListener("click", () => this.ack(a.id, comment.value.trim()));
      const sil = el("button", "toast-silence", "Silence 1 h");
      sil.type = "button";
      sil.addEventListener("click", () => this.silence(this.alerts.get(a.id) || a));
      actions.append(comment, ack, sil);
    }
    const close = el("button", "toast-close", "✕");
    close.type = "button";
    close.title = "hide (the alert stays in the list)";
    close.addEventListener("click", () => this._removeToast(a.id));
    actions.append(close);
    t.append(actions);
    const entry = { el: t, timer: null };
    if (a.severity !== "critical") entry.timer = setTimeout(() => this._removeToast(a.id), WARNING_TOAST_MS);
    this.toasted.set(a.id, entry);
    box.prepend(t);
    this._refreshToast(a);
    this._layoutToasts();
  }

  _refreshToast(a) {
    const entry = this.toasted.get(a.id);
    if (!entry) return;
    const t = entry.el;
    t.dataset.severity = a.severity || "warning";
    t.querySelector(".toast-severity").textContent = (a.severity || "").toUpperCase();
    const shown = a.value === null || a.value === undefined ? "" : String(a.value);
    // The value, unless the rule's summary says it already.
    const value = shown && !String(a.summary).includes(shown) ? ` (${Number(a.value).toLocaleString()})` : "";
    t.querySelector(".toast-summary").textContent = `${a.summary}${value}`;
    t.querySelector(".toast-age").textContent = durationText(this.socket.serverNow() - (a.fired_at || a.started_at));
    const note = t.querySelector(".toast-note");
    note.textContent = a.ack ? `acknowledged by ${a.ack.by}${a.ack.comment ? `: ${a.ack.comment}` : ""}` : "";
    t.dataset.acked = a.ack ? "true" : "false";
  }

  _settleToast(a, why) {
    const entry = this.toasted.get(a.id);
    if (!entry) {
      this._layoutToasts(); // one waiting behind "+N more" needs nobody any more
      return;
    }
    this._refreshToast(a);
    entry.el.dataset.settled = why;
    if (why === "resolved") entry.el.querySelector(".toast-note").textContent = "resolved";
    if (why === "silenced") entry.el.querySelector(".toast-note").textContent = "silenced";
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this._removeToast(a.id), RESOLVED_TOAST_MS);
  }

  _removeToast(id) {
    this.waiting = this.waiting.filter((w) => w !== id);
    const entry = this.toasted.get(id);
    if (!entry) {
      this._layoutToasts();
      return;
    }
    clearTimeout(entry.timer);
    entry.el.remove();
    this.toasted.delete(id);
    // The next one waiting that still needs someone takes the free place.
    while (this.waiting.length && this.toasted.size < MAX_TOASTS) {
      const next = this.alerts.get(this.waiting.shift());
      if (next && isLoud(next)) this._addToast(next);
    }
    this._layoutToasts();
  }

  // A dead rack fires dozens at once: the newest few show, the rest are one "+N more" line.
  _layoutToasts() {
    const box = this.els.toasts;
    if (!box) return;
    this.waiting = this.waiting.filter((id) => {
      const a = this.alerts.get(id);
      return a && isLoud(a);
    });
    let more = box.querySelector(".toast-more");
    const hidden = this.waiting.length;
    if (hidden > 0) {
      if (!more) {
        more = el("a", "toast-more");
        more.href = "/alerts/";
        box.append(more);
      }
      more.textContent = `+${hidden} more`;
    } else if (more) {
      more.remove();
    }
  }

  toastIds() {
    return [...this.toasted.keys(), ...this.waiting];
  }

  _flash(text) {
    const box = this.els.toasts;
    if (!box) return;
    const t = el("div", "toast toast-error", text);
    t.setAttribute("role", "alert");
    box.prepend(t);
    setTimeout(() => t.remove(), 6000);
  }

  // ---- the badge --------------------------------------------------------------------------

  _renderBadge() {
    const b = this.els.badge;
    if (!b) return;
    const counts = { critical: 0, warning: 0 };
    for (const a of this.alerts.values()) if (a.state === "firing" && a.severity in counts) counts[a.severity] += 1;
    for (const sev of ["critical", "warning"]) {
      const part = b.querySelector(`[data-severity="${sev}"]`);
      if (!part) continue;
      part.querySelector("b").textContent = counts[sev];
      part.dataset.n = counts[sev] ? "some" : "none";
    }
    b.dataset.loud = [...this.alerts.values()].some(isLoud) ? "true" : "false";
  }

  // ---- sound ------------------------------------------------------------------------------

  loudest() {
    let worst = null;
    for (const a of this.alerts.values()) {
      if (isLoud(a) && (!worst || (RANK[a.severity] || 0) > (RANK[worst] || 0))) worst = a.severity;
    }
    return worst;
  }

  // ---- desktop notifications ------------------------------------------------------------

  _notify(a) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    const n = new Notification(`${(a.severity || "").toUpperCase()} ${a.host}`, {
      body: a.summary,
      tag: a.fingerprint,
      requireInteraction: a.severity === "critical",
    });
    n.onclick = () => {
      window.focus();
      window.location.href = this.hostUrl.replace("__name__", encodeURIComponent(a.host));
    };
  }

  _everySecond() {
    for (const id of this.toasted.keys()) {
      const a = this.alerts.get(id);
      if (a) this._refreshToast(a);
    }
    this.sound.update(this.loudest());
  }
}
