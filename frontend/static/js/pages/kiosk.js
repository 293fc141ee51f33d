// A kiosk screen of a dashboard that needs no samples (no hosts panel): its socket follows the
// alerts only, so that the screen shows pop-ups and learns at once when its token is revoked
// (close 4401: the page reloads onto "this screen was revoked").

import { LiveSocket } from "../live-socket.js";
import { startAlerts } from "../page-alerts.js";

const root = document.getElementById("dashboard");
const socket = new LiveSocket({
  path: root.dataset.wsPath || "/ws/live/",
  onHello: () => null, // nothing to subscribe to: the alert snapshot follows hello by itself
});
startAlerts(socket);
socket.start();
window.monitor = { socket, state: () => socket.state };
