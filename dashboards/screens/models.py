from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from dashboards.walls.models import KioskToken

# A screen is online while its socket is open and it reported within this many seconds. Pages
# report every protocol.SCREEN_EVERY_S (10 s), so one lost report is forgiven and a wall whose
# network died without a close shows as offline 15 to 25 s after its last report.
OFFLINE_AFTER_S = 25
KIOSK, PAGE = "kiosk", "page"


class Screen(models.Model):
    """A kiosk, or a person's page that chose to register (``?screen=NAME``), as it last
    reported itself over its socket (docs/walls.md#the-screens-registry). The row outlives the
    socket: a wall that went dark shows as offline instead of vanishing."""

    key = models.CharField(
        max_length=120, unique=True, help_text="kiosk:<token id>, or page:<user id>:<browser id>"
    )
    name = models.CharField(max_length=100)
    kiosk = models.ForeignKey(
        KioskToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="screens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", help_text="Whose page it is (none for a kiosk).",
    )  # fmt: skip
    shows = models.CharField(max_length=200, blank=True)
    connected_at = models.DateTimeField()
    last_heartbeat_at = models.DateTimeField()
    disconnected_at = models.DateTimeField(null=True, blank=True)
    latency_s = models.FloatField(null=True, blank=True)
    data_age_s = models.FloatField(null=True, blank=True)
    browser = models.CharField(max_length=60, blank=True)
    resolution = models.CharField(max_length=40, blank=True)
    channel_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("name", "pk")

    def __str__(self) -> str:
        return self.name

    @property
    def kind(self) -> str:
        return KIOSK if self.key.startswith(KIOSK + ":") else PAGE

    def online(self, now: datetime) -> bool:
        """Connected, and heard from within OFFLINE_AFTER_S."""
        return self.disconnected_at is None and now - self.last_heartbeat_at <= timedelta(
            seconds=OFFLINE_AFTER_S
        )
