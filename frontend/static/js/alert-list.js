import { sourceBadge } from "./alerts.js";
import { durationText, el } from "./format.js";

// A touch screen acknowledges in one tap (the alert's own page takes a comment); a mouse is
// asked for an optional comment first.
function askComment() {
  if (window.matchMedia("(pointer: coarse)").matches) return "";
  return window.prompt("Comment (optional)") || "";
}

// The page's alert list (overview's side panel, the host page, /alerts/): rows worst first,
// with ack/un-ack for those who may respond.
export function renderAlertList(container, center, alerts, { emptyText = "No active alerts." } = {}) {
  if (!container) return;
  container.replaceChildren();
  if (!alerts.length) {
    container.append(el("p", "alert-empty", emptyText));
    return;
  }
  for (const a of alerts) {
    const row = el("div", "alert-row");
    row.dataset.id = a.id;
    row.dataset.state = a.state;
    row.dataset.severity = a.severity || "";
    row.dataset.acked = a.ack ? "true" : "false";
    const title = el("a", "alert-title", a.summary);
    title.href = `/alerts/${a.id}/`;
    const meta = el("span", "alert-meta",
      `${a.state}${a.silenced ? " · silenced" : ""} · ${a.host || "no host"} · ${a.rule} · since ${durationText(center.socket.serverNow() - a.started_at)}`);
    row.append(el("span", "alert-sev", (a.severity || "").toUpperCase()), title, meta);
    const source = sourceBadge(a);
    if (source) row.append(source);
    if (a.ack) row.append(el("span", "alert-ack", `✓ ${a.ack.by}${a.ack.comment ? `: ${a.ack.comment}` : ""}`));
    if (center.canRespond) {
      const b = el("button", a.ack ? "alert-unack" : "alert-ack-button", a.ack ? "Un-acknowledge" : "Acknowledge");
      b.type = "button";
      b.addEventListener("click", () => (a.ack ? center.unack(a.id) : center.ack(a.id, askComment())));
      row.append(b);
    }
    container.append(row);
  }
}
