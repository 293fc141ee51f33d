"""The agents' Celery app, built from the environment without Django: an agent loads no ORM,
admin or Channels consumer (docs/benchmarks.md, the whole agent beside node_exporter).

Beat (monitor/celery.py, the central app) sends `collect` by name to each agent's queue; this
app takes them one at a time in one long-lived process, and nothing it does is kept: no result,
no acknowledgement round trips (a collect lost on the way is one sample less, and the round
numbers show it), no remote control channel to poll.
"""

from celery import Celery

from agent.config import AgentConfig
from core.redis_keys import redis_keys
from core.services import celery_broker_url

config = AgentConfig.from_env()
keys = redis_keys(config.prefix)

# No fixups: Celery's Django fixup would load Django and every app whenever
# DJANGO_SETTINGS_MODULE is in the environment (manage.py, which starts agents, sets it).
app = Celery(
    "agent", broker=celery_broker_url(config.redis_url), include=["agent.tasks"], fixups=[]
)
app.conf.update(
    broker_transport_options={
        "global_keyprefix": keys.broker_prefix,
        # Collects are at-most-once: without the emulated acknowledgements kombu keeps in Redis
        # (two more round trips per task), a task is gone from the queue once taken.
        "ack_emulation": False,
        # BRPOP's server-side timeout: with collects every interval it returns with one anyway;
        # idle, a 1 s timeout woke the worker every second (half its CPU while idle).
        "polling_interval": 10,
    },
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,  # an agent waits for Redis for as long as it takes
    task_ignore_result=True,
    result_backend=None,
    task_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,  # a collect that waits is already stale
    task_acks_late=False,
    worker_hijack_root_logger=False,
    worker_enable_remote_control=False,
    worker_cancel_long_running_tasks_on_connection_loss=True,
    task_time_limit=30,
    task_soft_time_limit=20,
)
