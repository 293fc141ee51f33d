"""The retention settings stop startup with one clear line when they cannot work."""

import pytest

from tests.monitor.test_settings import manage_check


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MONITOR_ROLLUP_MINUTE_DAYS": "a month"},
            "MONITOR_ROLLUP_MINUTE_DAYS='a month' is not a",
        ),
        ({"MONITOR_ROLLUP_MINUTE_DAYS": "0"}, "MONITOR_ROLLUP_MINUTE_DAYS='0' is out of range"),
        ({"MONITOR_ROLLUP_HOUR_DAYS": "5000"}, "MONITOR_ROLLUP_HOUR_DAYS='5000' is out of range"),
        (
            {"MONITOR_ROLLUP_HOUR_DAYS": "7"},
            "MONITOR_ROLLUP_HOUR_DAYS=7 must be at least MONITOR_ROLLUP_MINUTE_DAYS=30",
        ),
    ],
)
def test_a_retention_that_cannot_work_stops_startup_naming_it(tmp_path, env, message):
    done = manage_check(tmp_path, **env)
    assert done.returncode != 0
    assert done.stderr.startswith("configuration error: ")
    assert message in done.stderr


def test_the_defaults_keep_minutes_a_month_and_hours_a_year(settings):
    assert (settings.MONITOR_ROLLUP_MINUTE_DAYS, settings.MONITOR_ROLLUP_HOUR_DAYS) == (30, 365)
