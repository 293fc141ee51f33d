// A dashboard's panels (docs/dashboards.md): each draws one kind of thing from the page's
// store (store.js) into its <section> and shows the age of its own data, amber then red when it
// stops, whatever the socket's state. A panel is built when its dashboard is shown and
// destroyed when the playlist turns; the store and the socket stay.
//
// Every panel: constructor(panel, ctx), .root, render(now) (at most about once a second, and
// after new data), destroy(). Host events reach those with a `host(h)` method, new samples
// those with `data(names)`. Everything from the server is written with textContent.

import { labelsMatch } from "../fleet.js";
import { durationText, el, freshness, humanBytes, humanRate, level, statusText } from "../format.js";
import { hostHref } from "../tiles.js";
import { renderAlertList } from "../alert-list.js";
import { worstFirst } from "../alerts.js";
import { Wall } from "../wall.js";

const STATUSES = ["down", "late", "unknown", "up", "disabled"];
const SEVERITY_RANK = { warning: 1, critical: 2 };
const MAX_CHART_HOSTS = 40; // more lines than this read as noise on a wall
const PALETTE = ["#4fc3f7", "#81c784", "#ffb74d", "#ce93d8", "#f48fb1", "#fff176", "#ff8a65", "#4db6ac", "#90a4ae", "#e57373"];

/** {env: "prod"} -> [["env", "prod"]] as fleet.js's label filters. */
export function filterOf(labels) {
  return Object.entries(labels || {});
}

function setText(e, text) {
  if (e.textContent !== text) e.textContent = text;
}

function setData(e, key, value) {
  if (e.dataset[key] !== value) e.dataset[key] = value;
}

/** A metric's value as a wall reads it: "97.5 %", "1.2 MB/s", "31.3 GiB", "0.42". */
export function metricText(name, value, unit = "") {
  if (value === null || value === undefined) return ["–", unit];
  if (name.endsWith("percent")) return [value.toFixed(value >= 99.95 ? 0 : 1), unit || "%"];
  if (name.endsWith("bytes_per_s")) return humanRate(value);
  if (name.endsWith("bytes")) {
    const [n, u] = humanBytes(value).split(" ");
    return [n, unit || u];
  }
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return [value.toFixed(digits), unit];
}

class Panel {
  constructor(panel, ctx, { age = true } = {}) {
    this.panel = panel;
    this.ctx = ctx;
    const root = el("section", `panel board-panel panel-${panel.type}`);
    root.dataset.panelId = panel.id;
    root.dataset.type = panel.type;
    root.style.gridColumn = `${panel.x + 1} / span ${panel.w}`;
    root.style.gridRow = `${panel.y + 1} / span ${panel.h}`;
    const head = el("header", "panel-head");
    head.append(el("h2", "panel-title", panel.title || this.defaultTitle()));
    if (age) {
      this.ageEl = el("span", "panel-age", "no data");
      this.ageEl.dataset.state = "none";
      head.append(this.ageEl);
    }
    this.body = el("div", "panel-body");
    root.append(head, this.body);
    this.root = root;
  }

  defaultTitle() {
    return this.panel.id;
  }

  /** The hosts this panel draws (names), for its age and for the playlist's pause. */
  hosts() {
    return [];
  }

  /** Its data's age: that of the freshest of its hosts' newest samples. */
  renderAge(now) {
    if (!this.ageEl) return;
    let newest = null;
    for (const name of this.hosts()) {
      const ts = this.ctx.store.fleet.get(name)?.lastTs ?? null;
      if (ts !== null && (newest === null || ts > newest)) newest = ts;
    }
    const age = newest === null ? null : Math.max(0, now - newest);
    const { staleAfter, deadAfter } = this.ctx.freshness;
    setData(this.ageEl, "state", freshness(age, staleAfter, deadAfter));
    setText(this.ageEl, age === null ? "no data" : `${durationText(age)} ago`);
  }

  render(now) {
    this.renderAge(now);
  }

  destroy() {
    this.root.remove();
  }
}

/** Names of the store's hosts whose labels match (all of them for no labels). */
function matching(ctx, labels) {
  const filter = filterOf(labels);
  const out = [];
  for (const h of ctx.store.fleet.hosts.values()) if (labelsMatch(h.labels, filter)) out.push(h.name);
  return out.sort();
}

// ---- the host grid: the overview's tiles (wall.js) within the panel ----------------------

class HostsPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx);
    const filter = filterOf(panel.labels);
    const label = filter.map(([k, v]) => `${k}=${v}`).join(",");
    const counts = {};
    const summary = el("div", "panel-counts");
    for (const status of ["down", "late", "unknown", "up"]) {
      const c = el("span", "count");
      c.dataset.count = status;
      c.dataset.n = "none";
      c.append(el("b", null, "–"), ` ${status === "unknown" ? "no data" : status}`);
      counts[status] = c;
      summary.append(c);
    }
    const total = el("span", "count-total", "– hosts");
    const pager = el("span", "pager");
    pager.hidden = true;
    const pageIndicator = el("span", "page-indicator", "page 1 / 1");
    pager.append(pageIndicator);
    summary.append(total, pager);
    this.root.querySelector(".panel-head").append(summary);
    const empty = el("p", "empty", "Waiting for hosts…");
    empty.hidden = true;
    const grid = el("div", "tile-grid");
    this.body.append(empty, grid);
    this.wall = new Wall(
      { grid, empty, pager, pageIndicator, total, counts },
      {
        fleet: ctx.store.fleet,
        filter,
        label,
        hostUrl: ctx.kiosk ? "#" : ctx.hostUrl,
        windowS: ctx.windowS,
        sortEveryMs: 5000,
        pageEveryMs: 15000,
        serverNow: ctx.serverNow,
        freshness: ctx.freshness,
      },
    );
    for (const h of ctx.store.fleet.hosts.values()) this.wall.refresh(h);
    this.resize = new ResizeObserver(() => {
      this.wall.layoutDirty = true;
      this.wall.schedule();
    });
    this.resize.observe(grid);
    this.wall.schedule();
  }

  defaultTitle() {
    const filter = filterOf(this.panel.labels);
    return filter.length ? `Hosts ${filter.map(([k, v]) => `${k}=${v}`).join(", ")}` : "Hosts";
  }

  hosts() {
    return this.wall.order;
  }

  host(h) {
    this.wall.refresh(h);
    this.wall.schedule();
  }

  dropped(name) {
    this.wall.drop(name);
  }

  data(names) {
    for (const name of names) this.wall.markData(name);
    this.wall.schedule();
  }

  render(now) {
    super.render(now);
    this.wall.tick();
    this.markAlerts();
  }

  markAlerts() {
    const levels = this.ctx.alerts.hostLevels();
    for (const tile of this.wall.els.grid.querySelectorAll(".tile[data-host]")) {
      setData(tile, "alert", levels.get(tile.dataset.host) || "none");
    }
  }

  destroy() {
    this.resize.disconnect();
    cancelAnimationFrame(this.wall.raf);
    clearTimeout(this.wall.timer);
    super.destroy();
  }
}

// ---- one host's card ------------------------------------------------------------------

const CARD_FIGURES = [
  ["cpu.percent", "CPU"],
  ["mem.percent", "MEM"],
  ["load.1m", "LOAD"],
  ["disk.fullest_used_percent", "DISK"],
  ["net.rx_bytes_per_s", "RX"],
  ["net.tx_bytes_per_s", "TX"],
];

class HostPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx);
    const status = el("div", "host-panel-status");
    this.badge = el("span", "badge", statusText("unknown"));
    this.badge.dataset.status = "unknown";
    this.since = el("span", "host-panel-since");
    status.append(this.badge, this.since);
    const figs = el("div", "host-panel-figs");
    this.figs = CARD_FIGURES.map(([metric, label]) => {
      const box = el("div", "stat-fig");
      const value = el("b", "stat-value", "–");
      const unit = el("span", "stat-unit");
      const figure = el("span", "stat-figure");
      figure.append(value, unit);
      box.append(el("span", "stat-label", label), figure);
      figs.append(box);
      return { metric, box, value, unit };
    });
    this.body.append(status, figs);
    if (!ctx.kiosk) {
      const link = el("a", "host-panel-link", "open the host");
      link.href = hostHref(ctx.hostUrl, panel.host);
      this.body.append(link);
    }
  }

  defaultTitle() {
    return this.panel.host;
  }

  hosts() {
    return [this.panel.host];
  }

  render(now) {
    super.render(now);
    const h = this.ctx.store.fleet.get(this.panel.host);
    const status = h ? h.status : "unknown";
    setData(this.badge, "status", status);
    setText(this.badge, statusText(status));
    setText(this.since, h && h.since !== null ? `for ${durationText(now - h.since)}` : "");
    for (const f of this.figs) {
      const value = this.ctx.store.value(this.panel.host, f.metric);
      const [n, u] = metricText(f.metric, value);
      setText(f.value, n);
      setText(f.unit, u);
      setData(f.box, "level", f.metric.endsWith("percent") ? level(value) : "none");
    }
  }
}

// ---- a big single figure ----------------------------------------------------------------

class StatPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx);
    this.value = el("b", "stat-big", "–");
    this.unit = el("span", "stat-big-unit");
    const fig = el("div", "stat-big-fig");
    fig.append(this.value, this.unit);
    this.body.append(fig, el("p", "stat-what", `${panel.metric} · ${panel.host}`));
  }

  defaultTitle() {
    return `${this.panel.host} ${this.panel.metric}`;
  }

  hosts() {
    return [this.panel.host];
  }

  render(now) {
    super.render(now);
    const value = this.ctx.store.value(this.panel.host, this.panel.metric);
    const [n, u] = metricText(this.panel.metric, value, this.panel.unit || "");
    setText(this.value, n);
    setText(this.unit, u);
    setData(this.root, "level", this.panel.metric.endsWith("percent") ? level(value) : "none");
    // a figure that stopped must not look current
    setData(this.root, "stale", this.ageEl.dataset.state === "stale" || value === null ? "true" : "false");
  }
}

// ---- how many hosts are up, late, down ----------------------------------------------------

class StatusPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx);
    this.counts = {};
    const row = el("div", "status-counts");
    for (const status of STATUSES) {
      const box = el("div", "status-count");
      box.dataset.status = status;
      const n = el("b", null, "0");
      box.append(n, el("span", null, statusText(status)));
      row.append(box);
      this.counts[status] = { box, n };
    }
    this.body.append(row);
  }

  defaultTitle() {
    return "Status";
  }

  hosts() {
    return matching(this.ctx, this.panel.labels);
  }

  render(now) {
    super.render(now);
    const tally = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const name of this.hosts()) tally[this.ctx.store.fleet.get(name).status] += 1;
    for (const status of STATUSES) {
      const { box, n } = this.counts[status];
      setText(n, String(tally[status]));
      setData(box, "n", tally[status] > 0 ? "some" : "none");
      box.hidden = (status === "unknown" || status === "disabled") && tally[status] === 0;
    }
  }
}

// ---- one metric over time, for named hosts or a label ----------------------------------------

const TICK_STEPS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600];

/** "now", "-30 s", "-5 min", "-2 h". */
function agoText(seconds) {
  if (seconds === 0) return "now";
  if (seconds % 3600 === 0) return `−${seconds / 3600} h`;
  if (seconds % 60 === 0) return `−${seconds / 60} min`;
  return `−${seconds} s`;
}

/**
 * A wall chart's time axis: seconds before now, ticks at fixed offsets ("-2 min" ... "now").
 * Clock-time ticks move every second as the window slides, and Plotly keeps the measured box
 * of every tick label it draws, keyed by its text and position, until it holds 10,000 (about
 * 3.5 MB: the kiosk soak's heap grew 25 % an hour on it). Fixed ticks are measured once, and
 * a wall screen is read as "the last N minutes" anyway.
 */
function relativeAxis(windowS) {
  const step = TICK_STEPS.find((s) => windowS / s <= 6) || TICK_STEPS[TICK_STEPS.length - 1];
  const tickvals = [];
  for (let t = 0; t <= windowS; t += step) tickvals.push(-t);
  return {
    type: "linear", range: [-windowS, 0], tickvals, ticktext: tickvals.map((v) => agoText(-v)),
    gridcolor: "#2a3038", zeroline: false,
  };
}

class ChartPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx);
    this.windowS = panel.window_s || 300;
    ctx.store.chart(panel.metric, this.windowS);
    this.plot = el("div", "chart-plot");
    this.body.append(this.plot);
    this.drawnVersion = -1;
    this.drawnAt = 0;
    this.plotted = false;
  }

  defaultTitle() {
    return this.panel.metric;
  }

  hosts() {
    const names = this.panel.hosts || matching(this.ctx, this.panel.labels);
    return names.slice(0, MAX_CHART_HOSTS);
  }

  render(now) {
    super.render(now);
    const Plotly = window.Plotly;
    const store = this.ctx.store;
    // new data, or the window sliding on: at most once a second either way
    if (!Plotly || (store.version === this.drawnVersion && now - this.drawnAt < 1)) return;
    if (performance.now() - (this.paintedAt || 0) < 900) return;
    this.drawnVersion = store.version;
    this.drawnAt = now;
    this.paintedAt = performance.now();
    const since = now - this.windowS;
    // read across a room on a wall: the type (and the margins that hold it) grow with the screen
    const size = this.ctx.kiosk ? Math.max(14, Math.round(window.innerWidth / 110)) : 14;
    const traces = this.hosts().map((name, i) => {
      const ring = store.ring(name, this.panel.metric);
      const [x, y] = ring ? ring.points(since, now) : [[], []]; // see relativeAxis()
      return {
        type: "scatter", mode: "lines", name, x, y, connectgaps: false,
        line: { color: PALETTE[i % PALETTE.length], width: Math.max(2, size / 7) },
        hovertemplate: `${name} %{y:.3~s} at %{x:.0f} s<extra></extra>`,
      };
    });
    const percent = this.panel.metric.endsWith("percent");
    const layout = {
      margin: { l: Math.round(size * 4), r: size, t: Math.round(size / 2), b: Math.round(size * 2.2) },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { color: "#e8edf2", size },
      showlegend: traces.length > 1,
      legend: { orientation: "h", y: -0.18 },
      xaxis: relativeAxis(this.windowS),
      yaxis: percent ? { range: [0, 100], ticksuffix: "%", gridcolor: "#2a3038" } : { rangemode: "tozero", gridcolor: "#2a3038", tickformat: ".2~s" },
      uirevision: "keep",
    };
    Plotly.react(this.plot, traces, layout, { displayModeBar: false, responsive: true, staticPlot: this.ctx.kiosk });
    this.plotted = true;
  }

  /** Points drawn of its first host (tests). */
  points() {
    return this.plot.data?.[0]?.x?.length ?? 0;
  }

  destroy() {
    if (this.plotted && window.Plotly) window.Plotly.purge(this.plot);
    super.destroy();
  }
}

// ---- the active alerts ------------------------------------------------------------------

/** Whether an alert belongs in a panel listing alerts of at least `severity` with `labels`. */
export function alertWanted(a, { severity, labels } = {}) {
  if ((SEVERITY_RANK[a.severity] || 0) < (SEVERITY_RANK[severity] || 0)) return false;
  return labelsMatch(a.labels || {}, filterOf(labels));
}

class AlertsPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx, { age: false });
    this.list = el("div", "alert-list");
    this.body.append(this.list);
    this.shown = "";
  }

  defaultTitle() {
    return "Active alerts";
  }

  alerts() {
    return this.ctx.alerts.active().filter((a) => alertWanted(a, this.panel)).sort(worstFirst);
  }

  render() {
    const alerts = this.alerts();
    // redrawn when the alerts change, and once a minute for "since" texts
    const key = `${alerts.map((a) => `${a.id}:${a.version}`).join(",")}|${Math.floor(Date.now() / 60000)}`;
    if (key === this.shown) return;
    this.shown = key;
    renderAlertList(this.list, this.ctx.alerts, alerts);
  }
}

// ---- a clock, and a note ------------------------------------------------------------------

class ClockPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx, { age: false });
    const tz = panel.tz || Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.time = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    this.date = new Intl.DateTimeFormat("en-GB", { timeZone: tz, weekday: "short", day: "numeric", month: "short", year: "numeric" });
    this.timeEl = el("b", "clock-time", "");
    this.dateEl = el("span", "clock-date", "");
    this.body.append(this.timeEl, this.dateEl, el("span", "clock-zone", tz));
  }

  defaultTitle() {
    return this.panel.tz || "Local time";
  }

  render(now) {
    // the server's clock: a wall whose own clock drifted still shows the right time
    const d = new Date(now * 1000);
    setText(this.timeEl, this.time.format(d));
    setText(this.dateEl, this.date.format(d));
  }
}

/** The little markdown a note needs: # headings, - lists, **bold**, paragraphs. As DOM, never HTML. */
export function renderMarkdown(container, text) {
  let list = null;
  const inline = (parent, line) => {
    const parts = line.split(/\*\*(.+?)\*\*/g);
    parts.forEach((part, i) => parent.append(i % 2 ? el("strong", null, part) : document.createTextNode(part)));
    return parent;
  };
  for (const raw of String(text).split("\n")) {
    const line = raw.trimEnd();
    const heading = line.match(/^(#{1,3})\s+(.*)$/);
    const item = line.match(/^\s*[-*]\s+(.*)$/);
    if (item) {
      if (!list) container.append((list = el("ul")));
      list.append(inline(el("li"), item[1]));
      continue;
    }
    list = null;
    if (heading) container.append(inline(el(`h${heading[1].length + 2}`), heading[2]));
    else if (line) container.append(inline(el("p"), line));
  }
}

class TextPanel extends Panel {
  constructor(panel, ctx) {
    super(panel, ctx, { age: false });
    const box = el("div", "panel-text");
    if (panel.markdown !== undefined) renderMarkdown(box, panel.markdown);
    else box.textContent = panel.text;
    this.body.append(box);
  }

  defaultTitle() {
    return "";
  }

  render() {}
}

export const PANELS = {
  hosts: HostsPanel,
  host: HostPanel,
  chart: ChartPanel,
  stat: StatPanel,
  status: StatusPanel,
  alerts: AlertsPanel,
  clock: ClockPanel,
  text: TextPanel,
};
