import pytest

from collectors.disk import DiskSampler
from tests.collectors.fixtures.recorded import load, sdiskio, sdiskpart, sdiskusage

_ERRORS = {"FileNotFoundError": FileNotFoundError, "PermissionError": PermissionError}


def desktop_sampler(read_io=lambda: None) -> DiskSampler:
    """A DiskSampler reading the recorded Ubuntu desktop partitions and usage."""
    recorded = load("disk_partitions_desktop")

    def read_usage(mountpoint: str) -> sdiskusage:
        if mountpoint in recorded["usage_errors"]:
            raise _ERRORS[recorded["usage_errors"][mountpoint]](mountpoint)
        return sdiskusage(**recorded["usage"][mountpoint])

    return DiskSampler(
        read_partitions=lambda: [sdiskpart(**part) for part in recorded["partitions"]],
        read_usage=read_usage,
        read_io=read_io,
    )


def test_disk_usage_is_keyed_by_the_mount_point_verbatim():
    metrics = desktop_sampler().sample(now=1.0)

    assert metrics["disk./.used_percent"] == 41.6
    assert metrics["disk./.total_bytes"] == 502_392_610_816
    assert metrics["disk./boot/efi.used_bytes"] == 6_369_280


def test_only_real_readable_first_mounts_are_reported():
    mounts = {key.rsplit(".", 1)[0] for key in desktop_sampler().sample(now=1.0)}

    # Snap squashfs loops, the second mount of /dev/nvme0n1p2, the pulled USB stick and the
    # unreadable backup disk are all left out.
    assert mounts == {"disk./", "disk./boot/efi"}


def test_machine_wide_io_is_absent_when_psutil_sees_no_disks():
    metrics = desktop_sampler(read_io=lambda: None).sample(now=1.0)

    assert not any(key.startswith("disk.io.") for key in metrics)


def replay_io() -> list[dict[str, float]]:
    ticks = load("disk_io_counter_reset")["ticks"]
    remaining = iter(ticks)
    sampler = DiskSampler(
        read_partitions=list,
        read_usage=lambda mountpoint: None,
        read_io=lambda: sdiskio(**next(remaining)["counters"]),
    )
    return [sampler.sample(now=tick["monotonic"]) for tick in ticks]


def test_a_disk_io_counter_reset_gives_no_rate_and_the_next_tick_is_a_normal_rate():
    first, normal, after_reset, next_tick = replay_io()

    assert first == {}
    assert normal == {
        "disk.io.read_bytes_per_s": pytest.approx(4_194_304.0),
        "disk.io.write_bytes_per_s": pytest.approx(8_388_608.0),
        "disk.io.read_ops_per_s": pytest.approx(100.0),
        "disk.io.write_ops_per_s": pytest.approx(200.0),
    }
    assert after_reset == {}
    assert next_tick == {
        "disk.io.read_bytes_per_s": pytest.approx(4_194_304.0),
        "disk.io.write_bytes_per_s": pytest.approx(2_097_152.0),
        "disk.io.read_ops_per_s": pytest.approx(100.0),
        "disk.io.write_ops_per_s": pytest.approx(100.0),
    }
