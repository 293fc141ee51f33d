// Small text formatters shared by the host page and the overview.

/** Number or null (missing keys, NaN, strings -> null). */
export function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Human bytes per second: 1536 -> ["1.5", "KB/s"] (SI-like, base 1024). */
export function humanRate(v) {
  if (v === null) return ["–", ""];
  const units = ["B/s", "KB/s", "MB/s", "GB/s", "TB/s"];
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < units.length - 1) {
    x /= 1024;
    i += 1;
  }
  const digits = x >= 100 || i === 0 ? 0 : x >= 10 ? 1 : 2;
  return [(Math.sign(v) * x).toFixed(digits), units[i]];
}

/** Human byte size: 33554432000 -> "31.3 GiB". */
export function humanBytes(v) {
  if (num(v) === null) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i += 1;
  }
  return `${x.toFixed(x >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

/** "N s ago" wording that stays readable for long-dead hosts. */
/** A new element with a class and text. */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function ageText(age) {
  return `${durationText(age)} ago`;
}

/** Short duration: 42 -> "42 s", 700 -> "11 min", 90000 -> "25 h". */
export function durationText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** Compact duration for tight spaces: "42s", "11m", "25h", "3d". */
export function shortDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Local date and time of a unix timestamp: "2025-11-26 06:04". */
export function localTime(unixS) {
  if (num(unixS) === null) return "";
  const d = new Date(unixS * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * How fresh data of this age (s) is: "none" (no data yet, age null), "fresh", "late" (past
 * staleAfter) or "stale" (past deadAfter). The host's own status is the server's; this is what
 * the page itself saw.
 */
export function freshness(age, staleAfter, deadAfter) {
  if (age === null || age === undefined) return "none";
  if (age > deadAfter) return "stale";
  if (age > staleAfter) return "late";
  return "fresh";
}

/** Usage level of a percentage: "none" | "ok" | "warn" | "crit". */
export function level(v, warn = 75, crit = 90) {
  if (v === null || v === undefined) return "none";
  if (v >= crit) return "crit";
  if (v >= warn) return "warn";
  return "ok";
}

/** Host status -> badge text (shape comes from CSS ::before). */
export const STATUS_TEXT = {
  up: "UP",
  late: "LATE",
  down: "DOWN",
  unknown: "NO DATA",
  disabled: "DISABLED",
};

export function statusText(status) {
  return STATUS_TEXT[status] || STATUS_TEXT.unknown;
}

/** Known status or "unknown". */
export function normStatus(status) {
  return Object.prototype.hasOwnProperty.call(STATUS_TEXT, status) ? status : "unknown";
}

/** The JSON a template put in <script id="..." type="application/json">, or `fallback`. */
export function readJsonScript(id, fallback) {
  try {
    const value = JSON.parse(document.getElementById(id)?.textContent || "null");
    return value ?? fallback;
  } catch {
    return fallback;
  }
}
