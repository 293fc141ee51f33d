"""The three roles as groups, and the rules a fresh install starts with (docs/alerts.md).

The rules are written out here, not imported, so that this migration means the same thing
whatever the code becomes. An admin may change or delete them; migrating again re-adds none.
"""

from django.db import migrations

ROLES = ("viewer", "responder", "admin")

DEFAULT_RULES = [
    {"name": "host-down", "metric": "host.up", "op": "<", "critical": 1, "for": "0s",
     "summary": "{host} is down: no samples arrive",
     "description": "The host's agent sent nothing for MONITOR_DOWN_INTERVALS intervals. "
                    "Its other alerts are held (suppressed) until it is back."},
    {"name": "cpu-high", "metric": "cpu.percent", "op": ">", "warning": 85, "critical": 95,
     "for": "2m", "clear": 80, "summary": "CPU {value}% on {host}"},
    {"name": "memory-high", "metric": "mem.percent", "op": ">", "warning": 90, "critical": 97,
     "for": "2m", "clear": 85, "summary": "Memory {value}% used on {host}"},
    {"name": "swap-high", "metric": "swap.percent", "op": ">", "warning": 50, "critical": 80,
     "for": "5m", "clear": 40, "summary": "Swap {value}% used on {host}"},
    {"name": "disk-full", "metric": "disk.*.used_percent", "op": ">", "warning": 85,
     "critical": 95, "for": "1m", "clear": 80,
     "summary": "{label.mount} is {value}% full on {host}"},
    {"name": "load-high", "metric": "load.5m_per_core", "op": ">", "warning": 2, "critical": 4,
     "for": "5m", "clear": 1.5, "summary": "Load {value} per core on {host}"},
]  # fmt: skip


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    AlertRule = apps.get_model("alerts", "AlertRule")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for rule in DEFAULT_RULES:
        AlertRule.objects.get_or_create(
            name=rule["name"],
            defaults={
                "metric": rule["metric"], "hosts": "*", "op": rule["op"],
                "warning": rule.get("warning"), "critical": rule.get("critical"),
                "pending_for": rule["for"], "clear": rule.get("clear"), "nodata": "keep",
                "summary": rule["summary"], "description": rule.get("description", ""),
            },
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
