from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "dashboards.history"
    label = "history"
    verbose_name = "History"
