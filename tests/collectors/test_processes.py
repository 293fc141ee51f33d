import subprocess
import sys
import time

import psutil
import pytest

from collectors.processes import ProcessSampler


class RecordedProcess:
    """Stands in for a cached psutil.Process: `info` from process_iter, a fixed cpu_percent."""

    def __init__(self, pid: int, name: str, cpu: float, error: type[Exception] | None = None):
        self.pid = pid
        self.info = {"pid": pid, "name": name, "username": "alice", "memory_percent": 1.234}
        self._cpu = cpu
        self._error = error

    def cpu_percent(self, interval: float | None = None) -> float:
        if self._error is not None:
            raise self._error(self.pid)
        return self._cpu


def test_top_lists_the_five_busiest_processes_first():
    processes = [RecordedProcess(pid, f"worker-{pid}", cpu=float(pid)) for pid in range(1, 9)]
    sampler = ProcessSampler(iterate_processes=lambda: processes)

    metrics = sampler.sample(now=1.0)

    assert metrics == {"procs.count": 8}
    assert [entry["pid"] for entry in sampler.top] == [8, 7, 6, 5, 4]


def test_a_top_entry_has_pid_name_user_and_rounded_percentages():
    sampler = ProcessSampler(iterate_processes=lambda: [RecordedProcess(42, "postgres", 12.345)])
    sampler.sample(now=1.0)

    assert sampler.top == [
        {"pid": 42, "name": "postgres", "user": "alice", "cpu_percent": 12.3, "mem_percent": 1.2}
    ]


def test_unreadable_name_user_or_memory_fall_back_to_empty_values():
    hidden = RecordedProcess(7, "x", 0.0)
    hidden.info = {"pid": 7, "name": None, "username": None, "memory_percent": None}
    sampler = ProcessSampler(iterate_processes=lambda: [hidden])
    sampler.sample(now=1.0)

    assert sampler.top == [
        {"pid": 7, "name": "", "user": "", "cpu_percent": 0.0, "mem_percent": 0.0}
    ]


@pytest.mark.parametrize("error", [psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess])
def test_processes_that_vanish_or_deny_access_are_skipped_silently(error):
    processes = [RecordedProcess(1, "init", 0.5), RecordedProcess(2, "gone", 99.0, error=error)]
    sampler = ProcessSampler(iterate_processes=lambda: processes)

    sampler.sample(now=1.0)

    assert [entry["pid"] for entry in sampler.top] == [1]


def test_top_is_empty_before_the_first_sample():
    assert ProcessSampler(iterate_processes=list).top == []


def test_a_busy_process_shows_its_cpu_since_the_previous_sample():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        # Only look at the child, but through psutil's own cached Process objects.
        sampler = ProcessSampler(
            iterate_processes=lambda: (
                process
                for process in psutil.process_iter(
                    attrs=["pid", "name", "username", "memory_percent"]
                )
                if process.pid == busy.pid
            )
        )
        sampler.sample(now=0.0)
        deadline = time.monotonic() + 5.0
        cpu = 0.0
        while cpu <= 10.0 and time.monotonic() < deadline:
            time.sleep(0.2)
            sampler.sample(now=0.0)
            cpu = sampler.top[0]["cpu_percent"] if sampler.top else 0.0
        assert cpu > 10.0
    finally:
        busy.kill()
        busy.wait()
