"""The fault matrix on the real processes of `make run` (tests/live/faults.py): each fault is
followed by a restart where the launcher owns the process, a screen that comes back by itself,
and /healthz at 200 again without anyone's help. The timeline goes to artifacts/faults.json."""

import asyncio
import json
import time
from pathlib import Path

import pytest

from tests.live.faults import ROLES, Outcome, run_matrix

pytestmark = pytest.mark.live
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> dict[str, Outcome]:
    outcomes = asyncio.run(run_matrix(tmp_path_factory.mktemp("faults")))
    ARTIFACTS.mkdir(exist_ok=True)
    rows = [o.row() for key, o in outcomes.items() if isinstance(o, Outcome) and key != "after"]
    timeline = {"at": time.time(), "faults": rows}
    (ARTIFACTS / "faults.json").write_text(json.dumps(timeline, indent=2))
    return outcomes


@pytest.mark.parametrize("role", ROLES)
def test_a_killed_child_is_restarted_and_screens_stream_again_by_themselves(matrix, role):
    outcome = matrix[role]
    assert outcome.restarted_after_s is not None, f"no new {role} process"
    assert outcome.streaming_again_after_s is not None, "the screen never streamed again"
    assert outcome.healthy_again_after_s is not None, "/healthz never came back to 200"


def test_a_screen_resumes_a_restarted_web_server_without_a_gap(matrix):
    outcome = matrix["web"]
    assert outcome.told, "the screen was never disconnected"
    assert outcome.gaps == [] and not outcome.epoch_changed


def test_collection_does_not_wait_for_a_dead_evaluator(matrix):
    assert matrix["evaluator"].gaps == []


def test_screens_learn_that_the_embedded_redis_started_over(matrix):
    assert matrix["redis"].epoch_changed


def test_an_external_redis_that_restarts_empty_is_recovered_from_without_help(matrix):
    outcome = matrix["external-redis"]
    assert outcome.streaming_again_after_s is not None
    assert outcome.epoch_changed
    assert outcome.healthy_again_after_s is not None


def test_nothing_stays_broken_after_every_fault(matrix):
    assert matrix["clients_after"] == 1  # the one screen, nothing counted that is not there
    log = matrix["after"].notes
    assert "took too long to shut down" not in log


def test_no_fault_floods_the_log(matrix):
    for key, outcome in matrix.items():
        if isinstance(outcome, Outcome) and key != "after":
            # A few lines per process and outage, not hundreds a second (it was 185 a second).
            assert outcome.log_lines < 100, f"{outcome.fault}: {outcome.log_lines} log lines"
