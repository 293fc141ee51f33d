import os
import subprocess
import sys
import time
from collections import namedtuple

import psutil
import pytest

from collectors.processes import SCAN_EVERY_S, ProcessSampler, _CpuAverages


class RecordedProcess:
    """Stands in for a cached psutil.Process: `info` from process_iter, a fixed cpu_percent."""

    def __init__(self, pid: int, name: str, cpu: float, error: type[Exception] | None = None):
        self.pid = pid
        self.info = {"pid": pid, "name": name, "username": "alice", "memory_percent": 1.234}
        self._cpu = cpu
        self._error = error
        self.cpu_reads = 0

    def cpu_percent(self, interval: float | None = None) -> float:
        self.cpu_reads += 1
        if self._error is not None:
            raise self._error(self.pid)
        return self._cpu


def sampler_over(processes, **kwargs) -> ProcessSampler:
    """A ProcessSampler whose scan sees `processes` and whose count is their number."""
    return ProcessSampler(
        iterate_processes=lambda: processes, count_processes=lambda: len(processes), **kwargs
    )


def test_top_lists_the_five_busiest_processes_first():
    processes = [RecordedProcess(pid, f"worker-{pid}", cpu=float(pid)) for pid in range(1, 9)]
    sampler = sampler_over(processes)

    metrics = sampler.sample(now=1.0)

    assert metrics == {"procs.count": 8}
    assert [entry["pid"] for entry in sampler.top] == [8, 7, 6, 5, 4]


def test_a_top_entry_has_pid_name_user_and_rounded_percentages():
    sampler = sampler_over([RecordedProcess(42, "postgres", 12.345)])
    sampler.sample(now=1.0)

    assert sampler.top == [
        {"pid": 42, "name": "postgres", "user": "alice", "cpu_percent": 12.3, "mem_percent": 1.2}
    ]


def test_unreadable_name_user_or_memory_fall_back_to_empty_values():
    hidden = RecordedProcess(7, "x", 0.0)
    hidden.info = {"pid": 7, "name": None, "username": None, "memory_percent": None}
    sampler = sampler_over([hidden])
    sampler.sample(now=1.0)

    assert sampler.top == [
        {"pid": 7, "name": "", "user": "", "cpu_percent": 0.0, "mem_percent": 0.0}
    ]


@pytest.mark.parametrize("error", [psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess])
def test_processes_that_vanish_or_deny_access_are_skipped_silently(error):
    processes = [RecordedProcess(1, "init", 0.5), RecordedProcess(2, "gone", 99.0, error=error)]
    sampler = sampler_over(processes)

    sampler.sample(now=1.0)

    assert [entry["pid"] for entry in sampler.top] == [1]


def test_a_process_gone_before_its_details_are_read_gives_way_to_the_next_busiest():
    class GoneAfterCpu(RecordedProcess):
        @property
        def info(self):
            raise psutil.NoSuchProcess(self.pid)

        @info.setter
        def info(self, value):
            pass

    processes = [GoneAfterCpu(9, "short-lived", 90.0)] + [
        RecordedProcess(pid, f"worker-{pid}", cpu=float(pid)) for pid in range(1, 7)
    ]
    sampler = sampler_over(processes)

    sampler.sample(now=1.0)

    assert [entry["pid"] for entry in sampler.top] == [6, 5, 4, 3, 2]


def test_top_is_empty_before_the_first_sample():
    assert ProcessSampler(iterate_processes=list, count_processes=lambda: 0).top == []


def test_the_scan_runs_once_per_window_and_top_is_reused_in_between():
    busy = RecordedProcess(1, "busy", 50.0)
    processes = [busy, RecordedProcess(2, "idle", 0.0)]
    counts = iter(range(100, 200))
    sampler = ProcessSampler(
        iterate_processes=lambda: processes, count_processes=lambda: next(counts), scan_every=5.0
    )

    metrics = [sampler.sample(now=float(second)) for second in range(12)]

    # Priming scan at 0 s, a real one on the next sample, then one every 5 s: 1, 6, 11.
    assert busy.cpu_reads == 4
    assert [m["procs.count"] for m in metrics] == list(range(100, 112))  # counted every sample
    assert sampler.top[0]["name"] == "busy"


def test_between_scans_top_is_the_last_scans_list_unchanged():
    processes = [RecordedProcess(1, "first", 10.0)]
    sampler = sampler_over(processes, scan_every=5.0)
    sampler.sample(now=0.0)
    sampler.sample(now=1.0)  # the real first scan
    scanned = sampler.top

    processes.append(RecordedProcess(2, "newcomer", 99.0))
    for now in (2.0, 3.0, 4.0, 5.0):
        sampler.sample(now=now)
        assert sampler.top == scanned
    sampler.sample(now=6.0)

    assert [entry["name"] for entry in sampler.top] == ["newcomer", "first"]


def test_a_tick_a_little_early_still_scans_so_jitter_does_not_stretch_the_window():
    process = RecordedProcess(1, "p", 1.0)
    sampler = sampler_over([process], scan_every=5.0)

    for now in (0.0, 1.0, 5.7):  # prime, first scan, next tick 0.3 s before 6.0
        sampler.sample(now=now)

    assert process.cpu_reads == 3


def test_scan_every_zero_scans_on_every_sample():
    process = RecordedProcess(1, "p", 1.0)
    sampler = sampler_over([process], scan_every=0)

    for now in (0.0, 0.0, 0.5, 1.0):
        sampler.sample(now=now)

    assert process.cpu_reads == 4


def test_a_negative_scan_interval_is_refused():
    with pytest.raises(ValueError, match="scan_every"):
        ProcessSampler(scan_every=-1)


def test_the_default_scan_interval_is_a_few_seconds():
    assert 2.0 <= SCAN_EVERY_S <= 10.0


def test_real_processes_get_fresh_details_not_a_stale_info_left_by_another_caller():
    me = psutil.Process(os.getpid())
    me.info = {"name": "stale", "username": "nobody", "memory_percent": 99.0}
    sampler = ProcessSampler(iterate_processes=lambda: [me], count_processes=lambda: 1)

    sampler.sample(now=0.0)

    assert sampler.top[0]["pid"] == os.getpid()
    assert sampler.top[0]["name"] == me.name()
    assert sampler.top[0]["mem_percent"] < 99.0


def test_the_default_count_is_the_number_of_processes_on_the_machine():
    sampler = ProcessSampler(iterate_processes=list)

    count = sampler.sample(now=0.0)["procs.count"]

    assert count > 0
    assert abs(count - len(psutil.pids())) < 20


def test_a_busy_process_shows_its_average_cpu_since_the_previous_scan():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        # Only look at the child, but through psutil's own cached Process objects.
        sampler = ProcessSampler(
            iterate_processes=lambda: (
                process for process in psutil.process_iter() if process.pid == busy.pid
            ),
            scan_every=0.5,
        )
        sampler.sample(now=time.monotonic())
        deadline = time.monotonic() + 5.0
        cpu = 0.0
        while cpu <= 10.0 and time.monotonic() < deadline:
            time.sleep(0.2)
            sampler.sample(now=time.monotonic())
            cpu = sampler.top[0]["cpu_percent"] if sampler.top else 0.0
        assert cpu > 10.0
        assert sampler.top[0]["name"]
    finally:
        busy.kill()
        busy.wait()


cputimes = namedtuple("cputimes", "user system")


class ScriptedProcess(psutil.Process):
    """A real psutil.Process (this test's own) whose cumulative CPU seconds follow a script."""

    def __init__(self, cpu_seconds: list[float]):
        super().__init__(os.getpid())
        self._cpu_seconds = iter(cpu_seconds)
        self.cpu_reads = 0

    def cpu_times(self):
        self.cpu_reads += 1
        return cputimes(user=next(self._cpu_seconds), system=0.0)

    def as_dict(self, attrs=None, ad_value=None):
        # psutil's own would enter oneshot(), which expects the real cpu_times.
        return {"name": "scripted", "username": "me", "memory_percent": 1.0}


def test_top_cpu_is_the_average_since_the_previous_scan_not_the_last_second():
    clock = [100.0]
    process = ScriptedProcess([10.0, 10.5, 13.0])
    sampler = ProcessSampler(
        iterate_processes=lambda: [process], count_processes=lambda: 1, scan_every=5.0
    )
    sampler._cpu = _CpuAverages(timer=lambda: clock[0])

    for second in range(7):  # scans at 100 (priming), 101 and 106
        clock[0] = 100.0 + second
        sampler.sample(now=clock[0])

    assert process.cpu_reads == 3
    # 2.5 CPU seconds over the 5 s since the scan at 101.
    assert sampler.top[0]["cpu_percent"] == 50.0


def test_cpu_averages_start_at_zero_and_divide_cpu_seconds_by_wall_seconds():
    clock = [0.0]
    averages = _CpuAverages(timer=lambda: clock[0])
    busy = ScriptedProcess([1.0, 4.0])

    first = averages.new_scan().percent(busy)
    averages.done()
    clock[0] = 2.0
    second = averages.new_scan().percent(busy)

    assert first == 0.0
    assert second == 150.0  # 3 CPU seconds in 2 s: more than one core


def test_cpu_averages_restart_for_a_new_process_on_a_reused_pid_and_forget_the_gone():
    clock = [0.0]
    averages = _CpuAverages(timer=lambda: clock[0])
    old, new = ScriptedProcess([1.0]), ScriptedProcess([5.0, 6.0])

    averages.new_scan().percent(old)
    averages.done()
    clock[0] = 1.0
    reused = averages.new_scan().percent(new)  # same pid, another Process object
    averages.done()
    clock[0] = 2.0
    averages.new_scan()
    averages.done()  # `new` not seen in this scan
    clock[0] = 3.0

    assert reused == 0.0
    assert averages.new_scan().percent(new) == 0.0


def test_cpu_averages_report_zero_when_no_time_passed():
    averages = _CpuAverages(timer=lambda: 5.0)
    process = ScriptedProcess([1.0, 2.0])
    averages.new_scan().percent(process)
    averages.done()

    assert averages.new_scan().percent(process) == 0.0
