"""The Celery app shared by beat (central) and agents (one worker per monitored host)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")

app = Celery("monitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["agent", "dashboards.fleet"])


@app.on_after_finalize.connect
def schedule_fleet(sender: Celery, **kwargs: object) -> None:
    """Beat fires the central dispatch (a `collect` per host) and evaluation every interval."""
    from django.conf import settings

    from dashboards.fleet.tasks import central_schedule

    sender.conf.beat_schedule = central_schedule(settings.MONITOR_INTERVAL)
