// Flattening a sample's metrics into the figures the pages show (no DOM, no Plotly).

import { num } from "./format.js";

export { num };

const NET_RE = /^net\.(.+)\.(rx|tx)_bytes_per_s$/;
const DISK_PCT_RE = /^(?:disk|fs)\.(?!io\.)(.+)\.(?:used_)?percent$/;

/**
 * Flatten one sample's metrics into the values the page shows.
 * Missing metrics become null; the net sums are null when no interface
 * reported that direction.
 */
export function derive(metrics) {
  const m = metrics && typeof metrics === "object" ? metrics : {};
  let rx = null;
  let tx = null;
  let diskPct = null;
  let diskName = null;
  for (const key in m) {
    if (key.charCodeAt(0) === 110 /* n */) {
      const hit = NET_RE.exec(key);
      const v = hit && num(m[key]);
      if (v === null || !hit) continue;
      if (hit[2] === "rx") rx = (rx ?? 0) + v;
      else tx = (tx ?? 0) + v;
    } else if (key.charCodeAt(0) === 100 /* d */ || key.charCodeAt(0) === 102 /* f */) {
      const hit = DISK_PCT_RE.exec(key);
      const v = hit && num(m[key]);
      if (v === null || !hit) continue;
      if (diskPct === null || v > diskPct) {
        diskPct = v;
        diskName = hit[1];
      }
    }
  }
  return {
    cpu: num(m["cpu.percent"]),
    mem: num(m["mem.percent"]),
    swap: num(m["swap.percent"]),
    load1: num(m["load.1m"]),
    load5: num(m["load.5m"]),
    load15: num(m["load.15m"]),
    diskRead: num(m["disk.io.read_bytes_per_s"]),
    diskWrite: num(m["disk.io.write_bytes_per_s"]),
    rx,
    tx,
    diskPct,
    diskName,
  };
}
