// What the page shows over time: one dashboard, or a playlist's dashboards in turn, each for
// its seconds, in the same page and on the same socket (the socket follows what all of them
// need from the start, so turning sends nothing). With `pause_on_critical` the playlist stays on
// a dashboard while that dashboard has a firing critical alert, and turns again once it has none.

import { BoardView } from "./board.js";

export class Program extends EventTarget {
  /** program: {playlist, pause_on_critical, boards: [{slug, title, layout, seconds}]} */
  constructor(program, ctx, container) {
    super();
    this.program = program;
    this.ctx = ctx;
    this.container = container;
    this.index = 0;
    this.view = null;
    this.shownAt = 0;
    this.turns = 0;
    this.paused = false;
    this.show(0);
  }

  get boards() {
    return this.program.boards;
  }

  get current() {
    return this.boards[this.index];
  }

  show(index) {
    if (this.view) this.view.destroy();
    this.index = ((index % this.boards.length) + this.boards.length) % this.boards.length;
    this.view = new BoardView(this.current, this.ctx, this.container);
    this.shownAt = performance.now();
    // a timer of its own: the page's once-a-second tick would turn up to a second late
    clearTimeout(this.turnTimer);
    const seconds = this.current.seconds;
    if (this.boards.length > 1 && seconds > 0) this.turnTimer = setTimeout(() => this.tick(), seconds * 1000);
    this.dispatchEvent(new CustomEvent("shown", { detail: { board: this.current, index: this.index } }));
  }

  /** Firing critical alerts of the dashboard on screen. */
  holding() {
    return this.ctx.alerts.active().filter(
      (a) => a.state === "firing" && a.severity === "critical" && this.view.claims(a),
    );
  }

  /** When its time is up (and once a second after, while held): turn, unless held. */
  tick() {
    if (this.boards.length < 2) return;
    const seconds = this.current.seconds;
    const due = seconds > 0 && performance.now() - this.shownAt >= seconds * 1000 - 5;
    const paused = this.program.pause_on_critical && this.holding().length > 0;
    if (paused !== this.paused) {
      this.paused = paused;
      this.dispatchEvent(new CustomEvent("paused", { detail: { paused } }));
    }
    if (due && !paused) {
      this.turns += 1;
      this.show(this.index + 1);
    }
  }

  next(step = 1) {
    this.turns += 1;
    this.show(this.index + step);
  }
}
