// The one stream module every page builds on: a LiveSocket, the subscribe that resumes where
// the page left off, and each host's place in its stream (epoch, last seq and time) so that
// duplicates are dropped and gaps are marked the same way on every page.
//
// A page gives what it follows and its handlers:
//   new LiveStream({path, statusEl, interval, subscription: () => ({hosts, view, backfill_s}) or null,
//                   onSamples(accepted, frame), onHosts(records), onHost(event), onReset()})
// onSamples gets only new samples, each with {sample, host, seq, ts, gap, gapTs}: gap is true
// when samples are missing before it (a seq gap, or a silence of more than GAP_FACTOR
// intervals), and gapTs is where a chart should put the break. Live samples' age on arrival
// feeds the page's end-to-end latency (latency.js), shown in `latencyEl` once a second.

import { LatencyMeter, renderLatency } from "./latency.js";
import { LiveSocket, routeFrame } from "./live-socket.js";
import * as P from "./protocol.js";
import { num } from "./format.js";

export const GAP_FACTOR = 2.5; // samples further apart than this many intervals get a break

/** Where each host's stream stands, within one epoch of the server's store. No DOM, no socket. */
export class StreamPositions {
  constructor(interval) {
    this.interval = interval;
    this.epoch = null;
    this.hosts = new Map(); // host -> {seq, ts}
    this.stats = { samples: 0, duplicates: 0, gaps: 0, resets: 0 };
  }

  /** A hello: true when its epoch differs from the one the positions belong to (reset them). */
  hello(epoch) {
    const next = epoch == null ? null : String(epoch);
    const changed = this.epoch !== null && next !== this.epoch;
    if (changed) {
      this.hosts.clear();
      this.stats.resets += 1;
    }
    this.epoch = next;
    return changed;
  }

  /** {host: last seq} for a resuming subscribe. */
  since() {
    const out = {};
    for (const [host, at] of this.hosts) out[host] = at.seq;
    return out;
  }

  lastTs(host) {
    return this.hosts.get(host)?.ts ?? null;
  }

  forget(host) {
    this.hosts.delete(host);
  }

  /**
   * One sample from a frame: null for duplicates and malformed samples, else what the page
   * draws, with the gap before it. `fallbackTs` stands in for a sample without a time.
   */
  accept(sample, fallbackTs) {
    if (!sample || typeof sample.host !== "string" || !sample.host) return null;
    if (!Number.isFinite(sample.seq)) return null;
    const host = sample.host;
    const last = this.hosts.get(host);
    if (last && sample.seq <= last.seq) {
      this.stats.duplicates += 1;
      return null;
    }
    const ts = num(sample.ts) ?? fallbackTs;
    const step = num(sample.interval) ?? this.interval;
    const seqGap = !!last && sample.seq > last.seq + 1;
    const timeGap = !!last && last.ts !== null && ts - last.ts > GAP_FACTOR * step;
    const gap = seqGap || timeGap;
    let gapTs = null;
    if (gap) {
      this.stats.gaps += 1;
      const prev = last.ts;
      gapTs = prev !== null && prev < ts ? Math.min(prev + step, (prev + ts) / 2) : ts - step / 2;
    }
    this.hosts.set(host, { seq: sample.seq, ts });
    this.stats.samples += 1;
    return { sample, host, seq: sample.seq, ts, gap, gapTs };
  }
}

export class LiveStream {
  constructor({
    path,
    statusEl = null,
    latencyEl = null,
    interval = 1,
    subscription,
    onSamples = () => {},
    onHosts = () => {},
    onHost = () => {},
    onReset = () => {},
    onFrame = () => {},
    page = "page",
  }) {
    this.positions = new StreamPositions(interval);
    this.subscription = subscription;
    this.handlers = { onSamples, onHosts, onHost, onReset, onFrame };
    this.page = page;
    this.subscribes = []; // the last few subscribe messages (for tests and debugging)
    this.socket = new LiveSocket({
      path,
      statusEl,
      interval,
      onHello: (hello) => this._onHello(hello),
    });
    this.latency = new LatencyMeter();
    this.latencyEl = latencyEl;
    this.socket.addEventListener("message", (ev) => this._onFrame(ev.detail));
    this._frames = {
      [P.SAMPLES]: (msg) => this._onSamples(msg),
      [P.HOSTS]: (msg) => onHosts(Array.isArray(msg.hosts) ? msg.hosts : []),
      [P.HOST]: (msg) => this._onHost(msg),
      // Alerts are the AlertCenter's (alerts.js): it listens on the same socket.
      [P.ALERTS]: () => {},
      [P.ALERT]: () => {},
      // The screens registry's commands are screen-register.js's; a changed dashboard the
      // dashboard page's own business.
      [P.COMMAND]: () => {},
      [P.DASHBOARD]: () => {},
    };
  }

  get stats() {
    return this.positions.stats;
  }

  start() {
    this.socket.start();
    if (this.latencyEl) setInterval(() => renderLatency(this.latencyEl, this.latency), 1000);
  }

  serverNow() {
    return this.socket.serverNow();
  }

  _onHello(hello) {
    if (this.positions.hello(hello.epoch)) this.handlers.onReset();
    const wanted = this.subscription(hello);
    if (!wanted) return null; // a page of clocks and notes: the alerts come without asking
    const msg = { type: P.SUBSCRIBE, ...wanted };
    const since = this.positions.since();
    if (Object.keys(since).length) msg.since = since;
    this.subscribes.push(msg);
    if (this.subscribes.length > 20) this.subscribes.shift();
    return msg;
  }

  _onFrame(msg) {
    if (routeFrame(msg, this._frames, this.page)) this.handlers.onFrame(msg);
  }

  _onSamples(msg) {
    const list = Array.isArray(msg.samples) ? msg.samples : [];
    const now = this.socket.serverNow();
    const arrived = performance.now();
    const accepted = [];
    for (const s of list) {
      const a = this.positions.accept(s, now);
      if (!a) continue;
      accepted.push(a);
      if (!msg.backfill && a.ts !== now) this.latency.add(now - a.ts, arrived);
    }
    this.handlers.onSamples(accepted, msg);
  }

  _onHost(msg) {
    if (typeof msg.host !== "string" || !msg.host) return;
    if (msg.event === "removed") this.positions.forget(msg.host);
    this.handlers.onHost(msg);
  }
}
