"""The API on the real server (Daphne, with its middleware, CSP and static files): schemathesis
generates requests from /api/openapi.json for every operation and none may get a 5xx or an
answer its schema does not describe."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.live.stack import USERNAME, running_stack

pytestmark = pytest.mark.live
SCHEMATHESIS = Path(sys.executable).with_name("st")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("api-stack")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-api") as running:
        yield running


def admin_token(stack) -> str:
    return stack.manage("token", "create", USERNAME, "--name", "schemathesis").strip().split()[-1]


def test_the_live_schema_is_served_and_the_api_answers_a_token(stack):
    token = admin_token(stack)
    with urllib.request.urlopen(f"{stack.base_url}/api/openapi.json", timeout=5) as response:
        schema = json.load(response)
    assert schema["info"]["title"] == "Live monitor API" and "/api/alerts" in schema["paths"]
    request = urllib.request.Request(
        f"{stack.base_url}/api/hosts", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        hosts = json.load(response)
    assert [h["status"] for h in hosts] == ["up"]


def test_generated_requests_for_every_operation_get_no_server_error(stack, tmp_path):
    """Property-based: schemathesis' examples, boundary values and mutations of each operation's
    parameters and bodies, sent as an admin (who may reach every code path)."""
    token = admin_token(stack)
    report = tmp_path / "junit.xml"
    examples = os.environ.get("MONITOR_SCHEMATHESIS_EXAMPLES", "30")
    argv = [
        str(SCHEMATHESIS), "run", f"{stack.base_url}/api/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
        "--max-examples", examples, "--generation-deterministic", "--workers", "1",
        "--request-timeout", "10", "--no-color",
        "--report", "junit", "--report-junit-path", str(report),
    ]  # fmt: skip
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # its cache (.schemathesis/) stays out of the checkout
    )
    output = done.stdout + done.stderr
    print(output[-3000:])
    assert done.returncode == 0, output[-6000:]
    assert "testcase" in report.read_text()  # it ran operations, not nothing
