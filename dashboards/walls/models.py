from django.core.exceptions import ValidationError
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


class KioskToken(models.Model):
    """A wall screen's read-only access to one dashboard at /k/<secret>/ (dashboards/walls/
    kiosks.py): the secret is printed once by `manage.py kiosk create`, kept only as a hash."""

    name = models.CharField(max_length=100, unique=True, help_text="The screen, e.g. 'NOC left'.")
    start = models.CharField(max_length=12, editable=False, help_text="Its first characters.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="kiosks")
    # Playlists are not built yet: `kiosk create --playlist` is refused until they are.
    playlist = models.CharField(max_length=100, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("name",)
        verbose_name = "kiosk token"

    def __str__(self) -> str:
        return self.name
