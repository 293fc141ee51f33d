"""Debian's real Prometheus scrapes a running stack's /metrics, with the bearer token."""

import json
import socket
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.live.stack import METRICS_TOKEN, running_stack, wait_until
from tests.services import free_port, require_debian_peer

pytestmark = pytest.mark.live
PROMETHEUS = "/usr/bin/prometheus"
HOST = socket.gethostname()  # running_stack's agent names its host after the machine
JOB = "live-monitor"
WRONG_TOKEN_JOB = "live-monitor-wrong-token"

CONFIG = """\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: {job}
    authorization: {{type: Bearer, credentials: "{token}"}}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
  - job_name: {wrong_job}
    authorization: {{type: Bearer, credentials: "not-the-token"}}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
"""


def require_prometheus() -> None:
    require_debian_peer(
        PROMETHEUS,
        "prometheus",
        "the scrape by a real Prometheus did not run",
        "MONITOR_REQUIRE_PROMETHEUS",
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    require_prometheus()  # before starting anything: the stack alone takes seconds
    workdir = tmp_path_factory.mktemp("prometheus-stack")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-prometheus") as running:
        yield running


@pytest.fixture(scope="module")
def prometheus(stack, tmp_path_factory) -> str:
    """A Prometheus scraping ``stack`` every second; its base URL. Killed after the module."""
    workdir = tmp_path_factory.mktemp("prometheus")
    config = workdir / "prometheus.yml"
    config.write_text(
        CONFIG.format(job=JOB, wrong_job=WRONG_TOKEN_JOB, token=METRICS_TOKEN, port=stack.port)
    )
    port = free_port()
    with open(workdir / "prometheus.log", "wb") as log:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(10)


def api(base_url: str, path: str, **params: str):
    """The ``data`` of a Prometheus API answer, or None while Prometheus is not answering."""
    url = f"{base_url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            answer = json.load(response)
    except OSError:
        return None
    assert answer["status"] == "success", answer
    return answer["data"]


def query(base_url: str, promql: str) -> list[dict]:
    """The instant vector of ``promql`` (empty until Prometheus has scraped it)."""
    data = api(base_url, "query", query=promql)
    return [] if data is None else data["result"]


def target(base_url: str, job: str) -> dict | None:
    """The active target of ``job`` once it has been scraped at least once."""
    data = api(base_url, "targets", state="active")
    for found in [] if data is None else data["activeTargets"]:
        if found["labels"]["job"] == job and found["health"] != "unknown":
            return found
    return None


def test_prometheus_reads_this_hosts_cpu_from_the_stack(prometheus):
    promql = f'monitor_cpu_percent{{host="{HOST}",job="{JOB}"}}'

    result = wait_until(lambda: query(prometheus, promql), 60, f"Prometheus to have {promql}")

    assert len(result) == 1
    assert 0 <= float(result[0]["value"][1]) <= 100


def test_the_scrape_with_the_token_is_up(prometheus):
    scraped = wait_until(lambda: target(prometheus, JOB), 60, f"a scrape of job {JOB}")

    assert scraped["health"] == "up", scraped["lastError"]
    up = wait_until(lambda: query(prometheus, f'up{{job="{JOB}"}}'), 30, "up of the job")
    assert [float(series["value"][1]) for series in up] == [1]


def test_a_scrape_with_a_wrong_token_is_refused(prometheus):
    scraped = wait_until(
        lambda: target(prometheus, WRONG_TOKEN_JOB), 60, f"a scrape of job {WRONG_TOKEN_JOB}"
    )

    assert scraped["health"] == "down"
    assert "401" in scraped["lastError"]
