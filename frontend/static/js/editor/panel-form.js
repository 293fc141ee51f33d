// The panel form: add a panel, or change one's id, title and options. It edits the editor's
// draft only; nothing is sent until Save. A new panel gets its type's usual size at the first
// free place on the grid.

import { el } from "../format.js";
import { button, field, select, textInput } from "./form-controls.js";
import { firstFreePlace } from "./grid-rules.js";
import { optionFields } from "./option-controls.js";

const PANEL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const SIZES = { hosts: [12, 6], host: [4, 4], chart: [6, 4], stat: [2, 2], status: [3, 2],
  alerts: [4, 3], clock: [3, 2], text: [3, 2] };

/** The first id ``<type>-<n>`` no panel has. */
export function newPanelId(panels, type) {
  let n = 1;
  while (panels.some((p) => p.id === `${type}-${n}`)) n += 1;
  return `${type}-${n}`;
}

/** Fill ``editor.form`` for the panel ``id`` (null: a new one) and set ``editor.readForm``. */
export function openPanelForm(editor, id) {
  if (!editor.options) {
    editor.say("The editor's choices have not loaded: panels can be moved, not changed.", "error");
    return;
  }
  const panel = id === null ? null : editor.draft.panels.find((p) => p.id === id);
  editor.editing = id === null ? "" : id;
  if (panel) editor.select(id);
  const types = editor.options.panel_types;
  const proposedId = (type) => newPanelId(editor.draft.panels, type);
  const form = editor.form;
  form.hidden = false;
  form.dataset.mode = panel ? "edit" : "add";
  const body = el("div", "editor-form-body");
  let type = panel ? panel.type : Object.keys(types)[0];
  const heading = el("h2", "editor-form-title", panel ? `Panel ${panel.id} (${panel.type})` : "Add a panel");
  const typePicker = select("editor-type", Object.keys(types).map((t) => [t, t]), type);
  typePicker.disabled = Boolean(panel);
  const idInput = textInput("editor-id", panel ? panel.id : proposedId(type), 63);
  const titleInput = textInput("editor-title", panel?.title, 100, "optional");
  const error = el("output", "editor-form-error");
  error.id = "editor-form-error";
  let fields;
  const fill = () => {
    fields = optionFields(type, types[type], panel || {}, editor.options);
    body.replaceChildren(fields.element);
  };
  typePicker.addEventListener("change", () => {
    // An id still as proposed follows the type; one the admin typed is theirs.
    if (idInput.value === proposedId(type)) idInput.value = proposedId(typePicker.value);
    type = typePicker.value;
    fill();
  });
  fill();
  const apply = el("button", "editor-apply", panel ? "Apply" : "Add");
  Object.assign(apply, { type: "submit", id: "editor-apply" });
  const close = button("Close", "editor-close", "editor-close");
  close.addEventListener("click", () => editor.closeForm());
  const actions = el("div", "editor-form-actions");
  actions.append(apply, close);
  if (panel) {
    const remove = button("Remove panel", "editor-remove-panel", "editor-remove-panel");
    remove.addEventListener("click", () => editor.remove(panel.id));
    actions.append(remove);
  }
  form.replaceChildren(heading, field("Type", typePicker), field("Id", idInput), field("Title", titleInput), body, actions, error);
  editor.readForm = () => {
    const newId = idInput.value.trim();
    if (!PANEL_ID.test(newId)) throw new Error("Id: letters, digits, '-' and '_' (at most 63)");
    if (editor.draft.panels.some((p) => p.id === newId && p !== panel)) throw new Error(`Id: ${newId} is taken`);
    const out = { id: newId, type };
    if (titleInput.value.trim()) out.title = titleInput.value.trim();
    return { ...out, ...fields.read() };
  };
  (panel ? idInput : typePicker).focus();
}

/** Put the form's panel into the draft (in its place, or a new one at the first free place),
 * or show in the form what is wrong and change nothing. */
export function applyPanelForm(editor) {
  const error = editor.form.querySelector(".editor-form-error");
  let made;
  try {
    made = editor.readForm();
  } catch (problem) {
    error.textContent = problem.message;
    return;
  }
  if (editor.editing) {
    const index = editor.draft.panels.findIndex((p) => p.id === editor.editing);
    const { x, y, w, h } = editor.draft.panels[index];
    editor.draft.panels[index] = { ...made, x, y, w, h };
  } else {
    const [w, h] = SIZES[made.type] || [3, 2];
    const spot = firstFreePlace(editor.draft.panels, w, h, editor.columns);
    if (!spot) {
      error.textContent = `No free place on the grid for a ${w} x ${h} panel.`;
      return;
    }
    editor.draft.panels.push({ ...made, ...spot });
  }
  editor.selected = made.id;
  editor.say(`${made.id}: changed (not saved yet).`);
  editor.closeForm();
  editor.render();
  editor.boxOf(made.id)?.focus();
}
