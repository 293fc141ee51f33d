// LiveSocket: a WebSocket that keeps itself connected.
//
// - builds ws:// or wss:// from the page location and a path,
// - reconnects forever with full-jitter exponential backoff (reset after a
//   connection that stayed open for `stableMs`): each attempt waits a uniform
//   random time up to 0.5 s x 2^attempt (at most 15 s), so a wall of screens
//   that lost the server together comes back spread over a window that widens
//   while the server stays away (docs/reliability.md, reconnect storms),
// - shows its state in a status element (data-state + text),
// - waits for the server's "hello", then sends what `onHello(hello)` returns
//   (the subscribe message), so the caller decides how to resume,
// - tracks the server clock offset (hello.server_time, refined by ping/pong),
// - calls itself "stalled" when nothing at all (no frame, not even the server's idle tick) came
//   for STALLED_AFTER_INTERVALS intervals (hello.interval), live again at the next frame, and
//   replaces a socket stalled that long again (closed, then reconnected with the backoff): a
//   frozen server or a half-open connection shows within seconds, not when Daphne gives up,
// - when an attempt fails before the hello (never opened, or refused right
//   after accept), checks whether the page itself now redirects (session
//   expired) and reloads so the user lands on login; close 4401 (signed out,
//   deactivated, password changed) reloads at once.
//
// Events (EventTarget): "message" (detail = parsed frame, every frame),
// "statechange" (detail = {state}), "close" (detail = {code, reason, opened}).
// States: connecting, live, stalled, reconnecting, offline.

import { CLOSE, ERROR, HELLO, PING, PONG, STALLED_AFTER_INTERVALS, SUBSCRIBED, TICK } from "./protocol.js";

// Frames LiveSocket itself handles; a page routes the others with routeFrame.
const SOCKET_FRAMES = new Set([SUBSCRIBED, HELLO, PONG, ERROR, TICK]);
// The code this client gives a connection it drops itself (stalled for too long).
const WATCHDOG_CLOSE = 4000;
const WATCH_EVERY_MS = 250;
// Below this a stall is more likely a busy browser than a silent server (intervals can be 0.2 s).
const MIN_STALL_MS = 1000;
const SERVER_CLOSE_CODES = new Set(Object.values(CLOSE));

/**
 * Call the page's handler for this frame's type. Returns true when one ran; warns about a type
 * that neither the page nor LiveSocket knows.
 */
export function routeFrame(msg, handlers, page) {
  const handler = handlers[msg.type];
  if (handler) {
    handler(msg);
    return true;
  }
  if (!SOCKET_FRAMES.has(msg.type)) console.warn(`${page}: ignoring frame of type`, msg.type);
  return false;
}

const STATE_TEXT = {
  connecting: "connecting…",
  live: "live",
  offline: "offline",
};

export class LiveSocket extends EventTarget {
  constructor({
    path,
    statusEl = null,
    onHello = null,
    baseMs = 500,
    factor = 2,
    capMs = 15000,
    stableMs = 5000,
    pingMs = 30000,
    interval = 1,
  } = {}) {
    super();
    this.path = path || "/ws/live/";
    this.statusEl = statusEl;
    this.onHello = onHello;
    this.baseMs = baseMs;
    this.factor = factor;
    this.capMs = capMs;
    this.stableMs = stableMs;
    this.pingMs = pingMs;
    this.interval = interval; // seconds; the hello's interval replaces it

    this.ws = null;
    this.hello = null;
    this.state = "connecting";
    this.attempt = 0; // consecutive failed attempts, drives the backoff
    this.connects = 0; // successful hellos so far (for debugging/tests)
    this.lastClose = null;
    this.offset = 0; // server clock minus browser clock, seconds
    this.stopped = true;

    this._retryAt = 0;
    this._retryTimer = null;
    this._countdownTimer = null;
    this._pingTimer = null;
    this._pingSentAt = 0;
    this._lastRx = 0;
    this._watchTimer = null;
    this.stateLog = []; // the last few states, oldest first (for tests and debugging)
    this._checkingSession = false;

    window.addEventListener("online", () => {
      if (!this.stopped && this._retryTimer) this._connectNow();
    });
    window.addEventListener("offline", () => {
      if (!this.stopped && this.state === "reconnecting") this._setState("offline");
    });
  }

  get url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const path = this.path.startsWith("/") ? this.path : `/${this.path}`;
    return `${scheme}//${location.host}${path}`;
  }

  /** How long (ms) a connection may stay silent before it counts as stalled. */
  get stallMs() {
    return Math.max(MIN_STALL_MS, STALLED_AFTER_INTERVALS * this.interval * 1000);
  }

  /** Seconds since the last frame of the current connection (0 without one). */
  quietSeconds() {
    return this.ws && this._lastRx ? (performance.now() - this._lastRx) / 1000 : 0;
  }

  /** Server "now" in unix seconds, estimated from the browser clock. */
  serverNow() {
    return Date.now() / 1000 + this.offset;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this._connect();
  }

  stop() {
    this.stopped = true;
    this._clearRetry();
    this._stopPing();
    this._stopWatch();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      this._detach(ws);
      try { ws.close(1000, "client stop"); } catch { /* already closed */ }
    }
    this._setState("offline");
  }

  /** Send a JSON frame; returns false when not connected. */
  send(obj) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }

  // ---- internals -------------------------------------------------------

  _connect() {
    this._clearRetry();
    this.hello = null;
    this._setState("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      console.warn("LiveSocket: cannot create WebSocket", err);
      this._scheduleRetry(1006);
      return;
    }
    this.ws = ws;
    const info = { opened: false, openedAt: 0, hello: false };
    ws.onopen = () => {
      info.opened = true;
      info.openedAt = performance.now();
      this._lastRx = info.openedAt;
    };
    ws.onmessage = (ev) => this._onMessage(ws, ev);
    ws.onerror = () => { /* a close event always follows */ };
    ws.onclose = (ev) => this._onClose(ws, info, ev.code, ev.reason);
    ws._liveInfo = info;
  }

  _connectNow() {
    this._clearRetry();
    this._connect();
  }

  _onMessage(ws, ev) {
    if (ws !== this.ws) return;
    this._lastRx = performance.now();
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      console.warn("LiveSocket: dropped a frame that is not JSON");
      return;
    }
    if (!msg || typeof msg !== "object") return;
    if (this.state === "stalled") this._setState("live");
    switch (msg.type) {
      case HELLO:
        if (ws._liveInfo) ws._liveInfo.hello = true;
        this._onHello(msg);
        break;
      case PONG:
        this._onPong(msg);
        break;
      case ERROR:
        console.warn(`LiveSocket: server error ${msg.code}: ${msg.message}`);
        break;
      default:
        break;
    }
    this.dispatchEvent(new CustomEvent("message", { detail: msg }));
  }

  _onHello(msg) {
    this.hello = msg;
    if (typeof msg.server_time === "number") {
      this.offset = msg.server_time - Date.now() / 1000;
    }
    if (Number.isFinite(msg.interval) && msg.interval > 0) this.interval = msg.interval;
    this.connects += 1;
    this._setState("live");
    if (this.onHello) {
      const reply = this.onHello(msg);
      if (reply) this.send(reply);
    }
    this._startPing();
    this._startWatch();
    this._ping(); // refine the clock offset with a round trip right away
  }

  _onPong(msg) {
    if (typeof msg.server_time !== "number" || !this._pingSentAt) return;
    const now = performance.now();
    const rtt = (now - this._pingSentAt) / 1000;
    this._pingSentAt = 0;
    if (rtt < 0 || rtt > 10) return;
    // server_time was read roughly half a round trip ago
    this.offset = msg.server_time + rtt / 2 - Date.now() / 1000;
  }

  _ping() {
    if (this.send({ type: PING })) this._pingSentAt = performance.now();
  }

  _startPing() {
    this._stopPing();
    this._pingTimer = setInterval(() => this._ping(), this.pingMs);
  }

  // The server sends something at least once an interval (its tick when idle), so silence
  // means a frozen server or a connection that died without a close.
  _startWatch() {
    this._stopWatch();
    this._watchTimer = setInterval(() => this._watch(), WATCH_EVERY_MS);
  }

  _stopWatch() {
    if (this._watchTimer) clearInterval(this._watchTimer);
    this._watchTimer = null;
  }

  _watch() {
    const ws = this.ws;
    if (!ws || !this.hello) return;
    const quietMs = performance.now() - this._lastRx;
    if (quietMs >= 2 * this.stallMs) {
      console.warn(`LiveSocket: nothing heard for ${Math.round(quietMs / 1000)} s, replacing the connection`);
      this._drop(ws, WATCHDOG_CLOSE, "stalled");
    } else if (quietMs >= this.stallMs) {
      this._setState("stalled");
    }
  }

  _stopPing() {
    if (this._pingTimer) clearInterval(this._pingTimer);
    this._pingTimer = null;
  }

  _detach(ws) {
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
  }

  _drop(ws, code, reason) {
    const info = ws._liveInfo || { opened: true, openedAt: 0 };
    this._detach(ws);
    try { ws.close(); } catch { /* ignore */ }
    this._onClose(ws, info, code, reason);
  }

  _onClose(ws, info, code, reason) {
    if (ws !== this.ws) return;
    this._detach(ws);
    this.ws = null;
    this.hello = null;
    this._stopPing();
    this._stopWatch();
    this.lastClose = { code, reason, opened: info.opened };
    this.dispatchEvent(new CustomEvent("close", { detail: this.lastClose }));
    if (this.stopped) return;
    if (code === CLOSE.SIGNED_OUT) {
      // the session or the account ended: the page itself now leads to login
      this.stop();
      location.reload();
      return;
    }
    if (code === CLOSE.TOO_BIG || code === CLOSE.FLOODING) {
      console.warn(`LiveSocket: server closed with ${code} ${reason || ""}`.trim());
    }
    if (info.opened && performance.now() - info.openedAt >= this.stableMs) {
      this.attempt = 0;
    }
    // never opened, or closed before the hello without the server saying why:
    // maybe the session expired and the page now redirects to login. A close
    // code of the server's own (busy, unavailable, too slow...) is its answer;
    // fetching the page as well would only add to its load.
    if (!info.hello && !SERVER_CLOSE_CODES.has(code)) this._checkSession();
    this._scheduleRetry(code);
  }

  _scheduleRetry(code) {
    const ceiling = Math.min(this.capMs, this.baseMs * this.factor ** this.attempt);
    let delay = Math.random() * ceiling; // full jitter
    if (code === CLOSE.FLOODING) delay = Math.max(delay, 5000); // server said: too fast
    this.attempt += 1;
    this._retryAt = performance.now() + delay;
    this._retryTimer = setTimeout(() => this._connectNow(), delay);
    this._setState(navigator.onLine === false ? "offline" : "reconnecting");
    this._countdownTimer = setInterval(() => this._renderStatus(), 250);
  }

  _clearRetry() {
    if (this._retryTimer) clearTimeout(this._retryTimer);
    if (this._countdownTimer) clearInterval(this._countdownTimer);
    this._retryTimer = null;
    this._countdownTimer = null;
  }

  async _checkSession() {
    if (this._checkingSession) return;
    this._checkingSession = true;
    try {
      const res = await fetch(location.href, {
        redirect: "manual",
        cache: "no-store",
        credentials: "same-origin",
      });
      if (res.type === "opaqueredirect") {
        // the page now redirects (to login): let the browser follow it
        this.stop();
        location.reload();
      }
    } catch {
      // server unreachable: just keep retrying
    } finally {
      this._checkingSession = false;
    }
  }

  _setState(state) {
    const changed = state !== this.state;
    this.state = state;
    if (changed) {
      this.stateLog.push(state);
      if (this.stateLog.length > 20) this.stateLog.shift();
    }
    this._renderStatus();
    if (changed) this.dispatchEvent(new CustomEvent("statechange", { detail: { state } }));
  }

  _renderStatus() {
    const el = this.statusEl;
    if (!el) return;
    let text = STATE_TEXT[this.state] || this.state;
    if (this.state === "reconnecting") {
      const left = Math.max(1, Math.ceil((this._retryAt - performance.now()) / 1000));
      text = `reconnecting in ${left} s`;
    } else if (this.state === "stalled") {
      text = `STALLED · nothing for ${Math.floor(this.quietSeconds())} s`;
    }
    if (el.dataset.state !== this.state) el.dataset.state = this.state;
    if (el.textContent !== text) el.textContent = text;
  }
}
