// The editor itself: the draft of the layout, its toolbar (Add, Save, Cancel, Download,
// Upload), the boxes redrawn from the draft, and the round trip to the server. Save and Upload
// send the layout whole; the server's answer is the authority (a 400 is shown next to Save and
// the edits stay), the checks here only spare it the obvious (overlaps, the grid's bounds).

import { el } from "../format.js";
import { button } from "./form-controls.js";
import { MAX_ROWS, collision, inBounds, layoutProblem } from "./grid-rules.js";
import { ROW_PX, panelBox } from "./panel-boxes.js";
import { applyPanelForm, openPanelForm } from "./panel-form.js";

const SPARE_ROWS = 4; // shown below the lowest panel: somewhere to drag to
const REFUSED_MS = 1500;

const copy = (value) => JSON.parse(JSON.stringify(value));

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
    this.grid.replaceChildren(...panels.map((panel) => panelBox(this, panel)));
    if (focused && this.selected) this.boxOf(this.selected)?.focus({ preventScroll: true });
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
    openPanelForm(this, id);
  }

  applyForm() {
    applyPanelForm(this);
  }

  closeForm() {
    this.editing = null;
    this.form.hidden = true;
    this.form.replaceChildren();
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
