"""The Prometheus name of every sampled metric, from its field metadata (fields.py).

The placeholders of a dotted name become labels beside ``host``, the unit part becomes a
Prometheus unit suffix, and node_exporter's name is taken where it measures the very same
quantity. /metrics (dashboards/health/prometheus.py) exposes the families; docs/metrics.md lists
them (metrics_doc.py), from this one table.
"""

import re
from dataclasses import dataclass
from functools import cache

from collectors.fields import Field
from collectors.host import HostSampler

# A placeholder's label, node_exporter's label name where it has the same one (cpu, mountpoint,
# device); temperatures are named like node_exporter's hwmon chip and sensor.
PLACEHOLDER_LABELS = {
    "n": "cpu",
    "mount": "mountpoint",
    "iface": "device",
    "sensor": "chip",
    "label": "sensor",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PLACEHOLDER_PATTERNS = {"n": r"(\d+)"}  # as in collectors/fields.py; anything else is (.+)
# Our short words -> the words Prometheus users know from node_exporter.
_WORDS = {
    "mem": "memory",
    "net": "network",
    "procs": "processes",
    "temp": "temperature",
    "rx": "receive",
    "tx": "transmit",
}
_UNIT_SUFFIXES = (("_per_s", "_per_second"), ("_s", "_seconds"))
# Where node_exporter exposes the same quantity, its name (in container mode memory and swap are
# the container's, as for every other reader of these metrics). A count is named for what it
# counts: a gauge ending in _count reads like a summary's sample count.
_NAMES = {
    "load.1m": "node_load1",
    "load.5m": "node_load5",
    "load.15m": "node_load15",
    "load.1m_per_core": "monitor_load1_per_core",
    "load.5m_per_core": "monitor_load5_per_core",
    "load.15m_per_core": "monitor_load15_per_core",
    "mem.total_bytes": "node_memory_MemTotal_bytes",
    "mem.available_bytes": "node_memory_MemAvailable_bytes",
    "swap.total_bytes": "node_memory_SwapTotal_bytes",
    "disk.{mount}.total_bytes": "node_filesystem_size_bytes",
    "disk.{mount}.used_bytes": "monitor_filesystem_used_bytes",
    "disk.{mount}.used_percent": "monitor_filesystem_used_percent",
    "cpu.count": "monitor_cpu_cores",
    "container.cpu.limit_core_count": "monitor_container_cpu_limit_cores",
    "procs.count": "monitor_processes",
}
UNDECLARED = "monitor_undeclared_metric"


@dataclass(frozen=True)
class SampleFamily:
    """The gauge family one field's values go to, and the labels its placeholders become."""

    field: Field
    name: str
    labels: tuple[str, ...]
    pattern: re.Pattern[str]

    def label_values(self, key: str) -> tuple[str, ...] | None:
        """The placeholder parts of ``key``, or None when ``key`` is not this field's."""
        found = self.pattern.fullmatch(key)
        return None if found is None else found.groups()


def family_name(field: Field) -> str:
    """The Prometheus name of ``field``'s family: node_exporter's, else ``monitor_`` and the
    dotted name without its placeholders, in Prometheus words and units."""
    if field.name in _NAMES:
        return _NAMES[field.name]
    parts = [part for part in field.name.split(".") if not _PLACEHOLDER.fullmatch(part)]
    words = re.split(r"[._]", ".".join(parts))
    name = "_".join(["monitor", *(_WORDS.get(word, word) for word in words)])
    for short, suffix in _UNIT_SUFFIXES:
        if name.endswith(short):
            return name.removesuffix(short) + suffix
    return name


def sample_family(field: Field) -> SampleFamily:
    """``field``'s family, with a pattern whose groups are its placeholders' parts."""
    regex, position = [], 0
    for placeholder in _PLACEHOLDER.finditer(field.name):
        regex.append(re.escape(field.name[position : placeholder.start()]))
        regex.append(_PLACEHOLDER_PATTERNS.get(placeholder.group(1), r"(.+)"))
        position = placeholder.end()
    regex.append(re.escape(field.name[position:]))
    labels = tuple(PLACEHOLDER_LABELS.get(name, name) for name in _PLACEHOLDER.findall(field.name))
    return SampleFamily(field, family_name(field), labels, re.compile("".join(regex)))


@cache
def sample_families() -> tuple[SampleFamily, ...]:
    """Every sampled metric's family, in docs/metrics.md's order."""
    return tuple(sample_family(field) for field in HostSampler.fields())
