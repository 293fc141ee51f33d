// Grid geometry for the overview wall: how many columns and rows, how big a
// tile, and how many pages, so that every tile on a page is visible without
// scrolling and as large as a sensible aspect ratio allows. Pure functions.

export const GRID_DEFAULTS = {
  gap: 8,
  minW: 150, // below ~150x90 px a tile is not readable across a room: paginate
  minH: 90,
  maxW: 960, // one or two hosts should not become billboard-sized
  maxH: 600,
  minAspect: 1.15, // width / height
  maxAspect: 2.4,
};

function shape(n, cols, W, H, o) {
  const rows = Math.ceil(n / cols);
  let w = (W - (cols - 1) * o.gap) / cols;
  let h = (H - (rows - 1) * o.gap) / rows;
  if (w <= 0 || h <= 0) return null;
  w = Math.min(w, o.maxW);
  h = Math.min(h, o.maxH);
  if (w / h > o.maxAspect) w = h * o.maxAspect;
  if (w / h < o.minAspect) h = w / o.minAspect;
  return { cols, rows, tileW: Math.floor(w), tileH: Math.floor(h) };
}

/**
 * Best shape for n tiles in W x H: the largest tile area (within 3 %), then
 * the fewest empty cells, then the most columns (screens are landscape).
 */
function bestShape(n, W, H, o, requireMin) {
  let best = null;
  for (let cols = 1; cols <= n; cols++) {
    const s = shape(n, cols, W, H, o);
    if (!s) continue;
    if (requireMin && (s.tileW < o.minW || s.tileH < o.minH)) continue;
    const area = s.tileW * s.tileH;
    const empty = s.cols * s.rows - n;
    const tie = best && Math.abs(area - best.area) <= 0.03 * Math.max(area, best.area);
    if (!best || (!tie && area > best.area) || (tie && (empty < best.empty
        || (empty === best.empty && area >= best.area)))) {
      best = { ...s, area, empty };
    }
  }
  return best;
}

/**
 * Layout for n tiles in a W x H box.
 * Returns {cols, rows, tileW, tileH, perPage, pages}; pages > 1 when n tiles
 * at their minimum readable size do not fit, with tiles spread evenly
 * across pages (200 tiles that fit 120 per page -> 2 pages of 100).
 */
export function computeGrid(n, W, H, opts = {}) {
  const o = { ...GRID_DEFAULTS, ...opts };
  if (n <= 0 || W <= 0 || H <= 0) {
    return { cols: 0, rows: 0, tileW: 0, tileH: 0, perPage: 0, pages: 1 };
  }
  const maxCols = Math.max(1, Math.floor((W + o.gap) / (o.minW + o.gap)));
  const maxRows = Math.max(1, Math.floor((H + o.gap) / (o.minH + o.gap)));
  const capacity = maxCols * maxRows;
  let pages = Math.ceil(n / capacity);
  let perPage = Math.ceil(n / pages);
  let s = bestShape(perPage, W, H, o, true);
  // aspect limits can make an even split miss the minimum: use more pages
  while (!s && perPage > 1) {
    pages += 1;
    perPage = Math.ceil(n / pages);
    s = bestShape(perPage, W, H, o, true);
  }
  if (!s) s = bestShape(perPage, W, H, o, false) || { cols: 1, rows: 1, tileW: W, tileH: H };
  return { cols: s.cols, rows: s.rows, tileW: s.tileW, tileH: s.tileH, perPage, pages };
}
