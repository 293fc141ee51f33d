// Every page's alerts: an AlertCenter on the page's socket, configured from <body data-*>.

import { AlertCenter } from "./alerts.js";

export function startAlerts(socket, { hostUrl = "/hosts/__name__/" } = {}) {
  const center = new AlertCenter({
    socket,
    hostUrl,
    canRespond: document.body.dataset.canRespond === "true",
  });
  window.monitorAlerts = {
    center,
    active: () => center.active(),
    toasts: () => center.toastIds(),
    soundLog: () => [...center.sound.log],
    // Tests: the repeat interval's end, without waiting for it.
    repeatSound: () => center.sound.repeatNow(),
    loudest: () => center.loudest(),
    synced: () => center.synced,
    lastError: () => center.lastError,
  };
  return center;
}
