from django.contrib import admin

from dashboards.fleet.models import Host, HostStatusChange


class HostStatusChangeInline(admin.TabularInline):
    model = HostStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("previous", "status", "at")
    ordering = ("-at",)
    max_num = 0


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "status", "status_since", "labels", "duplicate", "mode")
    list_filter = ("enabled", "status", "mode")
    list_editable = ("enabled",)
    search_fields = ("name",)
    readonly_fields = (
        "labels", "os", "cpu_count", "memory_total_bytes", "boot_time", "agent_version", "mode",
        "interval", "status", "status_since", "duplicate", "registered_at", "last_registered_at",
    )  # fmt: skip
    inlines = [HostStatusChangeInline]
    actions = ["enable", "disable"]

    @admin.action(description="Enable: send their agents collect tasks")
    def enable(self, request, queryset) -> None:
        queryset.update(enabled=True)

    @admin.action(description="Disable: send their agents nothing")
    def disable(self, request, queryset) -> None:
        queryset.update(enabled=False)
