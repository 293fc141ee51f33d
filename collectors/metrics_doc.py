"""Render the metrics reference: `python -m collectors.metrics_doc > docs/metrics.md`."""

from __future__ import annotations

import sys
from collections.abc import Iterable

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


def render(fields: Iterable[Field] | None = None) -> str:
    """Return the Markdown page documenting `fields` (default: every field of HostSampler)."""
    sections: dict[str, list[Field]] = {}
    for field in (*HostSampler.fields(), HOST_UP) if fields is None else fields:
        area = field.name.split(".", 1)[0]
        sections.setdefault(_AREA_TITLES.get(area, area), []).append(field)
    parts = [_INTRO]
    for title, area_fields in sections.items():
        rows = "".join(
            f"| `{field.name}` | {field.unit} | {field.description} |\n" for field in area_fields
        )
        parts.append(f"## {title}\n\n| name | unit | description |\n| --- | --- | --- |\n{rows}")
    parts.append(_TOP_SECTION)
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render())
