// A panel's box on the editor's grid, and what the pointer and the keyboard do to it: a drag
// moves it (or resizes it from the corner handle) in whole cells, arrows move the focused box,
// shift+arrows resize it, Enter or a click opens its form, Delete removes it. The box only
// proposes a place: the editor's moveTo() accepts or refuses it.

import { el } from "../format.js";
import { button } from "./form-controls.js";
import { MAX_ROWS, collision, snappedPlace } from "./grid-rules.js";

export const ROW_PX = 60;
const DRAG_START_PX = 4; // less is a click, which opens the panel's form
const KEY_STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** Put ``box`` at grid place ``p`` {x, y, w, h}. */
export function placeBox(box, p) {
  box.style.gridColumn = `${p.x + 1} / span ${p.w}`;
  box.style.gridRow = `${p.y + 1} / span ${p.h}`;
}

/** The box for ``panel``, wired to ``editor`` (its draft, grid, columns and rows, and its
 * select, moveTo, openForm, remove and render). */
export function panelBox(editor, panel) {
  const box = el("div", "editor-panel");
  box.dataset.panelId = panel.id;
  box.dataset.type = panel.type;
  box.tabIndex = 0;
  box.setAttribute("role", "button");
  box.setAttribute("aria-label", `${panel.type} panel ${panel.id}, at column ${panel.x + 1}, row ${panel.y + 1}, ${panel.w} by ${panel.h}`);
  if (panel.id === editor.selected) box.dataset.selected = "true";
  placeBox(box, panel);
  const head = el("div", "editor-panel-head");
  head.append(el("span", "editor-panel-type", panel.type), el("span", "editor-panel-id", panel.id));
  box.append(head);
  if (panel.title) box.append(el("div", "editor-panel-title", panel.title));
  const detail = panelDetail(panel);
  if (detail) box.append(el("div", "editor-panel-detail", detail));
  const remove = button("×", "editor-remove");
  remove.setAttribute("aria-label", `remove panel ${panel.id}`);
  remove.addEventListener("click", () => editor.remove(panel.id));
  const handle = el("div", "editor-resize");
  handle.title = "drag to resize";
  box.append(remove, handle);
  box.addEventListener("pointerdown", (event) => drag(editor, event, panel, box));
  box.addEventListener("keydown", (event) => key(editor, event, panel));
  box.addEventListener("focus", () => editor.select(panel.id));
  return box;
}

/** A line saying what the box shows: its metric, host, labels, zone or text. */
function panelDetail(panel) {
  const labels = Object.entries(panel.labels || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  const hosts = panel.hosts ? panel.hosts.join(" ") : "";
  const text = (panel.text || panel.markdown || "").slice(0, 80);
  return [panel.metric, panel.host, hosts, labels, panel.severity, panel.tz, text].filter(Boolean).join(" · ");
}

function drag(editor, event, panel, box) {
  if (event.button !== 0 || event.target.closest(".editor-remove")) return;
  const mode = event.target.closest(".editor-resize") ? "resize" : "move";
  event.preventDefault();
  box.focus({ preventScroll: true });
  box.setPointerCapture(event.pointerId);
  const rect = editor.grid.getBoundingClientRect();
  const cell = { w: rect.width / editor.columns, h: ROW_PX };
  const from = { x: panel.x, y: panel.y, w: panel.w, h: panel.h };
  let target = from;
  let dragged = false;
  const move = (e) => {
    const dx = e.clientX - event.clientX;
    const dy = e.clientY - event.clientY;
    if (!dragged && Math.hypot(dx, dy) < DRAG_START_PX) return;
    dragged = true;
    box.dataset.dragging = "true";
    target = snappedPlace(from, mode, dx, dy, cell, editor.columns);
    placeBox(box, target);
    box.dataset.blocked = collision(editor.draft.panels, target, panel.id) ? "true" : "false";
    // The grid grows under a box dragged past its last row, so there is always a row to drop on.
    if (target.y + target.h + 1 > editor.rows) {
      editor.rows = Math.min(MAX_ROWS, target.y + target.h + 1);
      editor.grid.style.gridTemplateRows = `repeat(${editor.rows}, ${ROW_PX}px)`;
    }
  };
  const end = (e) => {
    box.removeEventListener("pointermove", move);
    box.removeEventListener("pointerup", end);
    box.removeEventListener("pointercancel", end);
    delete box.dataset.dragging;
    if (!dragged) {
      if (e.type === "pointerup") editor.openForm(panel.id);
    } else if (e.type === "pointercancel") {
      editor.render();
    } else {
      editor.moveTo(panel.id, target);
    }
  };
  box.addEventListener("pointermove", move);
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", end);
}

function key(editor, event, panel) {
  if (event.target !== event.currentTarget) return; // the remove button's own keys
  const step = KEY_STEPS[event.key];
  if (step) {
    event.preventDefault();
    const [dx, dy] = step;
    const target = event.shiftKey
      ? { x: panel.x, y: panel.y, w: panel.w + dx, h: panel.h + dy }
      : { x: panel.x + dx, y: panel.y + dy, w: panel.w, h: panel.h };
    editor.moveTo(panel.id, target);
  } else if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    editor.openForm(panel.id);
  } else if (event.key === "Delete") {
    event.preventDefault();
    editor.remove(panel.id);
  }
}
