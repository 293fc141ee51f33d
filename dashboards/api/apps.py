from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dashboards.api"
    label = "api"
    verbose_name = "API"
