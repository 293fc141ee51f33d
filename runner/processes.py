"""The command lines of the product's processes, defined once for `make run`, Compose and tests."""

import sys
from pathlib import Path

from django.conf import settings

# Autobahn (under Daphne) applies this limit to messages in both directions: it must stay above
# the largest frame the server sends (a backfill frame of protocol.BACKFILL_FRAME_BYTES,
# or one sample of a host with thousands of interfaces). Client messages are held to the
# consumer's own, much smaller limit (close 4413); past this one Daphne closes with 1009.
WEBSOCKET_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
HANDSHAKE_TIMEOUT_S = 30


def web_argv(bind: tuple[str, int] | None = None) -> list[str]:
    """Daphne (with the stream's patches, runner/web.py) on MONITOR_BIND."""
    host, port = bind or settings.MONITOR_BIND
    return [
        sys.executable, "-m", "runner.web",
        "--bind", host, "--port", str(port),
        "--websocket_timeout", "-1",  # a wall screen stays connected for weeks
        # A handshake may wait this long for the application: in a reconnect storm a late
        # answer is better than a refusal the screen would retry, adding to the storm.
        "--websocket_connect_timeout", str(HANDSHAKE_TIMEOUT_S),
        "--ping-interval", "20", "--ping-timeout", "30",
        "--websocket-max-message-size", str(WEBSOCKET_MAX_MESSAGE_BYTES),
        "--websocket-max-frame-size", str(WEBSOCKET_MAX_MESSAGE_BYTES),
        "--application-close-timeout", "5",
        "--no-server-name",
        # Behind a proxy: the client's address and scheme from X-Forwarded-For/-Proto.
        *(["--proxy-headers"] if settings.MONITOR_PROXY_HEADERS else []),
        "monitor.asgi:application",
    ]  # fmt: skip


def agent_argv() -> list[str]:
    """One agent (agent/__main__.py): a Celery worker for MONITOR_HOST, on its own queue; it
    reads its settings from the environment, without Django."""
    return [sys.executable, "-m", "agent"]


def evaluator_argv() -> list[str]:
    """The central worker: turns registrations into hosts, evaluates status and alerts, and
    runs the notifications' dispatch tick (database only). One task at a time."""
    import socket

    from dashboards.fleet.tasks import CENTRAL_QUEUE

    return [
        sys.executable, "-m", "celery", "--app", "monitor", "worker",
        "--pool", "solo", "--concurrency", "1",
        "--queues", CENTRAL_QUEUE, "--hostname", f"evaluator@{socket.gethostname()}",
        "--prefetch-multiplier", "1", "--purge",
        "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]  # fmt: skip


def notifier_argv() -> list[str]:
    """The notifier: a central worker of its own for the notify queue (deliveries) and the
    history queue (rollups, dashboards/history/), so a slow receiver or an hour's rollup never
    delays alert evaluation or the dispatch tick (which the evaluator runs). Threads: deliveries
    wait on the network, and a rollup takes one thread while the others deliver."""
    import socket

    from dashboards.history.queues import HISTORY_QUEUE
    from dashboards.notify.queues import NOTIFY_QUEUE

    return [
        sys.executable, "-m", "celery", "--app", "monitor", "worker",
        "--pool", "threads", "--concurrency", str(settings.MONITOR_NOTIFY_WORKERS),
        # No --purge: a queued delivery is still owed (the database knows it anyway).
        "--queues", f"{NOTIFY_QUEUE},{HISTORY_QUEUE}",
        "--hostname", f"notifier@{socket.gethostname()}",
        "--prefetch-multiplier", "1",
        "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]  # fmt: skip


def beat_argv(data_dir: Path | None = None) -> list[str]:
    """Celery beat, the single central scheduler; it sends the collection rounds itself."""
    schedule = Path(data_dir or settings.DATA_DIR) / "celerybeat-schedule"
    return [
        sys.executable, "-m", "celery", "--app", "monitor", "beat",
        "--scheduler", "dashboards.fleet.dispatch:DispatchingScheduler",
        "--schedule", str(schedule), "--loglevel", "WARNING",
    ]  # fmt: skip
