// Plotly figures of the host page's device groups: one line per device, or a heatmap (a row per
// device) when there are too many for lines; redrawn whole only when the devices drawn change,
// otherwise extended. Dark theme as charts.js; these charts have their own resize watcher, as
// charts.js's is private to its own charts.

const Plotly = window.Plotly;

const FONT = { family: "system-ui, 'DejaVu Sans', sans-serif", color: "#e8edf2", size: 14 };
const GRID = "#2a3038";
// Twenty colours that stay apart on the dark plot background, one per drawn line.
const PALETTE = [
  "#4fc3f7", "#ffb74d", "#81c784", "#f48fb1", "#ce93d8", "#fff176", "#4dd0e1", "#ff8a65",
  "#aed581", "#90caf9", "#e57373", "#80cbc4", "#dce775", "#b39ddb", "#ffcc80", "#a1887f",
  "#64b5f6", "#f06292", "#9ccc65", "#bdbdbd",
];
const HEATMAP_SCALE = [
  [0, "#10161d"], [0.25, "#1f4e79"], [0.5, "#2e8b57"], [0.75, "#e0a030"], [1, "#ff5c5c"],
];

const CONFIG = {
  displayModeBar: false, responsive: true, scrollZoom: false, doubleClick: false, showTips: false,
};

export function colorOf(index) {
  return PALETTE[index % PALETTE.length];
}

// roughly one time label per 70 px of plot width, so a phone's narrow chart is not a smear
function xTicks(div) {
  return Math.max(2, Math.min(8, Math.floor(((div.clientWidth || 600) - 72) / 70)));
}

const resizer = typeof ResizeObserver === "function"
  ? new ResizeObserver((entries) => {
    requestAnimationFrame(() => {
      for (const { target: div } of entries) {
        if (!div.isConnected || !div.data) continue;
        Plotly.Plots.resize(div);
        const n = xTicks(div);
        if (div.layout.xaxis && div.layout.xaxis.nticks !== n) {
          Plotly.relayout(div, { "xaxis.nticks": n });
        }
      }
    });
  })
  : null;

function dates(times) {
  return times.map((t) => new Date(t * 1000));
}

function layout(chart, div, heat, lines) {
  const yaxis = heat
    ? { type: "category", automargin: true, autorange: "reversed", ticks: "", nticks: 16 }
    : { automargin: false, nticks: 5, ...chart.yaxis };
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#111",
    font: FONT,
    margin: { l: heat ? 56 : 74, r: 10, t: 14, b: 28 },
    showlegend: false, // the group's legend is HTML below its charts
    hovermode: !heat && lines <= 8 ? "x unified" : "closest",
    hoverlabel: { bgcolor: "#1b1f24", font: { size: 13 } },
    dragmode: false,
    xaxis: {
      type: "date", gridcolor: GRID, linecolor: GRID, zeroline: false, fixedrange: true,
      tickangle: 0,
      nticks: xTicks(div),
      tickformatstops: [ // times only: no date line under the axis
        { dtickrange: [null, 59999], value: "%H:%M:%S" },
        { dtickrange: [59999, null], value: "%H:%M" },
      ],
    },
    yaxis: { gridcolor: GRID, linecolor: GRID, zeroline: false, fixedrange: true, ...yaxis },
  };
}

function lineTrace(chart, rings, name, index, from) {
  const trace = {
    type: "scatter",
    mode: "lines",
    name,
    x: dates(rings.timesFrom(from)),
    y: rings.valuesFrom(name, chart.series, from),
    connectgaps: false,
    line: { color: colorOf(index), width: 1.75 },
    hovertemplate: `%{fullData.name} ${chart.hover}<extra></extra>`,
  };
  if (chart.customdata) trace.customdata = chart.customdata(rings, name, from);
  return trace;
}

function heatmapTrace(chart, rings, names) {
  return {
    type: "heatmap",
    x: dates(rings.timesFrom(0)),
    y: names,
    z: names.map((name) => rings.valuesFrom(name, chart.series, 0)),
    zmin: 0,
    zmax: 100,
    colorscale: HEATMAP_SCALE,
    xgap: 0,
    ygap: 1,
    hovertemplate: `%{y} ${chart.hover.replace("%{y", "%{z")}<extra></extra>`,
    colorbar: { thickness: 10, outlinewidth: 0, ticksuffix: "%", len: 1, x: 1, xpad: 4 },
  };
}

/**
 * Draw `names` of `rings` into a chart ({div, series, hover, yaxis, customdata?, heatmapAbove?}):
 * extend it with the points pushed since its last draw when it shows the same devices, else
 * redraw it whole. Returns the number of devices drawn.
 */
export function drawDevices(chart, rings, names, force = false) {
  const div = chart.div;
  const heat = Boolean(chart.heatmapAbove) && names.length > chart.heatmapAbove;
  const signature = `${heat ? "heat" : "lines"}\n${names.join("\n")}`;
  const from = chart.drawnTotal ?? 0;
  const whole = force || heat || !div.data || signature !== chart.signature
    || rings.total - from > rings.cap || rings.total < from;
  if (whole) {
    if (heat) div.style.height = `${Math.min(640, 40 + 12 * names.length)}px`;
    else div.style.removeProperty("height");
    const traces = heat
      ? [heatmapTrace(chart, rings, names)]
      : names.map((name, i) => lineTrace(chart, rings, name, i, 0));
    Plotly.react(div, traces, layout(chart, div, heat, names.length), CONFIG);
    if (resizer) resizer.observe(div);
  } else if (rings.total > from && names.length) {
    const update = { x: [], y: [] };
    if (chart.customdata) update.customdata = [];
    for (const name of names) {
      update.x.push(dates(rings.timesFrom(from)));
      update.y.push(rings.valuesFrom(name, chart.series, from));
      if (chart.customdata) update.customdata.push(chart.customdata(rings, name, from));
    }
    Plotly.extendTraces(div, update, names.map((_, i) => i), rings.cap);
  }
  chart.signature = signature;
  chart.drawnTotal = rings.total;
  chart.mode = heat ? "heatmap" : "lines";
  return names.length;
}

/** Release a device chart's Plotly state; the next draw starts over. */
export function purgeDevices(chart) {
  if (resizer) resizer.unobserve(chart.div);
  if (chart.div.data) Plotly.purge(chart.div);
  chart.div.style.removeProperty("height");
  chart.signature = null;
  chart.drawnTotal = 0;
  chart.mode = null;
}

/** Devices a chart draws now: line traces, or heatmap rows (0 when not drawn). */
export function drawnCount(chart) {
  const data = chart.div.data;
  if (!data || !data.length) return 0;
  return data[0].type === "heatmap" ? data[0].y.length : data.length;
}
