// What each group of the host page's "Every device" section reads out of a sample, how it ranks
// its devices when the line cap cuts, what its legend says and which charts it draws. Data, as
// charts.js's CHARTS are: a new device kind is one more entry (with its <details> in host.html).

import { LINES_MAX } from "./device-filter.js";
import {
  DEVICES_MAX, readCores, readFilesystems, readInterfaces,
} from "./device-store.js";
import { humanBytes, humanRate } from "./format.js";

const PCT_AXIS = { range: [0, 100], ticksuffix: "%", dtick: 25 };
const RATE_AXIS = { tickformat: ".2~s", ticksuffix: "B/s", rangemode: "tozero" };
const RATE_HOVER = "%{y:.3~s}B/s";

function pct(v) {
  return v === null ? "–" : `${v.toFixed(1)}%`;
}

function rate(v) {
  return humanRate(v).join(" ");
}

export const GROUPS = {
  cores: {
    read: readCores,
    series: ["pct"],
    cap: DEVICES_MAX, // no cap: above heatmapAbove cores, one heatmap row per core
    score: (rings, name) => rings.mean(name, ["pct"]),
    legend: (rings, name) => pct(rings.latest(name, "pct")),
    charts: { cores: { series: "pct", yaxis: PCT_AXIS, hover: "%{y:.1f}%", heatmapAbove: 16 } },
  },
  filesystems: {
    read: readFilesystems,
    series: ["pct", "used", "total"],
    cap: LINES_MAX,
    score: (rings, name) => rings.latest(name, "pct"),
    legend: (rings, name) => {
      const size = `${humanBytes(rings.latest(name, "used"))} of ${humanBytes(rings.latest(name, "total"))}`;
      return `${pct(rings.latest(name, "pct"))} · ${size}`;
    },
    charts: {
      filesystems: {
        series: "pct",
        yaxis: PCT_AXIS,
        hover: "%{y:.1f}% · %{customdata}",
        customdata: (rings, name, from) => {
          const used = rings.valuesFrom(name, "used", from);
          const total = rings.valuesFrom(name, "total", from);
          return used.map((u, i) => `${humanBytes(u)} of ${humanBytes(total[i])}`);
        },
      },
    },
  },
  interfaces: {
    read: readInterfaces,
    series: ["rx", "tx", "errors"],
    cap: LINES_MAX,
    hidesVirtual: true,
    score: (rings, name) => rings.mean(name, ["rx", "tx"]),
    legend: (rings, name) => {
      const errors = rings.latest(name, "errors");
      const text = `↓${rate(rings.latest(name, "rx"))} ↑${rate(rings.latest(name, "tx"))}`;
      return errors ? `${text} ⚠${errors.toFixed(1)}/s` : text;
    },
    charts: {
      rx: { series: "rx", yaxis: RATE_AXIS, hover: RATE_HOVER },
      tx: { series: "tx", yaxis: RATE_AXIS, hover: RATE_HOVER },
      // only interfaces with errors or drops in the window; the figure hides when there are none
      errors: {
        series: "errors",
        yaxis: { rangemode: "tozero", tickformat: ".2~f" },
        hover: "%{y:.2f}/s",
        nonZeroOnly: true,
      },
    },
  },
};
