// What the host page's charts hold over a history window (no DOM, no Plotly): per series key
// (charts.js trace keys) the buckets the series API answered, [t, min, mean, max] of `step`
// seconds, and one shared tail of the live samples that came since. Tail samples older than
// the raw horizon are folded into buckets of the same step, so a page left open for a day
// keeps the window's resolution and a bounded size.
//
// A bucket missing from the answer is a gap (docs/history.md): drawn as a break, not a line.

const GAP_STEPS = 1.5;
const TAIL_SLACK_S = 5; // live samples start a little after their bucket (a few intervals)

function stats(values) {
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    sum += v;
  }
  return [lo, sum / values.length, hi];
}

export class SeriesBuffer {
  constructor(keys) {
    this.keys = keys;
    this.clear();
  }

  clear() {
    this.hist = Object.fromEntries(this.keys.map((k) => [k, []]));
    this.step = null;
    this.tail = []; // [{x: Date, v: derive() values or null (a break)}]
  }

  /** A series API answer's points for one key (oldest first). */
  setHistory(key, points, step) {
    this.hist[key] = points.filter((p) => Array.isArray(p) && p.length >= 4 && typeof p[0] === "number");
    if (this.step === null && step > 0) this.step = step;
  }

  /** Start the tail from these live points (the page's recent samples), then push newer. */
  setTail(points) {
    this.tail = points.slice();
  }

  push(points) {
    for (const p of points) this.tail.push(p);
  }

  /** Unix s of the tail's first sample, or Infinity. */
  tailStart() {
    return this.tail.length ? this.tail[0].x.getTime() / 1000 : Infinity;
  }

  /**
   * Fold tail samples older than `horizon` (unix s) into whole buckets of `step` seconds.
   * Returns whether anything was folded.
   */
  fold(horizon, step) {
    if (!(step > 0) || !this.tail.length) return false;
    const cutoff = Math.floor(horizon / step) * step;
    let n = 0;
    while (n < this.tail.length && this.tail[n].x.getTime() / 1000 < cutoff) n += 1;
    if (!n) return false;
    const old = this.tail.splice(0, n);
    for (const key of this.keys) {
      const buckets = new Map();
      for (const p of old) {
        const v = p.v ? p.v[key] : null;
        if (typeof v !== "number") continue;
        const t = Math.floor(p.x.getTime() / 1000 / step) * step;
        if (!buckets.has(t)) buckets.set(t, []);
        buckets.get(t).push(v);
      }
      const hist = this.hist[key];
      for (const [t, values] of buckets) {
        while (hist.length && hist[hist.length - 1][0] >= t) hist.pop(); // the live copy wins
        hist.push([t, ...stats(values)]);
      }
    }
    return true;
  }

  /** Drop buckets that ended before `start` (unix s): a window sliding with the clock. */
  trim(start) {
    const step = this.step || 0;
    for (const key of this.keys) {
      const hist = this.hist[key];
      let n = 0;
      while (n < hist.length && hist[n][0] + step < start) n += 1;
      if (n) hist.splice(0, n);
    }
  }

  /** Buckets of `key` before the tail, as [t, min, mean, max], oldest first. */
  buckets(key) {
    const until = this.tailStart();
    return this.hist[key].filter((p) => p[0] < until);
  }

  /**
   * {x: Date[], y, lo, hi} of `key`: the buckets (a null between two further apart than 1.5
   * steps), then the tail's samples (their lo and hi are the value itself).
   */
  series(key) {
    const x = [];
    const y = [];
    const lo = [];
    const hi = [];
    const step = this.step || 0;
    let prev = null;
    for (const p of this.buckets(key)) {
      if (prev !== null && step && p[0] - prev > GAP_STEPS * step) {
        x.push(new Date((prev + step) * 1000));
        y.push(null);
        lo.push(null);
        hi.push(null);
      }
      x.push(new Date(p[0] * 1000));
      y.push(p[2]);
      lo.push(p[1]);
      hi.push(p[3]);
      prev = p[0];
    }
    // the rollups lag the clock and the tail holds minutes: a hole between them is a break
    if (prev !== null && step && this.tailStart() - prev > GAP_STEPS * step + TAIL_SLACK_S) {
      x.push(new Date((prev + step) * 1000));
      y.push(null);
      lo.push(null);
      hi.push(null);
    }
    for (const q of this.tail) {
      const v = q.v && typeof q.v[key] === "number" ? q.v[key] : null;
      x.push(q.x);
      y.push(v);
      lo.push(v);
      hi.push(v);
    }
    return { x, y, lo, hi };
  }
}
