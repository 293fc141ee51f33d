// A host's alerts as chart annotations (no DOM, no Plotly): each fired alert is a band from
// when it fired to when it resolved (or the window's right end while it fires), coloured by
// severity, with a line where it fired, was acknowledged and resolved, and a marker on each
// line carrying the hover text (Plotly shapes do not hover).
//
// AlertTimeline keeps the host's alerts by id, the record of highest version, from
// /api/alerts (the loaded range) and the page's socket (`alerts` snapshot, `alert` changes),
// resolved ones included: the page's AlertCenter forgets those, a chart of the past needs them.

import { localTime } from "./format.js";

export const SEVERITY_COLORS = { critical: "#ff5c5c", warning: "#ffc14d" };
const ACK_COLOR = "#6cc4ff";

function esc(text) {
  return String(text ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function clock(unixS) {
  const d = new Date(unixS * 1000);
  return `${localTime(unixS)}:${String(d.getSeconds()).padStart(2, "0")}`;
}

/** The hover text of one alert (server text escaped: Plotly renders a few HTML tags). */
export function hoverText(a, event) {
  const lines = [`<b>${esc(a.rule)}</b> · ${esc(a.severity)} · ${event}`];
  if (a.summary) lines.push(esc(a.summary));
  lines.push(`fired ${clock(a.fired_at)}`);
  if (a.ack && typeof a.ack.at === "number") {
    const note = a.ack.comment ? `: ${esc(a.ack.comment)}` : "";
    lines.push(`acked by ${esc(a.ack.by)} ${clock(a.ack.at)}${note}`);
  }
  if (typeof a.resolved_at === "number") lines.push(`resolved ${clock(a.resolved_at)}`);
  return lines.join("<br>");
}

function line(x, color, dash) {
  return {
    type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, layer: "above",
    line: { color, width: 1.5, dash },
  };
}

export class AlertTimeline {
  constructor(host) {
    this.host = host;
    this.alerts = new Map(); // id -> record
  }

  /** Keep these records (of this host), each only if newer than the one held. */
  merge(records) {
    let changed = false;
    for (const a of records || []) {
      if (!a || typeof a.id !== "number" || a.host !== this.host) continue;
      const held = this.alerts.get(a.id);
      if (held && (held.version || 0) >= (a.version || 0)) continue;
      this.alerts.set(a.id, a);
      changed = true;
    }
    return changed;
  }

  /** The alerts that fired, oldest first. */
  fired() {
    return [...this.alerts.values()]
      .filter((a) => typeof a.fired_at === "number")
      .sort((a, b) => a.fired_at - b.fired_at);
  }

  /**
   * Shapes and markers of the alerts over [start, end] (unix s), clamped to it so that they
   * never widen a chart's autorange. toX turns unix s into the chart's x values.
   * Returns {shapes, marks: [{x, t, text, color, id, event}]}.
   */
  layers(start, end, toX) {
    const shapes = [];
    const marks = [];
    const inside = (t) => t >= start && t <= end;
    for (const a of this.fired()) {
      const color = SEVERITY_COLORS[a.severity] || SEVERITY_COLORS.warning;
      const until = typeof a.resolved_at === "number" ? a.resolved_at : end;
      if (until < start || a.fired_at > end) continue;
      shapes.push({
        type: "rect", xref: "x", yref: "paper", y0: 0, y1: 1, layer: "below",
        x0: toX(Math.max(start, a.fired_at)), x1: toX(Math.min(end, until)),
        fillcolor: color, opacity: 0.12, line: { width: 0 },
      });
      const events = [["fired", a.fired_at, color, "solid"]];
      if (a.ack && typeof a.ack.at === "number") events.push(["acked", a.ack.at, ACK_COLOR, "dash"]);
      if (typeof a.resolved_at === "number") events.push(["resolved", a.resolved_at, color, "dot"]);
      for (const [event, t, c, dash] of events) {
        if (!inside(t)) continue;
        shapes.push(line(toX(t), c, dash));
        marks.push({ x: toX(t), t, text: hoverText(a, event), color: c, id: a.id, event });
      }
    }
    return { shapes, marks };
  }
}
