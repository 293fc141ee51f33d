// The live stream's protocol, the browser's copy of dashboards/stream/protocol.py (a test holds
// the two, and docs/protocol.md, to the same names and numbers).

export const PROTOCOL_VERSION = 1;

// Server -> client frame types.
export const HELLO = "hello";
export const SUBSCRIBED = "subscribed";
export const SAMPLES = "samples";
export const HOST = "host";
export const HOSTS = "hosts";
export const PONG = "pong";
export const ERROR = "error";
export const ALERTS = "alerts";
export const ALERT = "alert";
export const TICK = "tick"; // keepalive of an idle socket
export const COMMAND = "command"; // an admin's command to a registered screen
export const DASHBOARD = "dashboard"; // a saved dashboard or playlist changed
// Client -> server frame types.
export const SUBSCRIBE = "subscribe";
export const UNSUBSCRIBE = "unsubscribe";
export const PING = "ping";
export const ACK = "ack";
export const UNACK = "unack";
export const SCREEN = "screen"; // a screen's report of itself (the screens registry)

// What a "command" tells a registered screen to do.
export const COMMANDS = { RELOAD: "reload", IDENTIFY: "identify", SHOW: "show" };
// A registered screen reports itself after every hello and this often (seconds).
export const SCREEN_EVERY_S = 10;

// Nothing heard (no frame of any kind) for this many intervals: the socket is stalled.
export const STALLED_AFTER_INTERVALS = 2;

export const VIEWS = ["full", "summary"];

// Error codes of "error" frames (the socket stays open).
export const ERRORS = {
  BAD_JSON: "bad_json",
  BAD_MESSAGE: "bad_message",
  UNKNOWN_TYPE: "unknown_type",
  BAD_FIELD: "bad_field",
  TOO_MANY_HOSTS: "too_many_hosts",
  UNSUPPORTED_FRAME: "unsupported_frame",
  UNAVAILABLE: "unavailable",
  SIGNED_OUT: "signed_out",
  FORBIDDEN: "forbidden",
  UNKNOWN_ALERT: "unknown_alert",
  ALERT_RESOLVED: "alert_resolved",
  ALREADY_ACKED: "already_acked",
  NOT_ACKED: "not_acked",
};

// Close codes the server sends.
export const CLOSE = {
  TOO_SLOW: 4008,
  SIGNED_OUT: 4401,
  TOO_BIG: 4413,
  FLOODING: 4429,
  UNAVAILABLE: 4503,
};
