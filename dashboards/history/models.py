"""History: one row per host per period (a minute or an hour) holding every metric's min, mean
and max (dashboards/history/rollups.py). Raw samples stay in the Redis recent store."""

import json

from django.db import models


class CompactJSON(json.JSONEncoder):
    """No spaces after separators: SQLite keeps the text as given, and rows are mostly keys."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)


class Rollup(models.Model):
    class Tier(models.TextChoices):
        MINUTE = "1m", "one minute"
        HOUR = "1h", "one hour"

    # The host's name, as the store and the stream know it (no foreign key: the writer reads
    # names from Redis, and a host removed in the admin keeps its history until retention).
    host = models.CharField(max_length=63)
    tier = models.CharField(max_length=2, choices=Tier.choices)
    start = models.BigIntegerField(help_text="The period's start, unix seconds.")
    count = models.PositiveIntegerField(help_text="Samples behind the row.")
    values = models.JSONField(
        encoder=CompactJSON, help_text="metric: [min, mean, max], or one number if all equal."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["host", "tier", "start"], name="history_rollup_one_per_period"
            )
        ]
        # The unique index serves one host's range; this one pruning and "what is new".
        indexes = [models.Index(fields=["tier", "start"], name="history_rollup_tier_start")]

    def __str__(self) -> str:
        return f"{self.host} {self.tier} {self.start}"
