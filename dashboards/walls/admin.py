from django import forms
from django.contrib import admin

from dashboards.walls.kiosks import revoke_kiosks
from dashboards.walls.models import Dashboard, KioskToken, Playlist, PlaylistEntry


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


@admin.register(KioskToken)
class KioskTokenAdmin(admin.ModelAdmin):
    """Kiosk tokens are made by `manage.py kiosk create` (the URL is shown once, there); here
    they are seen and revoked. Revoking closes the screen's socket within seconds."""

    list_display = ("name", "start", "dashboard", "playlist", "created_at", "last_seen_at",
                    "expires_at", "revoked_at")  # fmt: skip
    list_filter = ("revoked_at", "dashboard", "playlist")
    search_fields = ("name", "start")
    readonly_fields = ("start", "created_at", "last_seen_at")
    fields = ("name", "start", "dashboard", "playlist", "created_at", "last_seen_at",
              "expires_at", "revoked_at")  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected kiosk tokens")
    def revoke(self, request, queryset) -> None:
        count = revoke_kiosks(queryset)
        self.message_user(request, f"{count} kiosk token(s) revoked: their screens close now.")


class PlaylistEntryInline(admin.TabularInline):
    model = PlaylistEntry
    fields = ("position", "dashboard", "seconds")
    extra = 1


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    """Dashboards a wall shows in turn (docs/walls.md#playlists), in the order of ``position``."""

    list_display = ("name", "pause_on_critical", "updated_at")
    search_fields = ("name",)
    inlines = [PlaylistEntryInline]
