"""One merge per web process of every host's summary: overview screens get a round per message.

An overview screen follows every host. Fed per host, a web process with M overview screens and H
hosts dispatches H x M layer messages per round (10,000 at 200 hosts and 50 screens: a third of a
second of CPU, which delays every round). Instead the process runs one RoundMerger: a member of
every host's group and of the ``hosts`` group, it gathers each round's summaries (the same
TickBatch rules a screen uses) and group_sends the round once to this process's overview group,
whose members are the overview screens (``LiveConsumer``): M messages per round. It forwards host
events and new-host announcements to that group too, so screens there need no host groups.
"""

import asyncio
import logging
from typing import Any

from core.layer import (
    HOST_EVENT,
    HOSTS_GROUP,
    NEW_HOST,
    OVERVIEW_ROUND,
    SAMPLE,
    host_group,
    overview_group,
)
from dashboards.stream.reader import SampleReader
from dashboards.stream.rounds import RoundSender

log = logging.getLogger(__name__)

FORWARDED = frozenset({HOST_EVENT, NEW_HOST})  # to LiveConsumer.host_event, .hosts_new


class RoundMerger:
    """Gathers one round of every host's summary and sends it to the overview group at once."""

    def __init__(self, layer: Any, reader: SampleReader, hold_s: float, quiet_s: float) -> None:
        self.layer = layer
        self.reader = reader
        self.group = overview_group()
        self.rounds = RoundSender(self._send, hold_s, quiet_s)
        self.epoch: str | None = None
        self.hosts: set[str] = set()
        self.ready = asyncio.Event()  # joined every group: screens may rely on it

    async def run(self) -> None:
        channel = await self.layer.new_channel("overview-merger.")
        await self.layer.group_add(HOSTS_GROUP, channel)
        for host in await self.reader.known_hosts():
            await self._follow(host, channel)
        self.ready.set()
        while True:
            message = await self.layer.receive(channel)
            try:
                await self._handle(message, channel)
            except Exception:  # one bad message must not stop every overview screen
                log.exception("overview merger: could not handle %s", message.get("type"))

    async def _follow(self, host: str, channel: str) -> None:
        if host not in self.hosts:
            await self.layer.group_add(host_group(host), channel)
            self.hosts.add(host)

    async def _handle(self, message: dict, channel: str) -> None:
        kind = message["type"]
        if kind == SAMPLE:
            await self._hold(message)
        elif kind in FORWARDED:
            if kind == NEW_HOST:
                await self._follow(message["host"], channel)
            await self.layer.group_send(self.group, message)

    async def _hold(self, sample: dict) -> None:
        if sample["epoch"] != self.epoch:
            # The store started over: round numbers and seqs restarted with it.
            self.epoch = sample["epoch"]
            self.rounds.reset()
        item = [sample["host"], sample["seq"], sample["summary"]]
        await self.rounds.add(sample["host"], sample.get("tick"), item, sample["ts"])

    async def _send(self, samples: list[list], oldest: float) -> None:
        await self.layer.group_send(
            self.group,
            {"type": OVERVIEW_ROUND, "epoch": self.epoch, "oldest": oldest, "samples": samples},
        )


_mergers: dict[tuple[int, int], tuple[RoundMerger, asyncio.Task]] = {}


async def ensure_merger(
    layer: Any, reader: SampleReader, hold_s: float, quiet_s: float
) -> RoundMerger:
    """This process's merger for ``layer`` on the running loop, started on first use and ready."""
    loop = asyncio.get_running_loop()
    key = (id(loop), id(layer))
    found = _mergers.get(key)
    if found is None or found[1].done():
        for other in [k for k, (_, task) in _mergers.items() if task.done()]:
            del _mergers[other]
        merger = RoundMerger(layer, reader, hold_s, quiet_s)
        task = loop.create_task(merger.run())
        task.add_done_callback(_log_end)
        found = _mergers[key] = (merger, task)
    merger, task = found
    ready = asyncio.ensure_future(merger.ready.wait())
    await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if not merger.ready.is_set():
        ready.cancel()
        task.result()  # raises what stopped it (Redis unreachable, say)
    return merger


def _log_end(task: asyncio.Task) -> None:
    """A merger ends only when stopped or when Redis fails under it: say which, once."""
    if not task.cancelled() and task.exception() is not None:
        log.warning("overview merger stopped: %s", task.exception())


def stop_mergers() -> None:
    """Stop this process's mergers (Redis is gone): the next overview screen starts a new one."""
    for _, task in _mergers.values():
        task.cancel()
    _mergers.clear()
