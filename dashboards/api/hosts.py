"""/api/hosts: the fleet as the overview shows it, a host's recent samples from Redis, and a
metric's history from the tier that fits (docs/history.md)."""

import json
import re
import time

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router

from core.env import SettingError
from core.hosts import parse_labels
from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import redis_keys
from dashboards.alerts.responses import Refused
from dashboards.api.schemas import ErrorOut, HostOut, LabelOut, SamplesOut, SeriesOut
from dashboards.fleet.models import Host
from dashboards.history.series import SeriesError, StoreUnavailable, host_series
from dashboards.walls.layout import is_metric

router = Router(tags=["hosts"])
MAX_SAMPLES = 3600
MAX_TIME = 10**10  # unix seconds: the year 2286 (and within every database's integers)
METRIC_TEXT = re.compile(r'[^\x00-\x1f\x7f"\\]+')


def _out(host: Host) -> dict:
    return {**host.record(), "enabled": host.enabled}


def _host(name: str) -> Host:
    found = Host.objects.filter(name=name).first()
    if found is None:
        raise Refused("unknown_host", f"there is no host {name!r}")
    return found


@router.get("/hosts", response={200: list[HostOut], 400: ErrorOut})
def list_hosts(request: HttpRequest, label: str = Query("", description="env=prod,role=db")):
    """Every host, by name; ``label`` keeps those with all the given labels."""
    try:
        wanted = parse_labels(label, "label")
    except SettingError as exc:
        raise Refused("bad_field", str(exc)) from None
    hosts = Host.objects.all()
    return [_out(h) for h in hosts if all(h.labels.get(k) == v for k, v in wanted.items())]


@router.get("/hosts/labels", response=list[LabelOut])
def list_labels(request: HttpRequest):
    """Every label key in use, with its values: what ``?label=`` can pick from."""
    values: dict[str, set[str]] = {}
    for labels in Host.objects.values_list("labels", flat=True):
        for key, value in (labels or {}).items():
            values.setdefault(key, set()).add(value)
    return [{"key": k, "values": sorted(v)} for k, v in sorted(values.items())]


@router.get("/hosts/{name}", response={200: HostOut, 404: ErrorOut})
def get_host(request: HttpRequest, name: str):
    return _out(_host(name))


@router.get("/hosts/{name}/samples", response={200: SamplesOut, 404: ErrorOut, 503: ErrorOut})
def host_samples(
    request: HttpRequest,
    name: str,
    limit: int = Query(60, ge=1, le=MAX_SAMPLES, description="The newest this many."),
    after: int | None = Query(None, ge=0, description="Only samples with a larger seq."),
):
    """The host's recent samples (the Redis recent store: minutes, not history), oldest first."""
    _host(name)
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    low = f"({after}" if after is not None else "-inf"
    try:
        texts = redis_client(settings.REDIS_URL).zrangebyscore(
            keys.recent(name), low, "+inf", start=0, num=-1
        )
    except REDIS_ERRORS as exc:
        raise Refused("unavailable", f"Redis is unavailable ({type(exc).__name__})") from None
    samples = []
    for text in texts[-limit:]:
        try:
            samples.append(json.loads(text))
        except ValueError:
            continue  # one corrupt entry costs that sample, not the answer
    return {"host": name, "samples": samples}


@router.get(
    "/hosts/{name}/series",
    response={200: SeriesOut, 400: ErrorOut, 404: ErrorOut, 503: ErrorOut},
)
def get_series(
    request: HttpRequest,
    name: str,
    metric: str = Query(..., max_length=200, description="A metric of docs/metrics.md."),
    start: float = Query(..., ge=0, le=MAX_TIME, allow_inf_nan=False, description="Unix s."),
    end: float = Query(..., ge=0, le=MAX_TIME, allow_inf_nan=False, description="After start."),
    step: float | None = Query(
        None,
        gt=0,
        le=MAX_TIME,
        allow_inf_nan=False,
        description="Seconds per point "
        "(default: the range's tier's finest step giving at most 1,000 points).",
    ),
):
    """The metric's [t, min, mean, max] per step over [start, end), from raw samples, the
    1-minute or the 1-hour rollups, whichever holds the range at that step."""
    _host(name)
    # A name the database's JSON path could not take (quotes, control characters) is no
    # metric of ours anyway.
    if not is_metric(metric) or not METRIC_TEXT.fullmatch(metric):
        message = f"{metric!r} is not a metric of docs/metrics.md"
        raise Refused("bad_field", f"metric: {message}", fields={"metric": message})
    client = redis_client(settings.REDIS_URL)
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    try:
        return host_series(
            client, keys, name, metric, start, end, step,
            now=time.time(),
            recent_s=settings.MONITOR_RECENT_SECONDS,
            minute_days=settings.MONITOR_ROLLUP_MINUTE_DAYS,
            hour_days=settings.MONITOR_ROLLUP_HOUR_DAYS,
        )  # fmt: skip
    except SeriesError as exc:
        raise Refused("bad_field", str(exc), fields={exc.field: exc.message}) from None
    except StoreUnavailable as exc:
        raise Refused("unavailable", str(exc)) from None
