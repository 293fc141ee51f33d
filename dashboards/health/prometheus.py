"""/metrics with prometheus-client: the stream's own figures and every host's newest sample.

A sampled metric's family and labels are named in collectors/exposition.py, from its field
metadata; docs/metrics.md lists them.
"""

import json
import logging
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collectors.exposition import UNDECLARED, SampleFamily, sample_families

logger = logging.getLogger(__name__)


@cache
def _search_order() -> tuple[SampleFamily, ...]:
    # Exact names first: a mount point called "io" must not turn disk.io.* into a filesystem.
    return tuple(sorted(sample_families(), key=lambda family: bool(family.labels)))


@lru_cache(maxsize=4096)  # keys repeat on every host and every scrape
def _place(key: str) -> tuple[SampleFamily, tuple[str, ...]] | None:
    for family in _search_order():
        values = family.label_values(key)
        if values is not None:
            return family, values
    return None


def _newest_metrics(host: str, text: str) -> dict:
    try:
        metrics = json.loads(text)["metrics"]
    except (ValueError, TypeError, KeyError) as exc:
        logger.warning("/metrics leaves out %s: its newest sample is unreadable (%s)", host, exc)
        return {}
    return metrics if isinstance(metrics, dict) else {}


def host_sample_families(latest: dict[str, str]) -> Iterator[Metric]:
    """One gauge family per documented metric with samples, labelled by host and placeholders;
    metrics docs/metrics.md does not declare go to monitor_undeclared_metric{host,metric}."""
    gauges: dict[str, GaugeMetricFamily] = {}
    undeclared = GaugeMetricFamily(
        UNDECLARED, "A sampled metric docs/metrics.md does not declare.", labels=["host", "metric"]
    )
    for host, text in sorted(latest.items()):
        for key, value in sorted(_newest_metrics(host, text).items()):
            if not isinstance(value, int | float):
                continue
            placed = _place(key)
            if placed is None:
                undeclared.add_metric([host, key], value)
                continue
            family, label_values = placed
            if family.name not in gauges:
                gauges[family.name] = GaugeMetricFamily(
                    family.name, family.field.description, labels=["host", *family.labels]
                )
            gauges[family.name].add_metric([host, *label_values], value)
    for family in sample_families():
        if family.name in gauges:
            yield gauges[family.name]
    if undeclared.samples:
        yield undeclared


def _gauge(name: str, help_text: str, labels: list[str], rows: Iterable) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for label_values, value in rows:
        family.add_metric(label_values, value)
    return family


def _counter(name: str, help_text: str, labels: list[str], rows: Iterable) -> CounterMetricFamily:
    family = CounterMetricFamily(name, help_text, labels=labels)
    for label_values, value in rows:
        family.add_metric(label_values, value)
    return family


def stream_families(snapshots: list[dict]) -> Iterator[Metric]:
    """Per web process: clients, frames, samples, drops, oldest sample age at send."""

    def per_process(key: str) -> list[tuple[list[str], float]]:
        return [([s["process"]], s[key]) for s in snapshots]

    process = ["process"]
    yield _gauge(
        "monitor_stream_clients", "Connected WebSocket clients.", process, per_process("clients")
    )
    yield _counter(
        "monitor_stream_frames_total", "Frames sent to clients.", process,
        per_process("frames_total"),
    )  # fmt: skip
    yield _counter(
        "monitor_stream_samples_total", "Samples sent to clients.", process,
        per_process("samples_total"),
    )  # fmt: skip
    yield _gauge(
        "monitor_stream_oldest_sample_age_at_send_seconds",
        "Oldest sample age when sent, over the last report period.", process,
        per_process("oldest_sample_age_at_send_s"),
    )  # fmt: skip
    drops = [
        ([s["process"], reason], count)
        for s in snapshots
        for reason, count in sorted(s["drops"].items())
    ]
    yield _counter(
        "monitor_stream_drops_total", "Clients closed by the server.", ["process", "reason"], drops
    )


def host_families(records: list[dict], ages: dict[str, float | None]) -> Iterator[Metric]:
    """Per host: its status (from the fleet records) and its newest sample's age."""
    yield _gauge(
        "monitor_host_status", "1 for the host's current status.", ["host", "status"],
        [([r["name"], r["status"]], 1) for r in records],
    )  # fmt: skip
    yield _gauge(
        "monitor_host_last_sample_age_seconds", "Seconds since the newest sample arrived.",
        ["host"],
        [([host], round(age, 3)) for host, age in sorted(ages.items()) if age is not None],
    )  # fmt: skip


def fleet_records(texts: Iterable[bytes | str]) -> list[dict]:
    """The readable fleet records (JSON with a name and a status); the others are left out."""
    records = []
    for text in texts:
        try:
            record = json.loads(text)
            records.append({"name": str(record["name"]), "status": str(record["status"])})
        except (ValueError, TypeError, KeyError):
            logger.warning("/metrics leaves out an unreadable fleet record: %.80r", text)
    return records


class ScrapeCollector(Collector):
    """One scrape's figures, from what the view read out of Redis."""

    def __init__(
        self,
        snapshots: list[dict],
        records: list[dict],
        ages: dict[str, float | None],
        latest: dict[str, str],
    ) -> None:
        self.snapshots, self.records, self.ages, self.latest = snapshots, records, ages, latest

    def collect(self) -> Iterator[Metric]:
        yield from stream_families(self.snapshots)
        yield from host_families(self.records, self.ages)
        yield from host_sample_families(self.latest)


def exposition(collector: Collector) -> bytes:
    """The text format of ``collector`` alone: a registry of its own per scrape, so neither the
    default registry's globals nor this web process's own process figures leak in."""
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry)
