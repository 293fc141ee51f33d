// Which devices a group of the host page's "Every device" section draws: a glob filter on the
// device names, a default that hides virtual network interfaces, and a cap on lines (the busiest
// first). Pure: no DOM, no Plotly, so tests can call it on any list of names.

/** Lines one chart draws at most: a host with 500 interfaces must not make 500 Plotly traces. */
export const LINES_MAX = 20;

// Interfaces that container hosts and hypervisors make by the dozen (one veth per container,
// a bridge per network, a vnet/tap per VM); ifb is the kernel's traffic-shaping pseudo device.
export const VIRTUAL_PATTERNS = Object.freeze([
  "lo", "veth*", "docker*", "br-*", "virbr*", "vnet*", "tap*", "cali*", "flannel*", "cni*",
  "vxlan*", "ifb*",
]);

function globRegExp(glob) {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

const VIRTUAL = VIRTUAL_PATTERNS.map(globRegExp);

/**
 * A filter text as a test on names: words are globs (`*`, `?`, case-insensitive), separated by
 * spaces or commas; a name passes if it matches any plain word (or there is none) and no `!word`.
 */
export function compileFilter(text) {
  const include = [];
  const exclude = [];
  for (const word of String(text || "").split(/[\s,]+/)) {
    if (!word || word === "!") continue;
    if (word.startsWith("!")) exclude.push(globRegExp(word.slice(1)));
    else include.push(globRegExp(word));
  }
  return (name) =>
    (include.length === 0 || include.some((re) => re.test(name)))
    && !exclude.some((re) => re.test(name));
}

/** True for the names VIRTUAL_PATTERNS hides by default. */
export function isVirtual(name) {
  return VIRTUAL.some((re) => re.test(name));
}

/** "eth2" before "eth10". */
export function naturalOrder(a, b) {
  return a.localeCompare(b, "en", { numeric: true });
}

/**
 * Split device names into those drawn and counts of the rest.
 * options: filter (text for compileFilter), hideVirtual, cap (lines at most), score (name ->
 * number, higher is busier; who stays when the cap cuts).
 * Returns {shown: names in natural order, virtual, filtered, capped}: virtual are hidden by the
 * default, filtered by the filter text, capped passed both but are beyond the cap.
 */
export function selectDevices(names, options = {}) {
  const { filter = "", hideVirtual = false, cap = LINES_MAX, score = () => 0 } = options;
  const passes = compileFilter(filter);
  const passed = [];
  let virtual = 0;
  let filtered = 0;
  for (const name of names) {
    if (hideVirtual && isVirtual(name)) virtual += 1;
    else if (!passes(name)) filtered += 1;
    else passed.push(name);
  }
  let shown = passed;
  if (passed.length > cap) {
    const scores = new Map(passed.map((name) => [name, busyness(score(name))]));
    shown = [...passed]
      .sort((a, b) => scores.get(b) - scores.get(a) || naturalOrder(a, b))
      .slice(0, Math.max(0, cap));
  }
  return {
    shown: [...shown].sort(naturalOrder),
    virtual,
    filtered,
    capped: passed.length - shown.length,
  };
}

function busyness(v) {
  return Number.isFinite(v) ? v : -Infinity;
}
