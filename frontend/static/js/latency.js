// End-to-end latency as this screen sees it: a live sample's age on arrival (the server's "now",
// estimated from hello and pongs, minus the sample's ts, read on the host), the median of the
// last 10 s. It includes any skew between the host's clock and the server's. No DOM but render.

const WINDOW_MS = 10000;
const MAX_AGES = 2000; // a wall of 200 hosts at 1 Hz fills the window exactly

export class LatencyMeter {
  constructor({ windowMs = WINDOW_MS, max = MAX_AGES } = {}) {
    this.windowMs = windowMs;
    this.max = max;
    this.entries = []; // [arrivedMs, ageS], oldest first
  }

  add(ageS, arrivedMs = performance.now()) {
    if (!Number.isFinite(ageS)) return;
    this.entries.push([arrivedMs, ageS]);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  /** Median age (s) of the samples that arrived within the window, or null without any. */
  median(nowMs = performance.now()) {
    const from = nowMs - this.windowMs;
    let drop = 0;
    while (drop < this.entries.length && this.entries[drop][0] < from) drop += 1;
    if (drop) this.entries.splice(0, drop);
    if (!this.entries.length) return null;
    const ages = this.entries.map((e) => e[1]).sort((a, b) => a - b);
    const mid = ages.length >> 1;
    return ages.length % 2 ? ages[mid] : (ages[mid - 1] + ages[mid]) / 2;
  }
}

/** 0.123 -> "123 ms", 2.5 -> "2.5 s"; a negative age (clock skew) shows as 0. */
export function latencyText(ageS) {
  const s = Math.max(0, ageS);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}

/** Write the median into `el` (text, data-state "none" | "ok"), hidden until the first sample. */
export function renderLatency(el, meter) {
  if (!el) return;
  const median = meter.median();
  const text = median === null ? "e2e –" : `e2e ${latencyText(median)}`;
  const state = median === null ? "none" : "ok";
  if (el.textContent !== text) el.textContent = text;
  if (el.dataset.state !== state) el.dataset.state = state;
  if (median !== null) el.hidden = false;
}
