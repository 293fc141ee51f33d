// The host page's range bar (#history-bar): a button per range of history-range.js, the
// earlier / later / reset zoom / back to live buttons, and a line saying what the charts show
// ("live · last 24 h", "paused at 2026-12-03 15:21"). Clicks change the HostRange; the page
// redraws on its "rangechange".

import { localTime } from "./format.js";
import { RANGES } from "./history-range.js";

function spanText(s) {
  if (s >= 2 * 86400) return `${Math.round(s / 86400)} d`;
  if (s >= 2 * 3600) return `${Math.round(s / 3600)} h`;
  if (s >= 120) return `${Math.round(s / 60)} min`;
  return `${Math.round(s)} s`;
}

export class RangeBar {
  /** bar: the element; range: the HostRange; now(): the server's clock (unix s). */
  constructor(bar, range, now) {
    Object.assign(this, { bar, range, now });
    const picker = bar.querySelector(".range-picker");
    this.buttons = RANGES.map((r) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.range = r.key;
      b.textContent = r.label;
      b.addEventListener("click", () => range.pick(r.key, now()));
      picker.append(b);
      return b;
    });
    this.nav = {};
    for (const b of bar.querySelectorAll("[data-history]")) this.nav[b.dataset.history] = b;
    const on = (name, act) => this.nav[name]?.addEventListener("click", act);
    on("earlier", () => range.shift(-0.5, now()));
    on("later", () => range.shift(0.5, now()));
    on("reset", () => range.reset(now()));
    on("live", () => range.followNow(now()));
    this.stateEl = bar.querySelector(".history-state");
  }

  /** Show the range's state (and whether its history is loading). */
  update(loading) {
    const key = this.range.key;
    for (const b of this.buttons) b.setAttribute("aria-pressed", String(b.dataset.range === key));
    const live = this.range.isLive();
    const w = this.range.window(this.now());
    const zoomed = this.range.zoomed();
    const show = { earlier: !live, later: !live && !w.live, reset: zoomed, live: !live && !w.live };
    for (const [name, b] of Object.entries(this.nav)) b.hidden = !show[name];
    let text = w.live
      ? `live · ${zoomed ? "zoomed to " : ""}last ${spanText(w.end - w.start)}`
      : `paused at ${localTime(w.end)}`;
    if (loading) text += " · loading…";
    this.bar.dataset.state = live ? "live" : w.live ? "following" : "paused";
    if (this.stateEl && this.stateEl.textContent !== text) this.stateEl.textContent = text;
  }
}
