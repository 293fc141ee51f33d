// "Every device" on the host page: CPU cores, filesystems and network interfaces, each group a
// <details> of <section id="devices">, collapsed by default (docs/metrics.md, "Every device").
//
// Every sample goes into the groups' rings (device-store.js) whether a group is open or not;
// Plotly figures exist only while a group is open, and are purged when it closes. Which devices
// are drawn is device-filter.js's choice: a glob filter per group (kept in localStorage), virtual
// interfaces hidden unless "show all", and at most LINES_MAX lines (the busiest).

import { selectDevices } from "./device-filter.js";
import { GROUPS } from "./device-groups.js";
import { colorOf, drawDevices, drawnCount, purgeDevices } from "./device-plots.js";
import { DeviceRings } from "./device-store.js";

// The busiest are ranked again at most this often, so near-equal devices do not swap every second.
const RERANK_MS = 10000;
const STORAGE_KEY = "monitor.devices.";

function loadFilter(name) {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY + name) || "{}");
    const text = typeof saved.text === "string" ? saved.text : "";
    return { text, showAll: saved.showAll === true };
  } catch {
    return { text: "", showAll: false }; // storage blocked or garbage: the defaults
  }
}

class DeviceGroup {
  constructor(details, spec, capacity) {
    this.details = details;
    this.spec = spec;
    this.name = details.dataset.group;
    this.rings = new DeviceRings(capacity, spec.series);
    this.filter = loadFilter(this.name);
    this.selection = { shown: [], virtual: 0, filtered: 0, capped: 0 };
    this.selectedAt = 0;
    this.countEl = details.querySelector(".device-count");
    this.noteEl = details.querySelector(".device-note");
    this.legendEl = details.querySelector(".device-legend");
    this.legendFor = null;
    this.charts = Object.entries(spec.charts).map(([key, chart]) => {
      const figure = details.querySelector(`[data-device-chart="${key}"]`);
      return { ...chart, key, figure, div: figure.querySelector(".device-chart") };
    });
    const input = details.querySelector(".device-filter");
    input.value = this.filter.text;
    input.addEventListener("input", () => this.setFilter({ text: input.value }));
    const all = details.querySelector(".device-show-all");
    if (all) {
      all.checked = this.filter.showAll;
      all.addEventListener("change", () => this.setFilter({ showAll: all.checked }));
    }
    details.addEventListener("toggle", () => (details.open ? this.draw(true) : this.close()));
  }

  push(ts, metrics) {
    this.rings.push(ts, metrics ? this.spec.read(metrics) : null);
  }

  setFilter(change) {
    Object.assign(this.filter, change);
    try {
      localStorage.setItem(STORAGE_KEY + this.name, JSON.stringify(this.filter));
    } catch {
      // not remembered, still applied
    }
    if (this.details.open) this.draw(true);
  }

  select(force) {
    const names = this.rings.names();
    const known = this.selection.known;
    const changed = !known || known.length !== names.length || names.some((n) => !known.has(n));
    if (!force && !changed && Date.now() - this.selectedAt < RERANK_MS) return;
    this.selection = selectDevices(names, {
      filter: this.filter.text,
      hideVirtual: Boolean(this.spec.hidesVirtual) && !this.filter.showAll,
      cap: this.spec.cap,
      score: (name) => this.spec.score(this.rings, name),
    });
    this.selection.known = new Set(names);
    this.selectedAt = Date.now();
  }

  /** Bring the counts up to date and, when open, the charts, legend and note. */
  draw(force = false) {
    const count = this.rings.devices.size + this.rings.refused;
    const countText = `(${count}${this.rings.refused ? "+" : ""})`;
    if (this.countEl.textContent !== countText) this.countEl.textContent = countText;
    if (!this.details.open) return;
    this.select(force);
    const { shown } = this.selection;
    for (const chart of this.charts) {
      const names = chart.nonZeroOnly
        ? shown.filter((n) => this.rings.anyAboveZero(n, chart.series))
        : shown;
      chart.figure.hidden = chart.nonZeroOnly && names.length === 0;
      if (chart.figure.hidden) purgeDevices(chart);
      else drawDevices(chart, this.rings, names, force);
    }
    this.renderLegend(shown);
    this.renderNote();
  }

  renderLegend(shown) {
    const asHeatmap = this.charts[0].mode === "heatmap";
    const key = asHeatmap ? "" : shown.join("\n");
    if (this.legendFor !== key) {
      this.legendEl.replaceChildren(...(asHeatmap ? [] : shown.map((name, i) => {
        const item = document.createElement("li");
        item.dataset.device = name;
        item.style.setProperty("--swatch", colorOf(i));
        const label = document.createElement("span");
        label.className = "device-name";
        label.textContent = name;
        const value = document.createElement("span");
        value.className = "device-value";
        item.append(label, value);
        return item;
      })));
      this.legendFor = key;
    }
    for (const item of this.legendEl.children) {
      item.lastChild.textContent = this.spec.legend(this.rings, item.dataset.device);
    }
  }

  renderNote() {
    const { shown, virtual, filtered, capped } = this.selection;
    const parts = [
      capped ? `the ${shown.length} busiest of ${shown.length + capped} drawn` : `${shown.length} drawn`,
    ];
    if (capped) parts.push(`${capped} more not drawn (at most ${this.spec.cap} lines)`);
    if (virtual) parts.push(`${virtual} virtual hidden`);
    if (filtered) parts.push(`${filtered} more hidden by the filter`);
    this.noteEl.textContent = parts.join(" · ");
    Object.assign(this.noteEl.dataset, { shown: shown.length, capped, virtual, filtered });
  }

  close() {
    for (const chart of this.charts) purgeDevices(chart);
    this.legendEl.replaceChildren();
    this.legendFor = null;
  }

  reset() {
    this.rings.reset();
    this.selection = { shown: [], virtual: 0, filtered: 0, capped: 0 };
    this.draw(true);
  }
}

/** The "Every device" section of one host's page. A missing section makes every call a no-op. */
export class DeviceCharts {
  constructor(section, config) {
    this.host = config.host;
    this.groups = new Map();
    this.frame = 0;
    const capacity = Math.max(2, Math.ceil(config.windowS / config.interval));
    for (const details of section ? section.querySelectorAll("details[data-group]") : []) {
      const spec = GROUPS[details.dataset.group];
      if (spec) this.groups.set(details.dataset.group, new DeviceGroup(details, spec, capacity));
    }
    document.addEventListener("visibilitychange", () => this.schedule());
  }

  /** Take the stream's accepted samples ({host, ts, sample, gap, gapTs}); others' are skipped. */
  push(accepted) {
    for (const a of accepted) {
      if (a.host !== this.host || !a.sample || typeof a.sample.metrics !== "object") continue;
      for (const group of this.groups.values()) {
        const last = group.rings.lastTs;
        if (!(a.ts > last)) continue; // the rings only grow forward in time
        if (a.gap && a.gapTs > last && a.gapTs < a.ts) group.push(a.gapTs, null); // a break
        group.push(a.ts, a.sample.metrics || {});
      }
    }
    this.schedule();
  }

  /** Drop every point (the store's epoch changed). */
  reset() {
    for (const group of this.groups.values()) group.reset();
  }

  schedule() {
    if (this.frame || document.hidden) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!document.hidden) for (const group of this.groups.values()) group.draw();
    });
  }

  /** Read-outs for tests and debugging: window.monitor.devices. */
  hooks() {
    const group = (name) => this.groups.get(name);
    const charts = () => [...this.groups.values()].flatMap((g) => g.charts);
    return {
      groups: () => [...this.groups.keys()],
      isOpen: (name) => Boolean(group(name)?.details.open),
      count: (name) => group(name)?.rings.devices.size ?? 0,
      knownDevices: (name) => group(name)?.rings.names() ?? [],
      visibleDevices: (name) => (group(name)?.details.open ? [...group(name).selection.shown] : []),
      lineCount: (name) => (group(name) ? drawnCount(group(name).charts[0]) : 0),
      mode: (name) => group(name)?.charts[0].mode ?? null,
      plots: () => charts().filter((c) => c.div.data).length,
      traces: () => charts().reduce((n, c) => n + (c.div.data ? c.div.data.length : 0), 0),
      points: (name) => group(name)?.rings.total ?? 0,
    };
  }
}
