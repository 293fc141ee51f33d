"""A saved dashboard's layout (docs/dashboards.md), schema version 1: panels on a grid.

``validate_layout`` refuses a bad layout with a LayoutError naming the panel (index and id) and
the field; ``subscriptions`` says what the page's one socket must follow for it. Both are pure.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from collectors.fields import Field
from collectors.host import HostSampler
from collectors.summary import SUMMARY_KEYS
from core.hosts import HOST_NAME

SCHEMA = 1
DEFAULT_COLUMNS = 12
MAX_COLUMNS = 48
MAX_ROWS = 200
MAX_PANELS = 100
MAX_TITLE = 100
MAX_TEXT = 4000
MAX_HOSTS = 100
WINDOW_S = (10, 86400)
DEFAULT_WINDOW_S = 300
PANEL_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,62}\Z")
LABEL_PART = re.compile(r"\A[A-Za-z0-9_.\-]{1,63}\Z")
SEVERITIES = ("warning", "critical")
# What the overview's summary view carries (docs/protocol.md): a panel of these alone needs no
# full samples.
SUMMARY_METRICS = frozenset(
    (*SUMMARY_KEYS, "disk.fullest_used_percent", "net.rx_bytes_per_s", "net.tx_bytes_per_s")
)


class LayoutError(ValueError):
    """What is wrong with a layout: ``field`` of panel ``index`` (``panel_id``), or of the
    layout itself when ``index`` is None."""

    def __init__(self, field: str, message: str, index: int | None = None, panel_id=None):
        super().__init__(message)
        self.field, self.message, self.index, self.panel_id = field, message, index, panel_id

    @property
    def path(self) -> str:
        """Where, as a JSON path: ``panels[2].metric`` or ``columns``."""
        return self.field if self.index is None else f"panels[{self.index}].{self.field}"

    @property
    def where(self) -> str:
        if self.index is None:
            return self.field
        named = f" ({self.panel_id})" if isinstance(self.panel_id, str) else ""
        return f"panel {self.index}{named}: {self.field}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@cache
def metric_fields() -> tuple[Field, ...]:
    return tuple(HostSampler.fields())


def is_metric(name: str) -> bool:
    """A concrete sampled metric (``cpu.core.3.percent``, not the pattern ``cpu.core.{n}...``)
    or one of the summary's headline figures."""
    if name in SUMMARY_METRICS:
        return True
    return "{" not in name and any(field.matches(name) for field in metric_fields())


# -- option checkers: each returns the value (normalised) or raises ValueError with a message.


def _text(limit: int) -> Callable:
    def check(value):
        if not isinstance(value, str):
            raise ValueError("must be a text")
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value

    return check


def _labels(value):
    if not isinstance(value, dict):
        raise ValueError('must be an object of label: value, such as {"env": "prod"}')
    for key, label in value.items():
        if not all(isinstance(part, str) and LABEL_PART.match(part) for part in (key, label)):
            raise ValueError(
                f"{key!r}: {label!r} is not a label (letters, digits, '.', '-', '_', at most 63)"
            )
    return dict(value)


def _host(value):
    if not isinstance(value, str) or not HOST_NAME.match(value):
        raise ValueError(f"{value!r} is not a host name (letters, digits, '.', '-', '_')")
    return value


def _hosts(value):
    if not isinstance(value, list) or not value:
        raise ValueError("must be a list of host names")
    if len(value) > MAX_HOSTS:
        raise ValueError(f"names more than {MAX_HOSTS} hosts")
    names = [_host(name) for name in value]
    if len(set(names)) != len(names):
        raise ValueError("names a host twice")
    return names


def _metric(value):
    if not isinstance(value, str) or not is_metric(value):
        raise ValueError(f"{value!r} is not a metric of docs/metrics.md")
    return value


def _window(value):
    low, high = WINDOW_S
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"must be a whole number of seconds from {low} to {high}")
    return value


def _severity(value):
    if value not in SEVERITIES:
        raise ValueError(f"must be one of {', '.join(SEVERITIES)}")
    return value


def _timezone(value):
    if not isinstance(value, str) or value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone (such as Europe/Paris or UTC)")
    return value


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


@dataclass(frozen=True)
class PanelType:
    """A panel type's options: the required ones, the optional ones, and at most one of each
    group in ``one_of`` (exactly one when the group is required)."""

    required: dict[str, Callable]
    optional: dict[str, Callable]
    one_of: tuple[str, ...] = ()
    one_of_required: bool = False


PANEL_TYPES: dict[str, PanelType] = {
    "hosts": PanelType({}, {"labels": _labels}),
    "host": PanelType({"host": _host}, {}),
    "chart": PanelType(
        {"metric": _metric},
        {"hosts": _hosts, "labels": _labels, "window_s": _window},
        one_of=("hosts", "labels"),
        one_of_required=True,
    ),
    "stat": PanelType({"metric": _metric, "host": _host}, {"unit": _text(16)}),
    "status": PanelType({}, {"labels": _labels}),
    "alerts": PanelType({}, {"severity": _severity, "labels": _labels}),
    "clock": PanelType({}, {"tz": _timezone}),
    "text": PanelType(
        {},
        {"markdown": _text(MAX_TEXT), "text": _text(MAX_TEXT)},
        one_of=("markdown", "text"),
        one_of_required=True,
    ),
}
COMMON = ("id", "type", "x", "y", "w", "h", "title")
LAYOUT_KEYS = ("schema", "columns", "panels")


def _integer(value, low: int, high: int, fail: Callable[[str], LayoutError]) -> int:
    if type(value) is not int or not low <= value <= high:
        raise fail(f"must be a whole number from {low} to {high}")
    return value


def _panel(data, index: int, columns: int) -> dict:
    if not isinstance(data, dict):
        raise LayoutError("panel", "must be an object", index)
    panel_id = data.get("id")

    def fail(field: str) -> Callable[[str], LayoutError]:
        return lambda message: LayoutError(field, message, index, panel_id)

    if not isinstance(panel_id, str) or not PANEL_ID.match(panel_id):
        raise fail("id")("must be a name of letters, digits, '-' and '_' (at most 63)")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in PANEL_TYPES:
        raise fail("type")(f"{kind!r} is not one of {', '.join(PANEL_TYPES)}")
    spec = PANEL_TYPES[kind]
    known = (*COMMON, *spec.required, *spec.optional)
    for key in data:
        if key not in known:
            raise fail(key)(f"unknown key for a {kind} panel (it takes {', '.join(known[2:])})")
    panel = {"id": panel_id, "type": kind}
    for field, low, high in (("x", 0, columns - 1), ("y", 0, MAX_ROWS - 1),
                             ("w", 1, columns), ("h", 1, MAX_ROWS)):  # fmt: skip
        if field not in data:
            raise fail(field)("is required (grid units)")
        panel[field] = _integer(data[field], low, high, fail(field))
    if panel["x"] + panel["w"] > columns:
        raise fail("w")(f"x + w = {panel['x'] + panel['w']} is past the grid's {columns} columns")
    if panel["y"] + panel["h"] > MAX_ROWS:
        raise fail("h")(f"y + h = {panel['y'] + panel['h']} is past the grid's {MAX_ROWS} rows")
    if "title" in data:
        panel["title"] = _checked(_text(MAX_TITLE), data["title"], fail("title"))
    for field, check in spec.required.items():
        if field not in data:
            raise fail(field)(f"is required for a {kind} panel")
        panel[field] = _checked(check, data[field], fail(field))
    for field, check in spec.optional.items():
        if field in data:
            panel[field] = _checked(check, data[field], fail(field))
    given = [field for field in spec.one_of if field in data]
    if len(given) > 1:
        raise fail(given[1])(f"give {' or '.join(spec.one_of)}, not both")
    if spec.one_of_required and not given:
        raise fail(spec.one_of[0])(f"a {kind} panel needs {' or '.join(spec.one_of)}")
    return panel


def _checked(check: Callable, value, fail: Callable[[str], LayoutError]):
    try:
        return check(value)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def validate_layout(data) -> dict:
    """The layout, checked and normalised (``columns`` filled in); LayoutError on the first
    problem found, in document order."""
    if not isinstance(data, dict):
        raise LayoutError("layout", 'must be an object {"schema": 1, "columns", "panels"}')
    for key in data:
        if key not in LAYOUT_KEYS:
            raise LayoutError(key, f"unknown key (a layout has {', '.join(LAYOUT_KEYS)})")
    if data.get("schema") != SCHEMA or type(data.get("schema")) is not int:
        raise LayoutError("schema", f"{data.get('schema')!r} is not {SCHEMA}, the schema known")
    columns = data.get("columns", DEFAULT_COLUMNS)
    columns = _integer(columns, 1, MAX_COLUMNS, lambda m: LayoutError("columns", m))
    panels = data.get("panels")
    if not isinstance(panels, list):
        raise LayoutError("panels", "must be a list of panels")
    if len(panels) > MAX_PANELS:
        raise LayoutError("panels", f"has more than {MAX_PANELS} panels")
    checked: list[dict] = []
    for index, item in enumerate(panels):
        panel = _panel(item, index, columns)
        for other_index, other in enumerate(checked):
            if other["id"] == panel["id"]:
                raise LayoutError("id", f"panel {other_index} has this id", index, panel["id"])
            if _overlaps(panel, other):
                raise LayoutError(
                    "x", f"overlaps panel {other_index} ({other['id']})", index, panel["id"]
                )
        checked.append(panel)
    return {"schema": SCHEMA, "columns": columns, "panels": checked}


@dataclass(frozen=True)
class Subscriptions:
    """What a dashboard's one socket follows: ``hosts`` "*" or the names (empty: no samples
    needed); with "*", ``labels`` the label filters that made it so (the socket cannot
    subscribe by label: the page keeps the hosts matching one of them, or named in ``named``,
    and drops the rest; no filters: it keeps all); ``view`` "summary" when every panel makes do
    with the headline figures; ``alerts`` whether a panel lists alerts."""

    hosts: str | tuple[str, ...]
    labels: tuple[dict[str, str], ...]
    named: tuple[str, ...]
    view: str
    alerts: bool

    def as_message(self) -> dict | None:
        """The socket's ``subscribe`` message, None when nothing needs samples."""
        if not self.hosts:
            return None
        hosts = self.hosts if self.hosts == "*" else list(self.hosts)
        return {"type": "subscribe", "hosts": hosts, "view": self.view}

    def as_json(self) -> dict:
        """For the page (json_script): the message to send and what to keep of its answer."""
        return {
            "subscribe": self.as_message(),
            "labels": list(self.labels),
            "named": list(self.named),
            "alerts": self.alerts,
        }


def subscriptions(layout: dict) -> Subscriptions:
    """From a validated layout."""
    names: set[str] = set()
    filters: list[dict[str, str]] = []
    everything = full = alerts = False
    for panel in layout["panels"]:
        kind = panel["type"]
        if kind in ("hosts", "status") or (kind == "chart" and "labels" in panel):
            wanted = panel.get("labels") or {}
            everything = everything or not wanted
            if wanted and wanted not in filters:
                filters.append(wanted)
        elif kind in ("host", "stat"):
            names.add(panel["host"])
        elif kind == "chart":
            names.update(panel["hosts"])
        elif kind == "alerts":
            alerts = True
        if kind == "host" or (kind in ("chart", "stat") and panel["metric"] not in SUMMARY_METRICS):
            full = True
    if everything or filters:
        # A panel over all hosts makes label filters moot: the page shows everything it gets.
        labels = () if everything else tuple(filters)
        return Subscriptions("*", labels, tuple(sorted(names)), _view(full), alerts)
    named = tuple(sorted(names))
    return Subscriptions(named, (), named, _view(full), alerts)


def _view(full: bool) -> str:
    return "full" if full else "summary"


def merged(many: list[Subscriptions]) -> Subscriptions:
    """What one socket follows for several dashboards at once (a playlist): the union, so that
    turning to the next one needs no new subscribe."""
    if not many:
        return Subscriptions((), (), (), "summary", False)
    named = tuple(sorted({name for subs in many for name in subs.named}))
    view = _view(any(subs.view == "full" for subs in many))
    alerts = any(subs.alerts for subs in many)
    wide = [subs for subs in many if subs.hosts == "*"]
    if not wide:
        return Subscriptions(named, (), named, view, alerts)
    if any(not subs.labels for subs in wide):
        return Subscriptions("*", (), named, view, alerts)
    filters: list[dict[str, str]] = []
    for subs in wide:
        filters.extend(wanted for wanted in subs.labels if wanted not in filters)
    return Subscriptions("*", tuple(filters), named, view, alerts)
