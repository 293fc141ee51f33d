// The overview's data: one record per host (status, labels, info), its
// newest headline figures and a bounded ring of recent CPU/memory points.
// No DOM here; which samples are new and where gaps are is the stream's
// business (stream.js).

import { headline } from "./metrics.js";
import { level, normStatus, num } from "./format.js";
import { Ring } from "./sparkline.js";

// worst first: down > late > unknown > up, disabled last
export const STATUS_RANK = { down: 0, late: 1, unknown: 2, up: 3, disabled: 4 };
const LEVEL_RANK = { crit: 0, warn: 1, ok: 2, none: 2 };

/** "env=prod,role=db" -> [["env","prod"],["role","db"]] (all must match). */
export function parseLabelFilter(text) {
  const out = [];
  for (const part of String(text || "").split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k) out.push([k, v]);
  }
  return out;
}

export function labelsMatch(labels, filter) {
  if (!filter.length) return true;
  if (!labels || typeof labels !== "object") return false;
  for (const [k, v] of filter) if (String(labels[k] ?? "\u0000") !== v) return false;
  return true;
}

export class HostState {
  constructor(name, capacity) {
    this.name = name;
    this.status = "unknown";
    this.since = null;
    this.labels = {};
    this.duplicate = false;
    this.duplicateMessage = "";
    this.info = {};
    this.hasRecord = false;
    this.lastTs = null;
    this.cur = { cpu: null, mem: null, load: null, disk: null, rx: null, tx: null, mount: null };
    this.ring = new Ring(capacity);
  }

  /** crit/warn/ok of the highest of cpu, mem, disk. */
  level() {
    const { cpu, mem, disk } = this.cur;
    let top = null;
    for (const v of [cpu, mem, disk]) if (v !== null && (top === null || v > top)) top = v;
    return level(top);
  }

  applyRecord(rec) {
    this.hasRecord = true;
    this.status = normStatus(rec.status);
    this.since = num(rec.since);
    this.labels = rec.labels && typeof rec.labels === "object" ? rec.labels : {};
    this.duplicate = rec.duplicate === true;
    this.info = rec.info && typeof rec.info === "object" ? rec.info : {};
  }
}

export class Fleet {
  constructor({ capacity }) {
    this.capacity = capacity;
    this.hosts = new Map();
  }

  get(name) {
    return this.hosts.get(name);
  }

  ensure(name) {
    let h = this.hosts.get(name);
    if (!h) {
      h = new HostState(name, this.capacity);
      this.hosts.set(name, h);
    }
    return h;
  }

  remove(name) {
    return this.hosts.delete(name);
  }

  /** A HOST record; returns the host. Ignores records without a name. */
  applyRecord(rec) {
    if (!rec || typeof rec.name !== "string" || !rec.name) return null;
    const h = this.ensure(rec.name);
    h.applyRecord(rec);
    return h;
  }

  /** Full snapshot: every subscribed host; hosts missing from it are dropped. Returns dropped names. */
  applySnapshot(records) {
    const keep = new Set();
    for (const rec of records) {
      const h = this.applyRecord(rec);
      if (h) keep.add(h.name);
    }
    const dropped = [];
    for (const name of this.hosts.keys()) if (!keep.has(name)) dropped.push(name);
    for (const name of dropped) this.hosts.delete(name);
    return dropped;
  }

  /** Forget history (the store's epoch changed). */
  resetHistory() {
    for (const h of this.hosts.values()) {
      h.lastTs = null;
      h.ring.clear();
    }
  }

  /** A new sample (as accepted by the stream: {sample, host, ts, gap}); returns its host. */
  addSample({ sample, host, ts, gap }) {
    const h = this.ensure(host);
    if (!h.hasRecord && h.lastTs === null && h.status === "unknown") h.status = "up";
    const head = headline(sample);
    Object.assign(h.cur, head);
    h.ring.push(ts, head.cpu, head.mem, gap);
    h.lastTs = ts;
    return h;
  }

  /** Worst first: status, then usage level, then name. */
  static compare(a, b) {
    const sa = STATUS_RANK[a.status] ?? 2;
    const sb = STATUS_RANK[b.status] ?? 2;
    if (sa !== sb) return sa - sb;
    const la = LEVEL_RANK[a.level()];
    const lb = LEVEL_RANK[b.level()];
    if (la !== lb) return la - lb;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  }
}
