// The overview's tile wall: which hosts are shown and in what order, the
// grid geometry, pages, and drawing.
//
// Rendering budget (about 200 hosts at 1 Hz within 20 % of one core):
// - samples only update the fleet's bounded rings; the wall marks the host
//   dirty and draws at most once per animation frame, only dirty tiles on
//   the current page; a frame is requested COALESCE_MS after the first
//   change, so one tick's burst of per-host frames lands in one paint
//   (each painted frame costs a commit of every visible canvas layer);
// - nothing is drawn while the tab is hidden (redrawn on visibilitychange);
// - tiles not on the current page do not exist (no DOM, no canvas);
// - the order is re-sorted at most every 5 s so the wall stays calm.
//
// On a phone (phone.css sets --wall-mode: list on the grid) the wall is a list instead: one
// column of rows --wall-row-h px high, the page scrolls, and hosts with a firing alert come
// first (then the wall's own order), as someone paged wants it. Pages of LIST_PAGE hosts, turned
// only by hand, keep a phone to that many tiles and canvases.

import { Fleet, labelsMatch } from "./fleet.js";
import { computeGrid } from "./grid.js";
import { Tile } from "./tiles.js";

const COALESCE_MS = 60;
const ALERT_RANK = { critical: 0, warning: 1 };
const LIST_ROW_H = 116;
const LIST_PAGE = 50;
const REFRESH_MS = 1000; // "down for 3m" texts and sliding sparklines of silent hosts

export class Wall {
  /**
   * els: {grid, empty, pager, pageIndicator, total, counts: {status: el}}
   * opts: {fleet, filter, label, hostUrl, windowS, sortEveryMs, pageEveryMs, serverNow,
   *        freshness: {staleAfter, deadAfter}, alertLevels?: () => Map(host -> severity)}
   */
  constructor(els, opts) {
    this.els = els;
    this.alertLevels = null;
    Object.assign(this, opts);
    this.list = this.readListMode();
    this.tiles = new Map(); // name -> Tile, current page only
    this.order = []; // names shown (label filter applied), display order
    this.inOrder = new Set();
    this.layout = computeGrid(0, 0, 0);
    this.pageIdx = 0;
    this.pageShownAt = performance.now();
    this.nextSortAt = 0;
    this.layoutDirty = true;
    this.structureDirty = true;
    this.countsDirty = true;
    this.dirty = new Set(); // hosts with new samples since the last frame
    this.statusDirty = new Set(); // hosts whose status/record changed
    this.raf = 0;
    this.timer = 0;
    this.lastFrameAt = 0;
    this.lastRefreshAt = 0;
    this.stats = { frames: 0, draws: 0, sorts: 0, relayouts: 0, attaches: 0 };
    this._frame = () => this.frame();
    this._request = () => {
      this.timer = 0;
      this.raf = requestAnimationFrame(this._frame);
    };
  }

  // ---- membership and order ----------------------------------------------

  /** Add or drop a host after its labels may have changed; marks it for redraw. */
  refresh(h) {
    const want = labelsMatch(h.labels, this.filter);
    if (want && !this.inOrder.has(h.name)) {
      this.inOrder.add(h.name);
      this.order.push(h.name); // new hosts go last until the next sort
      this.structureDirty = this.layoutDirty = true;
    } else if (!want && this.inOrder.has(h.name)) {
      this.drop(h.name);
    }
    this.statusDirty.add(h.name);
    this.countsDirty = true;
  }

  drop(name) {
    this.dirty.delete(name);
    this.statusDirty.delete(name);
    if (!this.inOrder.delete(name)) return;
    this.order = this.order.filter((n) => n !== name);
    this.structureDirty = this.layoutDirty = this.countsDirty = true;
  }

  shows(name) {
    return this.inOrder.has(name);
  }

  markData(name) {
    if (this.inOrder.has(name)) this.dirty.add(name);
  }

  markStatus(name) {
    this.statusDirty.add(name);
    this.countsDirty = true;
  }

  /** Everything on the page needs drawing (visible again, history reset). */
  markAll() {
    for (const name of this.tiles.keys()) {
      this.dirty.add(name);
      this.statusDirty.add(name);
    }
    this.layoutDirty = this.countsDirty = true;
  }

  /** The list's order: hosts with a firing alert first (critical, then warning), then the wall's. */
  compare() {
    const levels = this.list && this.alertLevels ? this.alertLevels() : null;
    if (!levels || !levels.size) return Fleet.compare;
    const rank = (h) => ALERT_RANK[levels.get(h.name)] ?? 2;
    return (a, b) => rank(a) - rank(b) || Fleet.compare(a, b);
  }

  /** Sort again at the next frame (an alert changed: the list puts it on top). */
  resortSoon() {
    this.nextSortAt = 0;
    this.schedule();
  }

  resort(now) {
    this.stats.sorts += 1;
    const sorted = [...this.inOrder].map((n) => this.fleet.get(n)).filter(Boolean).sort(this.compare());
    const names = sorted.map((h) => h.name);
    if (names.length !== this.order.length || names.some((n, i) => n !== this.order[i])) {
      this.order = names;
      this.structureDirty = true;
    }
    // one early re-sort right after load, once the backfill has brought levels
    this.nextSortAt = now + (this.stats.sorts === 1 ? 1000 : this.sortEveryMs);
  }

  // ---- layout and pages --------------------------------------------------

  /** True when the stylesheet asks for a list (a phone): read on every relayout, so a turned
   * phone or a resized window switches. */
  readListMode() {
    return getComputedStyle(this.els.grid).getPropertyValue("--wall-mode").trim() === "list";
  }

  relayout() {
    this.layoutDirty = false;
    this.stats.relayouts += 1;
    const { grid } = this.els;
    const list = this.readListMode();
    if (list !== this.list) {
      this.list = list;
      this.nextSortAt = 0; // the list's order counts alerts, the wall's does not
    }
    const n = this.order.length;
    let next;
    if (list) {
      const rowH = parseFloat(getComputedStyle(grid).getPropertyValue("--wall-row-h")) || LIST_ROW_H;
      const perPage = Math.min(n, LIST_PAGE);
      const pages = Math.max(1, Math.ceil(n / LIST_PAGE));
      next = { cols: 1, rows: perPage, tileW: grid.clientWidth, tileH: rowH, perPage, pages };
    } else {
      next = computeGrid(n, grid.clientWidth, grid.clientHeight);
    }
    const prev = this.layout;
    this.layout = next;
    if (["cols", "tileW", "tileH"].some((k) => next[k] !== prev[k])) {
      grid.style.setProperty("--cols", String(Math.max(1, next.cols)));
      grid.style.setProperty("--tile-w", `${next.tileW}px`);
      grid.style.setProperty("--tile-h", `${next.tileH}px`);
    }
    if (this.pageIdx >= next.pages) this.pageIdx = next.pages - 1;
    this.structureDirty = true;
    this.renderPager();
    const empty = this.els.empty;
    empty.hidden = this.order.length > 0;
    if (!this.order.length) {
      empty.textContent = this.filter.length ? `No host matches ${this.label}` : "Waiting for hosts…";
    }
  }

  pageNames() {
    const per = this.layout.perPage || this.order.length;
    return this.order.slice(this.pageIdx * per, this.pageIdx * per + per);
  }

  /** Put exactly the current page's tiles in the grid, in order. */
  attachPage() {
    this.structureDirty = false;
    this.stats.attaches += 1;
    const names = this.pageNames();
    const want = new Set(names);
    for (const [name, tile] of this.tiles) {
      if (!want.has(name)) {
        tile.root.remove(); // its canvas goes with it; the ring keeps filling
        this.tiles.delete(name);
      }
    }
    const fresh = new Set();
    const els = names.map((name) => {
      let tile = this.tiles.get(name);
      if (!tile) {
        tile = new Tile(name, this.hostUrl, this.windowS, this.freshness);
        this.tiles.set(name, tile);
        fresh.add(tile);
      }
      return tile.root;
    });
    const { grid } = this.els;
    const kids = grid.children;
    if (kids.length !== els.length || els.some((e, i) => kids[i] !== e)) grid.replaceChildren(...els);
    const now = this.serverNow();
    for (const tile of fresh) {
      const h = this.fleet.get(tile.name);
      tile.renderStatus(h, now);
      tile.renderFigures(h);
    }
    // read every canvas box first (one layout pass), then resize: setting
    // canvas.width invalidates layout, so interleaving would force a layout
    // per tile
    const all = [...this.tiles.values()];
    const boxes = all.map((tile) => tile.measure());
    all.forEach((tile, i) => {
      if (tile.fit(boxes[i]) || fresh.has(tile)) this.dirty.add(tile.name);
    });
  }

  renderPager() {
    const n = this.layout.pages;
    this.els.pager.hidden = n <= 1;
    const text = `page ${this.pageIdx + 1} / ${n}`;
    if (this.els.pageIndicator.textContent !== text) this.els.pageIndicator.textContent = text;
  }

  setPage(k) {
    const n = this.layout.pages;
    this.pageIdx = ((k % n) + n) % n;
    this.pageShownAt = performance.now();
    this.structureDirty = true;
    this.renderPager();
    this.schedule();
  }

  /**
   * Once a second: page rotation; when no sample arrived for a while (all
   * hosts silent, connection lost) a frame anyway, for the re-sort and the
   * silent hosts' texts. Otherwise the sample frames do that work.
   */
  tick() {
    if (document.hidden) return;
    const t = performance.now();
    const rotate = this.layout.pages > 1 && !this.list; // a phone's list turns by hand
    if (rotate && t - this.pageShownAt >= this.pageEveryMs) this.setPage(this.pageIdx + 1);
    if (t - this.lastFrameAt >= 1.5 * REFRESH_MS || t >= this.nextSortAt) this.schedule();
  }

  // ---- drawing -----------------------------------------------------------

  schedule() {
    if (this.raf || this.timer || document.hidden) return;
    this.timer = setTimeout(this._request, COALESCE_MS);
  }

  frame() {
    this.raf = 0;
    if (document.hidden) return; // buffers stay bounded; redrawn on visibilitychange
    this.stats.frames += 1;
    const t = performance.now();
    this.lastFrameAt = t;
    if (t >= this.nextSortAt) this.resort(t);
    if (t - this.lastRefreshAt >= REFRESH_MS) {
      this.lastRefreshAt = t;
      // every tile: its data age counts on, whatever the status
      for (const name of this.tiles.keys()) this.statusDirty.add(name);
    }
    if (this.layoutDirty) this.relayout();
    if (this.structureDirty) this.attachPage();
    const now = this.serverNow();
    for (const name of this.statusDirty) {
      const tile = this.tiles.get(name);
      const h = this.fleet.get(name);
      if (!tile || !h) continue;
      tile.renderStatus(h, now);
      if (h.status !== "up") this.dirty.add(name);
    }
    this.statusDirty.clear();
    // all DOM writes first, then all canvas draws: a canvas draw after a DOM
    // write makes Blink recalculate style first, so interleaving them would
    // cost one forced style pass per tile
    const todo = [];
    for (const name of this.dirty) {
      const tile = this.tiles.get(name);
      const h = this.fleet.get(name);
      if (!tile || !h) continue;
      tile.renderFigures(h);
      if (tile.root.dataset.empty === "true") tile.renderStatus(h, now);
      todo.push(tile, h);
    }
    this.dirty.clear();
    for (let i = 0; i < todo.length; i += 2) {
      const h = todo[i + 1];
      // up hosts end at their newest sample; others slide with the clock so
      // the silence shows as empty space on the right
      const t1 = h.status === "up" && h.lastTs !== null ? h.lastTs : now;
      todo[i].drawSpark(h, t1, this.windowS);
      this.stats.draws += 1;
    }
    if (this.countsDirty) this.renderCounts();
  }

  renderCounts() {
    this.countsDirty = false;
    const c = { up: 0, late: 0, down: 0, unknown: 0, disabled: 0 };
    for (const name of this.order) {
      const h = this.fleet.get(name);
      if (h) c[h.status] += 1;
    }
    for (const [key, e] of Object.entries(this.els.counts)) {
      const n = c[key] ?? 0;
      const b = e.querySelector("b");
      if (b.textContent !== String(n)) b.textContent = String(n);
      const some = n > 0 ? "some" : "none";
      if (e.dataset.n !== some) e.dataset.n = some;
      if (key === "unknown" || key === "disabled") e.hidden = n === 0;
    }
    const n = this.order.length;
    let text = n === 1 ? "1 host" : `${n} hosts`;
    if (this.filter.length) text += ` of ${this.fleet.hosts.size}`;
    if (this.els.total.textContent !== text) this.els.total.textContent = text;
  }
}
