"""`/d/<slug>/editor.json`: what the page's dashboard editor offers in its pickers (admins only):
the hosts that exist, the metrics that exist, each panel type's options and the grid's size.

Metrics are the concrete names a layout may use: the headline figures, every sampled field that
is no pattern, and the instances of the pattern fields (``cpu.core.{n}.percent``) found in the
newest stored sample of the known hosts; without Redis those instances are left out.
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from collectors.summary import SUMMARY_KEYS
from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import redis_keys
from dashboards.alerts.roles import ADMIN, role_of
from dashboards.fleet.models import Host
from dashboards.walls import layout
from dashboards.walls.models import Dashboard

# Each host's newest sample costs a read of a few kilobytes: a big fleet's metrics are learnt
# from the first hosts by name, which mostly share their disks, interfaces and cores anyway.
MAX_SAMPLED_HOSTS = 100
# The headline figures no sampled field names (the agent derives them from the pattern fields).
HEADLINE_UNITS = {
    "disk.fullest_used_percent": "percent",
    "net.rx_bytes_per_s": "bytes/s",
    "net.tx_bytes_per_s": "bytes/s",
}
HEADLINE_ORDER = (*SUMMARY_KEYS, *HEADLINE_UNITS)


@login_required
@require_GET
def editor_options(request: HttpRequest, slug: str) -> JsonResponse:
    """The pickers' choices for dashboard ``slug``; 403 ``forbidden`` for anyone but an admin."""
    board = get_object_or_404(Dashboard, slug=slug)
    if role_of(request.user) != ADMIN:
        message = "your role may not change dashboards (an admin may)"
        return JsonResponse({"error": {"code": "forbidden", "message": message}}, status=403)
    hosts = [{"name": host.name, "labels": host.labels} for host in Host.objects.order_by("name")]
    low, high = layout.WINDOW_S
    return JsonResponse(
        {
            "hosts": hosts,
            "metrics": metric_choices(newest_metric_names([h["name"] for h in hosts])),
            "panel_types": panel_types(),
            "columns": board.layout.get("columns", layout.DEFAULT_COLUMNS),
            "rows": layout.MAX_ROWS,
            "severities": list(layout.SEVERITIES),
            "window_s": {"min": low, "max": high, "default": layout.DEFAULT_WINDOW_S},
            "timezones": sorted(layout._zones()),
        }
    )


def panel_types() -> dict[str, dict]:
    """Each panel type's option names, as ``layout.PANEL_TYPES`` checks them."""
    return {
        kind: {
            "required": list(spec.required),
            "optional": list(spec.optional),
            "one_of": list(spec.one_of),
            "one_of_required": spec.one_of_required,
        }
        for kind, spec in layout.PANEL_TYPES.items()
    }


def newest_metric_names(hosts: list[str]) -> set[str]:
    """The metric names in the newest full sample of (at most MAX_SAMPLED_HOSTS of) ``hosts``;
    empty when Redis does not answer."""
    names = hosts[:MAX_SAMPLED_HOSTS]
    if not names:
        return set()
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    try:
        pipe = redis_client(settings.REDIS_URL).pipeline(transaction=False)
        for name in names:
            pipe.zrange(keys.recent(name), -1, -1)
        newest = pipe.execute()
    except REDIS_ERRORS:
        return set()
    seen: set[str] = set()
    for texts in newest:
        for text in texts:
            try:
                metrics = json.loads(text).get("metrics")
            except (ValueError, AttributeError):
                continue  # a corrupt entry costs that host's names, not the answer
            if isinstance(metrics, dict):
                seen.update(key for key in metrics if isinstance(key, str))
    return seen


def metric_choices(seen: set[str]) -> list[dict]:
    """Headline figures first, then the fields in docs/metrics.md order, each pattern field
    followed by its instances in ``seen`` (sorted)."""
    fields = layout.metric_fields()
    choices = [
        {"name": name, "unit": _unit(name, fields), "summary": True} for name in HEADLINE_ORDER
    ]
    for field in fields:
        if "{" not in field.name:
            found = [field.name]
        else:
            found = sorted(name for name in seen if "{" not in name and field.matches(name))
        choices += [{"name": name, "unit": field.unit, "summary": False} for name in found]
    return _first_of_each(choices)


def _unit(name: str, fields) -> str:
    return next((f.unit for f in fields if f.matches(name)), HEADLINE_UNITS.get(name, ""))


def _first_of_each(choices: list[dict]) -> list[dict]:
    """Without repeats: a name two patterns match (``.+`` spans dots) is listed once."""
    listed: set[str] = set()
    unique = []
    for choice in choices:
        if choice["name"] not in listed:
            listed.add(choice["name"])
            unique.append(choice)
    return unique
