// The host page's header strip: server-side status badge, host facts from
// the HOST record (OS, cores, memory, boot time, agent, mode, labels) and
// the duplicate / removed banners. textContent only. An "up" host whose data the
// page stopped getting shows "UP? no data for 8 s" (the server's word is not
// news any more: it may be the server or the connection that is stuck).

import {
  ageText, durationText, freshness, humanBytes, localTime, normStatus, num, statusText,
} from "./format.js";

function setText(e, text) {
  if (e && e.textContent !== text) e.textContent = text;
}

export class HostInfo {
  constructor(doc = document, { staleAfter = 10, deadAfter = 60 } = {}) {
    this.staleAfter = staleAfter;
    this.deadAfter = deadAfter;
    this.lastTs = null; // the newest sample this page got (server clock)
    this.badge = doc.getElementById("host-status");
    this.badgeText = this.badge?.querySelector(".badge-text");
    this.badgeSince = this.badge?.querySelector(".badge-since");
    this.infoEl = doc.getElementById("host-info");
    this.dupBanner = doc.getElementById("duplicate-banner");
    this.removedBanner = doc.getElementById("removed-banner");
    this.status = "unknown";
    this.since = null;
    this.bootTime = null;
    this.setStatus("unknown", null);
  }

  _field(key, text, title) {
    const box = this.infoEl?.querySelector(`[data-info="${key}"]`);
    if (!box) return;
    const dd = box.querySelector("dd");
    setText(dd, text || "");
    if (title !== undefined) dd.title = title;
    box.hidden = !text;
  }

  /** A HOST record (snapshot, "new" event or the page's initial record). */
  apply(rec) {
    if (!rec || typeof rec !== "object") return;
    this.setStatus(rec.status, num(rec.since));
    const info = rec.info && typeof rec.info === "object" ? rec.info : {};
    this._field("os", typeof info.os === "string" ? info.os : "");
    const cores = num(info.cpu_count);
    this._field("cores", cores === null ? "" : String(cores));
    this._field("memory", humanBytes(num(info.memory_total_bytes)));
    this.bootTime = num(info.boot_time);
    this._field("agent", info.agent_version != null ? String(info.agent_version) : "");
    this._field("mode", info.mode != null ? String(info.mode) : "");
    this._renderLabels(rec.labels);
    if (rec.duplicate === true) this.duplicate("");
    this.tick(Date.now() / 1000);
  }

  _renderLabels(labels) {
    const box = this.infoEl?.querySelector('[data-info="labels"]');
    if (!box) return;
    const dd = box.querySelector("dd");
    const entries = labels && typeof labels === "object" ? Object.entries(labels) : [];
    dd.replaceChildren(...entries.map(([k, v]) => {
      const chip = document.createElement("span");
      chip.className = "label-chip";
      chip.textContent = `${k}=${v}`;
      return chip;
    }));
    box.hidden = entries.length === 0;
  }

  setStatus(status, since) {
    this.status = normStatus(status);
    this.since = since ?? null;
    if (!this.badge) return;
    if (this.badge.dataset.status !== this.status) this.badge.dataset.status = this.status;
    setText(this.badgeText, statusText(this.status));
  }

  /** "two agents claim this name" banner. */
  duplicate(message) {
    if (!this.dupBanner) return;
    const text = message && !/[.!]$/.test(message) ? `${message}.` : message || "";
    setText(this.dupBanner.querySelector(".banner-text"), text);
    this.dupBanner.hidden = false;
  }

  removed(yes = true) {
    if (this.removedBanner) this.removedBanner.hidden = !yes;
  }

  /**
   * Once a second: "for 3 min" on the badge (or, for an up host whose data stopped, "UP?" and
   * how long there has been none) and the boot age. lastTs: the newest sample's ts, if any.
   */
  tick(serverNow, lastTs = this.lastTs) {
    this.lastTs = lastTs;
    const age = lastTs === null ? null : serverNow - lastTs;
    const fresh = freshness(age, this.staleAfter, this.deadAfter);
    const doubt = this.status === "up" && (fresh === "late" || fresh === "stale");
    if (this.badge && this.badge.dataset.fresh !== (doubt ? fresh : "fresh")) {
      this.badge.dataset.fresh = doubt ? fresh : "fresh";
    }
    setText(this.badgeText, doubt ? "UP?" : statusText(this.status));
    let since = this.since === null ? "" : `for ${durationText(serverNow - this.since)}`;
    if (doubt) since = `no data for ${durationText(age)}`;
    setText(this.badgeSince, since);
    if (this.bootTime !== null) {
      this._field("boot", `${ageText(serverNow - this.bootTime)}`, localTime(this.bootTime));
    }
  }
}
