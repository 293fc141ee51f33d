// Overview page (NOC wall): every host as a tile, worst first.
//
// Configuration comes only from data-* attributes on <main id="overview">
// and the json_script "initial-hosts" (HOST records); nothing is hard-coded.
// This file follows every host's summary on the stream (stream.js), keeps
// the fleet's records and wires input; wall.js draws.

import { Fleet, parseLabelFilter } from "../fleet.js";
import { normStatus, num, readJsonScript } from "../format.js";
import { startAlerts } from "../page-alerts.js";
import { LiveStream } from "../stream.js";
import { Wall } from "../wall.js";

function positive(v, fallback) {
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const root = document.getElementById("overview");
const ds = root.dataset;
const config = {
  wsPath: ds.wsPath || "/ws/live/",
  interval: positive(parseFloat(ds.interval), 1),
  windowS: positive(parseFloat(ds.windowS), 120),
  label: ds.label || "",
  hostUrl: ds.hostUrl || "",
  staleAfter: positive(parseFloat(ds.staleAfter), 10),
  deadAfter: positive(parseFloat(ds.deadAfter), 60),
  sortEveryMs: 5000,
  pageEveryMs: 15000,
};
// one ring slot per interval of the sparkline window
const capacity = Math.max(2, Math.ceil(config.windowS / config.interval));
const filter = parseLabelFilter(config.label);
const fleet = new Fleet({ capacity });

const counts = {};
for (const e of document.querySelectorAll("[data-count]")) counts[e.dataset.count] = e;
const wall = new Wall(
  {
    grid: document.getElementById("tiles"),
    empty: document.getElementById("empty"),
    pager: document.getElementById("pager"),
    pageIndicator: document.getElementById("page-indicator"),
    total: document.getElementById("host-total"),
    counts,
  },
  {
    fleet,
    filter,
    label: config.label,
    hostUrl: config.hostUrl,
    windowS: config.windowS,
    sortEveryMs: config.sortEveryMs,
    pageEveryMs: config.pageEveryMs,
    serverNow: () => stream.serverNow(),
    freshness: { staleAfter: config.staleAfter, deadAfter: config.deadAfter },
  },
);

function removeHost(name) {
  fleet.remove(name);
  wall.drop(name);
}

// ---- the stream -------------------------------------------------------------

function onReset() {
  fleet.resetHistory();
  wall.markAll();
}

function onHostsSnapshot(list) {
  const dropped = fleet.applySnapshot(list);
  for (const name of dropped) {
    stream.positions.forget(name);
    wall.drop(name);
  }
  for (const h of fleet.hosts.values()) wall.refresh(h);
}

function onHostEvent(msg) {
  const name = msg.host;
  let h = null;
  switch (msg.event) {
    case "new":
      h = msg.record && typeof msg.record === "object"
        ? fleet.applyRecord({ ...msg.record, name }) : fleet.ensure(name);
      break;
    case "status":
      h = fleet.ensure(name);
      h.status = normStatus(msg.status);
      h.since = num(msg.since);
      break;
    case "duplicate":
      h = fleet.ensure(name);
      h.duplicate = true;
      h.duplicateMessage = typeof msg.message === "string" ? msg.message : "";
      break;
    case "removed":
      removeHost(name);
      return;
    default:
      return;
  }
  if (h) wall.refresh(h);
}

function onSamples(accepted) {
  for (const a of accepted) {
    const known = fleet.get(a.host);
    const h = fleet.addSample(a);
    if (!known) wall.refresh(h);
    wall.markData(h.name);
  }
}

const stream = new LiveStream({
  path: config.wsPath,
  statusEl: document.getElementById("connection-status"),
  latencyEl: document.getElementById("stream-latency"),
  interval: config.interval,
  subscription: () => ({ hosts: "*", view: "summary", backfill_s: config.windowS }),
  onSamples,
  onHosts: onHostsSnapshot,
  onHost: onHostEvent,
  onReset,
  onFrame: () => wall.schedule(),
  page: "overview",
});
const socket = stream.socket;
const alerts = startAlerts(socket, { hostUrl: config.hostUrl });
// An alerting host's tile is marked so it is seen from across the room (monitor.css).
function markTiles() {
  const levels = alerts.hostLevels();
  for (const tile of wall.els.grid.querySelectorAll(".tile[data-host]")) {
    const level = levels.get(tile.dataset.host) || "none";
    if (tile.dataset.alert !== level) tile.dataset.alert = level;
  }
}
alerts.addEventListener("change", markTiles);
// On a phone the overview is a list with the alerting hosts on top (wall.js).
wall.alertLevels = () => alerts.hostLevels();
alerts.addEventListener("change", () => {
  if (wall.list) wall.resortSoon();
});
setInterval(markTiles, 1000);
socket.addEventListener("statechange", (ev) => {
  root.dataset.conn = ev.detail.state;
});

// ---- startup, timers, input ------------------------------------------------

const initial = readJsonScript("initial-hosts", []);
if (Array.isArray(initial)) {
  for (const rec of initial) {
    const h = typeof rec === "string" ? fleet.ensure(rec) : fleet.applyRecord(rec);
    if (h) wall.refresh(h);
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  wall.markAll();
  wall.schedule();
});
const relayout = () => {
  wall.layoutDirty = true;
  wall.schedule();
};
if (typeof ResizeObserver === "function") new ResizeObserver(relayout).observe(wall.els.grid);
window.addEventListener("resize", relayout);
setInterval(() => wall.tick(), 1000);

wall.els.pager.addEventListener("click", (ev) => {
  const b = ev.target.closest("[data-page]");
  if (b) wall.setPage(wall.pageIdx + (b.dataset.page === "prev" ? -1 : 1));
});
document.addEventListener("keydown", (ev) => {
  if (ev.altKey || ev.ctrlKey || ev.metaKey || wall.layout.pages <= 1) return;
  if (["ArrowRight", "ArrowDown", "PageDown"].includes(ev.key)) wall.setPage(wall.pageIdx + 1);
  else if (["ArrowLeft", "ArrowUp", "PageUp"].includes(ev.key)) wall.setPage(wall.pageIdx - 1);
  else return;
  ev.preventDefault();
});

window.monitor = {
  socket,
  state: () => socket.state,
  latency: () => stream.latency.median(),
  tileCount: () => wall.order.length, // hosts shown over all pages (label filter applied)
  tileStatus: (name) => (wall.shows(name) ? fleet.get(name).status : null),
  tileAlert: (name) => document.querySelector(`.tile[data-host="${CSS.escape(name)}"]`)?.dataset.alert ?? null,
  page: () => wall.pageIdx + 1, // 1-based
  pages: () => wall.layout.pages,
  sparkPoints: (name) => fleet.get(name)?.ring.size ?? 0,
  // extras for tests and debugging
  renderedCount: () => wall.tiles.size, // tiles in the DOM (current page)
  host: (name) => {
    const h = fleet.get(name);
    return h ? { status: h.status, level: h.level(), cur: { ...h.cur }, labels: { ...h.labels }, duplicate: h.duplicate } : null;
  },
  order: () => [...wall.order],
  pageHosts: () => wall.pageNames(),
  layout: () => ({ ...wall.layout }),
  listMode: () => wall.list, // a phone's one-column list (phone.css)
  setPage: (k) => wall.setPage(k - 1),
  lastSeq: (name) => stream.positions.since()[name] ?? null,
  epoch: () => stream.positions.epoch,
  subscribes: stream.subscribes,
  config,
  capacity,
  stats: wall.stats,
  streamStats: stream.stats,
};

wall.schedule();
stream.start();
