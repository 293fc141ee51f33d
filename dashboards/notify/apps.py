from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "dashboards.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from dashboards.notify import signals

        signals.connect()
