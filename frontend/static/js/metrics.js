// A sample's figures as the pages show them (no DOM, no Plotly). The headline figures (fullest
// disk, network sums) are computed once, by the agent: the summary view's metrics are them, and
// a full sample carries them as `summary`.

import { num } from "./format.js";

export { num };

/** The agent's headline figures of a sample, either view. */
export function headline(sample) {
  const own = sample && typeof sample === "object" ? sample : {};
  const head = own.summary && typeof own.summary === "object" ? own.summary : own;
  const m = head.metrics && typeof head.metrics === "object" ? head.metrics : {};
  return {
    cpu: num(m["cpu.percent"]),
    mem: num(m["mem.percent"]),
    load: num(m["load.1m"]),
    disk: num(m["disk.fullest_used_percent"]),
    mount: typeof head.fullest_mount === "string" ? head.fullest_mount : null,
    rx: num(m["net.rx_bytes_per_s"]),
    tx: num(m["net.tx_bytes_per_s"]),
  };
}

/**
 * A full sample's values for the host page's figures and charts. Missing metrics become null.
 */
export function derive(sample) {
  const m = sample && typeof sample.metrics === "object" && sample.metrics ? sample.metrics : {};
  const head = headline(sample);
  return {
    cpu: num(m["cpu.percent"]),
    mem: num(m["mem.percent"]),
    swap: num(m["swap.percent"]),
    load1: num(m["load.1m"]),
    load5: num(m["load.5m"]),
    load15: num(m["load.15m"]),
    diskRead: num(m["disk.io.read_bytes_per_s"]),
    diskWrite: num(m["disk.io.write_bytes_per_s"]),
    rx: head.rx,
    tx: head.tx,
    diskPct: head.disk,
    diskName: head.mount,
  };
}
