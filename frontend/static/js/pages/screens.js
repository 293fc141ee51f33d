// /screens/: the screens registry, live. The table is the server's listing (screens/registry.py),
// polled every 2 s (every 10 s while the tab is hidden). A row is built once and then only its
// text changes, so a poll never resets a switch being chosen; the buttons post to the server,
// which tells the screen through its socket.

import { ageText, durationText, el, localTime, readJsonScript } from "../format.js";
import { latencyText } from "../latency.js";

const POLL_MS = 2000;
const HIDDEN_POLL_MS = 10000;
const STATE_TEXT = {
  online: "online",
  offline: "offline",
  never: "never connected",
  revoked: "token revoked",
  expired: "token expired",
};

const root = document.getElementById("screens-page");
const ds = root.dataset;
const tbody = document.getElementById("screens-rows");
const emptyNote = document.getElementById("screens-empty");
const note = document.getElementById("screens-message");
const updated = document.getElementById("screens-updated");
const choices = readJsonScript("screens-choices", { dashboards: [], playlists: [] });
const csrfToken = document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
const rows = new Map(); // row key -> {tr, parts, screen}

function rowKey(screen) {
  return screen.id !== null ? `screen-${screen.id}` : `kiosk-${screen.kiosk_id}`;
}

/** The action's URL for this screen: the template's placeholder screen is 0. */
function actionUrl(template, id) {
  return template.replace("/0/", `/${id}/`);
}

function seconds(value) {
  return typeof value === "number" && Number.isFinite(value) ? latencyText(value) : "–";
}

function say(state, text) {
  note.dataset.state = state;
  note.textContent = text;
}

function switchForm(row) {
  const form = el("form", "screen-switch");
  const select = el("select");
  select.name = "target";
  select.setAttribute("aria-label", "dashboard or playlist to show");
  const groups = [
    ["Dashboards", choices.dashboards.map((b) => [`dashboard:${b.slug}`, `${b.title} (${b.slug})`])],
    ["Playlists", choices.playlists.map((pl) => [`playlist:${pl.name}`, pl.name])],
  ];
  for (const [label, options] of groups) {
    if (!options.length) continue;
    const group = el("optgroup");
    group.label = label;
    for (const [value, text] of options) {
      const option = el("option", null, text);
      option.value = value;
      group.append(option);
    }
    select.append(group);
  }
  const submit = el("button", "screen-switch-go", "Switch");
  submit.type = "submit";
  form.append(select, submit);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const [field, value] = select.value.split(/:(.*)/s);
    const label = select.selectedOptions[0]?.textContent || value;
    const body = new URLSearchParams({ [field]: value });
    act(row, ds.showUrl, body, (answer) => {
      const name = row.screen.name;
      if (!answer.saved) return `${name} goes to ${label}.`;
      return answer.sent ? `${name} now shows ${label}: it reloads.` : `${name} will show ${label} when it is back online.`;
    });
  });
  return { form, select, submit };
}

function buildRow(screen) {
  const tr = el("tr", "screen-row");
  const parts = {};
  for (const name of ["name", "kind", "shows", "state", "connected", "heartbeat", "latency", "age", "browser", "resolution", "actions"]) {
    parts[name] = el("td", `screen-${name}`);
    tr.append(parts[name]);
  }
  parts.title = el("b", "screen-title");
  parts.user = el("span", "screen-user");
  parts.name.append(parts.title, parts.user);
  parts.showsText = el("span", "screen-shows-text");
  parts.assigned = el("span", "screen-assigned");
  parts.shows.append(parts.showsText, parts.assigned);
  parts.badge = el("span", "screen-state-badge");
  parts.state.append(parts.badge);
  const row = { tr, parts, screen };
  if (screen.id === null) {
    parts.actions.append(el("span", "screen-waiting", "waits for its first connection"));
    return row;
  }
  parts.reload = el("button", "reload-screen", "Reload");
  parts.identify = el("button", "identify-screen", "Identify");
  for (const button of [parts.reload, parts.identify]) button.type = "button";
  parts.reload.addEventListener("click", () => act(row, ds.reloadUrl, null, () => `Reload sent to ${row.screen.name}.`));
  parts.identify.addEventListener("click", () =>
    act(row, ds.identifyUrl, null, () => `${row.screen.name} shows its name for 10 s.`),
  );
  parts.switch = switchForm(row);
  parts.actions.append(parts.reload, parts.identify, parts.switch.form);
  return row;
}

function update(row, screen, now) {
  row.screen = screen;
  const { tr, parts } = row;
  tr.dataset.screenName = screen.name;
  tr.dataset.kind = screen.kind;
  tr.dataset.state = screen.state;
  if (screen.id !== null) tr.dataset.screenId = String(screen.id);
  parts.title.textContent = screen.name;
  parts.user.textContent = screen.user ? ` (${screen.user})` : "";
  parts.kind.textContent = screen.kind;
  parts.showsText.textContent = screen.shows || "–";
  // What its token is set to: after a switch of an offline kiosk, not what it shows yet.
  parts.assigned.textContent = screen.assigned ? `set: ${screen.assigned}` : "";
  parts.badge.dataset.state = screen.state;
  parts.badge.textContent = STATE_TEXT[screen.state] || screen.state;
  if (screen.connected_at === null) {
    parts.connected.textContent = "–";
  } else if (screen.online) {
    parts.connected.textContent = `since ${localTime(screen.connected_at)} (${durationText(now - screen.connected_at)})`;
  } else {
    const left = screen.disconnected_at ?? screen.last_heartbeat_at;
    parts.connected.textContent = `${localTime(screen.connected_at)} to ${localTime(left)}`;
  }
  parts.heartbeat.textContent = screen.heartbeat_age_s === null ? "–" : ageText(screen.heartbeat_age_s);
  parts.latency.textContent = seconds(screen.latency_s);
  parts.age.textContent = seconds(screen.data_age_s);
  parts.browser.textContent = screen.browser || "–";
  parts.resolution.textContent = screen.resolution || "–";
  if (screen.id === null) return;
  const usable = screen.state === "online" || screen.state === "offline";
  parts.reload.disabled = parts.identify.disabled = !screen.online;
  // An offline kiosk's switch is saved and shown when it is back; a page needs to be there.
  const canSwitch = screen.online || (usable && screen.kind === "kiosk");
  parts.switch.select.disabled = parts.switch.submit.disabled = !canSwitch || !parts.switch.select.options.length;
}

function render(listing) {
  const seen = new Set();
  let previous = null;
  for (const screen of listing.screens) {
    const key = rowKey(screen);
    let row = rows.get(key);
    if (!row) {
      row = buildRow(screen);
      rows.set(key, row);
    }
    update(row, screen, listing.now);
    const wanted = previous ? previous.tr.nextSibling : tbody.firstChild;
    if (row.tr !== wanted) tbody.insertBefore(row.tr, wanted);
    previous = row;
    seen.add(key);
  }
  for (const [key, row] of rows) {
    if (seen.has(key)) continue;
    row.tr.remove();
    rows.delete(key);
  }
  emptyNote.hidden = listing.screens.length > 0;
  updated.dataset.state = "fresh";
  updated.textContent = `updated ${new Date(listing.now * 1000).toLocaleTimeString()}`;
}

async function act(row, template, body, success) {
  const name = row.screen.name;
  say("pending", `${name}: sending…`);
  let response;
  let answer = null;
  try {
    response = await fetch(actionUrl(template, row.screen.id), {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
      body,
      credentials: "same-origin",
    });
    answer = await response.json();
  } catch {
    say("error", `${name}: the server did not answer; try again.`);
    return;
  }
  if (!response.ok) {
    say("error", answer?.error?.message || `${name}: refused (HTTP ${response.status}).`);
  } else {
    say("ok", success(answer));
  }
  poll();
}

let timer = null;
let polling = false;

async function poll() {
  if (polling) return;
  polling = true;
  clearTimeout(timer);
  try {
    const response = await fetch(ds.jsonUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.redirected) {
      location.reload(); // signed out: the page leads to the login page
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
  } catch {
    updated.dataset.state = "stale";
    updated.textContent = "could not refresh: retrying";
  } finally {
    polling = false;
    timer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  }
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) poll();
});
render(readJsonScript("screens-initial", { now: Date.now() / 1000, screens: [] }));
timer = setTimeout(poll, POLL_MS);

window.monitor = { poll, rows: () => [...rows.values()].map((row) => row.screen) };
