// One dashboard on the page: its panels on the layout's grid (CSS grid, `columns` wide, as
// many rows as its lowest panel reaches, filling the screen), fed from the page's store.

import { labelsMatch } from "../fleet.js";
import { el } from "../format.js";
import { alertWanted, filterOf, PANELS } from "./panels.js";

export class BoardView {
  constructor(board, ctx, container) {
    this.board = board;
    this.ctx = ctx;
    const { layout } = board;
    const rows = Math.max(1, ...layout.panels.map((p) => p.y + p.h));
    const grid = el("div", "board-grid");
    grid.dataset.slug = board.slug;
    grid.style.setProperty("--columns", String(layout.columns));
    grid.style.setProperty("--rows", String(rows));
    this.panels = [];
    for (const panel of layout.panels) {
      const Kind = PANELS[panel.type];
      if (!Kind) continue; // the server validated the layout: a newer type this page lacks
      const view = new Kind(panel, ctx);
      this.panels.push(view);
      grid.append(view.root);
    }
    if (!this.panels.length) grid.append(el("p", "empty", "This dashboard has no panels yet."));
    this.grid = grid;
    container.replaceChildren(grid);
  }

  host(h) {
    for (const p of this.panels) if (p.host) p.host(h);
  }

  dropped(name) {
    for (const p of this.panels) if (p.dropped) p.dropped(name);
  }

  data(names) {
    for (const p of this.panels) if (p.data) p.data(names);
  }

  render(now) {
    for (const p of this.panels) p.render(now);
  }

  /**
   * Whether an alert is this dashboard's: its host is one a panel shows (named, or matching a
   * grid's, status count's or chart's labels), or an alerts panel lists it.
   */
  claims(a) {
    const { store } = this.ctx;
    for (const { panel } of this.panels) {
      if (panel.type === "alerts") {
        if (alertWanted(a, panel)) return true;
      } else if (a.host && (panel.host === a.host || (panel.hosts || []).includes(a.host))) {
        return true;
      } else if (a.host && ["hosts", "status", "chart"].includes(panel.type) && !panel.hosts) {
        const h = store.fleet.get(a.host);
        if (h && labelsMatch(h.labels, filterOf(panel.labels))) return true;
      }
    }
    return false;
  }

  destroy() {
    for (const p of this.panels) p.destroy();
    this.panels = [];
    this.grid.remove();
  }
}
