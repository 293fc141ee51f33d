"""Notification files (YAML or JSON, docs/notifications.md): read all or nothing, written back
in the same shape. Contact points are created or updated by name; a file's ``routes`` are the
whole ordered list (routes it does not name are deleted), and ``default_route`` replaces the
default route."""

import json

import yaml
from django.db import transaction

from dashboards.alerts.rule_files import read_document
from dashboards.alerts.rules import RuleError
from dashboards.notify.config import CONTACT_POINT_KEYS, DEFAULT_ROUTE_NAME, parse_document
from dashboards.notify.fields import ConfigError
from dashboards.notify.models import ContactPoint, Route
from dashboards.notify.secrets import redact, restore


def read_text(text: str, name: str = "the file"):
    """A file's content; ConfigError when it is neither JSON nor YAML."""
    try:
        return read_document(text, name)
    except RuleError as exc:
        raise ConfigError("the file", "file", exc.message) from None


def import_document(document, prune: bool = False) -> dict[str, int]:
    """Checks everything first (ConfigError: nothing taken), then writes it in one transaction.
    ``prune`` deletes contact points the file does not name. Returns counts by what was done.
    A redacted secret (an export without --with-secrets) keeps the one stored."""
    points, routes, default = parse_document(_with_stored_secrets(document))
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
                made = ContactPoint(name=data["name"])
                made.apply(data)
                made.save()
                counts["created"] += 1
            else:
                before = found.definition()
                found.apply(data)
                if found.definition() != before:
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


def _with_stored_secrets(document):
    points = document.get("contact_points") if isinstance(document, dict) else None
    if not isinstance(points, list):
        return document
    stored = {cp.name: cp for cp in ContactPoint.objects.all()}
    restored = []
    for point in points:
        found = stored.get(point.get("name")) if isinstance(point, dict) else None
        if found is not None:
            own = {k: v for k, v in point.items() if k not in CONTACT_POINT_KEYS}
            fixed = restore(point.get("kind"), own, found.settings)
            point = {**{k: v for k, v in point.items() if k in CONTACT_POINT_KEYS}, **fixed}
        restored.append(point)
    return {**document, "contact_points": restored}


def _save_route(data: dict, position: int, is_default: bool) -> None:
    name = DEFAULT_ROUTE_NAME if is_default else data["name"]
    lookup = {"is_default": True} if is_default else {"name": name, "is_default": False}
    route = Route.objects.filter(**lookup).first() or Route(name=name, is_default=is_default)
    route.apply(data)
    route.position = position
    route.save()
    route.contact_points.set(ContactPoint.objects.filter(name__in=data["contact_points"]))


def export_document(fmt: str = "yaml", with_secrets: bool = False) -> str:
    """Everything in the file form; secrets redacted unless ``with_secrets`` (a backup then:
    keep it safe). Imported back, a redacted secret keeps the stored one."""
    routes = Route.objects.prefetch_related("contact_points")
    points = []
    for cp in ContactPoint.objects.all():
        settings = cp.settings if with_secrets else redact(cp.kind, cp.settings)
        points.append(
            ContactPoint(name=cp.name, kind=cp.kind, enabled=cp.enabled,
                         send_resolved=cp.send_resolved, settings=settings).definition()
        )  # fmt: skip
    document = {
        "contact_points": points,
        "routes": [r.definition() for r in routes.filter(is_default=False)],
    }
    default = routes.filter(is_default=True).first()
    if default is not None:
        document["default_route"] = default.definition()
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
