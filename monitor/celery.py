"""The Celery app shared by beat (central) and agents (one worker per monitored host)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")

app = Celery("monitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["collectors"])


@app.on_after_finalize.connect
def schedule_collection(sender: Celery, **kwargs: object) -> None:
    """Beat sends `collect` to this host's agent queue every MONITOR_INTERVAL seconds."""
    from django.conf import settings

    from collectors.tasks import collect_schedule

    sender.conf.beat_schedule = collect_schedule(settings.MONITOR_HOST, settings.MONITOR_INTERVAL)
