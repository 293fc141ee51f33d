from django import forms
from django.contrib import admin

from dashboards.walls.models import Dashboard


class DashboardForm(forms.ModelForm):
    class Meta:
        model = Dashboard
        fields = ("slug", "title", "layout")
        widgets = {"layout": forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"})}


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    """The layout as JSON; a bad one is refused with the panel and field (Dashboard.clean)."""

    form = DashboardForm
    list_display = ("slug", "title", "builtin", "updated_at")
    search_fields = ("slug", "title")
    readonly_fields = ("builtin", "created_at", "updated_at")

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.builtin:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # The bulk action asks has_delete_permission without an object: keep the built-in ones.
        queryset.exclude(builtin=True).delete()
