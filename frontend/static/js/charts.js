// Plotly charts for one host: definitions, creation, batched extension, reset.
//
// Every chart's FIRST trace is its headline series (tests read
// div.data[0].x.length). Charts are only ever extended with
// Plotly.extendTraces(..., maxPoints); newPlot runs once per chart
// (and again only when the server epoch changes and history is cleared).

const Plotly = window.Plotly;

const FONT = { family: "system-ui, 'DejaVu Sans', sans-serif", color: "#e8edf2", size: 15 };
const GRID = "#2a3038";

const BYTES_AXIS = { tickformat: ".2~s", ticksuffix: "B/s", rangemode: "tozero" };
const BYTES_HOVER = "%{y:.3~s}B/s";
const PCT_AXIS = { range: [0, 100], fixedrange: true, ticksuffix: "%", dtick: 25 };

// chart name -> traces (first = headline) and y axis
export const CHARTS = {
  cpu: {
    yaxis: PCT_AXIS,
    traces: [
      { name: "CPU", key: "cpu", color: "#4fc3f7", width: 2.5, fill: "tozeroy", hover: "%{y:.1f}%" },
    ],
  },
  mem: {
    yaxis: PCT_AXIS,
    traces: [
      { name: "mem", key: "mem", color: "#81c784", width: 2.5, fill: "tozeroy", hover: "%{y:.1f}%" },
      { name: "swap", key: "swap", color: "#ffb74d", width: 2, hover: "%{y:.1f}%" },
    ],
  },
  load: {
    yaxis: { rangemode: "tozero", tickformat: ".2~f" },
    traces: [
      { name: "1m", key: "load1", color: "#4fc3f7", width: 2.5, hover: "%{y:.2f}" },
      { name: "5m", key: "load5", color: "#ce93d8", width: 1.75, hover: "%{y:.2f}" },
      { name: "15m", key: "load15", color: "#90a4ae", width: 1.5, hover: "%{y:.2f}" },
    ],
  },
  disk: {
    yaxis: BYTES_AXIS,
    traces: [
      { name: "read", key: "diskRead", color: "#4dd0e1", width: 2.5, hover: BYTES_HOVER },
      { name: "write", key: "diskWrite", color: "#ff8a65", width: 2, hover: BYTES_HOVER },
    ],
  },
  net: {
    yaxis: BYTES_AXIS,
    traces: [
      { name: "rx", key: "rx", color: "#aed581", width: 2.5, hover: BYTES_HOVER },
      { name: "tx", key: "tx", color: "#f48fb1", width: 2, hover: BYTES_HOVER },
    ],
  },
};

export const CHART_NAMES = Object.keys(CHARTS);

function emptyTraces(def) {
  return def.traces.map((t) => ({
    type: "scatter",
    mode: "lines",
    name: t.name,
    x: [],
    y: [],
    connectgaps: false,
    line: { color: t.color, width: t.width, shape: "linear" },
    fill: t.fill || "none",
    fillcolor: t.fill ? `${t.color}22` : undefined,
    hovertemplate: `${t.name} ${t.hover}<extra></extra>`,
  }));
}

// roughly one time label per 60 px of plot width; fewer ticks on narrow charts
function xTicks(div) {
  const w = (div && div.clientWidth) || 600;
  return Math.max(2, Math.min(8, Math.floor((w - 72) / 60)));
}

function layout(def, div) {
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#111",
    font: FONT,
    margin: { l: 78, r: 10, t: 12, b: 28 },
    showlegend: false, // the legend is drawn in the tile caption (legendItems)
    hovermode: "x unified",
    hoverlabel: { bgcolor: "#1b1f24", font: { size: 14 } },
    xaxis: {
      type: "date", gridcolor: GRID, linecolor: GRID, zeroline: false,
      nticks: xTicks(div), tickangle: 0, fixedrange: true, showspikes: false,
      tickformatstops: [
        // sub-second ticks only while a chart holds its first few seconds
        { dtickrange: [null, 999], value: "%H:%M:%S.%L" },
        { dtickrange: [999, 59999], value: "%H:%M:%S" },
        { dtickrange: [59999, null], value: "%H:%M" },
      ],
    },
    yaxis: {
      gridcolor: GRID, linecolor: GRID, zeroline: false, fixedrange: true,
      automargin: false, nticks: 5, ...def.yaxis,
    },
  };
}

/** [{name, color}] of a chart's traces, for an HTML legend. */
export function legendItems(name) {
  return CHARTS[name].traces.map((t) => ({ name: t.name, color: t.color }));
}

const CONFIG = {
  displayModeBar: false,
  responsive: true,
  scrollZoom: false,
  doubleClick: false,
  showTips: false,
  staticPlot: false,
};

// Plotly's `responsive` only follows window resizes; cards also change width
// when hosts are added, so watch the chart boxes and resize once per frame.
const resizeQueue = new Set();
const observed = new WeakSet();
let resizeFrame = 0;
const resizer = typeof ResizeObserver === "function"
  ? new ResizeObserver((entries) => {
    for (const e of entries) resizeQueue.add(e.target);
    if (!resizeFrame) {
      resizeFrame = requestAnimationFrame(() => {
        resizeFrame = 0;
        for (const div of resizeQueue) {
          if (!div.isConnected || !div.data) continue;
          Plotly.Plots.resize(div);
          const n = xTicks(div);
          if (div.layout && div.layout.xaxis && div.layout.xaxis.nticks !== n) {
            Plotly.relayout(div, { "xaxis.nticks": n });
          }
        }
        resizeQueue.clear();
      });
    }
  })
  : null;

/** Draw an empty chart into div (used at creation and after an epoch reset). */
export function plotEmpty(div, name) {
  const def = CHARTS[name];
  const done = Plotly.react(div, emptyTraces(def), layout(def, div), CONFIG);
  if (resizer && !observed.has(div)) {
    observed.add(div);
    resizer.observe(div);
  }
  return done;
}

/** Release a chart's Plotly state and listeners (before its div leaves the page). */
export function purgeChart(div) {
  if (!div) return;
  if (resizer && observed.has(div)) {
    resizer.unobserve(div);
    observed.delete(div);
  }
  resizeQueue.delete(div);
  if (div.data) Plotly.purge(div);
}

/**
 * Append points to every chart of one host, one extendTraces call per chart.
 * points: [{x: Date, v: derive() result or null (null = gap marker)}].
 */
export function extendHost(divs, points, maxPoints) {
  if (!points.length) return;
  const xs = points.map((p) => p.x);
  for (const name of CHART_NAMES) {
    const div = divs[name];
    if (!div || !div.data) continue;
    const traces = CHARTS[name].traces;
    const x = [];
    const y = [];
    const idx = [];
    for (let i = 0; i < traces.length; i++) {
      const key = traces[i].key;
      x.push(i === 0 ? xs : xs.slice());
      y.push(points.map((p) => (p.v ? p.v[key] : null)));
      idx.push(i);
    }
    Plotly.extendTraces(div, { x, y }, idx, maxPoints);
  }
}

/** Number of points of the headline trace (0 when the chart is absent). */
export function pointCount(div) {
  const x = div && div.data && div.data[0] && div.data[0].x;
  return x ? x.length : 0;
}
