"""Refreshed: a rarely changing reading is read again only once its period has passed."""

from collectors.disk import PARTITIONS_EVERY_S, DiskSampler
from collectors.refreshed import Refreshed
from tests.collectors.fixtures.recorded import sdiskpart, sdiskusage


def test_a_reading_is_kept_until_its_period_has_passed():
    reads = []
    value = Refreshed(lambda: reads.append(1) or len(reads), every_s=10)
    assert [value(0.0), value(9.9), value(10.0), value(15.0)] == [1, 1, 2, 2]


def mount(device: str, path: str) -> sdiskpart:
    return sdiskpart(device=device, mountpoint=path, fstype="ext4", opts="rw")


def test_a_new_mount_appears_within_the_mount_table_period():
    mounts = [mount("/dev/sda1", "/")]
    sampler = DiskSampler(
        read_partitions=lambda: list(mounts),
        read_usage=lambda path: sdiskusage(total=100, used=40, free=60, percent=40.0),
        read_io=lambda: None,
    )
    assert "disk./data.used_percent" not in sampler.sample(now=0.0)
    mounts.append(mount("/dev/sdb1", "/data"))
    assert "disk./data.used_percent" not in sampler.sample(now=PARTITIONS_EVERY_S - 1)
    assert "disk./data.used_percent" in sampler.sample(now=PARTITIONS_EVERY_S)
