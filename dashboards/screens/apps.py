from django.apps import AppConfig


class ScreensConfig(AppConfig):
    name = "dashboards.screens"
    label = "screens"
    verbose_name = "Screens"
