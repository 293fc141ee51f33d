"""Process figures from psutil: CPU time and RSS of a process and its children, machine load."""

import contextlib

import psutil


def _tree(pid: int) -> list[psutil.Process]:
    process = psutil.Process(pid)
    return [process, *process.children(recursive=True)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live children (0 if it is gone)."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        for process in _tree(pid):
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
    return total


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process alone."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its live children."""
    total = 0
    with contextlib.suppress(psutil.Error):
        for process in _tree(pid):
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling, since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def machine_description() -> str:
    import platform

    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = psutil.virtual_memory().total / 2**30
    return f"{psutil.cpu_count()} cores ({model or platform.machine()}), {memory:.0f} GiB, " + (
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )
