// Host page: one host's card (figures, charts, top processes) and its facts strip, fed by the
// stream (stream.js) following that host's full samples.
//
// Configuration comes only from data-* attributes on <main id="dashboard"> and the json_script
// "host-record"; nothing is hard-coded here.
//
// Samples are queued (bounded to maxPoints) and flushed into the charts at most once per
// animation frame, one extendTraces call per chart. While the tab is hidden nothing is drawn;
// the bounded queue is flushed on visibilitychange.
//
// The charts' time range (5 min live by default, ?range=1h ... 30d, zoom) is host-history.js's:
// flushed samples go through it. Other panels can follow the same window through
// window.monitor.hostRange, an EventTarget firing "rangechange" with {range, start, end, live,
// zoomed} (history-range.js) when the range or the zoom changes.

import { renderAlertList } from "../alert-list.js";
import { pointCount, slots } from "../charts.js";
import { DeviceCharts } from "../device-charts.js";
import { readJsonScript } from "../format.js";
import { HostCard } from "../host-card.js";
import { HostHistory } from "../host-history.js";
import { HostInfo } from "../host-info.js";
import { derive, num } from "../metrics.js";
import { startAlerts } from "../page-alerts.js";
import { fromPlotly } from "../plot-time.js";
import { LiveStream } from "../stream.js";

function positive(v, fallback) {
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const root = document.getElementById("dashboard");
const ds = root.dataset;
const config = {
  host: ds.host,
  wsPath: ds.wsPath || "/ws/live/",
  interval: positive(parseFloat(ds.interval), 1),
  windowS: positive(parseFloat(ds.windowS), 300),
  staleAfter: positive(parseFloat(ds.staleAfter), 10),
  deadAfter: positive(parseFloat(ds.deadAfter), 60),
};
const maxPoints = Math.max(1, Math.ceil(config.windowS / config.interval));

const card = new HostCard(config.host, document.getElementById("host-template"));
const info = new HostInfo(document, config);
const devices = new DeviceCharts(document.getElementById("devices"), config);
let pending = []; // [{x: Date, v}] not yet drawn (bounded)
let frame = 0;
let flushes = 0;

function onReset() {
  pending = [];
  card.reset();
  hostHistory.reset();
  devices.reset();
}

function onSamples(accepted) {
  for (const a of accepted) {
    if (a.host !== config.host) continue;
    // A break instead of a line across missing samples or a silent agent.
    if (a.gap) pending.push({ x: new Date(a.gapTs * 1000), v: null });
    const v = derive(a.sample);
    pending.push({ x: new Date(a.ts * 1000), v });
    card.noteSample(v, a.sample.top, a.ts);
    if (card.lastTs === null || a.ts >= card.lastTs) {
      card.lastTs = a.ts;
      card.latest = { v, top: a.sample.top };
    }
  }
  if (pending.length > maxPoints) pending.splice(0, pending.length - maxPoints);
  devices.push(accepted);
  schedule();
}

function schedule() {
  if (frame || document.hidden) return;
  frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  if (document.hidden) return; // keep the bounded queue until visible again
  if (pending.length) flushes += 1;
  hostHistory.flush(pending);
  pending = [];
  card.render();
  tickAges();
}

function tickAges() {
  const now = stream.serverNow();
  card.updateAge(now, config.staleAfter, config.deadAfter);
  info.tick(now, card.lastTs);
}

function onHosts(records) {
  const record = records.find((r) => r && r.name === config.host);
  if (record) {
    info.apply(record);
    info.removed(false);
  }
}

function onHost(msg) {
  if (msg.host !== config.host) return;
  switch (msg.event) {
    case "new":
      if (msg.record && typeof msg.record === "object") info.apply(msg.record);
      info.removed(false);
      break;
    case "status":
      info.setStatus(msg.status, num(msg.since));
      break;
    case "duplicate":
      info.duplicate(typeof msg.message === "string" ? msg.message : "");
      break;
    case "removed":
      info.setStatus("disabled", stream.serverNow());
      info.removed(true);
      break;
    default:
      break;
  }
  tickAges();
}

const stream = new LiveStream({
  path: config.wsPath,
  statusEl: document.getElementById("connection-status"),
  latencyEl: document.getElementById("stream-latency"),
  interval: config.interval,
  subscription: () => ({ hosts: [config.host], view: "full", backfill_s: config.windowS }),
  onSamples,
  onHosts,
  onHost,
  onReset,
  page: "host",
});

document.getElementById("hosts").append(card.section);
card.plot();
const hostHistory = new HostHistory({
  card,
  config,
  maxPoints,
  socket: stream.socket,
  now: () => stream.serverNow(),
  urls: { series: ds.seriesUrl, alerts: ds.alertsUrl },
  bar: document.getElementById("history-bar"),
});
hostHistory.start();
// Without a record the facts stay hidden until the hosts snapshot.
const record = readJsonScript("host-record", null);
if (record && typeof record === "object") info.apply(record);
tickAges();

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) flush();
});
setInterval(() => {
  if (document.hidden) return;
  tickAges();
  hostHistory.tick();
}, 1000);

window.monitor = {
  socket: stream.socket,
  state: () => stream.socket.state,
  latency: () => stream.latency.median(),
  pointCount: (host, chart) => (host === config.host ? pointCount(card.charts[chart]) : 0),
  // extras for debugging
  config,
  maxPoints,
  stats: { ...stream.stats, flushes: () => flushes, subscribes: stream.subscribes },
  epoch: () => stream.positions.epoch,
  lastSeq: (host) => stream.positions.since()[host] ?? null,
  pending: () => pending.length,
  // the time range (host-history.js): what the charts show and how it was loaded
  hostRange: hostHistory.range,
  range: () => hostHistory.snapshot(),
  history: (chart) => ({ ...hostHistory.info[chart] }),
  seriesRequests: () => hostHistory.requests.slice(),
  xRange: (chart) => {
    const axis = card.charts[chart]?._fullLayout?.xaxis;
    return axis ? axis.range.map(fromPlotly) : null;
  },
  lastX: (chart) => {
    const x = card.charts[chart]?.data?.[0]?.x;
    return x && x.length ? fromPlotly(x[x.length - 1]) : null;
  },
  annotations: (chart) => {
    const div = card.charts[chart];
    const marks = div?.data?.[slots(chart).marks];
    return {
      shapes: (div?.layout?.shapes || []).length,
      marks: marks ? marks.hovertext.map((text, i) => ({ text, x: fromPlotly(marks.x[i]) })) : [],
    };
  },
};
window.monitor.devices = devices.hooks();

const alerts = startAlerts(stream.socket);
const alertList = document.getElementById("host-alerts");
alerts.addEventListener("change", () => renderAlertList(alertList, alerts, alerts.forHost(config.host)));
stream.start();
