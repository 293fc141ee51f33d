"""Which tier and step a range gets (pure), and /api/hosts/<name>/series on each tier with every
refusal in the API's one error shape."""

import time

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from dashboards.fleet.models import Host
from dashboards.history import writer
from dashboards.history.rollups import RollupRow
from dashboards.history.series import Kept, Plan, SeriesError, plan

DAY = 86400
NOW = 1_800_000_000.0
KEPT = Kept(now=NOW, raw_since=NOW - 600, raw_interval=1.0, minute_days=30, hour_days=365)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (300, Plan("raw", 1)),
        (600, Plan("raw", 1)),
        (3600, Plan("1m", 60)),  # past the store: a minute is the finest there is
        (6 * 3600, Plan("1m", 60)),
        (DAY, Plan("1m", 120)),
        (7 * DAY, Plan("1m", 900)),
        (30 * DAY, Plan("1h", 3600)),
        (365 * DAY, Plan("1h", 43200)),
    ],
)
def test_the_default_step_gives_a_chart_of_a_few_hundred_points_from_the_finest_tier(
    seconds, expected
):
    assert plan(NOW - seconds, NOW, None, KEPT) == expected


def test_a_given_step_picks_raw_under_a_minute_minutes_under_an_hour_and_else_hours():
    assert plan(NOW - 300, NOW, 5, KEPT) == Plan("raw", 5)
    assert plan(NOW - 300, NOW, 60, KEPT) == Plan("1m", 60)
    assert plan(NOW - 3 * DAY, NOW, 600, KEPT) == Plan("1m", 600)
    assert plan(NOW - 3 * DAY, NOW, 3600, KEPT) == Plan("1h", 3600)
    assert plan(NOW - 300 * DAY, NOW, 7200, KEPT) == Plan("1h", 7200)


def test_a_host_with_a_slower_interval_gets_raw_samples_no_finer_than_it():
    slow = Kept(NOW, NOW - 3000, 5.0, 30, 365)
    assert plan(NOW - 300, NOW, None, slow) == Plan("raw", 5)


@pytest.mark.parametrize(
    ("start", "end", "step", "field", "says"),
    [
        (NOW, NOW, None, "end", "1800000000 must be after start (1800000000)"),
        (NOW, NOW - 1, 60, "end", "must be after start"),
        (NOW - 366 * DAY, NOW, None, "start", "kept for 365 days at most"),
        (NOW - 3600, NOW, 10, "step", "recent store holds the last 600 s"),
        (NOW - 300, NOW, 0.5, "step", "finer than this host's samples (1 s)"),
        (NOW - 40 * DAY, NOW, 600, "step", "1-minute rollups, kept for 30 days"),
        (NOW - 20 * DAY, NOW, 60, "step", "28800 points, more than 10000"),
    ],
)
def test_what_no_tier_can_answer_is_refused_naming_the_field(start, end, step, field, says):
    with pytest.raises(SeriesError) as refused:
        plan(start, end, step, KEPT)
    assert refused.value.field == field
    assert says in refused.value.message


def test_a_host_the_store_has_nothing_of_gets_no_raw_tier():
    empty = Kept(NOW, None, 1.0, 30, 365)
    assert plan(NOW - 300, NOW, None, empty) == Plan("1m", 60)
    with pytest.raises(SeriesError, match="holds none of this host"):
        plan(NOW - 300, NOW, 1, empty)


# --- the endpoint -----------------------------------------------------------------------------


@pytest.fixture
def viewer(db) -> Client:
    user = User.objects.create_user("watcher")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client()
    client.force_login(user)
    Host.objects.create(name="db1")
    return client


def series(client: Client, **query) -> dict:
    response = client.get("/api/hosts/db1/series", query)
    assert response.status_code == 200, response.content
    return response.json()


def refusal(client: Client, path: str = "/api/hosts/db1/series", **query):
    response = client.get(path, query)
    return response.status_code, response.json()["error"]


def test_the_last_minutes_come_raw_from_the_recent_store(viewer, store):
    now = time.time()
    times = [now - 120 + n for n in range(120)]
    store.publish("db1", times)
    got = series(viewer, metric="cpu.percent", start=now - 300, end=now + 1)
    assert (got["host"], got["metric"], got["tier"], got["step"]) == (
        "db1", "cpu.percent", "raw", 1
    )  # fmt: skip
    assert len(got["points"]) == 120
    t, low, mean, high = got["points"][0]
    assert t == int(times[0]) and low == mean == high
    assert [p[0] for p in got["points"]] == sorted(p[0] for p in got["points"])
    coarse = series(viewer, metric="cpu.percent", start=now - 300, end=now + 1, step=30)
    assert coarse["tier"] == "raw" and 4 <= len(coarse["points"]) <= 5
    for t, low, mean, high in coarse["points"]:
        assert t % 30 == 0 and low <= mean <= high


def test_hours_back_come_from_the_minute_rows_with_their_gaps(viewer, store):
    now = time.time()
    first = int(now - 7200) // 60 * 60
    minutes = [first + 60 * n for n in range(120) if not 30 <= n < 40]  # ten minutes missing
    writer.upsert("1m", [("db1", RollupRow(s, 60, {"cpu.percent": [1, 2, 3]})) for s in minutes])
    got = series(viewer, metric="cpu.percent", start=first, end=first + 7200)
    assert (got["tier"], got["step"]) == ("1m", 60)
    assert [p[0] for p in got["points"]] == minutes
    assert got["points"][0] == [first, 1, 2, 3]


def test_minute_rows_are_rebucketed_weighting_each_mean_by_its_samples(viewer, store):
    base = int(time.time() - DAY) // 600 * 600
    writer.upsert("1m", [
        ("db1", RollupRow(base, 60, {"cpu.percent": [10, 20, 30]})),
        ("db1", RollupRow(base + 60, 20, {"cpu.percent": [0, 60, 100]})),
        ("db1", RollupRow(base + 120, 60, {"mem.percent": 5})),  # no cpu.percent in it
    ])  # fmt: skip
    got = series(viewer, metric="cpu.percent", start=base, end=base + 3000, step=600)
    assert got["tier"] == "1m"
    assert got["points"] == [[base, 0, 30, 100]]  # (20 * 60 + 60 * 20) / 80


def test_a_month_back_comes_from_the_hour_rows(viewer, store):
    now = time.time()
    first = int(now - 30 * DAY) // 3600 * 3600 + 3600
    writer.upsert("1h", [
        ("db1", RollupRow(first + 3600 * n, 3600, {"cpu.percent": [n, n + 1, n + 2]}))
        for n in range(48)
    ])  # fmt: skip
    got = series(viewer, metric="cpu.percent", start=now - 30 * DAY, end=now)
    assert (got["tier"], got["step"]) == ("1h", 3600)
    assert got["points"][:2] == [[first, 0, 1, 2], [first + 3600, 1, 2, 3]]
    assert len(got["points"]) == 48
    daily = series(viewer, metric="cpu.percent", start=first, end=first + 2 * DAY, step=DAY)
    assert daily["tier"] == "1h" and len(daily["points"]) in (2, 3)


def test_a_metric_no_row_holds_is_an_empty_series(viewer, store):
    now = time.time()
    got = series(viewer, metric="mem.percent", start=now - DAY, end=now)
    assert got["points"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"metric": "cpu.percnt"}, "metric"),
        ({"metric": "cpu.core.{n}.percent"}, "metric"),
        ({"metric": 'disk./"x.used_percent'}, "metric"),
        ({"metric": "disk./\x00.used_percent"}, "metric"),
        ({"metric": None}, "metric"),
        ({"start": "yesterday"}, "start"),
        ({"start": None}, "start"),
        ({"end": "nan"}, "end"),
        ({"step": "fast"}, "step"),
        ({"step": 0}, "step"),
        ({"step": -60}, "step"),
        ({"step": 1e-300}, "step"),
        ({"start": 1e20}, "start"),
        ({"end": "START"}, "end"),  # end == start
        ({"end": "START-60"}, "end"),
        ({"start": "NOW-400d"}, "start"),  # longer than the longest retention
        ({"step": 0.5}, "step"),  # finer than the host's samples
        ({"start": "NOW-1h", "step": 10}, "step"),  # raw, but the store holds 10 minutes
        ({"start": "NOW-40d", "step": 600}, "step"),  # minutes, but they are kept 30 days
        ({"start": "NOW-20d", "step": 60}, "step"),  # 28,800 points
    ],
)
def test_every_bad_input_is_a_400_in_the_one_error_shape_naming_the_field(
    viewer, store, query, field
):
    now = time.time()
    store.publish("db1", [now - 5 + n for n in range(5)])
    values = {"metric": "cpu.percent", "start": now - 300, "end": now}
    for name, value in query.items():
        if isinstance(value, str) and value.startswith(("NOW", "START")):
            value = _relative(value, now, values["start"])
        values[name] = value
    status, error = refusal(viewer, **{k: v for k, v in values.items() if v is not None})
    assert status == 400, error
    assert error["code"] == "bad_field"
    assert field in error["fields"], error
    assert error["message"].startswith(f"{field}: ") or f"{field}:" in error["message"]


def _relative(spec: str, now: float, start: float) -> float:
    base, _, offset = spec.replace("NOW", "N").replace("START", "S").partition("-")
    units = {"d": DAY, "h": 3600}
    seconds = float(offset[:-1]) * units[offset[-1]] if offset[-1:] in units else float(offset or 0)
    return (now if base == "N" else start) - seconds


def test_an_unknown_host_is_a_404_and_nobody_signed_in_is_a_401(viewer):
    now = time.time()
    status, error = refusal(
        viewer, "/api/hosts/nowhere/series", metric="cpu.percent", start=now - 60, end=now
    )
    assert (status, error["code"]) == (404, "unknown_host")
    response = Client().get(
        "/api/hosts/db1/series", {"metric": "cpu.percent", "start": 1, "end": 2}
    )
    assert response.status_code == 401


def test_without_redis_the_rollups_still_answer_and_raw_steps_are_a_503(viewer, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    now = time.time()
    got = series(viewer, metric="cpu.percent", start=now - 300, end=now)
    assert got["tier"] == "1m"
    status, error = refusal(viewer, metric="cpu.percent", start=now - 300, end=now, step=1)
    assert (status, error["code"]) == (503, "unavailable")
