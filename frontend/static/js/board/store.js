// What every panel of a dashboard page reads: the fleet (fleet.js: each host's record, headline
// figures and sparkline ring), each host's newest sample, and a bounded series per (host,
// metric) for the metrics some panel charts. One store per page, fed by its one socket; a
// playlist turning to the next dashboard keeps it, so the next one opens with data.

import { Fleet } from "../fleet.js";
import { num } from "../format.js";

/** A metric's value in a sample of either view (a full sample keeps the headline in summary). */
export function metricValue(sample, name) {
  const own = sample?.metrics?.[name];
  if (own !== undefined) return num(own);
  return num(sample?.summary?.metrics?.[name]);
}

/** Fixed-capacity ring of (ts, value); NaN values are breaks in the line. */
export class SeriesRing {
  constructor(capacity) {
    this.cap = Math.max(2, Math.floor(capacity) || 2);
    this.ts = new Float64Array(this.cap);
    this.v = new Float64Array(this.cap);
    this.start = 0;
    this.size = 0;
  }

  clear() {
    this.start = this.size = 0;
  }

  push(ts, value) {
    let i;
    if (this.size < this.cap) {
      i = (this.start + this.size) % this.cap;
      this.size += 1;
    } else {
      i = this.start;
      this.start = (this.start + 1) % this.cap;
    }
    this.ts[i] = ts;
    this.v[i] = value === null ? NaN : value;
  }

  /** [xs (seconds before `now`, negative), ys] from `since` (Unix s) on, with null where the
   * line breaks: a wall chart's relative time axis (panels.js). */
  points(since, now) {
    const xs = [];
    const ys = [];
    for (let k = 0; k < this.size; k += 1) {
      const i = (this.start + k) % this.cap;
      if (this.ts[i] < since) continue;
      xs.push(this.ts[i] - now);
      ys.push(Number.isNaN(this.v[i]) ? null : this.v[i]);
    }
    return [xs, ys];
  }
}

export class BoardStore {
  /** capacity: sparkline points; seriesSeconds(metric): how long a chart of it looks back. */
  constructor({ capacity, interval }) {
    this.fleet = new Fleet({ capacity });
    this.interval = interval;
    this.latest = new Map(); // host -> newest sample
    this.series = new Map(); // "host\u0000metric" -> SeriesRing
    this.charted = new Map(); // metric -> seconds looked back (the longest asked)
    this.version = 0; // rises with every change a panel may draw
  }

  /** A chart panel asks for `metric` over `seconds`: every host's values are kept from now on. */
  chart(metric, seconds) {
    if ((this.charted.get(metric) || 0) < seconds) this.charted.set(metric, seconds);
  }

  ring(host, metric) {
    return this.series.get(`${host}\u0000${metric}`) || null;
  }

  add(accepted) {
    for (const a of accepted) {
      this.fleet.addSample(a);
      this.latest.set(a.host, a.sample);
      for (const [metric, seconds] of this.charted) {
        const key = `${a.host}\u0000${metric}`;
        let ring = this.series.get(key);
        const cap = Math.ceil(seconds / this.interval) + 2;
        if (!ring || ring.cap < cap) {
          const grown = new SeriesRing(cap);
          if (ring) for (let k = 0; k < ring.size; k += 1) {
            const i = (ring.start + k) % ring.cap;
            grown.push(ring.ts[i], Number.isNaN(ring.v[i]) ? null : ring.v[i]);
          }
          ring = grown;
          this.series.set(key, ring);
        }
        if (a.gap && a.gapTs !== null) ring.push(a.gapTs, null);
        ring.push(a.ts, metricValue(a.sample, metric));
      }
    }
    if (accepted.length) this.version += 1;
  }

  forget(host) {
    this.fleet.remove(host);
    this.latest.delete(host);
    for (const key of [...this.series.keys()]) if (key.startsWith(`${host}\u0000`)) this.series.delete(key);
    this.version += 1;
  }

  /** The store's epoch changed: the history is void. */
  reset() {
    this.fleet.resetHistory();
    this.latest.clear();
    this.series.clear();
    this.version += 1;
  }

  value(host, metric) {
    return metricValue(this.latest.get(host), metric);
  }
}
