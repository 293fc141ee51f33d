// A saved dashboard (/d/<slug>/) or a wall screen's program (/k/<token>/: a dashboard, or a
// playlist's dashboards in turn): one socket for every panel of every dashboard it shows.
//
// Configuration comes from data-* on <main id="dashboard"> and the json_scripts
// "dashboard-program" (programs.py) and "initial-hosts"; board/ draws.

import { normStatus, num, readJsonScript } from "../format.js";
import { startAlerts } from "../page-alerts.js";
import * as P from "../protocol.js";
import { LiveStream } from "../stream.js";
import { BoardStore } from "../board/store.js";
import { Program } from "../board/program.js";
import { registerScreen } from "../screen-register.js";

function positive(v, fallback) {
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const root = document.getElementById("dashboard");
const ds = root.dataset;
const config = {
  wsPath: ds.wsPath || "/ws/live/",
  interval: positive(parseFloat(ds.interval), 1),
  staleAfter: positive(parseFloat(ds.staleAfter), 10),
  deadAfter: positive(parseFloat(ds.deadAfter), 60),
  hostUrl: ds.hostUrl || "/hosts/__name__/",
  kiosk: document.body.classList.contains("kiosk"),
  windowS: 120, // the tiles' sparklines
};
const program = readJsonScript("dashboard-program", null);
const follows = program.subscriptions;
const backfillS = Math.max(
  config.windowS,
  ...program.boards.flatMap((b) => b.layout.panels.filter((p) => p.type === "chart").map((p) => p.window_s || 300)),
);
const shownBy = program.playlist ? { playlist: program.playlist } : { dashboard: program.boards[0].slug };
const store = new BoardStore({ capacity: Math.ceil(config.windowS / config.interval), interval: config.interval });
// Every chart of every dashboard keeps its history from the first sample on, shown or not: the
// next dashboard of a playlist opens with its charts full.
for (const board of program.boards) {
  for (const p of board.layout.panels) if (p.type === "chart") store.chart(p.metric, p.window_s || 300);
}

let program_ = null; // the Program, once the socket and alerts exist

function onHostsSnapshot(list) {
  const dropped = follows.subscribe?.hosts === "*" ? store.fleet.applySnapshot(list) : [];
  if (follows.subscribe?.hosts !== "*") for (const rec of list) store.fleet.applyRecord(rec);
  for (const name of dropped) {
    stream.positions.forget(name);
    store.forget(name);
    program_?.view.dropped(name);
  }
  for (const h of store.fleet.hosts.values()) program_?.view.host(h);
  store.version += 1;
}

function onHostEvent(msg) {
  const name = msg.host;
  const { fleet } = store;
  let h = null;
  if (msg.event === "new") {
    h = msg.record && typeof msg.record === "object" ? fleet.applyRecord({ ...msg.record, name }) : fleet.ensure(name);
  } else if (msg.event === "status") {
    h = fleet.ensure(name);
    h.status = normStatus(msg.status);
    h.since = num(msg.since);
  } else if (msg.event === "duplicate") {
    h = fleet.ensure(name);
    h.duplicate = true;
    h.duplicateMessage = typeof msg.message === "string" ? msg.message : "";
  } else if (msg.event === "removed") {
    store.forget(name);
    program_?.view.dropped(name);
    return;
  }
  store.version += 1;
  if (h) program_?.view.host(h);
}

function onSamples(accepted) {
  const fresh = [];
  for (const a of accepted) if (!store.fleet.get(a.host)) fresh.push(a.host);
  store.add(accepted);
  for (const name of fresh) program_?.view.host(store.fleet.get(name));
  if (accepted.length) program_?.view.data(new Set(accepted.map((a) => a.host)));
}

const stream = new LiveStream({
  path: config.wsPath,
  statusEl: document.getElementById("connection-status"),
  latencyEl: document.getElementById("stream-latency"),
  interval: config.interval,
  // by name: the server says what the dashboards need (the program's `subscriptions` is the same)
  subscription: () => (follows.subscribe ? { ...shownBy, backfill_s: backfillS } : null),
  onSamples,
  onHosts: onHostsSnapshot,
  onHost: onHostEvent,
  onReset: () => store.reset(),
  page: "dashboard",
});
const socket = stream.socket;
const alerts = startAlerts(socket, { hostUrl: config.hostUrl });

for (const rec of readJsonScript("initial-hosts", [])) store.fleet.applyRecord(rec);

const ctx = {
  store,
  alerts,
  kiosk: config.kiosk,
  hostUrl: config.hostUrl,
  windowS: config.windowS,
  interval: config.interval,
  freshness: { staleAfter: config.staleAfter, deadAfter: config.deadAfter },
  serverNow: () => stream.serverNow(),
};
program_ = new Program(program, ctx, document.getElementById("dashboard-grid"));

// ---- what is on screen, and where the playlist stands -----------------------------------

const title = document.getElementById("dashboard-title");
const turn = document.getElementById("playlist-position");
const pause = document.getElementById("playlist-paused");
function showTitle({ board, index }) {
  if (title) title.textContent = board.title;
  document.title = `${board.title} · Live Monitor`;
  root.dataset.slug = board.slug;
  if (turn) turn.textContent = program.boards.length > 1 ? `${index + 1} / ${program.boards.length}` : "";
}
program_.addEventListener("shown", (ev) => showTitle(ev.detail));
program_.addEventListener("paused", (ev) => {
  if (pause) pause.hidden = !ev.detail.paused;
  root.dataset.paused = String(ev.detail.paused);
});
showTitle({ board: program_.current, index: 0 });

function render() {
  program_.view.render(stream.serverNow());
}
let lastVersion = -1;
setInterval(() => {
  if (document.hidden) return;
  program_.tick();
  render();
}, 1000);
// new data draws within a frame, not a second later
socket.addEventListener("message", () => {
  if (store.version === lastVersion) return;
  lastVersion = store.version;
  requestAnimationFrame(render);
});
alerts.addEventListener("change", () => requestAnimationFrame(render));
socket.addEventListener("statechange", (ev) => {
  root.dataset.conn = ev.detail.state;
});
// What this page shows was changed (in the editor, the admin, a file, the API): it reloads to
// show the new version, unless an admin is editing here (their save reloads it anyway).
socket.addEventListener("message", (ev) => {
  const msg = ev.detail;
  if (msg.type !== P.DASHBOARD) return;
  const ours = msg.kiosk ? msg.kiosk === program.kiosk
    : msg.playlist ? msg.playlist === program.playlist
      : program.boards.some((b) => b.slug === msg.dashboard);
  if (!ours || document.getElementById("dashboard-editor")?.hidden === false) return;
  root.dataset.changed = "true";
  setTimeout(() => location.reload(), 500 + Math.random() * 2000); // a wall of screens spreads out
});

/** What the screens registry shows of this screen (screens/ in the server). */
function describe() {
  let newest = null;
  for (const h of store.fleet.hosts.values()) if (h.lastTs !== null && (newest === null || h.lastTs > newest)) newest = h.lastTs;
  return {
    shows: program.playlist ? `playlist ${program.playlist}: ${program_.current.slug}` : program_.current.slug,
    latency_s: stream.latency.median(),
    data_age_s: newest === null ? null : Math.max(0, stream.serverNow() - newest),
  };
}

window.monitor = {
  socket,
  state: () => socket.state,
  latency: () => stream.latency.median(),
  streamStats: stream.stats,
  subscribes: stream.subscribes,
  program,
  board: () => program_.current.slug,
  boardIndex: () => program_.index,
  turns: () => program_.turns,
  paused: () => program_.paused,
  next: (step = 1) => program_.next(step),
  panelIds: () => program_.view.panels.map((p) => p.panel.id),
  panelAge: (id) => program_.view.grid.querySelector(`[data-panel-id="${CSS.escape(id)}"] .panel-age`)?.dataset.state ?? null,
  chartPoints: (id) => program_.view.panels.find((p) => p.panel.id === id)?.points?.() ?? null,
  tileCount: () => program_.view.panels.reduce((n, p) => n + (p.wall ? p.wall.order.length : 0), 0),
  hosts: () => [...store.fleet.hosts.keys()],
  describe,
};

render();
stream.start();

// An admin edits the dashboard in place (dashboard-editor.js, loaded only for them).
const editButton = document.getElementById("edit-dashboard");
if (editButton) {
  import("../dashboard-editor.js").then(({ startEditor }) =>
    startEditor({
      toggle: editButton,
      mount: document.getElementById("dashboard-editor"),
      layout: readJsonScript("dashboard-layout", null),
      layoutUrl: editButton.dataset.layoutUrl,
      optionsUrl: editButton.dataset.optionsUrl,
      csrfToken: document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "",
    }),
  );
}
registerScreen(socket, { describe, kiosk: config.kiosk });
