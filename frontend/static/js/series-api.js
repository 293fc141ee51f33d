// The host page's reads of the REST API (docs/api.md) with the page's session: a GET needs no
// CSRF token. URLs come from data-* attributes (the template reverses them).

/** A refused or failed request: status (0 when the network failed), the API's code, message. */
export class ApiError extends Error {
  constructor(status, code, message, fields = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

async function getJson(url, signal) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "the server did not answer");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null; // a proxy's HTML error page
  }
  if (!response.ok) {
    const e = body && body.error ? body.error : {};
    throw new ApiError(response.status, e.code || "http", e.message || `HTTP ${response.status}`, e.fields);
  }
  return body;
}

/**
 * One metric of the host over [start, end) (unix s): {host, metric, step, tier, points}.
 * step null lets the server pick (at most 1,000 points). Throws ApiError.
 */
export function fetchSeries(seriesUrl, metric, start, end, step = null, signal = undefined) {
  const q = new URLSearchParams({ metric, start: start.toFixed(3), end: end.toFixed(3) });
  if (step !== null) q.set("step", String(step));
  return getJson(`${seriesUrl}?${q}`, signal);
}

/** The host's alerts that were on at some time since `since` (unix s): a list of records. */
export async function fetchAlerts(alertsUrl, host, since, signal = undefined) {
  const q = new URLSearchParams({ host, state: "all", active_since: String(Math.max(0, Math.floor(since))), limit: "1000" });
  const body = await getJson(`${alertsUrl}?${q}`, signal);
  return Array.isArray(body && body.alerts) ? body.alerts : [];
}
