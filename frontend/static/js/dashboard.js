// Host page: wires the LiveSocket to the host card, its charts and the
// host facts strip.
//
// Configuration comes only from data-* attributes on <main id="dashboard">
// and the json_scripts "initial-hosts" and "host-record"; nothing is
// hard-coded here. With data-host set the page follows that one host
// (subscribe hosts: [name], view: "full"); without it, every host.
//
// Samples are queued per host (bounded to maxPoints) and flushed into the
// charts at most once per animation frame, one extendTraces call per chart.
// While the tab is hidden nothing is drawn; the bounded queue is flushed on
// visibilitychange.

import { LiveSocket, routeFrame } from "./live-socket.js";
import { extendHost, pointCount } from "./charts.js";
import { HostCard } from "./host-card.js";
import { HostInfo } from "./host-info.js";
import { readJsonScript } from "./format.js";
import { derive, num } from "./metrics.js";

function positive(v, fallback) {
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const root = document.getElementById("dashboard");
const ds = root.dataset;
const config = {
  host: ds.host || null,
  wsPath: ds.wsPath || "/ws/live/",
  interval: positive(parseFloat(ds.interval), 1),
  windowS: positive(parseFloat(ds.windowS), 300),
  staleAfter: positive(parseFloat(ds.staleAfter), 10),
  deadAfter: positive(parseFloat(ds.deadAfter), 60),
};
const maxPoints = Math.max(1, Math.ceil(config.windowS / config.interval));
const GAP_FACTOR = 2.5; // samples further apart than this many intervals get a break

const hostsEl = document.getElementById("hosts");
const waitingEl = document.getElementById("waiting");
const template = document.getElementById("host-template");

const cards = new Map(); // host -> HostCard
const lastSeq = new Map(); // host -> last seq accepted
const pending = new Map(); // host -> [{x: Date, v}] not yet drawn (bounded)
const stats = { samples: 0, duplicates: 0, gaps: 0, flushes: 0, resets: 0, subscribes: [] };
let epoch = null;
let frame = 0;

const info = new HostInfo();

function mine(name) {
  return config.host === null || name === config.host;
}

function ensureHost(name) {
  let card = cards.get(name);
  if (card) return card;
  if (!mine(name)) return null;
  card = new HostCard(name, template);
  cards.set(name, card);
  // keep sections sorted by name
  let before = null;
  for (const other of hostsEl.children) {
    if ((other.dataset.host || "").localeCompare(name) > 0) {
      before = other;
      break;
    }
  }
  hostsEl.insertBefore(card.section, before);
  card.plot();
  card.updateAge(socket.serverNow(), config.staleAfter, config.deadAfter);
  waitingEl.hidden = true;
  return card;
}

/** The host was removed or disabled: drop its card (and its Plotly charts). */
function dropHost(name) {
  const card = cards.get(name);
  if (!card) return;
  card.destroy();
  cards.delete(name);
  lastSeq.delete(name);
  pending.delete(name);
  waitingEl.hidden = cards.size > 0 || config.host !== null;
}

function resetHistory() {
  stats.resets += 1;
  lastSeq.clear();
  pending.clear();
  for (const card of cards.values()) card.reset();
}

function onHello(hello) {
  const helloEpoch = hello.epoch == null ? null : String(hello.epoch);
  const sameEpoch = epoch !== null && helloEpoch === epoch;
  if (epoch !== null && !sameEpoch) resetHistory();
  epoch = helloEpoch;
  if (Array.isArray(hello.hosts)) {
    for (const h of hello.hosts) if (typeof h === "string" && mine(h)) ensureHost(h);
  }
  const msg = {
    type: "subscribe",
    hosts: config.host === null ? "*" : [config.host],
    view: "full",
    backfill_s: config.windowS,
  };
  if (sameEpoch && lastSeq.size) msg.since = Object.fromEntries(lastSeq);
  stats.subscribes.push(msg);
  if (stats.subscribes.length > 20) stats.subscribes.shift();
  return msg;
}

function onSamples(msg) {
  const list = Array.isArray(msg.samples) ? msg.samples : [];
  for (const s of list) {
    if (!s || typeof s.host !== "string" || !Number.isFinite(s.seq) || !mine(s.host)) continue;
    const host = s.host;
    const card = ensureHost(host);
    const last = lastSeq.get(host);
    if (last !== undefined && s.seq <= last) {
      stats.duplicates += 1;
      continue;
    }
    const ts = num(s.ts) ?? socket.serverNow();
    let q = pending.get(host);
    if (!q) {
      q = [];
      pending.set(host, q);
    }
    const step = num(s.interval) ?? config.interval;
    const prev = card.lastTs;
    // Missing samples (a seq gap), or a silent stretch with consecutive seqs
    // (the agent was down: seqs are only counted for published samples):
    // a null point breaks the line instead of bridging the hole.
    const seqGap = last !== undefined && s.seq > last + 1;
    const timeGap = last !== undefined && prev !== null && ts - prev > GAP_FACTOR * step;
    if (seqGap || timeGap) {
      stats.gaps += 1;
      const gapTs = prev !== null && prev < ts ? Math.min(prev + step, (prev + ts) / 2) : ts - step / 2;
      q.push({ x: new Date(gapTs * 1000), v: null });
    }
    const v = derive(s.metrics);
    q.push({ x: new Date(ts * 1000), v });
    if (q.length > maxPoints) q.splice(0, q.length - maxPoints);
    lastSeq.set(host, s.seq);
    stats.samples += 1;
    if (card.lastTs === null || ts >= card.lastTs) {
      card.lastTs = ts;
      card.latest = { v, top: s.top };
    }
  }
  schedule();
}

function schedule() {
  if (frame || document.hidden) return;
  frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  if (document.hidden) return; // keep the bounded queue until visible again
  let drew = false;
  for (const [host, q] of pending) {
    const card = cards.get(host);
    if (card && q.length) {
      extendHost(card.charts, q, maxPoints);
      drew = true;
    }
    if (card) card.render();
  }
  pending.clear();
  if (drew) stats.flushes += 1;
  tickAges();
}

function tickAges() {
  const now = socket.serverNow();
  for (const card of cards.values()) card.updateAge(now, config.staleAfter, config.deadAfter);
  info.tick(now);
}

function onHostsSnapshot(list) {
  if (config.host === null || !Array.isArray(list)) return;
  const rec = list.find((r) => r && r.name === config.host);
  if (rec) {
    info.apply(rec);
    info.removed(false);
  }
}

function onHostEvent(msg) {
  const name = msg.host;
  if (typeof name !== "string" || !mine(name)) return;
  switch (msg.event) {
    case "new":
      ensureHost(name);
      if (config.host !== null) {
        if (msg.record && typeof msg.record === "object") info.apply(msg.record);
        info.removed(false);
      }
      break;
    case "status":
      if (config.host !== null) info.setStatus(msg.status, num(msg.since));
      break;
    case "duplicate":
      if (config.host !== null) info.duplicate(typeof msg.message === "string" ? msg.message : "");
      break;
    case "removed":
      dropHost(name);
      if (config.host !== null) {
        info.setStatus("disabled", socket.serverNow());
        info.removed(true);
      }
      break;
    default:
      break;
  }
  tickAges();
}

const PAGE_FRAMES = {
  samples: onSamples,
  hosts: (msg) => onHostsSnapshot(msg.hosts),
  host: onHostEvent,
};

function onMessage(ev) {
  routeFrame(ev.detail, PAGE_FRAMES, "dashboard");
}

const socket = new LiveSocket({
  path: config.wsPath,
  statusEl: document.getElementById("connection-status"),
  onHello,
});
socket.addEventListener("message", onMessage);

const initial = readJsonScript("initial-hosts", []);
if (Array.isArray(initial)) {
  for (const h of initial) if (typeof h === "string") ensureHost(h);
}
// Without a record the facts stay hidden until the hosts snapshot.
const record = readJsonScript("host-record", null);
if (record && typeof record === "object") info.apply(record);

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) flush();
});
setInterval(() => {
  if (!document.hidden) tickAges();
}, 1000);

window.monitor = {
  socket,
  state: () => socket.state,
  pointCount: (host, chart) => pointCount(cards.get(host)?.charts[chart]),
  // extras for debugging
  config,
  maxPoints,
  stats,
  epoch: () => epoch,
  hosts: () => [...cards.keys()],
  lastSeq: (host) => lastSeq.get(host) ?? null,
  pending: (host) => pending.get(host)?.length ?? 0,
};

socket.start();
