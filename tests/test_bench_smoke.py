"""The streaming benchmark's harness works end to end (what `make bench-smoke` runs).

Correctness only: every screen of every server got frames, sample ages are positive and finite,
no seq gaps or duplicates at this tiny load, and the tables were written. No timing is judged.
"""

import json
import subprocess
import sys

import pytest

from tests.live.stack import ROOT

pytestmark = pytest.mark.live


def test_bench_smoke_runs_all_three_servers_cleanly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--preset", "smoke", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "harness check passed" in done.stdout
    [markdown] = tmp_path.glob("*.md")
    [results] = tmp_path.glob("*.json")
    run = json.loads(results.read_text())
    assert {r["server"] for r in run["results"]} == {"bare", "textbook", "product"}
    text = markdown.read_text()
    assert text.startswith("# Streaming fan-out benchmark")
    assert "Command: `" in text
    for server in ("bare", "textbook", "product"):
        assert f"| {server} |" in text
