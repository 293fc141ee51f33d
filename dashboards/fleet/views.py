"""The overview `/` (every host as a tile) and the host page `/hosts/<name>/`."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from core.env import SettingError
from core.hosts import parse_labels
from dashboards.fleet.models import Host


def _live_context() -> dict:
    interval = settings.MONITOR_INTERVAL
    return {
        "ws_path": "/ws/live/",
        "interval": interval,
        "stale_after": interval * settings.MONITOR_LATE_INTERVALS,
        "dead_after": interval * settings.MONITOR_DOWN_INTERVALS,
    }


def _matches(labels: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in wanted.items())


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Every host as a tile, worst first; ``?label=env=prod`` narrows it to matching hosts."""
    label = request.GET.get("label", "").strip()
    try:
        wanted = parse_labels(label, "label")
    except SettingError as exc:
        return HttpResponseBadRequest(f"{exc}\n", content_type="text/plain")
    hosts = [host.record() for host in Host.objects.all() if _matches(host.labels, wanted)]
    context = {**_live_context(), "label": label, "hosts": hosts, "window_s": 120}
    return render(request, "fleet/overview.html", context)


@login_required
def host_detail(request: HttpRequest, name: str) -> HttpResponse:
    """One host's full charts, details and top processes."""
    host = get_object_or_404(Host, name=name)
    context = {**_live_context(), "host": host.record(), "window_s": 300}
    return render(request, "fleet/host.html", context)
