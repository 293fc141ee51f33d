// The grid's rules as the server's validate_layout has them (dashboards/walls/layout.py): places
// inside the grid, no two panels overlapping, ids unique. Pure functions on {x, y, w, h}, so the
// editor checks a move before drawing it and a layout before sending it.

export const MAX_ROWS = 200;

export function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export function inBounds(p, columns) {
  return p.x >= 0 && p.y >= 0 && p.w >= 1 && p.h >= 1 && p.x + p.w <= columns && p.y + p.h <= MAX_ROWS;
}

/** The panel (other than ``ignoreId``) that ``place`` would overlap, or null. */
export function collision(panels, place, ignoreId) {
  return panels.find((other) => other.id !== ignoreId && overlaps(other, place)) || null;
}

/** The first place, row by row, where a w x h panel overlaps none; null when the grid is full. */
export function firstFreePlace(panels, w, h, columns) {
  const width = Math.min(w, columns);
  for (let y = 0; y + h <= MAX_ROWS; y += 1) {
    for (let x = 0; x + width <= columns; x += 1) {
      const place = { x, y, w: width, h };
      if (!collision(panels, place, null)) return place;
    }
  }
  return null;
}

/** What is wrong with the layout's places and ids, or null. */
export function layoutProblem(layout) {
  const columns = layout.columns || 12;
  const seen = [];
  for (const [index, panel] of layout.panels.entries()) {
    if (!inBounds(panel, columns)) return `panel ${index} (${panel.id}) is outside the grid`;
    const other = seen.find((p) => p.id === panel.id || overlaps(p, panel));
    if (other) {
      const why = other.id === panel.id ? "has the id of" : "overlaps";
      return `panel ${index} (${panel.id}) ${why} ${other.id}`;
    }
    seen.push(panel);
  }
  return null;
}

/** Where a drag of (dx, dy) pixels takes the place ``from``: snapped to whole cells of
 * ``cell`` {w, h} pixels, moved (``mode`` "move") or resized by its corner, kept on the grid.
 * It may still overlap a panel: the caller shows that and refuses it on release. */
export function snappedPlace(from, mode, dx, dy, cell, columns) {
  const cx = Math.round(dx / cell.w);
  const cy = Math.round(dy / cell.h);
  return mode === "move"
    ? { ...from, x: clamp(from.x + cx, 0, columns - from.w), y: clamp(from.y + cy, 0, MAX_ROWS - from.h) }
    : { ...from, w: clamp(from.w + cx, 1, columns - from.x), h: clamp(from.h + cy, 1, MAX_ROWS - from.y) };
}

function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}
