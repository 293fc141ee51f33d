from django.contrib import admin

from dashboards.alerts.models import Alert, AlertEvent, AlertRule, Silence


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "metric", "hosts", "op", "warning", "critical",
                    "pending_for", "clear", "nodata")  # fmt: skip
    list_editable = ("enabled",)
    search_fields = ("name", "metric")


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    max_num = 0
    readonly_fields = ("event", "at", "state", "severity", "value", "by", "comment", "detail")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """History, read-only: alerts change through the evaluator and people's responses."""

    list_display = ("rule", "host", "labels", "state", "severity", "value", "started_at",
                    "resolved_at", "acked_by")  # fmt: skip
    list_filter = ("state", "severity", "rule", "source")
    search_fields = ("host", "rule", "summary")
    inlines = [AlertEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Silence)
class SilenceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "host", "rule", "labels", "starts_at", "ends_at", "created_by")
    search_fields = ("host", "rule", "comment")

    def save_model(self, request, obj, form, change) -> None:
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
