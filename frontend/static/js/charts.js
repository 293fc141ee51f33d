// Plotly charts for one host: definitions, creation, batched extension, reset, and the
// history view's whole-window redraw.
//
// Every chart's FIRST trace is its headline series (tests read
// div.data[0].x.length). After a chart's own traces come, always, one for the headline's
// min-max band (history only) and one of alert markers (annotations.js): see slots().
// Live (the last few minutes) charts are only extended with Plotly.extendTraces(...,
// maxPoints), their x axis fixed; a history window is redrawn whole with Plotly.react
// (drawWindow), its x axis zoomable by dragging.

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
      { name: "CPU", key: "cpu", metric: "cpu.percent", color: "#4fc3f7", width: 2.5, fill: "tozeroy", hover: "%{y:.1f}%" },
    ],
  },
  mem: {
    yaxis: PCT_AXIS,
    traces: [
      { name: "mem", key: "mem", metric: "mem.percent", color: "#81c784", width: 2.5, fill: "tozeroy", hover: "%{y:.1f}%" },
      { name: "swap", key: "swap", metric: "swap.percent", color: "#ffb74d", width: 2, hover: "%{y:.1f}%" },
    ],
  },
  load: {
    yaxis: { rangemode: "tozero", tickformat: ".2~f" },
    traces: [
      { name: "1m", key: "load1", metric: "load.1m", color: "#4fc3f7", width: 2.5, hover: "%{y:.2f}" },
      { name: "5m", key: "load5", metric: "load.5m", color: "#ce93d8", width: 1.75, hover: "%{y:.2f}" },
      { name: "15m", key: "load15", metric: "load.15m", color: "#90a4ae", width: 1.5, hover: "%{y:.2f}" },
    ],
  },
  disk: {
    yaxis: BYTES_AXIS,
    traces: [
      { name: "read", key: "diskRead", metric: "disk.io.read_bytes_per_s", color: "#4dd0e1", width: 2.5, hover: BYTES_HOVER },
      { name: "write", key: "diskWrite", metric: "disk.io.write_bytes_per_s", color: "#ff8a65", width: 2, hover: BYTES_HOVER },
    ],
  },
  net: {
    yaxis: BYTES_AXIS,
    traces: [
      { name: "rx", key: "rx", metric: "net.rx_bytes_per_s", color: "#aed581", width: 2.5, hover: BYTES_HOVER },
      { name: "tx", key: "tx", metric: "net.tx_bytes_per_s", color: "#f48fb1", width: 2, hover: BYTES_HOVER },
    ],
  },
};

export const CHART_NAMES = Object.keys(CHARTS);

/** Indices of a chart's extra traces: the headline's band and the alert markers. */
export function slots(name) {
  const n = CHARTS[name].traces.length;
  return { band: n, marks: n + 1 };
}

function emptyTraces(def) {
  const own = def.traces.map((t) => ({
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
  const head = def.traces[0];
  // one closed polygon per run of buckets (tonexty would fill across the gaps)
  const band = {
    type: "scatter", mode: "lines", x: [], y: [], hoverinfo: "skip", showlegend: false,
    line: { width: 0, color: head.color }, fill: "toself", fillcolor: `${head.color}2e`,
  };
  const marks = {
    type: "scatter", mode: "markers", name: "alerts", x: [], y: [], yaxis: "y2",
    hovertext: [], hovertemplate: "%{hovertext}<extra></extra>", showlegend: false,
    marker: { symbol: "triangle-down", size: 11, color: [], line: { width: 0 } },
  };
  return [...own, band, marks];
}

// a time label ("12:01:30" at 15 px is about 67 px wide) per 100 px of plot width, so that
// neighbours never touch; fewer ticks on narrow charts
function xTicks(div) {
  const w = (div && div.clientWidth) || 600;
  return Math.max(2, Math.min(8, Math.floor((w - 88) / 100)));
}

function layout(def, div, view = null) {
  const xaxis = view
    ? { fixedrange: false, autorange: false, range: view.range }
    : { fixedrange: true };
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#111",
    font: FONT,
    margin: { l: 78, r: 10, t: 12, b: 28 },
    showlegend: false, // the legend is drawn in the tile caption (legendItems)
    hovermode: "x unified",
    hoverlabel: { bgcolor: "#1b1f24", font: { size: 14 } },
    dragmode: view ? "zoom" : false,
    shapes: view ? view.shapes : [],
    xaxis: {
      type: "date", gridcolor: GRID, linecolor: GRID, zeroline: false,
      nticks: xTicks(div), tickangle: 0, showspikes: false, ...xaxis,
      tickformatstops: [
        // sub-second ticks only while a chart holds its first few seconds
        { dtickrange: [null, 999], value: "%H:%M:%S.%L" },
        { dtickrange: [999, 59999], value: "%H:%M:%S" },
        { dtickrange: [59999, 86399999], value: "%H:%M" },
        // history windows of days and months (host-history.js)
        { dtickrange: [86399999, "M1"], value: "%b %-d" },
        { dtickrange: ["M1", null], value: "%b %Y" },
      ],
    },
    yaxis: {
      gridcolor: GRID, linecolor: GRID, zeroline: false, fixedrange: true,
      automargin: false, nticks: 5, ...def.yaxis,
    },
    // the alert markers' own axis: 0..1 over the plot, so they sit along its top edge
    yaxis2: { overlaying: "y", range: [0, 1], fixedrange: true, visible: false },
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

// A history window: drag to zoom the x axis, double-click back (both end in plotly_relayout).
const HISTORY_CONFIG = { ...CONFIG, doubleClick: "reset" };

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

/**
 * Redraw a chart whole as a history window. view: {range: [from, to] (plotlyTime strings),
 * series: {key: {x, y}} per trace, band: {x, lo, hi} of the headline, shapes, marks}.
 */
export function drawWindow(div, name, view) {
  const def = CHARTS[name];
  const traces = emptyTraces(def);
  def.traces.forEach((t, i) => {
    const s = view.series[t.key];
    if (s) Object.assign(traces[i], { x: s.x, y: s.y });
  });
  const at = slots(name);
  if (view.band) Object.assign(traces[at.band], bandPolygons(view.band));
  markTrace(traces[at.marks], view.marks);
  return Plotly.react(div, traces, layout(def, div, view), HISTORY_CONFIG);
}

/** A live chart's alert shapes and markers, without touching its data. */
export function annotateLive(div, name, shapes, marks) {
  if (!div || !div.data) return;
  const m = markTrace({ marker: {} }, marks);
  Plotly.update(
    div,
    { x: [m.x], y: [m.y], hovertext: [m.hovertext], "marker.color": [m.marker.color] },
    { shapes },
    [slots(name).marks],
  );
}

/** {x, y} of closed min-max polygons, one per run of points without a null. */
function bandPolygons({ x, lo, hi }) {
  const px = [];
  const py = [];
  let run = [];
  const close = () => {
    if (run.length > 1) {
      if (px.length) {
        px.push(null);
        py.push(null);
      }
      for (const i of run) {
        px.push(x[i]);
        py.push(lo[i]);
      }
      for (const i of run.reverse()) {
        px.push(x[i]);
        py.push(hi[i]);
      }
    }
    run = [];
  };
  for (let i = 0; i < x.length; i++) {
    if (lo[i] === null || hi[i] === null) close();
    else run.push(i);
  }
  close();
  return { x: px, y: py };
}

function markTrace(trace, marks) {
  const list = marks || [];
  trace.x = list.map((m) => m.x);
  trace.y = list.map(() => 0.97);
  trace.hovertext = list.map((m) => m.text);
  trace.marker = { ...trace.marker, color: list.map((m) => m.color) };
  return trace;
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
