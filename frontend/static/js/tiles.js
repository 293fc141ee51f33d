// One overview tile per host: a link to the host page with the name, a
// status badge (colour AND text/shape), CPU / memory / fullest-disk as big
// numbers, the age of its newest sample (amber when late, red when stale; an
// up host whose data stopped shows "UP?") and one sparkline canvas. Only tiles
// on the current page exist;
// everything from the server is written with textContent/setAttribute only.

import { durationText, el, freshness, humanRate, level, shortDuration, statusText } from "./format.js";
import { Sparkline } from "./sparkline.js";

const FIGS = [
  ["cpu", "CPU"],
  ["mem", "MEM"],
  ["disk", "DISK"],
];

function setText(e, text) {
  if (e.textContent !== text) e.textContent = text;
}

function setData(e, key, value) {
  if (e.dataset[key] !== value) e.dataset[key] = value;
}

/** Host page URL from the pattern in data-host-url ("/hosts/__name__/"). */
export function hostHref(pattern, name) {
  return pattern.split("__name__").join(encodeURIComponent(name));
}

/** Big line shown instead of the numbers while a host has no data in the window. */
function emptyNote(h, serverNow) {
  if (h.status === "disabled") return "disabled";
  if (h.status === "up") return "waiting for data";
  const quiet = h.lastTs ?? h.since; // last sample seen, else the status change
  return quiet === null ? "no data" : `no data for ${durationText(serverNow - quiet)}`;
}

export class Tile {
  /** freshness: {staleAfter, deadAfter} in seconds, when a sample's age turns late and stale. */
  constructor(name, urlPattern, windowS, { staleAfter = 10, deadAfter = 60 } = {}) {
    this.windowS = windowS;
    this.staleAfter = staleAfter;
    this.deadAfter = deadAfter;
    this.name = name;
    const a = el("a", "tile");
    a.dataset.host = name;
    a.dataset.status = "unknown";
    a.dataset.level = "none";
    a.href = hostHref(urlPattern, name);
    this.root = a;

    const head = el("div", "tile-head");
    this.nameEl = el("span", "tile-name", name);
    this.badge = el("span", "badge");
    this.badge.dataset.status = "unknown";
    this.badgeText = el("span", "badge-text", statusText("unknown"));
    this.badgeSince = el("span", "badge-since");
    this.badge.append(this.badgeText, this.badgeSince);
    this.age = el("span", "tile-age");
    this.age.dataset.state = "none";
    this.age.title = "age of the newest sample";
    head.append(this.nameEl, this.age, this.badge);

    const figs = el("div", "tile-figs");
    this.figs = {};
    for (const [key, label] of FIGS) {
      const f = el("span", "fig");
      f.dataset.fig = key;
      f.dataset.level = "none";
      const lab = el("span", "fig-label", label);
      const val = el("span", "fig-value", "–");
      const unit = el("span", "fig-unit", "%");
      f.append(lab, val, unit);
      figs.append(f);
      this.figs[key] = { root: f, label: lab, value: val };
    }
    this.mount = el("span", "fig-mount"); // fullest mount, on wide tiles only
    this.figs.disk.label.append(this.mount);

    this.sub = el("div", "tile-sub");
    this.note = el("div", "tile-note");
    this.dup = el("span", "tile-dup", "⚠ 2 AGENTS");
    this.dup.hidden = true;
    this.canvas = el("canvas", "spark");
    this.canvas.setAttribute("aria-hidden", "true");
    this.spark = new Sparkline(this.canvas);
    a.append(head, figs, this.note, this.sub, this.canvas, this.dup);
    this.needFit = false;
  }

  /** Status badge, "for 3m" on non-up statuses, data age, duplicate marker. */
  renderStatus(h, serverNow) {
    const st = h.status;
    const age = h.lastTs === null ? null : serverNow - h.lastTs;
    const fresh = freshness(age, this.staleAfter, this.deadAfter);
    const doubt = st === "up" && (fresh === "late" || fresh === "stale");
    setData(this.root, "status", st);
    setData(this.badge, "status", st);
    setData(this.badge, "fresh", doubt ? fresh : "fresh");
    setText(this.badgeText, doubt ? "UP?" : statusText(st));
    let since = "";
    if ((st === "late" || st === "down") && h.since !== null) since = shortDuration(serverNow - h.since);
    setText(this.badgeSince, since);
    setData(this.age, "state", fresh);
    setText(this.age, age === null ? "" : shortDuration(age));
    if (this.dup.hidden === h.duplicate) this.dup.hidden = !h.duplicate;
    setData(this.root, "duplicate", h.duplicate ? "true" : "false");
    const empty = h.ring.size === 0 || h.lastTs === null || serverNow - h.lastTs > this.windowS;
    const was = this.root.dataset.empty;
    setData(this.root, "empty", empty ? "true" : "false");
    if (was === "true" && !empty) this.needFit = true; // the canvas was display: none
    if (empty) setText(this.note, emptyNote(h, serverNow));
    const title = h.duplicate && h.duplicateMessage ? `${h.name}: ${h.duplicateMessage}` : h.name;
    if (this.root.title !== title) this.root.title = title;
  }

  /** Big numbers, level colours and the secondary line. */
  renderFigures(h) {
    const c = h.cur;
    for (const [key] of FIGS) {
      const f = this.figs[key];
      const v = c[key];
      setText(f.value, v === null ? "–" : v.toFixed(0));
      setData(f.root, "level", level(v));
    }
    setText(this.mount, c.mount && c.mount !== "/" ? c.mount : "");
    setData(this.root, "level", h.level());
    const parts = [];
    if (c.load !== null) parts.push(`load ${c.load.toFixed(c.load >= 10 ? 1 : 2)}`);
    if (c.rx !== null || c.tx !== null) {
      parts.push(`↓${humanRate(c.rx).join(" ")} ↑${humanRate(c.tx).join(" ")}`);
    }
    setText(this.sub, parts.join(" · "));
  }

  /** The canvas's CSS box [w, h] (reads layout). */
  measure() {
    return [this.canvas.clientWidth, this.canvas.clientHeight];
  }

  /** Size the canvas backing store to box (default: measure now); true when it was cleared. */
  fit(box = this.measure()) {
    return this.spark.fit(box[0], box[1]);
  }

  drawSpark(h, t1, span) {
    if (this.root.dataset.empty === "true") return;
    if (this.needFit) {
      this.needFit = false;
      this.fit();
    }
    this.spark.draw(h.ring, t1, span);
  }
}
