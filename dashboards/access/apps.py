from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "dashboards.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from dashboards.access import signals  # noqa: F401 - connects the receivers
