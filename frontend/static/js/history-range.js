// The host page's time range: the picked range (5 min live, 1 h ... 30 d) and a zoom into it,
// as plain state with no DOM. HostRange is an EventTarget:
//
//   "rangechange", detail {range, start, end, live, zoomed}: the picked range or the zoom
//   changed (not fired as the window slides with the clock). start/end are unix seconds of the
//   window when it changed; live true means its right end follows now (keep sliding it);
//   range is the picked key ("5m": the live charts of the last few minutes).
//
// Other panels of the page (device charts) can follow the same window:
//   window.monitor.hostRange.addEventListener("rangechange", (e) => show(e.detail));

export const RANGES = [
  { key: "5m", label: "5 min", seconds: 300, live: true },
  { key: "1h", label: "1 h", seconds: 3600 },
  { key: "6h", label: "6 h", seconds: 6 * 3600 },
  { key: "24h", label: "24 h", seconds: 86400 },
  { key: "7d", label: "7 d", seconds: 7 * 86400 },
  { key: "30d", label: "30 d", seconds: 30 * 86400 },
];
export const DEFAULT_RANGE = "5m";
// A zoom narrower than this is widened around its middle (a few raw samples at least).
export const MIN_ZOOM_S = 30;

const BY_KEY = new Map(RANGES.map((r) => [r.key, r]));

/** The range named by a URL's ?range=, or the default. */
export function rangeFromSearch(search) {
  const key = new URLSearchParams(search).get("range");
  return BY_KEY.has(key) ? key : DEFAULT_RANGE;
}

/** The page's URL with ?range= set to key (left out for the default). */
export function urlWithRange(href, key) {
  const url = new URL(href);
  if (key === DEFAULT_RANGE) url.searchParams.delete("range");
  else url.searchParams.set("range", key);
  return url.toString();
}

/** Whether a window ending at `end` still counts as "now": within 2 % of its width or 5 s. */
export function reachesNow(start, end, now) {
  return end >= now - Math.max(5, 0.02 * (end - start));
}

export class HostRange extends EventTarget {
  constructor(key = DEFAULT_RANGE) {
    super();
    this.key = BY_KEY.has(key) ? key : DEFAULT_RANGE;
    // null: the picked range; {span, follow: true}: a zoom ending now; {start, end}: paused
    this.zoom = null;
  }

  get picked() {
    return BY_KEY.get(this.key);
  }

  /** The last few minutes' live charts (no history, no zoom). */
  isLive() {
    return Boolean(this.picked.live);
  }

  /** {start, end, live} at `now` (unix s). */
  window(now) {
    if (this.zoom && !this.zoom.follow) return { start: this.zoom.start, end: this.zoom.end, live: false };
    const span = this.zoom ? this.zoom.span : this.picked.seconds;
    return { start: now - span, end: now, live: true };
  }

  pick(key, now) {
    if (!BY_KEY.has(key)) return;
    this.key = key;
    this.zoom = null;
    this._changed(now);
  }

  /** Zoom (or pan) to [start, end]: following now when it reaches now, else paused there. */
  zoomTo(start, end, now) {
    if (this.isLive() || !(end > start)) return;
    if (end - start < MIN_ZOOM_S) {
      const mid = (start + end) / 2;
      [start, end] = [mid - MIN_ZOOM_S / 2, mid + MIN_ZOOM_S / 2];
    }
    const span = end - start;
    if (!reachesNow(start, end, now)) this.zoom = { start, end };
    else if (Math.abs(span - this.picked.seconds) <= 0.01 * span) this.zoom = null; // the range itself
    else this.zoom = { span, follow: true };
    this._changed(now);
  }

  /** Back to the picked range. */
  reset(now) {
    this.zoom = null;
    this._changed(now);
  }

  /** Keep the zoom's width, its right end at now. */
  followNow(now) {
    const w = this.window(now);
    this.zoomTo(now - (w.end - w.start), now, now);
  }

  /** Move the window by `fraction` of its width (negative: into the past). */
  shift(fraction, now) {
    const w = this.window(now);
    const span = w.end - w.start;
    const end = Math.min(now, w.end + span * fraction);
    this.zoomTo(end - span, end, now);
  }

  /** Zoomed or panned away from the picked range. */
  zoomed() {
    return this.zoom !== null;
  }

  _changed(now) {
    const w = this.window(now);
    const detail = { range: this.key, start: w.start, end: w.end, live: w.live, zoomed: this.zoomed() };
    this.dispatchEvent(new CustomEvent("rangechange", { detail }));
  }
}
