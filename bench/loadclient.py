"""The load client: N screens' WebSockets from one process, recording what each one receives.

    .venv/bin/python -m bench.loadclient ws://127.0.0.1:8000/ws/live/ --clients 200 \
        --hosts sim-001,sim-002 --cookie "sessionid=…" --seconds 20

Each screen connects with a signed-in session's cookie and an ``Origin`` (as a browser does),
waits for ``hello`` and subscribes exactly as the browser's pages do: overview screens follow
every host's summary, host pages follow one host's full samples. For every live sample it records
the age at receipt (receipt time minus the sample's read time ``ts``), and it counts frames,
samples, ``seq`` gaps and duplicates per (screen, host). Backfill frames are ignored.

The per-frame work is kept to one JSON parse and a few dict operations, so that the client is not
what limits a run; the runner measures the client's CPU and its event-loop lag to prove it.
"""

import argparse
import asyncio
import json
import math
import resource
import sys
import time
from array import array
from dataclasses import dataclass

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Origin
from websockets.uri import parse_uri

try:  # Several times cheaper per sample than the stdlib parser; optional (setup.cfg extra "bench").
    import orjson

    loads = orjson.loads
    JSON_LIBRARY = "orjson"
except ImportError:  # pragma: no cover - depends on the environment
    loads = json.loads
    JSON_LIBRARY = "json"

OVERVIEW = "overview"
HOST_PAGE = "host"
KINDS = (OVERVIEW, HOST_PAGE)
LAG_PROBE_S = 0.05
ABNORMAL_CLOSE = 1006


def raise_fd_limit() -> int:
    """Lift this process's open-file limit to its hard limit (children inherit it); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def overview_subscribe() -> dict:
    """What the overview page (frontend/static/js/pages/overview.js) sends, without backfill."""
    return {"type": "subscribe", "hosts": "*", "view": "summary", "backfill_s": 0}


def host_page_subscribe(host: str) -> dict:
    """What a host page (frontend/static/js/pages/host.js) sends, without backfill."""
    return {"type": "subscribe", "hosts": [host], "view": "full", "backfill_s": 0}


def plan_screens(count: int, hosts: list[str], overview_share: float) -> list[tuple[str, dict]]:
    """(kind, subscribe message) per screen: overview screens spread evenly among host pages,
    host pages spread round-robin over ``hosts``."""
    plan = []
    pages = 0
    for index in range(count):
        if math.floor((index + 1) * overview_share) > math.floor(index * overview_share):
            plan.append((OVERVIEW, overview_subscribe()))
        else:
            plan.append((HOST_PAGE, host_page_subscribe(hosts[pages % len(hosts)])))
            pages += 1
    return plan


class Screen(asyncio.Protocol):
    """One simulated browser page: a socket driven by websockets' sans-I/O ``ClientProtocol``.

    The asyncio client of websockets costs a future and a task wake-up per message (about 20 µs
    here, more than the bare server spends per frame); parsing frames straight in
    ``data_received`` costs about 3 µs, so the client stays well below the servers it measures.
    """

    def __init__(self, client: "LoadClient", kind: str, subscribe: dict) -> None:
        self.client = client
        self.kind = kind
        self.subscribe = subscribe
        self.transport: asyncio.Transport | None = None
        self.protocol: ClientProtocol | None = None
        self.hello: asyncio.Future = asyncio.get_running_loop().create_future()
        self.subscribed = asyncio.Event()
        self.last_seq: dict[str, int] = {}
        self.fragments: list[bytes] = []
        self.frames = 0  # live sample frames received in the current window
        self.samples = 0
        self.read_frames = 0  # frames / samples read (ts) in the window, whenever received
        self.read_samples = 0
        self.errors = 0  # "error" frames from the server
        self.closed: int | None = None  # close code, when the server closed or dropped the socket
        self.dropped = False  # closed by us
        self.greeted = False  # got its hello

    # --- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        client = self.client
        self.protocol = ClientProtocol(
            client.uri, origin=Origin(client.origin), max_size=None
        )  # no extensions offered: no compression, as Daphne negotiates none
        request = self.protocol.connect()
        if client.cookie:
            request.headers["Cookie"] = client.cookie
        self.protocol.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.time()
        protocol = self.protocol
        protocol.receive_data(data)
        for event in protocol.events_received():
            if type(event) is Frame:
                opcode = event.opcode
                if opcode is Opcode.TEXT:
                    if event.fin:
                        self._message(event.data, now)
                    else:
                        self.fragments = [event.data]
                elif opcode is Opcode.CONT and self.fragments:
                    self.fragments.append(event.data)
                    if event.fin:
                        self._message(b"".join(self.fragments), now)
                        self.fragments = []
            elif isinstance(event, Response) and protocol.state is not State.OPEN:
                self._fail(protocol.handshake_exc or ConnectionError("handshake failed"))
        self._flush()  # pongs to the server's pings, the closing handshake

    def eof_received(self) -> None:
        self.protocol.receive_eof()
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.dropped:
            rcvd = self.protocol.close_rcvd if self.protocol else None
            self.closed = rcvd.code if rcvd else ABNORMAL_CLOSE
        self._fail(exc or ConnectionError("connection closed"))

    # --- messages ----------------------------------------------------------------------------

    def _message(self, data: bytes, now: float) -> None:
        message = loads(data)
        kind = message.get("type")
        if kind == "samples":
            if message.get("backfill"):
                return
            self.client.take(self, message["samples"], now)
        elif kind == "hello":
            if not self.hello.done():
                self.greeted = True
                self.hello.set_result(message)
        elif kind == "subscribed":
            self.subscribed.set()
        elif kind == "error":
            self.errors += 1

    def send_json(self, message: dict) -> None:
        if self.protocol.state is State.OPEN:
            self.protocol.send_text(json.dumps(message).encode())
            self._flush()

    def drop(self) -> None:
        """Abort the socket (no closing handshake: the server may be saturated)."""
        self.dropped = True
        if self.transport is not None:
            self.transport.abort()

    def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def _fail(self, exc: BaseException) -> None:
        if not self.hello.done():
            self.hello.set_exception(exc)

    @property
    def open(self) -> bool:
        return self.greeted and self.closed is None


@dataclass
class Window:
    """What the screens received during one measurement window."""

    seconds: float
    frames: int
    samples: int
    ages_s: array  # one per live sample: receipt time minus its ts
    lags_s: array  # the client's own event-loop lag, sampled every LAG_PROBE_S
    frames_by_kind: dict[str, int]
    samples_by_kind: dict[str, int]
    screens_by_kind: dict[str, int]
    screens_without_frames: int
    # By read time rather than receipt time: frames and samples whose ``ts`` is in the window,
    # received until ``finish_window``. Set against the publisher's ticks in the same window,
    # they are exact where receipt counts are off by up to a tick at either edge.
    read_frames_by_kind: dict[str, int] | None = None
    read_samples_by_kind: dict[str, int] | None = None
    gaps: int = 0
    duplicates: int = 0
    errors: int = 0
    closed: int = 0


class LoadClient:
    """Opens the screens in batches, subscribes them, and records the frames they receive."""

    def __init__(
        self,
        url: str,
        origin: str,
        cookie: str | None,
        plan: list[tuple[str, dict]],
        batch: int = 100,
        timeout: float = 30,
    ) -> None:
        self.uri = parse_uri(url)
        self.origin = origin
        self.cookie = cookie
        self.plan = plan
        self.screens: list[Screen] = []
        self.batch = batch
        self.timeout = timeout
        self.failed: list[str] = []  # why screens could not connect or subscribe
        # Counters of the current window; samples outside a window only feed the seq checks.
        self.recording = False
        self._started = 0.0
        self.read_from = math.inf  # wall-clock bounds of the window, for the read-time counts
        self.read_to = math.inf
        self._ages = array("d")
        self._lags = array("d")
        self.gaps = 0
        self.duplicates = 0
        self._lag_task: asyncio.Task | None = None

    @property
    def open_screens(self) -> list[Screen]:
        return [screen for screen in self.screens if screen.open]

    async def connect(self) -> None:
        """Open every screen, ``batch`` handshakes at a time, so the server is not stormed."""
        self._lag_task = asyncio.create_task(self._probe_lag())
        for start in range(0, len(self.plan), self.batch):
            chunk = self.plan[start : start + self.batch]
            await asyncio.gather(*(self._open(kind, subscribe) for kind, subscribe in chunk))

    async def _open(self, kind: str, subscribe: dict) -> None:
        loop = asyncio.get_running_loop()
        screen = Screen(self, kind, subscribe)
        self.screens.append(screen)
        try:
            await asyncio.wait_for(
                loop.create_connection(lambda: screen, self.uri.host, self.uri.port), self.timeout
            )
            await asyncio.wait_for(screen.hello, self.timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            self.failed.append(f"connect: {type(exc).__name__}: {exc}"[:200])
            screen.drop()

    async def subscribe(self) -> None:
        """Send each screen's subscribe and wait until every one is answered with ``subscribed``."""
        screens = self.open_screens
        for start in range(0, len(screens), self.batch):
            for screen in screens[start : start + self.batch]:
                screen.send_json(screen.subscribe)
            await asyncio.sleep(0)
        deadline = time.monotonic() + self.timeout
        for screen in screens:
            try:
                await asyncio.wait_for(
                    screen.subscribed.wait(), max(0.01, deadline - time.monotonic())
                )
            except TimeoutError:
                self.failed.append("subscribe: no 'subscribed' reply")

    def take(self, screen: Screen, samples: list[dict], now: float) -> None:
        """One live ``samples`` frame: seq checks always, ages and counts in a window."""
        last_seq = screen.last_seq
        recording = self.recording
        ages = self._ages
        read_from, read_to = self.read_from, self.read_to
        read = 0
        for sample in samples:
            host = sample["host"]
            seq = sample["seq"]
            previous = last_seq.get(host)
            if previous is not None:
                if seq <= previous:
                    if recording:
                        self.duplicates += 1
                    continue
                if seq > previous + 1 and recording:
                    self.gaps += seq - previous - 1
            last_seq[host] = seq
            ts = sample["ts"]
            if recording:
                ages.append(now - ts)
            if read_from <= ts < read_to:
                read += 1
        if recording:
            screen.frames += 1
            screen.samples += len(samples)
        if read:
            screen.read_frames += 1
            screen.read_samples += read

    async def _probe_lag(self) -> None:
        """How late this process's event loop wakes up: large when the client is saturated."""
        while True:
            before = time.monotonic()
            await asyncio.sleep(LAG_PROBE_S)
            if self.recording:
                self._lags.append(time.monotonic() - before - LAG_PROBE_S)

    def start_window(self) -> None:
        for screen in self.screens:
            screen.frames = screen.samples = screen.read_frames = screen.read_samples = 0
        self._ages = array("d")
        self._lags = array("d")
        self.gaps = self.duplicates = 0
        self._started = time.monotonic()
        self.read_from, self.read_to = time.time(), math.inf
        self.recording = True

    def stop_window(self) -> Window:
        """Receipt counts end now; read-time counts go on until ``finish_window``."""
        self.recording = False
        self.read_to = time.time()
        seconds = time.monotonic() - self._started
        frames_by_kind = dict.fromkeys(KINDS, 0)
        samples_by_kind = dict.fromkeys(KINDS, 0)
        screens_by_kind = dict.fromkeys(KINDS, 0)
        screens = self.open_screens
        for screen in screens:
            frames_by_kind[screen.kind] += screen.frames
            samples_by_kind[screen.kind] += screen.samples
            screens_by_kind[screen.kind] += 1
        return Window(
            seconds=seconds,
            frames=sum(frames_by_kind.values()),
            samples=sum(samples_by_kind.values()),
            ages_s=self._ages,
            lags_s=self._lags,
            frames_by_kind=frames_by_kind,
            samples_by_kind=samples_by_kind,
            screens_by_kind=screens_by_kind,
            screens_without_frames=sum(1 for screen in screens if screen.frames == 0),
            gaps=self.gaps,
            duplicates=self.duplicates,
            errors=sum(screen.errors for screen in self.screens),
            closed=sum(1 for s in self.screens if s.greeted and s.closed is not None),
        )

    def finish_window(self, window: Window) -> None:
        """Add the read-time counts to ``window`` (call a grace period after ``stop_window``)."""
        self.read_from = self.read_to = math.inf
        window.read_frames_by_kind = dict.fromkeys(KINDS, 0)
        window.read_samples_by_kind = dict.fromkeys(KINDS, 0)
        for screen in self.open_screens:
            window.read_frames_by_kind[screen.kind] += screen.read_frames
            window.read_samples_by_kind[screen.kind] += screen.read_samples

    async def close(self) -> None:
        """Drop every socket at once."""
        if self._lag_task is not None:
            self._lag_task.cancel()
        for screen in self.screens:
            screen.drop()
        await asyncio.sleep(0)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted ``values``."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(fraction * len(values)) - 1))]


async def _standalone(args: argparse.Namespace) -> dict:
    hosts = [h for h in args.hosts.split(",") if h]
    origin = args.origin or "http://" + args.url.split("://", 1)[1].split("/", 1)[0]
    client = LoadClient(
        args.url, origin, args.cookie, plan_screens(args.clients, hosts, args.overview_share)
    )
    await client.connect()
    await client.subscribe()
    client.start_window()
    await asyncio.sleep(args.seconds)
    window = client.stop_window()
    await client.close()
    ages = sorted(window.ages_s)
    return {
        "screens": len(client.open_screens),
        "failed": client.failed[:5],
        "frames": window.frames,
        "samples": window.samples,
        "age_ms": {
            "p50": round(1000 * percentile(ages, 0.5), 1) if ages else None,
            "p99": round(1000 * percentile(ages, 0.99), 1) if ages else None,
            "max": round(1000 * ages[-1], 1) if ages else None,
        },
        "gaps": window.gaps,
        "duplicates": window.duplicates,
        "closed": window.closed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="ws://host:port/ws/live/")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--hosts", required=True, help="comma-separated host names")
    parser.add_argument("--overview-share", type=float, default=0.05)
    parser.add_argument("--cookie", default=None, help="Cookie header of a signed-in session")
    parser.add_argument("--origin", default=None)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    raise_fd_limit()
    print(json.dumps(asyncio.run(_standalone(args)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
