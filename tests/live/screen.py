"""A screen that behaves as the browser's host page does (frontend/static/js/stream.js): it
reconnects with full-jitter backoff, resumes with ``since`` within one epoch, starts over when
the epoch changes, and keeps a timeline of what happened to it."""

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field

import websockets

BASE_S, FACTOR, CAP_S, STABLE_S = 0.5, 2.0, 15.0, 5.0  # as LiveSocket's defaults


@dataclass
class Event:
    at: float  # monotonic seconds
    kind: str  # "connected", "closed", "epoch", "sample", "gap"
    detail: object = None


@dataclass
class ResumingScreen:
    url: str
    origin: str
    cookie: str
    host: str
    events: list[Event] = field(default_factory=list)
    epoch: str | None = None
    last_seq: int | None = None
    samples: int = 0
    _task: asyncio.Task | None = None

    def start(self) -> "ResumingScreen":
        self._task = asyncio.ensure_future(self._run())
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def note(self, kind: str, detail: object = None) -> None:
        self.events.append(Event(time.monotonic(), kind, detail))

    def first(self, kind: str, after: float) -> Event | None:
        return next((e for e in self.events if e.kind == kind and e.at >= after), None)

    def live_after(self, after: float) -> Event | None:
        return next(
            (e for e in self.events if e.kind == "sample" and e.at >= after and e.detail["live"]),
            None,
        )

    async def _run(self) -> None:
        attempt = 0
        while True:
            opened_at = None
            try:
                async with websockets.connect(
                    self.url, origin=self.origin, additional_headers={"Cookie": self.cookie},
                    open_timeout=30, max_size=None,
                ) as ws:  # fmt: skip
                    opened_at = time.monotonic()
                    with contextlib.suppress(websockets.ConnectionClosed):
                        await self._session(ws)
                self.note("closed", ws.close_code)
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                code = getattr(getattr(exc, "rcvd", None), "code", None)
                self.note("closed", code or type(exc).__name__)
            if opened_at is not None and time.monotonic() - opened_at >= STABLE_S:
                attempt = 0
            await asyncio.sleep(random.uniform(0, min(CAP_S, BASE_S * FACTOR**attempt)))
            attempt += 1

    async def _session(self, ws) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "hello":
                self.note("connected")
                if message["epoch"] != self.epoch:
                    if self.epoch is not None:
                        self.note("epoch", message["epoch"])
                    self.epoch, self.last_seq = message["epoch"], None
                subscribe = {"type": "subscribe", "hosts": [self.host], "backfill_s": 300}
                if self.last_seq is not None:
                    subscribe["since"] = {self.host: self.last_seq}
                await ws.send(json.dumps(subscribe))
            elif message["type"] == "samples":
                for sample in message["samples"]:
                    self._take(sample, live=not message.get("backfill"))

    def _take(self, sample: dict, live: bool) -> None:
        seq = sample["seq"]
        if self.last_seq is not None and seq <= self.last_seq:
            return
        if self.last_seq is not None and seq > self.last_seq + 1:
            self.note("gap", (self.last_seq, seq))
        self.last_seq = seq
        self.samples += 1
        self.note("sample", {"seq": seq, "ts": sample["ts"], "live": live})
