"""CgroupSampler on recorded cgroup file trees (tests/collectors/fixtures/cgroup_*/).

cgroup_v1_unlimited is this project's build machine as it was (Linux 6.18, cgroup v1 with the cpu
and cpuacct controllers mounted separately, a container's memory cgroup with no limit).
cgroup_v1_limited has the same files in the joint `cpu,cpuacct` layout most distributions mount,
with a 1.5-core quota and a 1 GiB limit (`docker run --cpus 1.5 --memory 1g`).
The v2 trees have the files and lines a Linux 6.x kernel writes for a container's own cgroup:
cgroup_v2_limited as for `--cpus 2 --memory 512m --memory-swap 1g`, cgroup_v2_unlimited with
no limits at all. A second tick is written into a temporary copy.
"""

import shutil
from pathlib import Path

import pytest

from collectors.cgroup import CgroupSampler
from collectors.host import HostSampler

FIXTURES = Path(__file__).parent / "fixtures"
HOST_CPUS = 8
HOST_MEMORY = 16_724_393_984
HOST_SWAP = 2_147_479_552


def copy_of(fixture: str, tmp_path: Path) -> Path:
    """A writable copy of the recorded tree `fixture`."""
    return Path(shutil.copytree(FIXTURES / fixture, tmp_path / fixture))


def sampler_at(root: Path) -> CgroupSampler:
    """A CgroupSampler on `root` for a host with 8 CPUs, 16 GB of memory and 2 GiB of swap."""
    return CgroupSampler(
        root,
        read_cpu_count=lambda: HOST_CPUS,
        read_host_memory=lambda: HOST_MEMORY,
        read_host_swap=lambda: HOST_SWAP,
    )


def advance(path: Path, **increments: int) -> None:
    """Add to lines of a flat-keyed file (cpu.stat, cpuacct.stat), leaving the other lines as they
    are; with the single key `value`, add to a one-number file (cpuacct.usage)."""
    lines = path.read_text().splitlines()
    if list(increments) == ["value"]:
        lines = [str(int(lines[0]) + increments["value"])]
    else:
        for index, line in enumerate(lines):
            name, value = line.split(" ")
            if name in increments:
                lines[index] = f"{name} {int(value) + increments.pop(name)}"
        assert not increments, f"no such lines: {increments}"
    path.write_text("\n".join(lines) + "\n")


def two_ticks(
    root: Path, seconds: float, changes: dict[str, dict[str, int]] | None = None
) -> dict[str, float]:
    """Sample `root` at monotonic 10.0, apply `changes` ({file under root: increments}) and return
    the sample taken `seconds` later."""
    sampler = sampler_at(root)
    sampler.sample(now=10.0)
    for name, increments in (changes or {}).items():
        advance(root / name, **increments)
    return sampler.sample(now=10.0 + seconds)


def cpu_keys(metrics: dict[str, float]) -> dict[str, float]:
    return {
        key: value for key, value in metrics.items() if ".cpu." in key or key.startswith("cpu.")
    }


@pytest.mark.parametrize(
    ("fixture", "version"),
    [
        ("cgroup_v2_limited", 2),
        ("cgroup_v2_unlimited", 2),
        ("cgroup_v1_limited", 1),
        ("cgroup_v1_unlimited", 1),
    ],
)
def test_cgroup_v2_is_recognised_by_cgroup_controllers_at_the_root(fixture, version):
    assert sampler_at(FIXTURES / fixture).version == version


def test_the_first_sample_has_the_cpu_limit_but_no_cpu_percent():
    metrics = sampler_at(FIXTURES / "cgroup_v2_limited").sample(now=10.0)

    assert cpu_keys(metrics) == {"container.cpu.limit_core_count": 2.0}


def test_v2_cpu_percent_from_two_ticks_is_the_usage_against_the_two_core_limit(tmp_path):
    root = copy_of("cgroup_v2_limited", tmp_path)

    metrics = two_ticks(
        root,
        1.0,
        {
            "cpu.stat": {
                "usage_usec": 1_500_000,
                "user_usec": 1_200_000,
                "system_usec": 300_000,
                "nr_periods": 10,
                "nr_throttled": 2,
            }
        },
    )

    # cpu.max "200000 100000" is 2 cores. 1.5 s of CPU in 1 s is 1.5 cores = 75 % of 2;
    # user 1.2 s = 60 %, system 0.3 s = 15 %; throttled in 2 of 10 periods = 20 %.
    assert cpu_keys(metrics) == {
        "container.cpu.limit_core_count": 2.0,
        "cpu.percent": pytest.approx(75.0),
        "cpu.user_percent": pytest.approx(60.0),
        "cpu.system_percent": pytest.approx(15.0),
        "container.cpu.throttled_percent": pytest.approx(20.0),
    }


def test_v1_cpu_percent_from_two_ticks_is_the_usage_against_the_quota(tmp_path):
    root = copy_of("cgroup_v1_limited", tmp_path)

    metrics = two_ticks(
        root,
        2.0,
        {
            "cpu,cpuacct/cpuacct.usage": {"value": 2_400_000_000},
            "cpu,cpuacct/cpuacct.stat": {"user": 180, "system": 60},
            "cpu,cpuacct/cpu.stat": {"nr_periods": 20, "nr_throttled": 10},
        },
    )

    # cfs_quota_us 150000 / cfs_period_us 100000 is 1.5 cores. 2.4 s (in ns) over 2 s is
    # 1.2 cores = 80 %; user 180 ticks of 1/100 s = 0.9 cores = 60 %, system 0.3 cores = 20 %;
    # throttled in 10 of 20 periods = 50 %.
    assert cpu_keys(metrics) == {
        "container.cpu.limit_core_count": 1.5,
        "cpu.percent": pytest.approx(80.0),
        "cpu.user_percent": pytest.approx(60.0),
        "cpu.system_percent": pytest.approx(20.0),
        "container.cpu.throttled_percent": pytest.approx(50.0),
    }


def test_v2_memory_is_the_working_set_against_the_limit():
    metrics = sampler_at(FIXTURES / "cgroup_v2_limited").sample(now=10.0)

    # memory.current 347889664 - inactive_file 79454208 = 268435456 (256 MiB) of 512 MiB.
    # memory.swap.max 512 MiB, memory.swap.current 16 MiB.
    assert {key: value for key, value in metrics.items() if "cpu" not in key} == {
        "container.memory.limit_bytes": 536_870_912,
        "mem.total_bytes": 536_870_912,
        "mem.used_bytes": 268_435_456,
        "mem.available_bytes": 268_435_456,
        "mem.percent": pytest.approx(50.0),
        "swap.total_bytes": 536_870_912,
        "swap.used_bytes": 16_777_216,
        "swap.percent": pytest.approx(3.125),
    }


def test_v1_memory_is_the_working_set_against_the_limit_and_swap_comes_from_memsw():
    metrics = sampler_at(FIXTURES / "cgroup_v1_limited").sample(now=10.0)

    # usage_in_bytes 689016832 - total_inactive_file 286363648 = 402653184 (384 MiB) of 1 GiB.
    # Swap: memsw limit 2 GiB - 1 GiB = 1 GiB; memsw usage 722571264 - 689016832 = 32 MiB.
    assert {key: value for key, value in metrics.items() if "cpu" not in key} == {
        "container.memory.limit_bytes": 1_073_741_824,
        "mem.total_bytes": 1_073_741_824,
        "mem.used_bytes": 402_653_184,
        "mem.available_bytes": 671_088_640,
        "mem.percent": pytest.approx(37.5),
        "swap.total_bytes": 1_073_741_824,
        "swap.used_bytes": 33_554_432,
        "swap.percent": pytest.approx(3.125),
    }


def test_v2_without_a_cpu_quota_the_limit_is_every_cpu_the_container_may_run_on(tmp_path):
    root = copy_of("cgroup_v2_unlimited", tmp_path)

    metrics = two_ticks(root, 1.0, {"cpu.stat": {"usage_usec": 1_500_000, "user_usec": 1_500_000}})

    # cpu.max "max 100000": 8 CPUs. 1.5 cores of 8 = 18.75 %; no period ran, nothing throttled.
    assert cpu_keys(metrics) == {
        "container.cpu.limit_core_count": 8,
        "cpu.percent": pytest.approx(18.75),
        "cpu.user_percent": pytest.approx(18.75),
        "cpu.system_percent": 0.0,
        "container.cpu.throttled_percent": 0.0,
    }


def test_v1_without_a_cpu_quota_the_limit_is_every_cpu_the_container_may_run_on(tmp_path):
    root = copy_of("cgroup_v1_unlimited", tmp_path)

    metrics = two_ticks(root, 2.0, {"cpuacct/cpuacct.usage": {"value": 4_000_000_000}})

    # cfs_quota_us -1: 8 CPUs. 4 s over 2 s = 2 cores of 8 = 25 %.
    assert metrics["container.cpu.limit_core_count"] == 8
    assert metrics["cpu.percent"] == pytest.approx(25.0)


@pytest.mark.parametrize(
    ("fixture", "working_set", "swap_used"),
    [
        # memory.current 127406080 - inactive_file 38797312; memory.swap.current 0.
        ("cgroup_v2_unlimited", 88_608_768, 0),
        # usage_in_bytes 69312512 - total_inactive_file 12021760; memsw usage equal to usage.
        ("cgroup_v1_unlimited", 57_290_752, 0),
    ],
)
def test_without_a_memory_limit_total_and_swap_are_the_hosts(fixture, working_set, swap_used):
    metrics = sampler_at(FIXTURES / fixture).sample(now=10.0)

    assert metrics["container.memory.limit_bytes"] == HOST_MEMORY
    assert metrics["mem.total_bytes"] == HOST_MEMORY
    assert metrics["mem.used_bytes"] == working_set
    assert metrics["mem.available_bytes"] == HOST_MEMORY - working_set
    assert metrics["mem.percent"] == pytest.approx(100 * working_set / HOST_MEMORY)
    assert metrics["swap.total_bytes"] == HOST_SWAP
    assert metrics["swap.used_bytes"] == swap_used


def test_limits_above_what_the_host_has_are_capped_at_the_host(tmp_path):
    root = copy_of("cgroup_v2_limited", tmp_path)
    (root / "cpu.max").write_text("1600000 100000\n")  # 16 cores on an 8-CPU host
    (root / "memory.max").write_text(f"{4 * HOST_MEMORY}\n")

    metrics = sampler_at(root).sample(now=10.0)

    assert metrics["container.cpu.limit_core_count"] == HOST_CPUS
    assert metrics["container.memory.limit_bytes"] == HOST_MEMORY
    assert metrics["mem.total_bytes"] == HOST_MEMORY


def test_a_lower_limit_on_a_parent_cgroup_binds_on_v1(tmp_path):
    root = copy_of("cgroup_v1_limited", tmp_path)
    stat = root / "memory" / "memory.stat"
    stat.write_text(
        stat.read_text().replace(
            "hierarchical_memory_limit 1073741824", "hierarchical_memory_limit 805306368"
        )
    )

    metrics = sampler_at(root).sample(now=10.0)

    # The pod's 768 MiB, not the container's 1 GiB; 384 MiB used is 50 %. The swap limit is still
    # the container's own memsw limit less its own memory limit.
    assert metrics["mem.total_bytes"] == 805_306_368
    assert metrics["mem.percent"] == pytest.approx(50.0)
    assert metrics["swap.total_bytes"] == 1_073_741_824


def test_a_cpu_counter_that_goes_backwards_gives_no_cpu_percent_for_that_tick(tmp_path):
    root = copy_of("cgroup_v2_limited", tmp_path)
    sampler = sampler_at(root)
    sampler.sample(now=10.0)

    advance(root / "cpu.stat", usage_usec=-80_000_000)
    after_reset = sampler.sample(now=11.0)
    advance(root / "cpu.stat", usage_usec=1_000_000)
    next_tick = sampler.sample(now=12.0)

    assert "cpu.percent" not in after_reset
    assert after_reset["container.cpu.limit_core_count"] == 2.0
    assert next_tick["cpu.percent"] == pytest.approx(50.0)


def test_more_usage_than_the_limit_allows_is_reported_as_100_percent(tmp_path):
    # A quota lowered between two ticks can make the last interval's usage exceed the new limit.
    root = copy_of("cgroup_v2_limited", tmp_path)

    metrics = two_ticks(root, 1.0, {"cpu.stat": {"usage_usec": 3_000_000}})

    assert metrics["cpu.percent"] == 100.0


@pytest.mark.parametrize("fixture", ["cgroup_v2_limited", "cgroup_v1_limited"])
def test_a_cgroup_without_the_memory_controller_gives_no_memory_keys_and_no_error(
    tmp_path, fixture
):
    root = copy_of(fixture, tmp_path)
    if (root / "memory").is_dir():
        shutil.rmtree(root / "memory")
    for path in root.glob("memory.*"):
        path.unlink()

    metrics = two_ticks(root, 1.0)

    assert not [key for key in metrics if key.startswith(("mem.", "swap.", "container.memory."))]
    assert metrics["cpu.percent"] == 0.0


def test_a_kernel_without_swap_accounting_leaves_swap_to_the_host(tmp_path):
    root = copy_of("cgroup_v2_limited", tmp_path)
    for path in root.glob("memory.swap.*"):
        path.unlink()

    metrics = sampler_at(root).sample(now=10.0)

    assert not [key for key in metrics if key.startswith("swap.")]
    assert metrics["mem.percent"] == pytest.approx(50.0)


def test_a_missing_cgroup_root_gives_no_keys_and_no_error(tmp_path):
    sampler = sampler_at(tmp_path / "nowhere")

    assert sampler.sample(now=10.0) == {}
    assert sampler.sample(now=11.0) == {}


def test_every_key_from_every_recorded_tree_is_a_declared_field(tmp_path):
    fields = HostSampler.fields()
    for fixture in ("cgroup_v2_limited", "cgroup_v2_unlimited"):
        keys = set(two_ticks(copy_of(fixture, tmp_path), 1.0, {"cpu.stat": {"usage_usec": 1}}))
        for key in keys:
            assert any(field.matches(key) for field in fields), key


@pytest.mark.skipif(not Path("/sys/fs/cgroup").is_dir(), reason="no cgroup file system here")
def test_the_cgroup_of_the_machine_running_the_tests_gives_sane_figures():
    sampler = CgroupSampler()
    sampler.sample(now=0.0)
    metrics = sampler.sample(now=1.0)

    for key, value in metrics.items():
        if key.endswith("percent"):
            assert 0.0 <= value <= 100.0, key
    if "mem.total_bytes" in metrics:
        assert 0 <= metrics["mem.used_bytes"] <= metrics["mem.total_bytes"]
