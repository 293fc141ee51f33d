// The panel form's option fields: one control per panel option (metric, host, hosts, labels,
// window, ...), offered from the editor's choices (editor.json: the metrics, the hosts that
// report, their labels, the time zones). Names the pickers do not know yet (a host not
// reporting, a metric as saved) are kept rather than dropped, so an edit loses nothing.

import { el } from "../format.js";
import { field, select, textInput } from "./form-controls.js";

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const LABEL_PART = /^[A-Za-z0-9_.-]{1,63}$/;
const WINDOWS = [[60, "1 min"], [300, "5 min"], [900, "15 min"], [3600, "1 h"], [21600, "6 h"],
  [86400, "24 h"]];
const NAMES = { hosts: "Hosts", host: "Host", metric: "Metric", labels: "Labels",
  window_s: "Window", severity: "Severity", tz: "Time zone", unit: "Unit", text: "Text",
  markdown: "Markdown" };
const ONE_OF_NAMES = { hosts: "the hosts named", labels: "the hosts with these labels",
  text: "plain text", markdown: "Markdown" };

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
export function optionFields(type, spec, panel, options) {
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
