// The dashboard editor (docs/dashboards.md, "Editing on the page"): an admin's Edit button turns
// the dashboard into boxes on its grid, one per panel, to add, change, move (drag, arrow keys),
// resize (corner handle, shift+arrows) and remove. Save sends the layout whole; the server's
// answer is the authority (a 400 is shown next to Save and the edits stay), the checks here only
// spare it the obvious (overlaps, the grid's bounds).

import { el } from "./format.js";

const ROW_PX = 60;
const MAX_ROWS = 200;
const SPARE_ROWS = 4; // shown below the lowest panel: somewhere to drag to
const DRAG_START_PX = 4; // less is a click, which opens the panel's form
const REFUSED_MS = 1500;
const PANEL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const LABEL_PART = /^[A-Za-z0-9_.-]{1,63}$/;
const SIZES = { hosts: [12, 6], host: [4, 4], chart: [6, 4], stat: [2, 2], status: [3, 2],
  alerts: [4, 3], clock: [3, 2], text: [3, 2] };
const WINDOWS = [[60, "1 min"], [300, "5 min"], [900, "15 min"], [3600, "1 h"], [21600, "6 h"],
  [86400, "24 h"]];
const NAMES = { hosts: "Hosts", host: "Host", metric: "Metric", labels: "Labels",
  window_s: "Window", severity: "Severity", tz: "Time zone", unit: "Unit", text: "Text",
  markdown: "Markdown" };
const ONE_OF_NAMES = { hosts: "the hosts named", labels: "the hosts with these labels",
  text: "plain text", markdown: "Markdown" };

const copy = (value) => JSON.parse(JSON.stringify(value));

// -- the grid's rules, as validate_layout has them --------------------------------------------

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

function place(box, p) {
  box.style.gridColumn = `${p.x + 1} / span ${p.w}`;
  box.style.gridRow = `${p.y + 1} / span ${p.h}`;
}

function button(text, cls, id) {
  const b = el("button", cls, text);
  b.type = "button";
  if (id) b.id = id;
  return b;
}

function field(labelText, control, hint) {
  const row = el("label", "editor-field");
  row.append(el("span", "editor-field-name", labelText), control);
  if (hint) row.append(el("span", "editor-field-hint", hint));
  return row;
}

function select(id, choices, value, blank) {
  const s = el("select");
  s.id = id;
  const all = blank === undefined ? choices : [["", blank], ...choices];
  if (value !== undefined && value !== "" && !all.some(([v]) => String(v) === String(value))) {
    all.push([value, String(value)]); // kept as it is, even if no longer offered
  }
  for (const [v, text] of all) {
    const option = el("option", null, text);
    option.value = String(v);
    s.append(option);
  }
  s.value = value === undefined ? String(all[0]?.[0] ?? "") : String(value);
  return s;
}

function textInput(id, value, maxLength, placeholder) {
  const input = el("input");
  Object.assign(input, { id, type: "text", value: value ?? "", maxLength, placeholder: placeholder || "" });
  return input;
}

function hostName(name) {
  if (!HOST_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a host name`);
  return name;
}

// -- one control per panel option: {element, read()}; read() gives the value, undefined for none,
// or throws an Error saying what is wrong.

const CONTROLS = {
  metric(value, o) {
    const s = el("select");
    s.id = "editor-metric";
    const groups = [["headline figures (every view)", o.metrics.filter((m) => m.summary)],
      ["all metrics (full samples)", o.metrics.filter((m) => !m.summary)]];
    if (value && !o.metrics.some((m) => m.name === value)) groups.push(["as saved", [{ name: value, unit: "" }]]);
    for (const [label, metrics] of groups) {
      const group = el("optgroup");
      group.label = label;
      for (const m of metrics) {
        const option = el("option", null, m.unit ? `${m.name} (${m.unit})` : m.name);
        option.value = m.name;
        group.append(option);
      }
      s.append(group);
    }
    if (value) s.value = value;
    return { element: field("Metric", s), read: () => s.value || undefined };
  },
  host(value, o) {
    const names = o.hosts.map((h) => h.name);
    const known = value === undefined || names.includes(value);
    const s = select("editor-host", names.map((n) => [n, n]), known ? value : undefined, names.length ? undefined : "(no host yet)");
    const other = textInput("editor-host-other", known ? "" : value, 63, "or a host not reporting yet");
    const element = el("div", "editor-group");
    element.append(field("Host", s), field("Other host", other));
    return { element, read: () => (other.value.trim() ? hostName(other.value.trim()) : s.value || undefined) };
  },
  hosts(value, o) {
    const known = new Set(o.hosts.map((h) => h.name));
    const chosen = new Set(value || []);
    const set = el("fieldset", "editor-choices");
    set.id = "editor-hosts";
    set.append(el("legend", null, "Hosts"));
    for (const host of o.hosts) {
      const box = el("input");
      Object.assign(box, { type: "checkbox", value: host.name, checked: chosen.has(host.name) });
      const label = el("label", "editor-choice");
      label.append(box, document.createTextNode(` ${host.name}`));
      set.append(label);
    }
    if (!o.hosts.length) set.append(el("span", "editor-field-hint", "No host has reported yet."));
    const unknown = [...chosen].filter((name) => !known.has(name)); // named before they report
    const other = textInput("editor-hosts-other", unknown.join(", "), 2000, "other names, comma separated");
    set.append(field("Other hosts", other));
    const read = () => {
      const ticked = [...set.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value);
      const typed = other.value.split(/[\s,]+/).filter(Boolean).map(hostName);
      const names = [...new Set([...ticked, ...typed])];
      return names.length ? names : undefined;
    };
    return { element: set, read };
  },
  labels(value, o) {
    const known = new Map();
    for (const host of o.hosts) {
      for (const [key, v] of Object.entries(host.labels || {})) {
        if (!known.has(key)) known.set(key, new Set());
        known.get(key).add(v);
      }
    }
    const given = { ...(value || {}) };
    const set = el("fieldset", "editor-labels");
    set.id = "editor-labels";
    set.append(el("legend", null, "Labels (a host must have all of them)"));
    const pickers = [...known.keys()].sort().map((key) => {
      const values = [...known.get(key)].sort();
      const current = values.includes(given[key]) ? given[key] : undefined;
      if (current !== undefined) delete given[key];
      const s = select(`editor-label-${key}`, values.map((v) => [v, `${key}=${v}`]), current, "any");
      s.dataset.key = key;
      set.append(field(key, s));
      return s;
    });
    const rest = Object.entries(given).map(([k, v]) => `${k}=${v}`).join(", ");
    const other = textInput("editor-labels-other", rest, 2000, "other labels: key=value, key=value");
    set.append(field("Other labels", other));
    const read = () => {
      const labels = {};
      for (const s of pickers) if (s.value) labels[s.dataset.key] = s.value;
      for (const pair of other.value.split(/[\s,]+/).filter(Boolean)) {
        const [key, v, extra] = pair.split("=");
        if (extra !== undefined || !LABEL_PART.test(key || "") || !LABEL_PART.test(v || "")) {
          throw new Error(`${JSON.stringify(pair)} is not a label key=value (letters, digits, '.', '-', '_')`);
        }
        if (key in labels && labels[key] !== v) throw new Error(`label ${key} is given twice`);
        labels[key] = v;
      }
      return labels;
    };
    return { element: set, read };
  },
  window_s(value, o) {
    const choices = WINDOWS.filter(([s]) => s >= o.window_s.min && s <= o.window_s.max);
    const s = select("editor-window", choices.map(([v, t]) => [v, `the last ${t}`]), value, `default (${WINDOWS.find(([v]) => v === o.window_s.default)?.[1] || `${o.window_s.default} s`})`);
    return { element: field("Window", s), read: () => (s.value ? Number(s.value) : undefined) };
  },
  severity(value, o) {
    const names = { warning: "warning and critical", critical: "critical only" };
    const s = select("editor-severity", o.severities.map((v) => [v, names[v] || v]), value, "every active alert");
    return { element: field("Severity", s), read: () => s.value || undefined };
  },
  tz(value, o) {
    const s = select("editor-tz", o.timezones.map((z) => [z, z]), value, "the browser's");
    return { element: field("Time zone", s), read: () => s.value || undefined };
  },
  unit(value) {
    const input = textInput("editor-unit", value, 16, "shown after the number");
    return { element: field("Unit", input), read: () => input.value || undefined };
  },
  text: (value) => textArea("text", value),
  markdown: (value) => textArea("markdown", value),
};

function textArea(name, value) {
  const area = el("textarea");
  Object.assign(area, { id: `editor-${name}`, value: value ?? "", maxLength: 4000, rows: 5 });
  return { element: field(NAMES[name], area), read: () => area.value };
}

/** The form's fields for a panel of ``type`` (``panel``: its current values); read() gives the
 * panel's options or throws an Error naming what is wrong. */
function optionFields(type, spec, panel, options) {
  const container = el("div", "editor-options");
  const controls = {};
  for (const name of [...spec.required, ...spec.optional]) {
    const make = CONTROLS[name];
    if (!make) continue;
    controls[name] = make(panel[name], options);
    const optional = !spec.required.includes(name) && !spec.one_of.includes(name);
    if (optional) controls[name].element.classList.add("editor-optional");
    controls[name].element.dataset.option = name;
  }
  let choice = null;
  if (spec.one_of.length) {
    const first = spec.one_of.find((name) => name in panel) || spec.one_of[0];
    const choices = spec.one_of.map((name) => [name, ONE_OF_NAMES[name] || name]);
    choice = select("editor-one-of", choices, first, spec.one_of_required ? undefined : "neither");
    container.append(field(spec.one_of.map((n) => NAMES[n] || n).join(" or "), choice));
    const show = () => {
      for (const name of spec.one_of) controls[name].element.hidden = name !== choice.value;
    };
    choice.addEventListener("change", show);
    show();
  }
  for (const control of Object.values(controls)) container.append(control.element);
  const read = () => {
    const out = {};
    for (const [name, control] of Object.entries(controls)) {
      if (spec.one_of.includes(name) && name !== choice.value) continue;
      const value = control.read();
      const empty = value === undefined || value === "" || (typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length);
      // The chosen one of a group is kept even when empty: a chart by labels {} is every host.
      if (empty && !(spec.one_of.includes(name) && typeof value === "object")) {
        if (spec.required.includes(name) || spec.one_of.includes(name)) throw new Error(`${NAMES[name] || name}: required`);
        continue;
      }
      out[name] = value;
    }
    return out;
  };
  return { element: container, read };
}

class DashboardEditor {
  constructor({ toggle, mount, layout, layoutUrl, optionsUrl, csrfToken }) {
    Object.assign(this, { toggle, mount, layoutUrl, optionsUrl, csrfToken });
    this.saved = copy(layout);
    this.draft = null;
    this.options = null;
    this.selected = null;
    this.editing = null; // the form's panel id, "" when adding
    this.refusedTimer = null;
  }

  get columns() {
    return this.draft.columns || 12;
  }

  layout() {
    return copy(this.draft || this.saved);
  }

  async open() {
    if (this.draft) return;
    this.draft = copy(this.saved);
    this.draft.columns = this.columns;
    const live = document.getElementById("dashboard-grid");
    if (live) live.hidden = true;
    this.toggle.hidden = true;
    this.mount.hidden = false;
    this.build();
    this.render();
    this.options = this.options || (await this.loadOptions());
    if (this.draft && this.options) this.addButton.disabled = false;
  }

  close() {
    this.draft = null;
    this.editing = null;
    this.mount.replaceChildren();
    this.mount.hidden = true;
    const live = document.getElementById("dashboard-grid");
    if (live) live.hidden = false;
    this.toggle.hidden = false;
    this.toggle.focus();
  }

  async loadOptions() {
    try {
      const response = await fetch(this.optionsUrl, { headers: { Accept: "application/json" } });
      if (response.ok) return await response.json();
      this.say(`The editor's choices did not load: ${await errorMessage(response)}`, "error");
    } catch (error) {
      this.say(`The editor's choices did not load: ${error.message}`, "error");
    }
    return null;
  }

  build() {
    const bar = el("div", "editor-toolbar");
    this.addButton = button("Add panel", "editor-add", "editor-add");
    this.addButton.disabled = true; // until the pickers' choices are in
    this.addButton.addEventListener("click", () => this.openForm(null));
    this.saveButton = button("Save", "editor-save", "editor-save");
    this.saveButton.addEventListener("click", () => this.save());
    const cancel = button("Cancel", "editor-cancel", "editor-cancel");
    cancel.addEventListener("click", () => this.close());
    this.message = el("output", "editor-message");
    this.message.id = "editor-message";
    this.message.setAttribute("role", "status");
    const download = el("a", "editor-download", "Download JSON");
    Object.assign(download, { id: "editor-download", href: this.layoutUrl, download: "" });
    download.title = "the layout as saved, without the edits not yet saved";
    const upload = el("label", "editor-upload", "Upload JSON");
    const file = el("input");
    Object.assign(file, { id: "editor-upload", type: "file", accept: "application/json,.json" });
    file.addEventListener("change", () => {
      if (file.files.length) this.upload(file.files[0]).finally(() => (file.value = ""));
    });
    upload.append(file);
    const hint = el("span", "editor-hint", "Drag to move, the corner to resize; arrows move the selected panel, shift+arrows resize it.");
    bar.append(this.addButton, this.saveButton, cancel, this.message, download, upload, hint);
    this.form = el("form", "editor-form");
    this.form.id = "editor-form";
    this.form.hidden = true;
    this.form.noValidate = true;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.applyForm();
    });
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeForm();
    });
    this.grid = el("div", "editor-grid");
    this.grid.id = "editor-grid";
    this.mount.replaceChildren(bar, this.form, this.grid);
  }

  say(text, kind = "info") {
    if (!this.message) return;
    this.message.textContent = text;
    this.message.dataset.kind = kind;
  }

  // -- the boxes --------------------------------------------------------------------------------

  render() {
    const panels = this.draft.panels;
    const bottom = Math.max(0, ...panels.map((p) => p.y + p.h));
    this.rows = Math.min(MAX_ROWS, Math.max(6, bottom + SPARE_ROWS));
    this.grid.style.setProperty("--columns", this.columns);
    this.grid.style.setProperty("--row", `${ROW_PX}px`);
    this.grid.style.gridTemplateColumns = `repeat(${this.columns}, minmax(0, 1fr))`;
    this.grid.style.gridTemplateRows = `repeat(${this.rows}, ${ROW_PX}px)`;
    const focused = this.grid.contains(document.activeElement); // kept across the redraw
    this.grid.replaceChildren(...panels.map((panel) => this.box(panel)));
    if (focused && this.selected) this.boxOf(this.selected)?.focus({ preventScroll: true });
  }

  box(panel) {
    const box = el("div", "editor-panel");
    box.dataset.panelId = panel.id;
    box.dataset.type = panel.type;
    box.tabIndex = 0;
    box.setAttribute("role", "button");
    box.setAttribute("aria-label", `${panel.type} panel ${panel.id}, at column ${panel.x + 1}, row ${panel.y + 1}, ${panel.w} by ${panel.h}`);
    if (panel.id === this.selected) box.dataset.selected = "true";
    place(box, panel);
    const head = el("div", "editor-panel-head");
    head.append(el("span", "editor-panel-type", panel.type), el("span", "editor-panel-id", panel.id));
    box.append(head);
    if (panel.title) box.append(el("div", "editor-panel-title", panel.title));
    const detail = panelDetail(panel);
    if (detail) box.append(el("div", "editor-panel-detail", detail));
    const remove = button("×", "editor-remove");
    remove.setAttribute("aria-label", `remove panel ${panel.id}`);
    remove.addEventListener("click", () => this.remove(panel.id));
    const handle = el("div", "editor-resize");
    handle.title = "drag to resize";
    box.append(remove, handle);
    box.addEventListener("pointerdown", (event) => this.drag(event, panel, box));
    box.addEventListener("keydown", (event) => this.key(event, panel));
    box.addEventListener("focus", () => this.select(panel.id));
    return box;
  }

  boxOf(id) {
    return [...this.grid.children].find((box) => box.dataset.panelId === id) || null;
  }

  select(id) {
    this.selected = id;
    for (const box of this.grid.children) {
      if (box.dataset.panelId === id) box.dataset.selected = "true";
      else delete box.dataset.selected;
    }
  }

  drag(event, panel, box) {
    if (event.button !== 0 || event.target.closest(".editor-remove")) return;
    const mode = event.target.closest(".editor-resize") ? "resize" : "move";
    event.preventDefault();
    box.focus({ preventScroll: true });
    box.setPointerCapture(event.pointerId);
    const rect = this.grid.getBoundingClientRect();
    const cell = { w: rect.width / this.columns, h: ROW_PX };
    const from = { x: panel.x, y: panel.y, w: panel.w, h: panel.h };
    let target = from;
    let dragged = false;
    const move = (e) => {
      const dx = e.clientX - event.clientX;
      const dy = e.clientY - event.clientY;
      if (!dragged && Math.hypot(dx, dy) < DRAG_START_PX) return;
      dragged = true;
      box.dataset.dragging = "true";
      const cx = Math.round(dx / cell.w);
      const cy = Math.round(dy / cell.h);
      target = mode === "move"
        ? { ...from, x: clamp(from.x + cx, 0, this.columns - from.w), y: clamp(from.y + cy, 0, MAX_ROWS - from.h) }
        : { ...from, w: clamp(from.w + cx, 1, this.columns - from.x), h: clamp(from.h + cy, 1, MAX_ROWS - from.y) };
      place(box, target);
      box.dataset.blocked = collision(this.draft.panels, target, panel.id) ? "true" : "false";
      if (target.y + target.h + 1 > this.rows) {
        this.rows = Math.min(MAX_ROWS, target.y + target.h + 1);
        this.grid.style.gridTemplateRows = `repeat(${this.rows}, ${ROW_PX}px)`;
      }
    };
    const end = (e) => {
      box.removeEventListener("pointermove", move);
      box.removeEventListener("pointerup", end);
      box.removeEventListener("pointercancel", end);
      delete box.dataset.dragging;
      if (!dragged) {
        if (e.type === "pointerup") this.openForm(panel.id);
      } else if (e.type === "pointercancel") {
        this.render();
      } else {
        this.moveTo(panel.id, target);
      }
    };
    box.addEventListener("pointermove", move);
    box.addEventListener("pointerup", end);
    box.addEventListener("pointercancel", end);
  }

  key(event, panel) {
    if (event.target !== event.currentTarget) return; // the remove button's own keys
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (step) {
      event.preventDefault();
      const [dx, dy] = step;
      const target = event.shiftKey
        ? { x: panel.x, y: panel.y, w: panel.w + dx, h: panel.h + dy }
        : { x: panel.x + dx, y: panel.y + dy, w: panel.w, h: panel.h };
      this.moveTo(panel.id, target);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.openForm(panel.id);
    } else if (event.key === "Delete") {
      event.preventDefault();
      this.remove(panel.id);
    }
  }

  /** Put the panel at ``target``, or refuse visibly (red, back where it was) and say why. */
  moveTo(id, target) {
    const panel = this.draft.panels.find((p) => p.id === id);
    const other = collision(this.draft.panels, target, id);
    let refusal = null;
    if (!inBounds(target, this.columns)) refusal = `${id} would leave the grid`;
    else if (other) refusal = `${id} would overlap ${other.id}`;
    if (refusal) {
      this.render();
      this.refuse(id, `${refusal}: moved back.`);
      return false;
    }
    Object.assign(panel, target);
    this.say("");
    this.render();
    return true;
  }

  refuse(id, message) {
    this.say(message, "error");
    const box = this.boxOf(id);
    if (!box) return;
    box.dataset.refused = "true";
    clearTimeout(this.refusedTimer);
    this.refusedTimer = setTimeout(() => delete box.dataset.refused, REFUSED_MS);
  }

  remove(id) {
    this.draft.panels = this.draft.panels.filter((p) => p.id !== id);
    if (this.editing === id) this.closeForm();
    this.say(`Removed ${id} (not saved yet).`);
    this.render();
  }

  // -- the panel form (add, or change a panel's options) ------------------------------------------

  openForm(id) {
    if (!this.options) {
      this.say("The editor's choices have not loaded: panels can be moved, not changed.", "error");
      return;
    }
    const panel = id === null ? null : this.draft.panels.find((p) => p.id === id);
    this.editing = id === null ? "" : id;
    if (panel) this.select(id);
    const types = this.options.panel_types;
    const form = this.form;
    form.hidden = false;
    form.dataset.mode = panel ? "edit" : "add";
    const body = el("div", "editor-form-body");
    let type = panel ? panel.type : Object.keys(types)[0];
    const heading = el("h2", "editor-form-title", panel ? `Panel ${panel.id} (${panel.type})` : "Add a panel");
    const typePicker = select("editor-type", Object.keys(types).map((t) => [t, t]), type);
    typePicker.disabled = Boolean(panel);
    const idInput = textInput("editor-id", panel ? panel.id : this.newId(type), 63);
    const titleInput = textInput("editor-title", panel?.title, 100, "optional");
    const error = el("output", "editor-form-error");
    error.id = "editor-form-error";
    const fill = () => {
      this.fields = optionFields(type, types[type], panel || {}, this.options);
      body.replaceChildren(this.fields.element);
    };
    typePicker.addEventListener("change", () => {
      if (idInput.value === this.newId(type)) idInput.value = this.newId(typePicker.value);
      type = typePicker.value;
      fill();
    });
    fill();
    const apply = el("button", "editor-apply", panel ? "Apply" : "Add");
    Object.assign(apply, { type: "submit", id: "editor-apply" });
    const close = button("Close", "editor-close", "editor-close");
    close.addEventListener("click", () => this.closeForm());
    const actions = el("div", "editor-form-actions");
    actions.append(apply, close);
    if (panel) {
      const remove = button("Remove panel", "editor-remove-panel", "editor-remove-panel");
      remove.addEventListener("click", () => this.remove(panel.id));
      actions.append(remove);
    }
    form.replaceChildren(heading, field("Type", typePicker), field("Id", idInput), field("Title", titleInput), body, actions, error);
    this.readForm = () => {
      const newId = idInput.value.trim();
      if (!PANEL_ID.test(newId)) throw new Error("Id: letters, digits, '-' and '_' (at most 63)");
      if (this.draft.panels.some((p) => p.id === newId && p !== panel)) throw new Error(`Id: ${newId} is taken`);
      const out = { id: newId, type };
      if (titleInput.value.trim()) out.title = titleInput.value.trim();
      return { ...out, ...this.fields.read() };
    };
    (panel ? idInput : typePicker).focus();
  }

  closeForm() {
    this.editing = null;
    this.form.hidden = true;
    this.form.replaceChildren();
  }

  newId(type) {
    let n = 1;
    while (this.draft.panels.some((p) => p.id === `${type}-${n}`)) n += 1;
    return `${type}-${n}`;
  }

  applyForm() {
    const error = this.form.querySelector(".editor-form-error");
    let made;
    try {
      made = this.readForm();
    } catch (problem) {
      error.textContent = problem.message;
      return;
    }
    if (this.editing) {
      const index = this.draft.panels.findIndex((p) => p.id === this.editing);
      const { x, y, w, h } = this.draft.panels[index];
      this.draft.panels[index] = { ...made, x, y, w, h };
    } else {
      const [w, h] = SIZES[made.type] || [3, 2];
      const spot = firstFreePlace(this.draft.panels, w, h, this.columns);
      if (!spot) {
        error.textContent = `No free place on the grid for a ${w} x ${h} panel.`;
        return;
      }
      this.draft.panels.push({ ...made, ...spot });
    }
    this.selected = made.id;
    this.say(`${made.id}: changed (not saved yet).`);
    this.closeForm();
    this.render();
    this.boxOf(made.id)?.focus();
  }

  // -- to the server ----------------------------------------------------------------------------

  csrf() {
    if (this.csrfToken) return this.csrfToken;
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /** POST the draft; 200 reloads the page, anything else is shown next to Save. */
  async save() {
    if (!this.draft) return { ok: false, message: "not editing" };
    const problem = layoutProblem(this.draft);
    if (problem) {
      this.say(problem, "error");
      return { ok: false, message: problem };
    }
    return this.send(JSON.stringify(this.draft), { "Content-Type": "application/json" }, "Saving…");
  }

  /** POST a layout file as the form field ``file``: 200 reloads, else its error is shown. */
  async upload(file) {
    const body = new FormData();
    body.append("file", file);
    return this.send(body, {}, `Uploading ${file.name}…`);
  }

  async send(body, headers, progress) {
    this.say(progress);
    this.saveButton.disabled = true;
    let response;
    try {
      response = await fetch(this.layoutUrl, {
        method: "POST",
        body,
        headers: { ...headers, Accept: "application/json", "X-CSRFToken": this.csrf() },
        credentials: "same-origin",
      });
    } catch (error) {
      this.saveButton.disabled = false;
      const message = `The server did not answer (${error.message}); nothing was saved.`;
      this.say(message, "error");
      return { ok: false, message };
    }
    if (response.ok) {
      this.say("Saved.");
      window.location.reload();
      return { ok: true, status: response.status };
    }
    const answer = await response.json().catch(() => null);
    const message = answer?.error?.message || `The server answered ${response.status} ${response.statusText}.`;
    this.saveButton.disabled = false;
    this.say(message, "error");
    this.markFields(answer?.error?.fields || {});
    return { ok: false, status: response.status, message, fields: answer?.error?.fields };
  }

  /** The boxes of the panels a 400 names (``panels[2].x``) are drawn as wrong. */
  markFields(fields) {
    if (!this.draft) return;
    for (const path of Object.keys(fields)) {
      const index = /^panels\[(\d+)\]/.exec(path)?.[1];
      const id = index === undefined ? null : this.draft.panels[Number(index)]?.id;
      const box = id ? this.boxOf(id) : null;
      if (box) box.dataset.invalid = "true";
    }
  }
}

/** A line saying what the box shows: its metric, host, labels, zone or text. */
function panelDetail(panel) {
  const labels = Object.entries(panel.labels || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  const hosts = panel.hosts ? panel.hosts.join(" ") : "";
  const text = (panel.text || panel.markdown || "").slice(0, 80);
  return [panel.metric, panel.host, hosts, labels, panel.severity, panel.tz, text].filter(Boolean).join(" · ");
}

function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

async function errorMessage(response) {
  const answer = await response.json().catch(() => null);
  return answer?.error?.message || `${response.status} ${response.statusText}`;
}

/** Wire the Edit button ``toggle`` (walls/_editor.html) to an editor drawing in ``mount``.
 * ``layout`` defaults to the json_script dashboard-layout, the URLs to the button's
 * data-layout-url and data-options-url, the CSRF token to the page's own. */
export function startEditor({ toggle, mount, layout, layoutUrl, optionsUrl, csrfToken } = {}) {
  mount.classList.add("dashboard-editor");
  const editor = new DashboardEditor({
    toggle,
    mount,
    layout: layout || JSON.parse(document.getElementById("dashboard-layout").textContent),
    layoutUrl: layoutUrl || toggle.dataset.layoutUrl,
    optionsUrl: optionsUrl || toggle.dataset.optionsUrl,
    csrfToken,
  });
  toggle.addEventListener("click", () => editor.open());
  toggle.disabled = false;
  window.monitorEditor = {
    layout: () => editor.layout(),
    open: () => editor.open(),
    save: () => editor.save(),
    close: () => editor.close(),
  };
  return editor;
}
