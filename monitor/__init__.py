"""The Django project: settings, ASGI entry point, Celery app and URL map."""

# Celery's Django recipe: the app is loaded with Django, so that every @shared_task, sent from any
# process (a web process queueing an Alertmanager silence), uses this app's broker and routes.
from monitor.celery import app as celery_app

__all__ = ("celery_app",)
