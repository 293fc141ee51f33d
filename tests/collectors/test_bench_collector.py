"""The collector benchmark still runs end to end (tiny sizes: this checks it works, not speed)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_collector_bench_prints_its_tables_and_targets():
    command = [sys.executable, "-m", "bench.collector", "--samples", "10", "--repeats", "1"]
    command += ["--warmup", "2", "--block", "5", "--rss-seconds", "0"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    report = done.stdout
    assert report.startswith("# Host collector cost")
    assert "| ours: `HostSampler().sample()` |" in report
    assert "| bare psutil, same fields and cadence |" in report
    assert "| ProcessSampler |" in report
    assert "| ours <= 1.1x bare psutil CPU |" in report
