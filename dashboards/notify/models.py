"""Contact points and routes (the configuration), and what delivery keeps: group states, the
event cursor, notifications and their attempts. The database is the truth of delivery: Redis and
Celery only carry the news that a notification is due (docs/notifications.md)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from dashboards.alerts.models import Alert
from dashboards.notify.config import (
    DEFAULT_GROUP_BY,
    TIMING,
    ConfigError,
    contact_point_definition,
    parse_contact_point,
    parse_route,
    route_definition,
)

KIND_CHOICES = [(k, k) for k in ("webhook", "apprise", "email")]


# The readable group key is kept this long, for people; the key's hash is what is unique.
GROUP_KEY_SHOWN = 1000


def default_group_by() -> list[str]:
    return list(DEFAULT_GROUP_BY)


def _raise_for_admin(exc: ConfigError, fields: set[str], renamed: dict[str, str]) -> None:
    field = renamed.get(exc.field, exc.field)
    raise ValidationError({field if field in fields else "settings": exc.message}) from None


class ContactPoint(models.Model):
    """Where notifications go: a webhook, apprise URLs, or e-mail addresses (``settings`` holds
    the kind's own fields, as the file writes them)."""

    name = models.CharField(max_length=63, unique=True)
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    enabled = models.BooleanField(default=True)
    send_resolved = models.BooleanField(
        default=True, help_text="Tell of resolutions too (Alertmanager's send_resolved)."
    )
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text="The kind's own fields, as in the file (docs/notifications.md).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def definition(self) -> dict:
        return contact_point_definition(
            self.name, self.kind, self.enabled, self.send_resolved, self.settings
        )

    def apply(self, data: dict) -> None:
        """Take a checked definition (parse_contact_point's result)."""
        self.kind, self.enabled = data["kind"], data["enabled"]
        self.send_resolved, self.settings = data["send_resolved"], data["settings"]

    def clean(self) -> None:
        # Saved as checked, not as typed: `to: "a@b"` becomes a list, as the file reader does.
        try:
            self.apply(parse_contact_point(self.definition()))
        except ConfigError as exc:
            _raise_for_admin(exc, {f.name for f in self._meta.fields}, {})


class Route(models.Model):
    """Which alerts go to which contact points, and when (Alertmanager's route and timing)."""

    name = models.CharField(max_length=63, unique=True)
    position = models.PositiveIntegerField(default=0, help_text="Routes are tried in this order.")
    is_default = models.BooleanField(
        default=False, help_text="Takes the alerts no other route matched."
    )
    match = models.JSONField(
        default=dict, blank=True, help_text='e.g. {"severity": "critical", "host": ["db1", "db2"]}'
    )
    contact_points = models.ManyToManyField(ContactPoint, related_name="routes")
    continue_matching = models.BooleanField(
        "continue", default=False, help_text="Go on to the next routes after this one matched."
    )
    group_by = models.JSONField(default=default_group_by)
    group_wait = models.CharField(max_length=20, default=TIMING["group_wait"])
    group_interval = models.CharField(max_length=20, default=TIMING["group_interval"])
    repeat_interval = models.CharField(max_length=20, default=TIMING["repeat_interval"])

    class Meta:
        ordering = ["is_default", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_route"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def definition(self) -> dict:
        return route_definition(self)

    def apply(self, data: dict) -> None:
        """Take a checked definition; the contact points are set after saving (set_targets)."""
        self.match, self.continue_matching = data["match"], data["continue"]
        self.group_by = data["group_by"]
        self.group_wait, self.group_interval = data["group_wait"], data["group_interval"]
        self.repeat_interval = data["repeat_interval"]

    def clean(self) -> None:
        data = self.definition()
        data.pop("contact_points")  # checked by the form's own field
        try:
            # Saved as checked: one value becomes a list, `rule` becomes alertname.
            self.apply(parse_route(data, default=self.is_default, need_targets=False))
        except ConfigError as exc:
            renamed = {"continue": "continue_matching"}
            _raise_for_admin(exc, {f.name for f in self._meta.fields}, renamed)


DISPATCH_CURSOR = "alert-events"


class DispatchCursor(models.Model):
    """What the dispatcher keeps between ticks (one row, DISPATCH_CURSOR): how far it has read
    the alert events, and the configuration version its groups were routed by."""

    name = models.CharField(max_length=40, primary_key=True)
    event_id = models.PositiveBigIntegerField(default=0)
    # By the dispatcher's own clock: when it first saw the missing event right past event_id
    # (one that may commit late, on PostgreSQL); it is given up for lost SETTLE_S after that.
    gap_seen_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every save or delete of a route or contact point (signals.py); when it is not
    # routed_version, the dispatcher routes every active alert again.
    config_version = models.PositiveBigIntegerField(default=0)
    routed_version = models.PositiveBigIntegerField(default=0)
    pruned_at = models.DateTimeField(null=True, blank=True, help_text="Old history last deleted.")

    def __str__(self) -> str:
        return f"{self.name} at event {self.event_id}"


def bump_config_version() -> None:
    """Tell the dispatcher that routes or contact points changed (signals.py)."""
    DispatchCursor.objects.get_or_create(name=DISPATCH_CURSOR)
    DispatchCursor.objects.filter(name=DISPATCH_CURSOR).update(
        config_version=models.F("config_version") + 1
    )


class GroupState(models.Model):
    """One aggregation group of one route for one contact point: its alerts, when it is next
    looked at, and what was last sent (Alertmanager's notification log entry)."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="+")
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.CASCADE, related_name="+")
    group_key = models.TextField(help_text="Whole: the payload's groupKey is made from it.")
    group_hash = models.CharField(max_length=64, help_text="The whole group key's SHA-256.")
    group_labels = models.JSONField(default=dict)
    members = models.JSONField(default=list, help_text="Alert ids.")
    created_at = models.DateTimeField()
    next_flush_at = models.DateTimeField(db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_firing = models.JSONField(default=list, help_text="'alert id:severity' last sent.")
    last_resolved = models.JSONField(default=list, help_text="Alert ids last sent resolved.")
    sequence = models.PositiveIntegerField(default=0, help_text="Notifications made so far.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["route", "contact_point", "group_hash"], name="one_group_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_key} to contact point {self.contact_point_id}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending"  # due now, or waiting for its next attempt
    SENDING = "sending"  # a notifier holds it until lease_until
    DELIVERED = "delivered"
    FAILED = "failed"  # refused for good, or its retry window passed
    SUPERSEDED = "superseded"  # a newer message of its group was made before it was delivered


class Notification(models.Model):
    """One message to one contact point: the payload is fixed when it is made, so every attempt
    sends the same text with the same Idempotency-Key."""

    contact_point = models.ForeignKey(
        ContactPoint, null=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    target = models.CharField(max_length=63, help_text="The contact point's name then.")
    route = models.ForeignKey(Route, null=True, blank=True, on_delete=models.SET_NULL)
    group_key = models.CharField(max_length=GROUP_KEY_SHOWN, help_text="Shortened if long.")
    group_hash = models.CharField(max_length=64, help_text="The whole group key's SHA-256.")
    content_hash = models.CharField(max_length=64)
    key = models.CharField(max_length=64, unique=True, help_text="The Idempotency-Key sent.")
    status = models.CharField(
        max_length=10, choices=NotificationStatus, default=NotificationStatus.PENDING,
        db_index=True,
    )  # fmt: skip
    payload = models.JSONField(help_text="The Alertmanager v4 payload, as sent.")
    alerts = models.ManyToManyField(Alert, related_name="notifications", blank=True)
    is_test = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    # The newest alert event it tells of: delivery latency is measured from it.
    event_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Who holds the lease: a worker whose lease ran out cannot record over the next one's.
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_point", "group_hash", "content_hash"],
                name="one_notification_per_state",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payload.get('status', '?')} to {self.target} ({self.status})"

    @property
    def latency_ms(self) -> int | None:
        """From the alert event it tells of to its delivery."""
        if self.delivered_at is None or self.event_at is None:
            return None
        return round((self.delivered_at - self.event_at).total_seconds() * 1000)


class DeliveryAttempt(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    at = models.DateTimeField()
    status = models.CharField(max_length=5, choices=[("ok", "ok"), ("error", "error")])
    http_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M:%S}"
