// Times on a Plotly date axis. Plotly reads a Date, and its range text, as local wall-clock
// time; these turn unix seconds into that text and any of its values back into unix seconds.

/** Unix seconds as Plotly reads a date axis: local wall-clock text, as it reads a Date. */
export function plotlyTime(unixS) {
  const d = new Date(unixS * 1000);
  const p = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} `
    + `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A date axis value from Plotly (text, Date or number) as unix seconds, or null. */
export function fromPlotly(value) {
  if (value instanceof Date) return value.getTime() / 1000;
  if (typeof value === "number") {
    // Plotly's own milliseconds count local wall-clock time as if it were UTC
    return Number.isFinite(value) ? value / 1000 + new Date(value).getTimezoneOffset() * 60 : null;
  }
  if (typeof value !== "string") return null;
  const m = value.match(/^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?$/);
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", sec = "0", frac = "0"] = m;
  const ms = Number(`0.${frac}`) * 1000;
  return new Date(+y, +mo - 1, +d, +h, +mi, +sec, ms).getTime() / 1000;
}
