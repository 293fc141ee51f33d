// AlertSound: a screen's alarm. A tone per severity made in the page (Web Audio, no files),
// played at once when something becomes loud and every REPEAT_MS while it stays loud; a mute per
// browser with an end; the "enable sound" button while the browser's autoplay rule holds the
// sound back (docs/alerts.md says how a kiosk browser is started so that no click is needed).

const REPEAT_MS = 10000;
const MUTE_KEY = "monitor.muteUntil";
const RANK = { critical: 2, warning: 1 };
// Tones: [frequency Hz, start s, length s] per severity; critical is a two-tone siren.
const TONES = {
  critical: [[880, 0, 0.18], [660, 0.22, 0.18], [880, 0.44, 0.18], [660, 0.66, 0.18]],
  warning: [[520, 0, 0.25], [520, 0.4, 0.25]],
};

export class AlertSound {
  constructor({ enableSound = null, mute = null, notify = null } = {}) {
    this.els = { enableSound, mute, notify };
    this.audio = null;
    this.severity = null; // what should sound now (the loudest alert's severity), or null
    this.log = []; // [{at, severity, audible}] tones played (for tests and debugging)
    this._nextToneAt = 0;
    this._lastSeverity = null;
    this._wire();
    this._renderControls();
  }

  /** The loudest alert's severity (or null): call on every change and every second. */
  update(severity) {
    this.severity = severity;
    this._play();
  }

  /** As if REPEAT_MS had passed: plays again now if something is still loud. */
  repeatNow() {
    if (this._nextToneAt) this._nextToneAt = 1;
    this._play();
  }

  mutedUntil() {
    const until = Number(localStorage.getItem(MUTE_KEY) || 0);
    return until > Date.now() ? until : 0;
  }

  mute(minutes) {
    if (minutes > 0) localStorage.setItem(MUTE_KEY, String(Date.now() + minutes * 60000));
    else localStorage.removeItem(MUTE_KEY);
    this._renderControls();
    this._play();
  }

  blocked() {
    return Boolean(this.audio && this.audio.state === "suspended");
  }

  _audio() {
    if (this.audio) return this.audio;
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    this.audio = new Ctx();
    return this.audio;
  }

  _play() {
    const severity = this.mutedUntil() ? null : this.severity;
    if (!severity) {
      this._nextToneAt = 0;
      this._lastSeverity = null;
      this._renderControls();
      return;
    }
    const now = Date.now();
    const escalated = RANK[severity] > (RANK[this._lastSeverity] || 0);
    if (!escalated && this._nextToneAt && now < this._nextToneAt) return;
    this._lastSeverity = severity;
    this._nextToneAt = now + REPEAT_MS;
    const ctx = this._audio();
    if (!ctx) return;
    if (ctx.state === "suspended") {
      // Held back by the autoplay rule (no click yet, no kiosk flag): ask again, and schedule
      // nothing, since a suspended context never plays its tones and so never lets them go (a
      // wall left so for a day would keep 8,640 of them).
      ctx.resume().catch(() => {});
      this.log.push({ at: now, severity, audible: false });
      if (this.log.length > 50) this.log.shift();
      this._renderControls();
      return;
    }
    const t0 = ctx.currentTime + 0.02;
    for (const [freq, start, len] of TONES[severity] || TONES.warning) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = severity === "critical" ? "square" : "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + start);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + start + len);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + start);
      osc.stop(t0 + start + len + 0.05);
    }
    this.log.push({ at: now, severity, audible: true });
    if (this.log.length > 50) this.log.shift();
    this._renderControls();
  }

  _renderControls() {
    const { enableSound, mute, notify } = this.els;
    if (enableSound) enableSound.hidden = !this.blocked();
    if (mute) {
      const until = this.mutedUntil();
      mute.dataset.muted = until ? "true" : "false";
      const label = mute.querySelector(".mute-label");
      const time = until && new Date(until).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      if (label) label.textContent = until ? `muted until ${time}` : "sound on";
    }
    if (notify) notify.hidden = !("Notification" in window) || Notification.permission !== "default";
  }

  _wire() {
    const { enableSound, mute, notify } = this.els;
    enableSound?.addEventListener("click", () => {
      this._audio()?.resume().then(() => {
        this._nextToneAt = 0;
        this._play();
        this._renderControls();
      });
    });
    mute?.addEventListener("click", (ev) => {
      const b = ev.target.closest("[data-minutes]");
      if (b) this.mute(Number(b.dataset.minutes));
    });
    notify?.addEventListener("click", () => {
      Notification.requestPermission().then(() => this._renderControls());
    });
  }
}
