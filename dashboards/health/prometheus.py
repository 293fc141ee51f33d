"""/metrics in the Prometheus text format: the stream's own figures, every host's newest sample."""

import json
from collections.abc import Iterable, Iterator


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{key}="{_escape(str(value))}"' for key, value in labels.items()) + "}"


def _family(
    name: str, kind: str, help_text: str, rows: Iterable[tuple[dict, float]]
) -> Iterator[str]:
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"
    for labels, value in rows:
        yield f"{name}{_labels(**labels)} {value}"


def stream_lines(snapshots: list[dict]) -> Iterator[str]:
    """Per web process: clients, frames, samples, drops, oldest sample age at send."""

    def per_process(key: str) -> list[tuple[dict, float]]:
        return [({"process": s["process"]}, s[key]) for s in snapshots]

    yield from _family(
        "monitor_stream_clients", "gauge", "Connected WebSocket clients.", per_process("clients")
    )
    yield from _family(
        "monitor_stream_frames_total",
        "counter",
        "Frames sent to clients.",
        per_process("frames_total"),
    )
    yield from _family(
        "monitor_stream_samples_total",
        "counter",
        "Samples sent to clients.",
        per_process("samples_total"),
    )
    yield from _family(
        "monitor_stream_oldest_sample_age_at_send_seconds", "gauge",
        "Oldest sample age when sent, over the last report period.",
        per_process("oldest_sample_age_at_send_s"),
    )  # fmt: skip
    drops = [
        ({"process": s["process"], "reason": reason}, count)
        for s in snapshots
        for reason, count in sorted(s["drops"].items())
    ]
    yield from _family(
        "monitor_stream_drops_total", "counter", "Clients closed by the server.", drops
    )


def host_lines(
    records: list[dict], ages: dict[str, float | None], latest: dict[str, str]
) -> Iterator[str]:
    """Per host: status, newest sample age, and every metric of the newest sample."""
    yield from _family(
        "monitor_host_status", "gauge", "1 for the host's current status.",
        [({"host": r["name"], "status": r["status"]}, 1) for r in records],
    )  # fmt: skip
    yield from _family(
        "monitor_host_last_sample_age_seconds", "gauge", "Seconds since the newest sample arrived.",
        [({"host": host}, round(age, 3)) for host, age in sorted(ages.items()) if age is not None],
    )  # fmt: skip
    rows = []
    for host, text in sorted(latest.items()):
        for metric, value in sorted(json.loads(text)["metrics"].items()):
            rows.append(({"host": host, "metric": metric}, value))
    yield from _family("monitor_sample", "gauge", "The newest sample's value of each metric.", rows)
