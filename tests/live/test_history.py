"""History on the real processes: beat sends the minute rollup, the notifier (its history
queue) writes the row from the agent's samples, and the series endpoint answers from it
(docs/history.md)."""

import json
import socket
import time
import urllib.request

import pytest

from tests.live.stack import USERNAME, running_stack, wait_until

pytestmark = pytest.mark.live
HOST = socket.gethostname()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("history")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-history") as running:
        yield running


def series(stack, token: str, **query) -> dict:
    query = "&".join(f"{key}={value}" for key, value in query.items())
    request = urllib.request.Request(
        f"{stack.base_url}/api/hosts/{HOST}/series?metric=cpu.percent&{query}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_a_minute_row_is_written_by_the_scheduled_task_and_served(stack):
    token = stack.manage("token", "create", USERNAME, "--name", "history").strip().split()[-1]
    started = time.time()
    raw = series(stack, token, start=started - 120, end=started + 5)
    assert raw["tier"] == "raw" and raw["points"], raw
    # The first complete minute closes within 60 s; the task runs every 20 s.
    hourly = wait_until(
        lambda: series(stack, token, start=time.time() - 3600, end=time.time())["points"],
        timeout=100,
        what="a minute row from the beat-scheduled rollup",
        step=2,
    )
    minute, low, mean, high = hourly[0]
    assert minute % 60 == 0 and 0 <= low <= mean <= high <= 100
    rows = stack.shell(
        "from dashboards.history.models import Rollup; "
        "r = Rollup.objects.filter(tier='1m').order_by('start').first(); "
        "print(r.host, r.count, 'cpu.percent' in r.names.names)"
    )
    host, count, has_cpu = rows.split()
    assert host == HOST and 1 <= int(count) <= 61 and has_cpu == "True"
