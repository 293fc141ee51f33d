from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "dashboards.fleet"
    label = "fleet"
    verbose_name = "Fleet"

    def ready(self) -> None:
        from dashboards.fleet import signals  # noqa: F401 - connects the receivers
