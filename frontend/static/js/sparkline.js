// Sparklines for the overview: a bounded ring buffer and a plain 2D-canvas
// renderer.
//
// Deliberately NOT Plotly: the overview shows up to 200 hosts at once, and
// 200 Plotly figures (an SVG tree and a d3 layout pass per update, each
// second) would blow the renderer's CPU budget of 20% of one core several
// times over. A canvas polyline of at most ceil(window_s / interval) points
// costs a few microseconds and no DOM.

const BREAK = 1;

/**
 * Fixed-capacity ring of (ts, cpu, mem) points. Values are NaN when missing.
 * `brk[i]` set means the line breaks before point i (seq or time gap).
 */
export class Ring {
  constructor(capacity) {
    this.cap = Math.max(2, Math.floor(capacity) || 2);
    this.ts = new Float64Array(this.cap);
    this.a = new Float32Array(this.cap);
    this.b = new Float32Array(this.cap);
    this.brk = new Uint8Array(this.cap);
    this.start = 0;
    this.size = 0;
  }

  clear() {
    this.start = 0;
    this.size = 0;
  }

  push(ts, a, b, brk) {
    let i;
    if (this.size < this.cap) {
      i = (this.start + this.size) % this.cap;
      this.size += 1;
    } else {
      i = this.start;
      this.start = (this.start + 1) % this.cap;
    }
    this.ts[i] = ts;
    this.a[i] = a === null ? NaN : a;
    this.b[i] = b === null ? NaN : b;
    this.brk[i] = brk ? BREAK : 0;
  }

  /** Physical index of the k-th oldest point. */
  idx(k) {
    return (this.start + k) % this.cap;
  }

  newestTs() {
    return this.size ? this.ts[this.idx(this.size - 1)] : null;
  }
}

const CPU = "#4fc3f7";
const CPU_FILL = "rgba(79, 195, 247, 0.22)";
const MEM = "rgba(129, 199, 132, 0.85)";
const GRID = "rgba(255, 255, 255, 0.09)";

/** One canvas per visible tile; resized only on layout, drawn on demand. */
export class Sparkline {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { alpha: true });
    this.w = 0;
    this.h = 0;
    this.dpr = 1;
  }

  /** Match the backing store to the CSS box; true when it changed (and was cleared). */
  fit(cssW, cssH) {
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(cssW));
    const h = Math.max(1, Math.round(cssH));
    if (w === this.w && h === this.h && dpr === this.dpr) return false;
    this.w = w;
    this.h = h;
    this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    return true;
  }

  /**
   * Draw the ring: x spans [t1 - span, t1] (seconds), y is 0..100 %.
   * Series a (CPU) is filled, series b (memory) is a thin line.
   */
  draw(ring, t1, span, { second = true } = {}) {
    const { ctx, w, h, dpr } = this;
    if (!w || !h) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const pad = Math.min(3, h * 0.08);
    const yOf = (v) => h - pad - (Math.max(0, Math.min(100, v)) / 100) * (h - 2 * pad);
    // faint 50 % line
    ctx.fillStyle = GRID;
    ctx.fillRect(0, Math.round(yOf(50)), w, 1);
    if (!ring.size) return;
    const t0 = t1 - span;
    const sx = w / span;
    if (second) this._series(ring, ring.b, t0, sx, yOf, null, MEM, 1.25);
    this._series(ring, ring.a, t0, sx, yOf, h - pad, CPU, 1.75);
  }

  _series(ring, vals, t0, sx, yOf, base, color, width) {
    const { ctx } = this;
    const line = new Path2D();
    const fill = base === null ? null : new Path2D();
    let runX0 = 0;
    let runX1 = 0;
    let run = 0; // points in the current run
    let lastY = 0;
    const dots = []; // lone points (between two breaks) get a dot
    const endRun = () => {
      if (run === 1) {
        dots.push(runX0, lastY);
      } else if (run > 1 && fill) {
        fill.lineTo(runX1, base);
        fill.lineTo(runX0, base);
        fill.closePath();
      }
      run = 0;
    };
    for (let k = 0; k < ring.size; k++) {
      const i = ring.idx(k);
      const v = vals[i];
      if (ring.brk[i] || Number.isNaN(v)) endRun();
      if (Number.isNaN(v)) continue;
      const x = (ring.ts[i] - t0) * sx;
      const y = yOf(v);
      if (run === 0) {
        line.moveTo(x, y);
        if (fill) fill.moveTo(x, y);
        runX0 = x;
      } else {
        line.lineTo(x, y);
        if (fill) fill.lineTo(x, y);
      }
      runX1 = x;
      lastY = y;
      run += 1;
    }
    endRun();
    if (fill) {
      ctx.fillStyle = CPU_FILL;
      ctx.fill(fill);
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = "round";
    ctx.stroke(line);
    ctx.fillStyle = color;
    for (let j = 0; j < dots.length; j += 2) ctx.fillRect(dots[j] - 1, dots[j + 1] - 1, 2.5, 2.5);
  }
}
