// The host page's charts over time: the range picker (5 min live ... 30 d), drag-to-zoom and
// panning (linked across the five charts), the live edge kept streaming at the right, and the
// host's alerts drawn on every chart (docs/history.md, "On the host page").
//
// "5 min" is the live charts as they always were (extendTraces, capped at maxPoints). Any other
// range loads each series from /api/hosts/<name>/series (one request per metric, in parallel,
// the server's default step), keeps the live samples coming on the right and redraws whole
// windows (drawWindow). A zoom or pan ends in plotly_relayout: the window's series are fetched
// again at the finer step the server gives that window. A window ending before now is paused.

import { AlertTimeline } from "./annotations.js";
import { annotateLive, CHART_NAMES, CHARTS, drawWindow, extendHost, plotEmpty } from "./charts.js";
import { SeriesBuffer } from "./history-buffer.js";
import { HostRange, rangeFromSearch, urlWithRange } from "./history-range.js";
import { fromPlotly, plotlyTime } from "./plot-time.js";
import { ALERT, ALERTS } from "./protocol.js";
import { RangeBar } from "./range-bar.js";
import { fetchAlerts, fetchSeries } from "./series-api.js";

const KEYS = CHART_NAMES.flatMap((name) => CHARTS[name].traces.map((t) => t.key));
const SLIDE_EVERY_MS = 1500; // redraw a following window at least this often without samples

function errorText(err) {
  const status = err.status ? ` (HTTP ${err.status})` : "";
  return `History unavailable${status}: ${err.message}`;
}

export class HostHistory {
  /**
   * card: the HostCard; config: the page's; maxPoints: the live charts' cap; socket: the page's
   * LiveSocket (alert frames); now(): the server's clock (unix s); urls: {series, alerts};
   * bar: the range bar's element (#history-bar, range-bar.js).
   */
  constructor({ card, config, maxPoints, socket, now, urls, bar }) {
    Object.assign(this, { card, config, maxPoints, now, urls });
    this.range = new HostRange(rangeFromSearch(window.location.search));
    this.buffer = new SeriesBuffer(KEYS);
    this.timeline = new AlertTimeline(config.host);
    this.recent = []; // the live charts' points ({x: Date, v}), capped like them
    this.info = {}; // chart -> {tier, step, fetched, error, start, end}
    this.requests = []; // every series answer or refusal, for tests and debugging
    this.loads = 0;
    this.loading = false;
    this.gen = 0;
    this.abort = null;
    this.switching = null;
    this.doubleClicked = false;
    this.lastDraw = 0;
    this.liveLayers = "";
    socket.addEventListener("message", (ev) => this._frame(ev.detail));
    this.range.addEventListener("rangechange", () => this._rangeChanged());
    this.controls = new RangeBar(bar, this.range, now);
  }

  /** Once the charts are plotted: listen to their zooms and show the URL's range. */
  start() {
    for (const name of CHART_NAMES) {
      const div = this.card.charts[name];
      if (!div || !div.on) continue;
      div.on("plotly_relayout", (ev) => this._relayout(ev));
      // Plotly follows a double-click with a relayout to the chart's first range: a reset here
      div.on("plotly_doubleclick", () => {
        if (this.range.isLive()) return;
        this.doubleClicked = true;
        setTimeout(() => {
          this.doubleClicked = false;
          this.range.reset(this.now());
        }, 0);
      });
    }
    if (this.range.isLive()) this.controls.update(this.loading);
    else this._rangeChanged();
  }

  /** New live points (the page's flush): the live charts extended, or the window's tail. */
  flush(points) {
    if (points.length) {
      for (const p of points) this.recent.push(p);
      if (this.recent.length > this.maxPoints) this.recent.splice(0, this.recent.length - this.maxPoints);
    }
    if (this.range.isLive()) {
      if (this.switching) return; // drawn from `recent` once the charts are live again
      if (points.length) extendHost(this.card.charts, points, this.maxPoints);
      this._annotateLive();
      return;
    }
    if (points.length) this.buffer.push(points);
    if (this.range.window(this.now()).live) this.draw();
    else if (!this.loading) this._fold(); // paused: nothing to draw, but keep the tail bounded
  }

  /** Every second: a following window slides even when no sample comes. */
  tick() {
    if (this.range.isLive() || !this.range.window(this.now()).live) return;
    if (performance.now() - this.lastDraw >= SLIDE_EVERY_MS) this.draw();
  }

  /** The server's epoch changed: what was streamed is gone (the charts were replotted). */
  reset() {
    const streamed = this.recent.length > 0; // not the first hello's: nothing to drop then
    this.recent = [];
    this.liveLayers = "";
    if (!this.range.isLive() && streamed) this.load();
  }

  /** Redraw every chart over the window, now. */
  draw() {
    const now = this.now();
    const w = this.range.window(now);
    if (w.live && !this.loading) {
      const step = this._fold();
      this.buffer.trim(w.start - step);
    }
    const { shapes, marks } = this.timeline.layers(w.start, w.end, plotlyTime);
    const range = [plotlyTime(w.start), plotlyTime(w.end)];
    const all = Object.fromEntries(KEYS.map((k) => [k, this.buffer.series(k)]));
    for (const name of CHART_NAMES) {
      const div = this.card.charts[name];
      if (!div) continue;
      const series = {};
      for (const t of CHARTS[name].traces) series[t.key] = all[t.key];
      const head = all[CHARTS[name].traces[0].key];
      drawWindow(div, name, { range, series, band: { x: head.x, lo: head.lo, hi: head.hi }, shapes, marks });
    }
    this.lastDraw = performance.now();
  }

  /** Fold the tail's samples older than the live charts' window; returns the step used. */
  _fold() {
    const w = this.range.window(this.now());
    const step = this.buffer.step || Math.max(this.config.interval, (w.end - w.start) / 1000);
    this.buffer.fold(this.now() - this.config.windowS, step);
    return step;
  }

  /** Fetch the window's series (and the host's alerts since its start), then draw. */
  async load() {
    const gen = ++this.gen;
    if (this.abort) this.abort.abort();
    const abort = new AbortController();
    this.abort = abort;
    const w = this.range.window(this.now());
    this.buffer.clear();
    this.buffer.setTail(this.recent);
    this.loading = true;
    this.controls.update(this.loading);
    this.draw(); // the new window at once, the live edge in it; history fills in
    const alerts = fetchAlerts(this.urls.alerts, this.config.host, w.start, abort.signal)
      .then((list) => this.timeline.merge(list))
      .catch((err) => {
        if (err.name !== "AbortError") console.warn("host page: alerts not loaded:", err.message);
      });
    await Promise.all(CHART_NAMES.map((name) => this._loadChart(name, w, gen, abort.signal)));
    await alerts;
    if (gen !== this.gen) return;
    this.loading = false;
    this.loads += 1;
    this.controls.update(this.loading);
    this.draw();
  }

  async _loadChart(name, w, gen, signal) {
    const traces = CHARTS[name].traces;
    const panel = this.card.charts[name]?.closest(".panel");
    if (panel) panel.dataset.loading = "true";
    const answers = await Promise.allSettled(
      traces.map((t) => fetchSeries(this.urls.series, t.metric, w.start, w.end, null, signal)),
    );
    if (gen !== this.gen) return;
    if (panel) delete panel.dataset.loading;
    if (this.requests.length > 200) this.requests.splice(0, this.requests.length - 200);
    let error = null;
    let head = null;
    answers.forEach((a, i) => {
      const metric = traces[i].metric;
      if (a.status === "fulfilled") {
        this.buffer.setHistory(traces[i].key, a.value.points || [], a.value.step);
        if (i === 0) head = a.value;
        this.requests.push({ metric, start: w.start, end: w.end, step: a.value.step, tier: a.value.tier,
          points: (a.value.points || []).length, status: 200 });
      } else if (a.reason.name !== "AbortError") {
        error = error || a.reason;
        this.requests.push({ metric, start: w.start, end: w.end, status: a.reason.status, error: a.reason.message });
      }
    });
    this.info[name] = {
      tier: head ? head.tier : null, step: head ? head.step : null,
      fetched: head ? (head.points || []).length : 0,
      error: error ? errorText(error) : null, start: w.start, end: w.end,
    };
    this.card.setMessage(name, error ? errorText(error) : "");
  }

  // ---- the live charts' alerts -----------------------------------------------------------

  _annotateLive() {
    const r = this.recent;
    const layers = r.length
      ? this.timeline.layers(r[0].x.getTime() / 1000, r[r.length - 1].x.getTime() / 1000, plotlyTime)
      : { shapes: [], marks: [] };
    const key = JSON.stringify(layers);
    if (key === this.liveLayers) return;
    this.liveLayers = key;
    for (const name of CHART_NAMES) annotateLive(this.card.charts[name], name, layers.shapes, layers.marks);
  }

  _frame(msg) {
    if (!msg || (msg.type !== ALERTS && msg.type !== ALERT)) return;
    const list = msg.type === ALERTS ? msg.alerts : [msg.alert];
    if (msg.type === ALERTS) this._catchUp(list);
    if (this.timeline.merge(list)) this._alertsChanged();
  }

  _alertsChanged() {
    if (this.range.isLive()) this._annotateLive();
    else this.draw();
  }

  // A reconnect's snapshot leaves out what resolved while the page was away: ask the API for
  // the records of the alerts still held as active, so their bands end where they ended.
  _catchUp(snapshot) {
    const ids = new Set((snapshot || []).map((a) => a && a.id));
    const gone = [...this.timeline.alerts.values()].filter((a) => a.state !== "resolved" && !ids.has(a.id));
    if (!gone.length) return;
    const since = Math.min(...gone.map((a) => a.started_at || 0));
    fetchAlerts(this.urls.alerts, this.config.host, since)
      .then((records) => {
        if (this.timeline.merge(records)) this._alertsChanged();
      })
      .catch((err) => console.warn("host page: alerts not caught up:", err.message));
  }

  // ---- range, zoom, controls -------------------------------------------------------------

  _relayout(ev) {
    if (this.range.isLive() || !ev || this.doubleClicked) return;
    if (ev["xaxis.autorange"]) {
      this.range.reset(this.now());
      return;
    }
    let [a, b] = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
    if (Array.isArray(ev["xaxis.range"])) [a, b] = ev["xaxis.range"];
    const start = fromPlotly(a);
    const end = fromPlotly(b);
    if (start === null || end === null) return;
    const now = this.now();
    const w = this.range.window(now);
    if (Math.abs(start - w.start) < 1 && Math.abs(end - w.end) < 1) return; // our own window
    this.range.zoomTo(start, end, now);
  }

  _rangeChanged() {
    const url = urlWithRange(window.location.href, this.range.key);
    if (url !== window.location.href) window.history.replaceState(window.history.state, "", url);
    if (!this.range.isLive()) {
      this.load();
      return;
    }
    this.gen += 1; // answers still on their way are dropped
    if (this.abort) this.abort.abort();
    this.loading = false;
    this.info = {};
    this.buffer.clear();
    this.liveLayers = "";
    this.controls.update(this.loading);
    const plotted = CHART_NAMES.map((name) => {
      this.card.setMessage(name, "");
      delete this.card.charts[name].closest(".panel").dataset.loading;
      return plotEmpty(this.card.charts[name], name); // live again: x fixed, extended below
    });
    const switching = Promise.all(plotted).then(() => {
      if (this.switching !== switching || !this.range.isLive()) return;
      this.switching = null;
      extendHost(this.card.charts, this.recent, this.maxPoints);
      this._annotateLive();
    });
    this.switching = switching;
  }

  /** What tests read: the window and how it was loaded. */
  snapshot() {
    const w = this.range.window(this.now());
    return { range: this.range.key, start: w.start, end: w.end, live: w.live,
      zoomed: this.range.zoomed(), paused: !w.live, loading: this.loading, loads: this.loads };
  }
}
