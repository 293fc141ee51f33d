// The editor's small form builders (buttons, labelled fields, selects, text inputs), each made
// with format.js's el() so every text from the server lands as textContent, never as markup.

import { el } from "../format.js";

export function button(text, cls, id) {
  const b = el("button", cls, text);
  b.type = "button";
  if (id) b.id = id;
  return b;
}

/** ``control`` in a <label> with its name, and a hint after it when given. */
export function field(labelText, control, hint) {
  const row = el("label", "editor-field");
  row.append(el("span", "editor-field-name", labelText), control);
  if (hint) row.append(el("span", "editor-field-hint", hint));
  return row;
}

/** A <select> of ``choices`` [[value, text]], ``blank`` the text of a first "" choice if given;
 * a ``value`` not among the choices is added rather than lost. */
export function select(id, choices, value, blank) {
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

export function textInput(id, value, maxLength, placeholder) {
  const input = el("input");
  Object.assign(input, { id, type: "text", value: value ?? "", maxLength, placeholder: placeholder || "" });
  return input;
}
