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
