import psutil

from tests.collectors.fixtures import recorded


def test_recorded_namedtuples_have_the_same_fields_as_the_installed_psutil():
    # Only types the running platform provides can be compared; these are all on Linux.
    checks = {
        recorded.snetio: lambda: next(iter(psutil.net_io_counters(pernic=True).values())),
        recorded.sdiskusage: lambda: psutil.disk_usage("/"),
        recorded.sdiskpart: lambda: psutil.disk_partitions(all=True)[0],
    }
    if psutil.LINUX:
        checks[recorded.scputimes] = lambda: psutil.cpu_times()
        if psutil.disk_io_counters() is not None:
            checks[recorded.sdiskio] = psutil.disk_io_counters

    for mirror, read_real in checks.items():
        assert mirror._fields == type(read_real())._fields, mirror.__name__
