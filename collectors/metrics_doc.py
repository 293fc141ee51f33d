"""Render the metrics reference: `python -m collectors.metrics_doc > docs/metrics.md`."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

# The /metrics names are the web side's (its exposition decides them); the doc only shows them.
from collectors.exposition import PLACEHOLDER_LABELS, UNDECLARED, sample_family
from collectors.fields import HOST_UP, Field
from collectors.host import HostSampler
from collectors.processes import TOP_PROCESS_COUNT

# First name part -> section title. Unknown prefixes get their own section under their raw name.
_AREA_TITLES = {
    "cpu": "CPU",
    "load": "Load",
    "mem": "Memory",
    "swap": "Swap",
    "disk": "Disk",
    "net": "Network",
    "procs": "Processes",
    "uptime_s": "System",
    "temp": "Temperatures",
    "host": "Host status (made by the evaluator, not sampled)",
}

_INTRO = """\
# Host metrics

Each reading is a flat object of JSON numbers keyed by dotted names whose last part carries the \
unit (`_bytes`, `_percent`, `_per_s`, `_s`, `celsius`, ...). Names in braces are placeholders \
filled in at runtime: `{n}` is a core number from 0, `{mount}` the mount point verbatim (so \
`disk./boot.used_percent`), `{iface}` a network interface name, `{sensor}` and `{label}` a \
temperature chip and its reading (the reading's index when it has no label, `label #index` when \
a chip repeats a label). A metric that cannot be measured on a tick (no previous tick for a rate, \
counter reset, missing hardware) is left out rather than sent as null.
"""

_TOP_SECTION = f"""\
## Top processes

Next to the metrics, each reading carries `top`: up to {TOP_PROCESS_COUNT} processes using the \
most CPU, busiest first, refreshed every 5 s (the process scan is the costliest part of a sample, \
so it is amortised; between scans the last list is repeated). Each entry is an object:

| key | type | description |
| --- | --- | --- |
| `pid` | int | Process id. |
| `name` | string | Process name. |
| `user` | string | Owner's user name, `""` when it cannot be read. |
| `cpu_percent` | float | Average CPU use since the previous scan (about 5 s), 1 decimal; above \
100 on several cores. |
| `mem_percent` | float | Share of physical memory (resident set), 1 decimal. |
"""

_PLACEHOLDER_LABELS = ", ".join(
    f"`{{{placeholder}}}` as `{label}`" for placeholder, label in PLACEHOLDER_LABELS.items()
)
_PROMETHEUS_INTRO = f"""\
## Prometheus (`/metrics`)

`/metrics` (Prometheus text format; it needs the metrics token, docs/security.md) has one gauge \
family per metric above, with every host's newest value labelled `host="..."`; a placeholder \
becomes a label of its own ({_PLACEHOLDER_LABELS}). \
Units are Prometheus' (`_per_s` becomes `_per_second`, `_s` `_seconds`); shares stay percents \
from 0 to 100 with the `_percent` suffix, as node_exporter has none of them. A name is \
node_exporter's (`node_*`) only where the quantity is the same one: disk and network figures \
are rates per second, not node_exporter's byte counters, so they keep `monitor_` names (use \
them as they are, not through `rate()`). In container mode memory and swap are the \
container's (docs/deploy.md). A sampled metric this page does not declare still appears, as \
`{UNDECLARED}{{host="...",metric="<dotted name>"}}`. `{HOST_UP.name}` is the evaluator's, not a \
sample's: `monitor_host_status` below tells the same.

The product's own families: `monitor_stream_clients{{process}}`, \
`monitor_stream_frames_total{{process}}`, `monitor_stream_samples_total{{process}}`, \
`monitor_stream_oldest_sample_age_at_send_seconds{{process}}` and \
`monitor_stream_drops_total{{process,reason}}` per web process; \
`monitor_host_status{{host,status}}` and `monitor_host_last_sample_age_seconds{{host}}` per host, \
as before.

Until issue 11 every sampled metric was one series of `monitor_sample{{host,metric}}`; that \
family is gone. Old query -> new query (`host` stays a label of every family):

| before | now |
| --- | --- |
"""


def _prometheus_section(fields: Iterable[Field]) -> str:
    rows = []
    for field in fields:
        if field == HOST_UP:
            continue
        family = sample_family(field)
        placeholders = re.findall(r"\{(\w+)\}", field.name)
        labels = ",".join(
            f'{label}="{{{name}}}"' for label, name in zip(family.labels, placeholders, strict=True)
        )
        new = f"{family.name}{{{labels}}}" if labels else family.name
        rows.append(f'| `monitor_sample{{metric="{field.name}"}}` | `{new}` |\n')
    return _PROMETHEUS_INTRO + "".join(rows)


def render(fields: Iterable[Field] | None = None) -> str:
    """Return the Markdown page documenting `fields` (default: every field of HostSampler)."""
    fields = (*HostSampler.fields(), HOST_UP) if fields is None else tuple(fields)
    sections: dict[str, list[Field]] = {}
    for field in fields:
        area = field.name.split(".", 1)[0]
        sections.setdefault(_AREA_TITLES.get(area, area), []).append(field)
    parts = [_INTRO]
    for title, area_fields in sections.items():
        rows = "".join(
            f"| `{field.name}` | {field.unit} | {field.description} |\n" for field in area_fields
        )
        parts.append(f"## {title}\n\n| name | unit | description |\n| --- | --- | --- |\n{rows}")
    parts.append(_TOP_SECTION)
    parts.append(_prometheus_section(fields))
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render())
