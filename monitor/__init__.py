"""The Django project: settings, ASGI entry point, Celery app and URL map."""
