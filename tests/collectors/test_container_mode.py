"""Choosing host, host-proc or container mode, and what container mode does to a HostSampler."""

from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from collectors.cgroup import CgroupSampler
from collectors.container import SamplingModeError, in_container, sampling_mode, select_mode
from collectors.cpu import CpuSampler
from collectors.host import HostSampler, default_samplers
from collectors.load import LoadSampler
from collectors.memory import MemorySampler
from tests.collectors.fixtures.recorded import load, scputimes
from tests.collectors.test_cgroup import HOST_MEMORY, HOST_SWAP, advance, copy_of

DOCKER_V1_PID1 = """\
12:pids:/docker/3f1d2c9a8b7e
11:memory:/docker/3f1d2c9a8b7e
4:cpu,cpuacct:/docker/3f1d2c9a8b7e
1:name=systemd:/docker/3f1d2c9a8b7e
0::/system.slice/containerd.service
"""
SYSTEMD_V1_HOST_PID1 = """\
12:pids:/init.scope
4:cpu,cpuacct:/init.scope
3:memory:/
1:name=systemd:/init.scope
0::/init.scope
"""
V2_PID1 = "0::/\n"


def machine(tmp_path: Path, *files: str, pid1_cgroup: str | None = None) -> Path:
    """A fake / holding the given (empty) files and, optionally, /proc/1/cgroup."""
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    if pid1_cgroup is not None:
        (tmp_path / "proc/1").mkdir(parents=True)
        (tmp_path / "proc/1/cgroup").write_text(pid1_cgroup)
    return tmp_path


def host_proc(tmp_path: Path) -> str:
    """A directory that looks like a mounted /proc: it has a stat file."""
    proc = tmp_path / "host" / "proc"
    proc.mkdir(parents=True)
    (proc / "stat").write_text("cpu  8443 40 4160 2290316 1003 0 181 0 0 0\n")
    return str(proc)


@pytest.mark.parametrize(
    ("files", "pid1_cgroup", "mode"),
    [
        ((), None, "host"),
        ((), SYSTEMD_V1_HOST_PID1, "host"),
        ((), V2_PID1, "host"),
        ((".dockerenv",), None, "container"),
        (("run/.containerenv",), None, "container"),
        ((), DOCKER_V1_PID1, "container"),
    ],
    ids=[
        "nothing",
        "systemd-host-pid1",
        "v2-root-pid1",
        "dockerenv",
        "podman-containerenv",
        "docker-v1-pid1",
    ],
)
def test_without_settings_a_container_is_detected_from_marker_files_or_pid_1s_cgroup(
    tmp_path, files, pid1_cgroup, mode
):
    root = machine(tmp_path, *files, pid1_cgroup=pid1_cgroup)

    assert sampling_mode({}, root) == mode
    assert in_container(root) == (mode == "container")


@pytest.mark.parametrize(
    ("value", "files", "mode"),
    [
        ("true", (), "container"),
        ("yes", (), "container"),
        ("false", (".dockerenv",), "host"),
        ("0", (".dockerenv",), "host"),
        ("", (".dockerenv",), "container"),
        ("  ", (), "host"),
    ],
)
def test_monitor_container_forces_the_mode_and_blank_means_detect(tmp_path, value, files, mode):
    root = machine(tmp_path, *files)

    assert sampling_mode({"MONITOR_CONTAINER": value}, root) == mode


def test_monitor_container_with_a_value_that_is_not_yes_or_no_is_refused(tmp_path):
    with pytest.raises(SamplingModeError, match="MONITOR_CONTAINER='maybe'"):
        sampling_mode({"MONITOR_CONTAINER": "maybe"}, tmp_path)


def test_monitor_host_proc_on_a_mounted_proc_is_host_proc_mode_even_inside_a_container(tmp_path):
    proc = host_proc(tmp_path)
    root = machine(tmp_path / "root", ".dockerenv", pid1_cgroup=DOCKER_V1_PID1)

    assert sampling_mode({"MONITOR_HOST_PROC": proc}, root) == "host-proc"
    assert sampling_mode({"MONITOR_HOST_PROC": proc, "MONITOR_CONTAINER": "false"}, root) == (
        "host-proc"
    )


def test_a_blank_monitor_host_proc_is_unset(tmp_path):
    assert sampling_mode({"MONITOR_HOST_PROC": " "}, machine(tmp_path)) == "host"


def test_monitor_host_proc_pointing_at_a_missing_directory_is_refused_naming_the_variable(
    tmp_path,
):
    missing = str(tmp_path / "host" / "proc")

    with pytest.raises(SamplingModeError, match=r"MONITOR_HOST_PROC='.*/host/proc' does not exist"):
        sampling_mode({"MONITOR_HOST_PROC": missing}, tmp_path)


def test_monitor_host_proc_pointing_at_a_directory_without_stat_is_refused(tmp_path):
    with pytest.raises(SamplingModeError, match=r"MONITOR_HOST_PROC=.* is not a /proc"):
        sampling_mode({"MONITOR_HOST_PROC": str(tmp_path)}, tmp_path)


def test_monitor_host_proc_with_monitor_container_true_is_a_contradiction(tmp_path):
    proc = host_proc(tmp_path)

    with pytest.raises(SamplingModeError, match=r"MONITOR_HOST_PROC .* MONITOR_CONTAINER=true"):
        sampling_mode({"MONITOR_HOST_PROC": proc, "MONITOR_CONTAINER": "true"}, tmp_path)


def test_selecting_host_proc_points_psutil_at_the_hosts_proc(tmp_path, monkeypatch):
    monkeypatch.setattr(psutil, "PROCFS_PATH", psutil.PROCFS_PATH)  # restored after the test
    proc = host_proc(tmp_path)

    assert select_mode({"MONITOR_HOST_PROC": proc}) == "host-proc"
    assert proc == psutil.PROCFS_PATH


def test_selecting_another_mode_leaves_psutil_alone(monkeypatch):
    monkeypatch.setattr(psutil, "PROCFS_PATH", "/proc")

    assert select_mode({"MONITOR_CONTAINER": "true"}) == "container"
    assert psutil.PROCFS_PATH == "/proc"


@pytest.mark.parametrize(
    ("environment", "mode", "has_cgroup_sampler"),
    [
        ({"MONITOR_CONTAINER": "true"}, "container", True),
        ({"MONITOR_CONTAINER": "false"}, "host", False),
    ],
)
def test_a_default_host_sampler_takes_its_mode_from_the_environment(
    monkeypatch, environment, mode, has_cgroup_sampler
):
    monkeypatch.delenv("MONITOR_HOST_PROC", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    host = HostSampler()

    assert host.mode == mode
    assert any(isinstance(s, CgroupSampler) for s in host._active) == has_cgroup_sampler


def test_a_default_host_sampler_in_host_proc_mode_reads_the_hosts_proc(tmp_path, monkeypatch):
    monkeypatch.setattr(psutil, "PROCFS_PATH", psutil.PROCFS_PATH)
    monkeypatch.setenv("MONITOR_HOST_PROC", host_proc(tmp_path))
    monkeypatch.delenv("MONITOR_CONTAINER", raising=False)

    host = HostSampler()

    assert host.mode == "host-proc"
    assert str(tmp_path / "host" / "proc") == psutil.PROCFS_PATH
    assert not any(isinstance(s, CgroupSampler) for s in host._active)


def test_a_bad_monitor_host_proc_stops_the_default_host_sampler(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_HOST_PROC", str(tmp_path / "missing"))

    with pytest.raises(SamplingModeError, match="MONITOR_HOST_PROC"):
        HostSampler()


def test_container_mode_runs_the_cgroup_sampler_after_cpu_and_memory():
    types = [type(sampler) for sampler in default_samplers("container")]
    host_types = [type(sampler) for sampler in default_samplers("host")]

    assert types == [*host_types, CgroupSampler]
    assert [type(s) for s in default_samplers("host-proc")] == host_types


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown sampling mode 'vm'"):
        default_samplers("vm")


def test_a_host_sampler_with_explicit_samplers_is_labelled_host_unless_told():
    assert HostSampler([]).mode == "host"
    assert HostSampler([], mode="container").mode == "container"


def test_when_two_samplers_give_the_same_key_the_later_one_wins():
    class Gives:
        fields = ()

        def __init__(self, **metrics: float) -> None:
            self.metrics = metrics

        def sample(self, now: float) -> dict[str, float]:
            return self.metrics

    host = HostSampler([Gives(a=1, b=2), Gives(b=3, c=4), Gives(c=5)])

    assert host.sample().metrics == {"a": 1, "b": 3, "c": 5}


def test_container_mode_keys_override_the_host_wide_ones_and_per_core_and_load_stay_the_hosts(
    tmp_path, monkeypatch
):
    root = copy_of("cgroup_v2_limited", tmp_path)
    recorded = load("cpu_times_two_ticks")["ticks"]
    ticks = iter([[scputimes(**core) for core in tick] for tick in recorded])
    host_memory = SimpleNamespace(
        total=HOST_MEMORY, used=6_000_000_000, available=10_000_000_000, percent=40.2
    )
    host_swap = SimpleNamespace(total=HOST_SWAP, used=0, percent=0.0)
    host = HostSampler(
        [
            CpuSampler(read_times=lambda: next(ticks)),
            LoadSampler(read_load=lambda: (0.5, 0.75, 1.0)),
            MemorySampler(read_memory=lambda: host_memory, read_swap=lambda: host_swap),
            CgroupSampler(
                root,
                read_cpu_count=lambda: 2,
                read_host_memory=lambda: HOST_MEMORY,
                read_host_swap=lambda: HOST_SWAP,
            ),
        ],
        mode="container",
    )
    clock = iter([10.0, 11.0])
    monkeypatch.setattr(
        "collectors.host.time", SimpleNamespace(time=lambda: 1.0, monotonic=lambda: next(clock))
    )

    host.sample()
    advance(root / "cpu.stat", usage_usec=1_500_000, user_usec=1_000_000, system_usec=500_000)
    metrics = host.sample().metrics

    # The container's: 1.5 cores of its 2-core limit, 256 MiB of its 512 MiB.
    assert metrics["cpu.percent"] == pytest.approx(75.0)
    assert metrics["cpu.user_percent"] == pytest.approx(50.0)
    assert metrics["cpu.system_percent"] == pytest.approx(25.0)
    assert metrics["mem.total_bytes"] == 536_870_912
    assert metrics["mem.used_bytes"] == 268_435_456
    assert metrics["mem.percent"] == pytest.approx(50.0)
    assert metrics["swap.total_bytes"] == 536_870_912
    assert metrics["container.cpu.limit_core_count"] == 2
    # The host's, as CpuSampler and LoadSampler report them (see test_cpu.py).
    assert metrics["cpu.core.0.percent"] == pytest.approx(35.0)
    assert metrics["cpu.core.1.percent"] == pytest.approx(20.0)
    assert metrics["cpu.iowait_percent"] == pytest.approx(2.5)
    assert metrics["cpu.count"] == 2
    assert metrics["load.1m"] == 0.5


def test_the_container_fields_are_declared_once_after_the_host_fields():
    names = [field.name for field in HostSampler.fields()]

    assert names[-3:] == [field.name for field in CgroupSampler.fields]
    assert len(names) == len(set(names))
