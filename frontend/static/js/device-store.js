// Devices of a full sample and a fixed number of recent points per device, so a device group
// opened late shows its whole window at once. Pure: no DOM, no Plotly.
//
// Devices are found from the metric names (docs/metrics.md): `cpu.core.{n}.percent`,
// `disk.{mount}.{used_percent,used_bytes,total_bytes}` and `net.{iface}.<rate>`. The name part
// before the last dot is the device, so mounts and VLANs with dots in them (eth0.100) survive.

/** Devices a group remembers at most; later newcomers are counted but not kept. */
export const DEVICES_MAX = 1024;

const NET_SERIES = {
  rx_bytes_per_s: "rx",
  tx_bytes_per_s: "tx",
  rx_errors_per_s: "errors",
  tx_errors_per_s: "errors",
  rx_drops_per_s: "errors",
  tx_drops_per_s: "errors",
};
const DISK_SERIES = { used_percent: "pct", used_bytes: "used", total_bytes: "total" };
const CORE = /^cpu\.core\.(\d+)\.percent$/;

function splitDevice(key, prefix, series) {
  if (!key.startsWith(prefix)) return null;
  const dot = key.lastIndexOf(".");
  const name = key.slice(prefix.length, dot);
  const part = series[key.slice(dot + 1)];
  return name && part ? [name, part] : null;
}

function finite(v) {
  return typeof v === "number" && Number.isFinite(v);
}

function collect(metrics, prefix, series) {
  const devices = new Map();
  for (const [key, v] of Object.entries(metrics)) {
    if (!finite(v)) continue;
    const found = splitDevice(key, prefix, series);
    if (!found) continue;
    const [name, part] = found;
    const values = devices.get(name) || {};
    values[part] = (values[part] || 0) + v; // errors and drops of both directions add up
    devices.set(name, values);
  }
  return devices;
}

/** Map core name ("cpu0") -> {pct} of a sample's metrics. */
export function readCores(metrics) {
  const devices = new Map();
  for (const [key, v] of Object.entries(metrics)) {
    const m = finite(v) && CORE.exec(key);
    if (m) devices.set(`cpu${m[1]}`, { pct: v });
  }
  return devices;
}

/** Map mount point -> {pct, used, total} of a sample's metrics. */
export function readFilesystems(metrics) {
  return collect(metrics, "disk.", DISK_SERIES);
}

/** Map interface -> {rx, tx, errors (errors and drops per second, both ways)}. */
export function readInterfaces(metrics) {
  return collect(metrics, "net.", NET_SERIES);
}

/**
 * Rings of `capacity` points: one time axis for the group, one Float64Array per device and
 * series (NaN where the device had no value). A device with no value left in the ring is dropped.
 */
export class DeviceRings {
  constructor(capacity, series) {
    this.cap = Math.max(2, Math.floor(capacity) || 2);
    this.series = series;
    this.times = new Float64Array(this.cap);
    this.devices = new Map(); // name -> {lastSeen: push index, values: {series: Float64Array}}
    this.total = 0; // points pushed since the last reset
    this.refused = 0; // newcomers not kept because DEVICES_MAX devices are
  }

  reset() {
    this.devices.clear();
    this.total = 0;
    this.refused = 0;
  }

  /** Index of the oldest point still held (push indexes count from the last reset). */
  get oldest() {
    return Math.max(0, this.total - this.cap);
  }

  get lastTs() {
    return this.total ? this.times[(this.total - 1) % this.cap] : -Infinity;
  }

  /** Add a point at `ts` (Unix s): readings, a Map name -> {series: value}, or null (a break). */
  push(ts, readings) {
    const slot = this.total % this.cap;
    this.times[slot] = ts;
    for (const [name, device] of this.devices) {
      if (device.lastSeen < this.total - this.cap + 1) this.devices.delete(name);
      else for (const key of this.series) device.values[key][slot] = NaN;
    }
    this.refused = 0;
    for (const [name, values] of readings || []) {
      let device = this.devices.get(name);
      if (!device) {
        if (this.devices.size >= DEVICES_MAX) {
          this.refused += 1;
          continue;
        }
        device = { lastSeen: 0, values: {} };
        for (const key of this.series) device.values[key] = new Float64Array(this.cap).fill(NaN);
        this.devices.set(name, device);
      }
      device.lastSeen = this.total;
      for (const key of this.series) {
        device.values[key][slot] = finite(values[key]) ? values[key] : NaN;
      }
    }
    this.total += 1;
  }

  names() {
    return [...this.devices.keys()];
  }

  /** Times (Unix s) from push index `from` on, oldest first. */
  timesFrom(from = 0) {
    const out = [];
    for (let i = Math.max(from, this.oldest); i < this.total; i++) {
      out.push(this.times[i % this.cap]);
    }
    return out;
  }

  /** One device's values of `key` from push index `from` on (null where missing). */
  valuesFrom(name, key, from = 0) {
    const device = this.devices.get(name);
    const out = [];
    for (let i = Math.max(from, this.oldest); i < this.total; i++) {
      const v = device ? device.values[key][i % this.cap] : NaN;
      out.push(Number.isNaN(v) ? null : v);
    }
    return out;
  }

  /** The newest value of `key` the device has in the ring, or null. */
  latest(name, key) {
    const device = this.devices.get(name);
    if (!device) return null;
    const v = device.values[key][device.lastSeen % this.cap];
    return Number.isNaN(v) ? null : v;
  }

  /** Mean of the sums of `keys` over the ring (missing points skipped), or NaN. */
  mean(name, keys) {
    const device = this.devices.get(name);
    if (!device) return NaN;
    let sum = 0;
    let n = 0;
    for (let i = this.oldest; i < this.total; i++) {
      let point = NaN;
      for (const key of keys) {
        const v = device.values[key][i % this.cap];
        if (!Number.isNaN(v)) point = (Number.isNaN(point) ? 0 : point) + v;
      }
      if (!Number.isNaN(point)) {
        sum += point;
        n += 1;
      }
    }
    return n ? sum / n : NaN;
  }

  /** True when any held value of `key` is above zero. */
  anyAboveZero(name, key) {
    const device = this.devices.get(name);
    return Boolean(device) && device.values[key].some((v) => v > 0);
  }
}
