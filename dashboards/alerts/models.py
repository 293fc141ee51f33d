"""Alert rules, alert instances with their events, and silences: the database is the truth.

Screens see a mirror of the active alerts in Redis (mirror.py), written after each change is
committed here; a screen that was away gets the mirror as its snapshot.
"""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from dashboards.alerts.rules import NODATA, OPS, Rule, RuleError
from dashboards.alerts.states import FIRING, PENDING, SUPPRESSED


def fingerprint(rule: str, host: str, labels: dict[str, str]) -> str:
    """One alert instance's identity: rule + host + labels, however long the problem lasts."""
    text = json.dumps([rule, host, sorted(labels.items())], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def all_hosts() -> str:
    return "*"


class AlertRule(models.Model):
    """One rule, in the columns of its file form (docs/alerts.md); clean() checks it whole."""

    name = models.CharField(max_length=63, unique=True)
    enabled = models.BooleanField(default=True)
    metric = models.CharField(
        max_length=200, help_text="A metric of docs/metrics.md, or a pattern: disk.*.used_percent"
    )
    hosts = models.JSONField(
        default=all_hosts,
        help_text='"*" for all, a list of names, or labels such as {"env": "prod"}',
    )
    op = models.CharField(max_length=2, default=">", choices=[(op, op) for op in OPS])
    warning = models.FloatField(null=True, blank=True)
    critical = models.FloatField(null=True, blank=True)
    pending_for = models.CharField(
        "for", max_length=20, default="0s", help_text="Pending period: 0s, 90s, 5m, 1h"
    )
    clear = models.FloatField(
        null=True, blank=True, help_text="A firing alert resolves only once past this value."
    )
    nodata = models.CharField(max_length=10, default="keep", choices=[(n, n) for n in NODATA])
    summary = models.CharField(max_length=500, blank=True)
    description = models.TextField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def definition(self) -> dict:
        """The rule in its file form: what `manage.py alerts export` writes."""
        data = {"name": self.name, "metric": self.metric, "hosts": self.hosts, "op": self.op}
        for key, value in (
            ("warning", self.warning), ("critical", self.critical), ("for", self.pending_for),
            ("clear", self.clear), ("nodata", self.nodata), ("summary", self.summary or None),
            ("description", self.description or None),
        ):  # fmt: skip
            if value is not None:
                data[key] = value
        if not self.enabled:
            data["enabled"] = False
        return data

    def parsed(self) -> Rule:
        from dashboards.alerts.catalogue import parse_rule

        return parse_rule(self.definition())

    def clean(self) -> None:
        try:
            self.parsed()
        except RuleError as exc:
            field = {"for": "pending_for", "rule": "name"}.get(exc.field, exc.field)
            known = {f.name for f in self._meta.fields}
            raise ValidationError({field if field in known else "name": exc.message}) from None

    @classmethod
    def from_definition(cls, data: dict) -> "AlertRule":
        rule = cls(name=data["name"])
        rule.apply(data)
        return rule

    def apply(self, data: dict) -> None:
        self.enabled = data.get("enabled", True)
        self.metric, self.hosts, self.op = (
            data["metric"],
            data.get("hosts", "*"),
            data.get("op", ">"),
        )
        self.warning, self.critical = data.get("warning"), data.get("critical")
        self.pending_for = str(data.get("for", "0s"))
        self.clear, self.nodata = data.get("clear"), data.get("nodata", "keep")
        self.summary, self.description = data.get("summary", ""), data.get("description", "")


class AlertStateChoices(models.TextChoices):
    PENDING = PENDING
    FIRING = FIRING
    SUPPRESSED = SUPPRESSED
    RESOLVED = "resolved"


ACTIVE_STATES = (PENDING, FIRING, SUPPRESSED)


class Alert(models.Model):
    """One alert instance, from its first pending to its resolution. The same problem is one
    row however long it lasts (its fingerprint); a new one after resolution is a new row."""

    fingerprint = models.CharField(max_length=16, db_index=True)
    rule = models.CharField(max_length=63)
    host = models.CharField(max_length=63, db_index=True)
    labels = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=20, default="rules")
    state = models.CharField(max_length=10, choices=AlertStateChoices)
    # The state a suppression holds (pending or firing): it resumes when the host is back.
    held = models.CharField(max_length=10, blank=True)
    severity = models.CharField(max_length=10, blank=True)
    value = models.FloatField(null=True, blank=True)
    summary = models.CharField(max_length=1000, blank=True)
    description = models.TextField(blank=True)
    started_at = models.DateTimeField(help_text="When it became pending (or fired at once).")
    fired_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    acked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acked_at = models.DateTimeField(null=True, blank=True)
    ack_comment = models.CharField(max_length=500, blank=True)
    silenced_by = models.ForeignKey(
        "Silence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    top = models.JSONField(
        default=list, blank=True, help_text="The host's top processes when it fired."
    )
    # The id of its newest event: screens keep the highest version they have seen.
    version = models.PositiveBigIntegerField(default=0)
    external = models.JSONField(
        default=dict, blank=True, help_text="What Alertmanager said of it (source alertmanager)."
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(resolved_at__isnull=True),
                name="one_active_alert_per_fingerprint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.host} ({self.state})"


class AlertEvent(models.Model):
    """A change of an alert, written before it is pushed anywhere: what, when, value, who."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=20)
    at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10)
    severity = models.CharField(max_length=10, blank=True)
    value = models.FloatField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert}: {self.event} at {self.at:%Y-%m-%d %H:%M:%S}"


class Silence(models.Model):
    """Alerts matching every given matcher stay visible but quiet between starts and ends."""

    host = models.CharField(max_length=63, blank=True, help_text="Empty: any host.")
    rule = models.CharField(max_length=63, blank=True, help_text="Empty: any rule.")
    labels = models.JSONField(default=dict, blank=True, help_text='e.g. {"mount": "/var"}')
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    comment = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ends_at"]

    def __str__(self) -> str:
        what = ", ".join(
            f"{k}={v}"
            for k, v in [("host", self.host), ("rule", self.rule), *self.labels.items()]
            if v
        )
        return f"silence {what or 'everything'} until {self.ends_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A silence ends after it starts."})
        if not isinstance(self.labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.labels.items()
        ):
            raise ValidationError({"labels": 'Labels are an object of texts: {"mount": "/var"}.'})
        if not (self.host or self.rule or self.labels):
            raise ValidationError("Give at least one matcher (host, rule or labels).")

    def matches(self, rule: str, host: str, labels: dict[str, str]) -> bool:
        return (
            (not self.host or self.host == host)
            and (not self.rule or self.rule == rule)
            and all(labels.get(k) == v for k, v in self.labels.items())
        )
