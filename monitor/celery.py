"""The central Celery app: beat and the evaluator. Agents run an app of their own, without Django
(agent/celery_app.py); beat sends them `collect` by name."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")

app = Celery("monitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    ["dashboards.fleet", "dashboards.alerts", "dashboards.notify", "dashboards.history"]
)


@app.on_after_finalize.connect
def schedule_fleet(sender: Celery, **kwargs: object) -> None:
    """Beat sends a collection round (a `collect` per host) and the evaluation every interval,
    and the history's rollups and pruning on their own periods."""
    from django.conf import settings

    from dashboards.fleet.tasks import central_schedule
    from dashboards.history.tasks import history_schedule

    sender.conf.beat_schedule = {
        **central_schedule(settings.MONITOR_INTERVAL),
        **history_schedule(),
    }
