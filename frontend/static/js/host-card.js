// One host's section: DOM from <template id="host-template">, big figures,
// "last sample N s ago" label, top-processes table and its five charts, each
// panel with the age of its own newest data (amber when late, red when stale).
// Everything from the server is written with textContent/setAttribute only.

import { CHART_NAMES, CHARTS, legendItems, plotEmpty, purgeChart } from "./charts.js";
import { ageText, durationText, freshness, humanRate, level } from "./format.js";

export { ageText, humanRate };

const TOP_ROWS = 6;

function fixed(v, digits) {
  return v === null ? "–" : v.toFixed(digits);
}

function legend(items) {
  const box = document.createElement("span");
  box.className = "legend";
  for (const it of items) {
    const item = document.createElement("span");
    item.className = "legend-item";
    item.style.setProperty("--swatch", it.color);
    item.textContent = it.name;
    box.append(item);
  }
  return box;
}

export class HostCard {
  constructor(name, template) {
    this.name = name;
    this.section = template.content.firstElementChild.cloneNode(true);
    this.section.dataset.host = name;
    const nameEl = this.section.querySelector(".host-name");
    nameEl.textContent = name;
    nameEl.title = name;
    this.ageEl = this.section.querySelector(".host-age");
    this.ageEl.setAttribute("data-host-age", name);
    this.createdAt = Date.now() / 1000;
    this.lastTs = null; // ts of the newest sample (server clock)
    this.latest = null; // newest sample not yet shown in figures/table
    this.figures = {};
    for (const el of this.section.querySelectorAll("[data-figure]")) {
      this.figures[el.dataset.figure] = {
        root: el,
        value: el.querySelector(".value"),
        unit: el.querySelector(".unit"),
        sub: el.querySelector(".sub"),
      };
    }
    this.topBody = this.section.querySelector("table.top tbody");
    // panel -> {el, ts}: "cpu", "mem", ... and "top"; ts of the newest sample with its data
    this.panels = {};
    for (const el of this.section.querySelectorAll("[data-panel-age]")) {
      this.panels[el.dataset.panelAge] = { el, ts: null };
    }
    this.charts = {};
    this.messages = {}; // chart -> its panel's message line (a history that failed to load)
    for (const div of this.section.querySelectorAll(".chart[data-chart]")) {
      div.dataset.host = name;
      this.charts[div.dataset.chart] = div;
      const message = document.createElement("p");
      message.className = "chart-message";
      message.dataset.chartMessage = div.dataset.chart;
      message.setAttribute("role", "status");
      message.hidden = true;
      div.after(message);
      this.messages[div.dataset.chart] = message;
      const caption = div.parentElement.querySelector("figcaption");
      const items = legendItems(div.dataset.chart);
      if (caption && items.length > 1) caption.append(legend(items));
    }
  }

  /** Call once the section is in the document (Plotly needs its size). */
  plot() {
    for (const name of CHART_NAMES) plotEmpty(this.charts[name], name);
  }

  /** Show `text` over a chart's panel (empty: hide it). */
  setMessage(name, text) {
    const el = this.messages[name];
    if (!el) return;
    if (el.textContent !== text) el.textContent = text;
    el.hidden = !text;
    el.parentElement.dataset.message = text ? "true" : "false";
  }

  /** Take the section out of the page and release its Plotly charts. */
  destroy() {
    for (const name of CHART_NAMES) purgeChart(this.charts[name]);
    this.section.remove();
  }

  /** Forget history (server epoch changed). */
  reset() {
    this.plot();
    this.lastTs = null;
    this.latest = null;
    this.createdAt = Date.now() / 1000;
    for (const p of Object.values(this.panels)) p.ts = null;
    for (const f of Object.values(this.figures)) {
      f.value.textContent = "–";
      f.root.dataset.level = "none";
      if (f.sub) f.sub.textContent = "";
    }
    this.topBody.replaceChildren();
  }

  /** A sample's derived values `v` at `ts`: every panel it has data for gets younger. */
  noteSample(v, top, ts) {
    for (const [name, p] of Object.entries(this.panels)) {
      const has = name === "top"
        ? Array.isArray(top)
        : CHARTS[name]?.traces.some((t) => v[t.key] !== null && v[t.key] !== undefined);
      if (has && (p.ts === null || ts >= p.ts)) p.ts = ts;
    }
  }

  /** Seconds since the newest sample (server clock), or null before the first. */
  dataAge(serverNow) {
    return this.lastTs === null ? null : serverNow - this.lastTs;
  }

  /**
   * Refresh the age label. serverNow: server clock estimate (unix s).
   * Before the first sample the age counts from when the card appeared.
   */
  updateAge(serverNow, staleAfter, deadAfter) {
    const since = this.lastTs ?? this.createdAt;
    const age = this.lastTs === null ? Date.now() / 1000 - since : serverNow - since;
    const state = age > deadAfter ? "stale" : age > staleAfter ? "late" : "fresh";
    const text = this.lastTs === null ? "waiting for first sample" : `last sample ${ageText(age)}`;
    if (this.ageEl.dataset.state !== state) this.ageEl.dataset.state = state;
    if (this.ageEl.textContent !== text) this.ageEl.textContent = text;
    if (this.section.dataset.state !== state) this.section.dataset.state = state;
    for (const p of Object.values(this.panels)) {
      const panelAge = p.ts === null ? null : serverNow - p.ts;
      const fresh = freshness(panelAge, staleAfter, deadAfter);
      const panelText = panelAge === null ? "–" : durationText(panelAge);
      if (p.el.dataset.state !== fresh) p.el.dataset.state = fresh;
      if (p.el.textContent !== panelText) p.el.textContent = panelText;
    }
  }

  setFigure(name, text, unit, lvl) {
    const f = this.figures[name];
    if (!f) return;
    if (f.value.textContent !== text) f.value.textContent = text;
    if (unit !== undefined && f.unit.textContent !== unit) f.unit.textContent = unit;
    if (f.root.dataset.level !== lvl) f.root.dataset.level = lvl;
  }

  /** Show the newest sample's figures and top table (called from a frame). */
  render() {
    const s = this.latest;
    if (!s) return;
    this.latest = null;
    const v = s.v;
    this.setFigure("cpu", fixed(v.cpu, 0), undefined, level(v.cpu, 75, 90));
    this.setFigure("mem", fixed(v.mem, 0), undefined, level(v.mem, 80, 92));
    this.setFigure("load", fixed(v.load1, v.load1 !== null && v.load1 >= 10 ? 1 : 2), undefined,
      v.load1 === null ? "none" : "ok");
    this.setFigure("disk", fixed(v.diskPct, 0), undefined, level(v.diskPct, 80, 90));
    const diskSub = this.figures.disk.sub;
    const mount = v.diskName ?? "";
    if (diskSub && diskSub.textContent !== mount) diskSub.textContent = mount;
    const [rx, rxUnit] = humanRate(v.rx);
    const [tx, txUnit] = humanRate(v.tx);
    this.setFigure("rx", rx, rxUnit, v.rx === null ? "none" : "ok");
    this.setFigure("tx", tx, txUnit, v.tx === null ? "none" : "ok");
    this.renderTop(s.top);
  }

  renderTop(top) {
    const list = Array.isArray(top) ? top.slice(0, TOP_ROWS) : [];
    const rows = list.map((p) => {
      const tr = document.createElement("tr");
      const cells = [
        [String(p && p.name != null ? p.name : "?"), ""],
        [p && p.pid != null ? String(p.pid) : "", "num"],
        [String(p && p.user != null ? p.user : ""), ""],
        [fixed(typeof p?.cpu_percent === "number" ? p.cpu_percent : null, 1), "num"],
        [fixed(typeof p?.mem_percent === "number" ? p.mem_percent : null, 1), "num"],
      ];
      for (const [text, cls] of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      return tr;
    });
    this.topBody.replaceChildren(...rows);
  }
}
