from django.contrib import admin

from dashboards.screens.models import Screen


@admin.register(Screen)
class ScreenAdmin(admin.ModelAdmin):
    """Read-only: screens write their own rows; deleting one forgets a screen gone for good."""

    list_display = ("name", "key", "shows", "last_heartbeat_at", "disconnected_at")
    search_fields = ("name", "key")
    readonly_fields = [field.name for field in Screen._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
