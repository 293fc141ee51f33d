"""History: one row per host per period (a minute or an hour) holding every metric's min, mean
and max (dashboards/history/rollups.py). Raw samples stay in the Redis recent store.

A row's metric names are not in the row: they are a MetricNames list, stored once and shared
by every row with the same names (a host's rows, and most hosts'), and the row's ``values``
is a JSON array in that order. Names were 60 % of a row written as an object.
"""

import json

from django.db import models


class CompactJSON(json.JSONEncoder):
    """No spaces after separators: SQLite keeps the text as given."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)


class TextJSONField(models.JSONField):
    """JSON kept as its text: PostgreSQL's ``json`` where JSONField is ``jsonb`` (SQLite keeps
    text anyway). A rollup row is mostly numbers, which jsonb stores at 8 to 12 bytes each
    against 4 to 6 as text, and PostgreSQL compresses no row under 2 KB: a row of jsonb was
    2,100 bytes, of json 900 (benchmarks.md). ``->`` reads an element of either."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql" or value is None:
            return super().get_db_prep_value(value, connection, prepared)
        return json.dumps(value, cls=self.encoder)

    def from_db_value(self, value, expression, connection):
        if value is not None and not isinstance(value, str):
            return value  # psycopg decodes json itself
        return super().from_db_value(value, expression, connection)


class MetricNames(models.Model):
    """The sorted metric names of rollup rows; ``digest`` (sha1 of the names) finds a list."""

    digest = models.CharField(max_length=40, unique=True)
    names = models.JSONField(encoder=CompactJSON)

    def __str__(self) -> str:
        return f"{len(self.names)} metrics ({self.digest[:8]})"


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
    names = models.ForeignKey(MetricNames, on_delete=models.PROTECT, related_name="+")
    values = TextJSONField(
        encoder=CompactJSON,
        help_text="[min, mean, max] or one number, in the order of names.",
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
