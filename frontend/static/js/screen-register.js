// A page's side of the screens registry (/screens/, docs/walls.md#the-screens-registry): it
// reports itself on its socket after every hello and every SCREEN_EVERY_S, and obeys the
// admin's commands: reload, identify (its name across the screen for 10 s), show another page.
//
// Kiosks always register (the server knows them by their token); a person's page only when its
// URL has ?screen=NAME, as this browser's screen: an id made here once and kept in localStorage.
//
//   registerScreen(socket, { describe, kiosk }) -> {report, identify} or null (not registering)
// `describe()` returns {shows, latency_s, data_age_s} (dashboard.js).

import { COMMAND, COMMANDS, HELLO, SCREEN, SCREEN_EVERY_S } from "./protocol.js";

const ID_KEY = "monitor.screen-id";
const IDENTIFY_MS = 10000;
const MAX_NAME = 100;
const MAX_USER_AGENT = 512;

/** This browser's screen id, made once (crypto.getRandomValues works without HTTPS too). */
function browserId() {
  try {
    const kept = localStorage.getItem(ID_KEY);
    if (kept && /^[A-Za-z0-9_-]{8,64}$/.test(kept)) return kept;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const made = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(ID_KEY, made);
    return made;
  } catch {
    return null; // storage refused (a locked-down profile): the page does not register
  }
}

function finiteOrNull(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function positiveInt(v) {
  return Math.max(1, Math.round(v) || 1);
}

/** The overlay's style, loaded once beside this module (no inline styles, nothing to click). */
function loadStyle() {
  const href = new URL("../css/screens.css", import.meta.url).href;
  if (document.querySelector(`link[href="${CSS.escape(href)}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
}

/** A same-origin `url` with this page's ?screen and ?kiosk kept, or null for any other. */
function sameSiteTarget(url) {
  let target;
  try {
    target = new URL(url, location.href);
  } catch {
    return null;
  }
  if (target.origin !== location.origin) return null;
  const here = new URLSearchParams(location.search);
  for (const keep of ["screen", "kiosk"]) {
    if (here.has(keep) && !target.searchParams.has(keep)) target.searchParams.set(keep, here.get(keep));
  }
  return target.href;
}

export function registerScreen(socket, { describe, kiosk = false } = {}) {
  const name = new URLSearchParams(location.search).get("screen")?.trim().slice(0, MAX_NAME) || "";
  const id = kiosk ? null : name && browserId();
  if (!kiosk && !id) return null;
  loadStyle();

  function report() {
    const seen = describe();
    const message = {
      type: SCREEN,
      shows: String(seen.shows ?? "").slice(0, 200),
      latency_s: finiteOrNull(seen.latency_s),
      data_age_s: finiteOrNull(seen.data_age_s),
      width: positiveInt(window.screen.width),
      height: positiveInt(window.screen.height),
      dpr: finiteOrNull(window.devicePixelRatio) || 1,
      browser: navigator.userAgent.slice(0, MAX_USER_AGENT),
    };
    if (!kiosk) Object.assign(message, { key: id, name });
    return socket.send(message);
  }

  let overlay = null;
  let hideTimer = null;
  function identify(shownName) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "screen-identify";
      overlay.className = "identify-overlay";
      overlay.setAttribute("role", "alert");
      document.body.append(overlay);
    }
    overlay.textContent = shownName || name || "this screen";
    overlay.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => {
      overlay.hidden = true;
    }, IDENTIFY_MS);
  }

  function obey(msg) {
    if (msg.command === COMMANDS.RELOAD) {
      location.reload();
    } else if (msg.command === COMMANDS.IDENTIFY) {
      identify(typeof msg.name === "string" ? msg.name : "");
    } else if (msg.command === COMMANDS.SHOW && !kiosk && typeof msg.url === "string") {
      const target = sameSiteTarget(msg.url);
      if (target) location.assign(target);
    } else {
      console.warn("screen: ignoring command", msg.command);
    }
  }

  socket.addEventListener("message", (ev) => {
    const msg = ev.detail;
    if (msg.type === HELLO) report(); // after the page's subscribe: data first
    else if (msg.type === COMMAND) obey(msg);
  });
  // The heartbeat the registry reads as "online"; nothing is sent while disconnected.
  setInterval(report, SCREEN_EVERY_S * 1000);
  if (socket.state === "live") report();
  return { report, identify };
}
