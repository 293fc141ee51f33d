from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from dashboards.walls.layout import LayoutError, validate_layout

FLEET = "fleet"  # the overview as a saved dashboard: every install has it (migration 0002)


class Dashboard(models.Model):
    """A saved dashboard at /d/<slug>/: panels on a grid, as a layout of docs/dashboards.md."""

    slug = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    layout = models.JSONField(help_text="docs/dashboards.md: {schema: 1, columns, panels}")
    builtin = models.BooleanField(
        default=False, editable=False, help_text="made by the install; cannot be deleted"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        try:
            self.layout = validate_layout(self.layout)
        except LayoutError as exc:
            raise ValidationError({"layout": str(exc)}) from None

    def definition(self) -> dict:
        """Its file form (docs/dashboards.md)."""
        return {"slug": self.slug, "title": self.title, "layout": self.layout}


MIN_SECONDS, MAX_SECONDS = 1, 3600


class Playlist(models.Model):
    """Dashboards a wall shows in turn, each for its seconds (docs/walls.md#playlists), in one
    page with one socket."""

    name = models.SlugField(max_length=50, unique=True)
    pause_on_critical = models.BooleanField(
        default=True,
        help_text="Stay on a dashboard while it has a firing critical alert.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def definition(self) -> dict:
        """Its file form (docs/walls.md#playlists)."""
        return {
            "name": self.name,
            "pause_on_critical": self.pause_on_critical,
            "entries": [
                {"dashboard": entry.dashboard.slug, "seconds": entry.seconds}
                for entry in self.entries.select_related("dashboard")
            ],
        }


class PlaylistEntry(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(default=0)
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="+")
    seconds = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(MIN_SECONDS), MaxValueValidator(MAX_SECONDS)],
        help_text=f"How long it is shown: {MIN_SECONDS} to {MAX_SECONDS} s.",
    )

    class Meta:
        ordering = ("position", "pk")
        verbose_name_plural = "playlist entries"

    def __str__(self) -> str:
        return f"{self.dashboard.slug} for {self.seconds} s"


class KioskToken(models.Model):
    """A wall screen's read-only access to one dashboard at /k/<secret>/ (dashboards/walls/
    kiosks.py): the secret is printed once by `manage.py kiosk create`, kept only as a hash."""

    name = models.CharField(max_length=100, unique=True, help_text="The screen, e.g. 'NOC left'.")
    start = models.CharField(max_length=12, editable=False, help_text="Its first characters.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="kiosks")
    playlist = models.ForeignKey(
        "Playlist", null=True, blank=True, on_delete=models.SET_NULL, related_name="kiosks",
        help_text="Shown instead of the dashboard while it has entries.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("name",)
        verbose_name = "kiosk token"

    def __str__(self) -> str:
        return self.name
