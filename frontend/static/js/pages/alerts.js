// /alerts/ and /alerts/<id>/: the same socket as every page (no samples: nothing subscribed),
// the active list kept live, the detail page's facts refreshed when its alert changes.

import { renderAlertList } from "../alert-list.js";
import { LiveSocket } from "../live-socket.js";
import { startAlerts } from "../page-alerts.js";

const root = document.getElementById("alerts-page");
const socket = new LiveSocket({
  path: root.dataset.wsPath || "/ws/live/",
  statusEl: document.getElementById("connection-status"),
  onHello: () => null, // alerts only: the snapshot follows hello by itself
});
const alerts = startAlerts(socket);
const list = document.getElementById("active-alerts");
const shownId = Number(root.dataset.alertId || 0);

alerts.addEventListener("change", () => {
  if (list) renderAlertList(list, alerts, alerts.active());
});
if (shownId) {
  // The timeline is the server's: a change of this alert reloads it, unless someone is typing.
  socket.addEventListener("message", (ev) => {
    const msg = ev.detail;
    if (msg.type !== "alert" || msg.alert?.id !== shownId) return;
    if (document.activeElement?.tagName === "INPUT") return;
    window.location.reload();
  });
}
window.monitor = { socket, state: () => socket.state };
socket.start();
