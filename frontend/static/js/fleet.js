// The overview's data: one record per host (status, labels, info), its
// newest summary figures and a bounded ring of recent CPU/memory points.
// No DOM here.

import { derive } from "./metrics.js";
import { level, normStatus, num } from "./format.js";
import { Ring } from "./sparkline.js";

const GAP_FACTOR = 2.5; // samples further apart than this many intervals get a break

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
    this.lastSeq = null;
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
  constructor({ capacity, interval }) {
    this.capacity = capacity;
    this.interval = interval;
    this.hosts = new Map();
    this.stats = { samples: 0, duplicates: 0, gaps: 0, resets: 0 };
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

  /** Forget seqs and history (the store's epoch changed). */
  resetHistory() {
    this.stats.resets += 1;
    for (const h of this.hosts.values()) {
      h.lastSeq = null;
      h.lastTs = null;
      h.ring.clear();
    }
  }

  /** {host: last seq} for a resuming subscribe. */
  since() {
    const out = {};
    for (const h of this.hosts.values()) if (h.lastSeq !== null) out[h.name] = h.lastSeq;
    return out;
  }

  /**
   * One summary (or full) sample. Returns the host when it was accepted,
   * null for duplicates and malformed samples.
   */
  addSample(s, fallbackTs) {
    if (!s || typeof s.host !== "string" || !s.host || !Number.isFinite(s.seq)) return null;
    const h = this.ensure(s.host);
    if (!h.hasRecord && h.lastSeq === null && h.status === "unknown") h.status = "up";
    const last = h.lastSeq;
    if (last !== null && s.seq <= last) {
      this.stats.duplicates += 1;
      return null;
    }
    const ts = num(s.ts) ?? fallbackTs;
    const step = num(s.interval) ?? this.interval;
    const seqGap = last !== null && s.seq > last + 1;
    const timeGap = h.lastTs !== null && ts - h.lastTs > GAP_FACTOR * step;
    if (seqGap || timeGap) this.stats.gaps += 1;

    const m = s.metrics && typeof s.metrics === "object" ? s.metrics : {};
    // summary keys first; a full sample (per-mount/per-interface keys) also works
    const full = "disk.fullest_used_percent" in m ? null : derive(m);
    const c = h.cur;
    c.cpu = num(m["cpu.percent"]);
    c.mem = num(m["mem.percent"]);
    c.load = num(m["load.1m"]);
    c.disk = num(m["disk.fullest_used_percent"]) ?? (full ? full.diskPct : null);
    c.rx = num(m["net.rx_bytes_per_s"]) ?? (full ? full.rx : null);
    c.tx = num(m["net.tx_bytes_per_s"]) ?? (full ? full.tx : null);
    c.mount = typeof s.fullest_mount === "string" ? s.fullest_mount : full ? full.diskName : null;

    h.ring.push(ts, c.cpu, c.mem, seqGap || timeGap);
    h.lastSeq = s.seq;
    h.lastTs = ts;
    this.stats.samples += 1;
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
