from django.core.validators import RegexValidator
from django.db import models

from core.hosts import HOST_NAME, host_record


class HostStatus(models.TextChoices):
    UNKNOWN = "unknown", "unknown"
    UP = "up", "up"
    LATE = "late", "late"
    DOWN = "down", "down"
    DISABLED = "disabled", "disabled"


class Host(models.Model):
    """A monitored host, created when its agent first registers; admins enable or remove it."""

    name = models.CharField(max_length=63, unique=True, validators=[RegexValidator(HOST_NAME)])
    enabled = models.BooleanField(
        default=True, help_text="A disabled host's agent is sent no collect tasks."
    )
    labels = models.JSONField(default=dict, blank=True)
    os = models.CharField(max_length=200, blank=True)
    cpu_count = models.PositiveIntegerField(null=True, blank=True)
    memory_total_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    boot_time = models.DateTimeField(null=True, blank=True)
    agent_version = models.CharField(max_length=40, blank=True)
    mode = models.CharField(max_length=20, blank=True, help_text="host, host-proc or container")
    interval = models.FloatField(default=1.0)
    status = models.CharField(max_length=10, choices=HostStatus, default=HostStatus.UNKNOWN)
    status_since = models.DateTimeField(null=True, blank=True)
    duplicate = models.TextField(
        blank=True, help_text="Set while two agents on different machines claim this name."
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    last_registered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def record(self) -> dict:
        """What screens are told about this host (the `hosts` snapshot and `host` events)."""
        return host_record(
            self.name,
            status=self.status,
            since=self.status_since.timestamp() if self.status_since else None,
            labels=self.labels,
            duplicate=bool(self.duplicate),
            info={
                "os": self.os,
                "cpu_count": self.cpu_count,
                "memory_total_bytes": self.memory_total_bytes,
                "boot_time": self.boot_time.timestamp() if self.boot_time else None,
                "agent_version": self.agent_version,
                "mode": self.mode,
            },
        )


class HostStatusChange(models.Model):
    """One transition of a host's status, kept as its history."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="status_changes")
    previous = models.CharField(max_length=10, choices=HostStatus)
    status = models.CharField(max_length=10, choices=HostStatus)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        get_latest_by = "at"

    def __str__(self) -> str:
        return f"{self.host}: {self.previous} -> {self.status} at {self.at:%Y-%m-%d %H:%M:%S}"
