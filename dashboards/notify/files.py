"""Notification files (YAML or JSON, docs/notifications.md): read all or nothing, written back
in the same shape. Contact points are created or updated by name; a file's ``routes`` are the
whole ordered list (routes it does not name are deleted), and ``default_route`` replaces the
default route."""

import json

import yaml
from django.db import transaction

from dashboards.alerts.rule_files import read_document
from dashboards.alerts.rules import RuleError
from dashboards.notify.config import DEFAULT_ROUTE_NAME, parse_document
from dashboards.notify.fields import ConfigError
from dashboards.notify.models import ContactPoint, Route


def read_text(text: str, name: str = "the file"):
    """A file's content; ConfigError when it is neither JSON nor YAML."""
    try:
        return read_document(text, name)
    except RuleError as exc:
        raise ConfigError("the file", "file", exc.message) from None


def import_document(document, prune: bool = False) -> dict[str, int]:
    """Checks everything first (ConfigError: nothing taken), then writes it in one transaction.
    ``prune`` deletes contact points the file does not name. Returns counts by what was done."""
    points, routes, default = parse_document(document)
    known = {p["name"] for p in points} | set(ContactPoint.objects.values_list("name", flat=True))
    if prune:
        known = {p["name"] for p in points}
    for route in [*(routes or []), *([default] if default else [])]:
        item = "default route" if route is default else f"route {route['name']!r}"
        missing = [name for name in route["contact_points"] if name not in known]
        if missing:
            raise ConfigError(item, "contact_points", f"there is no contact point {missing[0]!r}")
    counts = dict.fromkeys(("created", "updated", "deleted", "routes"), 0)
    with transaction.atomic():
        for data in points:
            found = ContactPoint.objects.filter(name=data["name"]).first()
            if found is None:
                ContactPoint(name=data["name"], **{k: data[k] for k in data if k != "name"}).save()
                counts["created"] += 1
            elif (
                found.definition() != ContactPoint(name=data["name"], **_fields(data)).definition()
            ):
                found.apply(data)
                found.save()
                counts["updated"] += 1
        if routes is not None:
            Route.objects.filter(is_default=False).exclude(
                name__in=[r["name"] for r in routes]
            ).delete()
            for position, data in enumerate(routes, start=1):
                _save_route(data, position=position, is_default=False)
            counts["routes"] = len(routes)
        if default is not None:
            _save_route(default, position=0, is_default=True)
        if prune:
            counts["deleted"], _ = ContactPoint.objects.exclude(
                name__in=[p["name"] for p in points]
            ).delete()
    return counts


def _fields(data: dict) -> dict:
    return {k: data[k] for k in ("kind", "enabled", "send_resolved", "settings")}


def _save_route(data: dict, position: int, is_default: bool) -> None:
    name = DEFAULT_ROUTE_NAME if is_default else data["name"]
    lookup = {"is_default": True} if is_default else {"name": name, "is_default": False}
    route = Route.objects.filter(**lookup).first() or Route(name=name, is_default=is_default)
    route.apply(data)
    route.position = position
    route.save()
    route.contact_points.set(ContactPoint.objects.filter(name__in=data["contact_points"]))


def export_document(fmt: str = "yaml") -> str:
    """Everything in the file form, secrets included (it is a backup: keep it safe)."""
    routes = Route.objects.prefetch_related("contact_points")
    document = {
        "contact_points": [cp.definition() for cp in ContactPoint.objects.all()],
        "routes": [r.definition() for r in routes.filter(is_default=False)],
    }
    default = routes.filter(is_default=True).first()
    if default is not None:
        document["default_route"] = default.definition()
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
