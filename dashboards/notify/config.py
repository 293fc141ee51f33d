"""Contact points and routes in their file form (docs/notifications.md), checked field by field
as plain data: the admin, the API and `manage.py notify import` share these checks."""

from dashboards.notify import fields
from dashboards.notify.fields import ConfigError
from dashboards.notify.routing import EVERY_LABEL, LABEL_ALIASES
from dashboards.notify.transports import KINDS, kind

CONTACT_POINT_KEYS = {"name", "kind", "enabled", "send_resolved"}
ROUTE_KEYS = {"name", "match", "contact_points", "continue", "group_by", "group_wait",
              "group_interval", "repeat_interval"}  # fmt: skip
DEFAULT_ROUTE_KEYS = ROUTE_KEYS - {"name", "match", "continue"}
DEFAULT_ROUTE_NAME = "default"
# Alertmanager's defaults.
TIMING = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
DEFAULT_GROUP_BY = ["alertname", "host"]


def _item(what: str, data) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    return f"{what} {name!r}" if isinstance(name, str) else f"{what} ?"


def parse_contact_point(data) -> dict:
    """A checked contact point: {name, kind, enabled, send_resolved, settings}."""
    if not isinstance(data, dict):
        raise ConfigError("contact point ?", "contact_point", "each one is a mapping of fields")
    item = _item("contact point", data)
    name = data.get("name")
    if not isinstance(name, str) or not fields.NAME.match(name):
        raise ConfigError(item, "name", "lower-case letters, digits, '.', '-', '_'; 63 at most")
    what = data.get("kind")
    if what not in KINDS:
        raise ConfigError(item, "kind", f"{what!r}: one of {', '.join(KINDS)}")
    own = {k: v for k, v in data.items() if k not in CONTACT_POINT_KEYS}
    unknown = sorted(set(own) - kind(what).KEYS)
    if unknown:
        known = sorted(CONTACT_POINT_KEYS | kind(what).KEYS)
        raise ConfigError(item, unknown[0], f"unknown field for {what} (known: {', '.join(known)})")
    return {
        "name": name,
        "kind": what,
        "enabled": fields.boolean(data.get("enabled", True), item, "enabled"),
        "send_resolved": fields.boolean(data.get("send_resolved", True), item, "send_resolved"),
        "settings": kind(what).check(own, item),
    }


def contact_point_definition(name, what, enabled, send_resolved, settings) -> dict:
    data = {"name": name, "kind": what, **settings}
    if not send_resolved:
        data["send_resolved"] = False
    if not enabled:
        data["enabled"] = False
    return data


def _match(value, item: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(item, "match", "a mapping such as {severity: critical, host: [a, b]}")
    matchers = {}
    for key, wanted in value.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(item, "match", f"{key!r} is not a label name")
        matchers[LABEL_ALIASES.get(key, key)] = fields.texts(wanted, item, f"match.{key}")
    return matchers


def _group_by(value, item: str) -> list[str]:
    labels = fields.texts(value, item, "group_by")
    if EVERY_LABEL in labels and len(labels) > 1:
        raise ConfigError(item, "group_by", f"'{EVERY_LABEL}' (every label) stands alone")
    return [LABEL_ALIASES.get(label, label) for label in labels]


def parse_route(data, default: bool = False, need_targets: bool = True) -> dict:
    """A checked route: {name, match, contact_points, continue, group_by, timing...}. The
    default route has no name, match or continue in the file; it takes what no route matched."""
    if not isinstance(data, dict):
        raise ConfigError("route ?", "route", "each route is a mapping of fields")
    item = "default route" if default else _item("route", data)
    fields.known_keys(data, DEFAULT_ROUTE_KEYS if default else ROUTE_KEYS, item)
    name = DEFAULT_ROUTE_NAME if default else data.get("name")
    if not isinstance(name, str) or not fields.NAME.match(name):
        raise ConfigError(item, "name", "lower-case letters, digits, '.', '-', '_'; 63 at most")
    if not default and name == DEFAULT_ROUTE_NAME:
        raise ConfigError(item, "name", "'default' is the default route's name: use default_route")
    targets = data.get("contact_points", [])
    if need_targets or targets:
        targets = fields.texts(targets, item, "contact_points")
    route = {
        "name": name,
        "match": _match(data.get("match"), item),
        "contact_points": targets,
        "continue": fields.boolean(data.get("continue", False), item, "continue"),
        "group_by": _group_by(data.get("group_by", DEFAULT_GROUP_BY), item),
    }
    for key, fallback in TIMING.items():
        value = data.get(key, fallback)
        fields.duration(value, item, key)
        route[key] = str(value)
    if fields.duration(route["group_interval"], item, "group_interval") <= 0:
        raise ConfigError(item, "group_interval", "must be longer than 0s")
    if fields.duration(route["repeat_interval"], item, "repeat_interval") <= 0:
        raise ConfigError(item, "repeat_interval", "must be longer than 0s")
    return route


def route_definition(route) -> dict:
    """A Route row in its file form (the default route without name, match and continue)."""
    data = {} if route.is_default else {"name": route.name, "match": route.match}
    data["contact_points"] = (
        sorted(cp.name for cp in route.contact_points.all()) if route.pk else []
    )
    if not route.is_default and route.continue_matching:
        data["continue"] = True
    data["group_by"] = route.group_by
    data.update(group_wait=route.group_wait, group_interval=route.group_interval,
                repeat_interval=route.repeat_interval)  # fmt: skip
    return data


def parse_document(document) -> tuple[list[dict], list[dict] | None, dict | None]:
    """A whole file, all or nothing: (contact points, routes or None, default route or None).
    Whether the contact points a route names exist is the importer's check (files.py)."""
    top = {"contact_points", "routes", "default_route"}
    if not isinstance(document, dict) or not set(document) & top:
        raise ConfigError("the file", "contact_points", "a file is {contact_points, routes, "
                          "default_route} (any of them)")  # fmt: skip
    fields.known_keys(document, top, "the file")
    points = document.get("contact_points", [])
    if not isinstance(points, list):
        raise ConfigError("the file", "contact_points", "a list of contact points")
    parsed_points = [parse_contact_point(p) for p in points]
    _unique([p["name"] for p in parsed_points], "contact point")
    routes = document.get("routes")
    if routes is not None and not isinstance(routes, list):
        raise ConfigError("the file", "routes", "a list of routes (tried in that order)")
    parsed_routes = None if routes is None else [parse_route(r) for r in routes]
    if parsed_routes:
        _unique([r["name"] for r in parsed_routes], "route")
    default = document.get("default_route")
    parsed_default = None if default is None else parse_route(default, default=True)
    return parsed_points, parsed_routes, parsed_default


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{what} {name!r}", "name", f"two {what}s have this name")
        seen.add(name)
