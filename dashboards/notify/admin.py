from django.contrib import admin, messages

from dashboards.notify.delivery import send_test
from dashboards.notify.models import ContactPoint, DeliveryAttempt, Notification, Route


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "enabled", "send_resolved", "updated_at")
    list_filter = ("kind", "enabled")
    search_fields = ("name",)
    actions = ["send_test_notification"]

    @admin.action(description="Send test notification")
    def send_test_notification(self, request, queryset) -> None:
        for contact_point in queryset:
            sent = send_test(contact_point)
            if sent.status == "delivered":
                self.message_user(request, f"{contact_point.name}: delivered", messages.SUCCESS)
            else:
                self.message_user(
                    request, f"{contact_point.name}: {sent.status}: {sent.last_error}",
                    messages.ERROR,
                )  # fmt: skip


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "is_default", "match", "continue_matching", "group_by",
                    "group_wait", "group_interval", "repeat_interval")  # fmt: skip
    list_editable = ("position",)
    filter_horizontal = ("contact_points",)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    max_num = 0
    readonly_fields = ("at", "status", "http_status", "latency_ms", "error")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """History, read-only: the dispatcher makes notifications, the notifier delivers them."""

    list_display = ("id", "target", "group_key", "status", "attempts", "created_at",
                    "delivered_at", "latency_ms", "last_error", "is_test")  # fmt: skip
    list_filter = ("status", "contact_point", "is_test")
    search_fields = ("group_key", "target", "key")
    readonly_fields = ("alerts",)
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ("notification", "at", "status", "http_status", "latency_ms", "error")
    list_filter = ("status", "notification__contact_point")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
