"""The rule language: what a rule says, checked field by field, as plain data.

A rule file (``manage.py alerts import``, docs/alerts.md) is a list of rules in the shape of
../shared/DESIGN.md; a bad one is refused with the rule's name and the field, and nothing of the
file is taken. A metric is an exact name from docs/metrics.md or one of its patterns with the
placeholder written ``*`` (``disk.*.used_percent``): the part it stands for becomes a label of the
alert, named as docs/metrics.md names the placeholder (``mount=/var``).
"""

import math
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from collectors.fields import Field
from core.hosts import HOST_NAME

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda value, threshold: value > threshold,
    ">=": lambda value, threshold: value >= threshold,
    "<": lambda value, threshold: value < threshold,
    "<=": lambda value, threshold: value <= threshold,
}
NODATA = ("keep", "alert", "resolve")
KEYS = {"name", "enabled", "metric", "hosts", "op", "warning", "critical", "for", "clear",
        "nodata", "summary", "description"}  # fmt: skip
_NAME = re.compile(r"\A[a-z0-9][a-z0-9_.\-]{0,62}\Z")
_DURATION = re.compile(r"\A(\d+(?:\.\d+)?)(ms|s|m|h)?\Z")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class RuleError(ValueError):
    """A rule that cannot be used: names the rule and the field."""

    def __init__(self, rule: str, field_name: str, message: str) -> None:
        super().__init__(f"rule {rule!r}, {field_name}: {message}")
        self.rule, self.field, self.message = rule, field_name, message


@dataclass(frozen=True)
class MetricMatcher:
    """An exact metric name, or a pattern whose one wildcard becomes a label."""

    pattern: str
    label: str | None = None
    _regex: re.Pattern | None = None
    _memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def match(self, key: str) -> dict[str, str] | None:
        """The labels this metric key gives an alert, or None when it is not this metric."""
        if self._regex is None:
            return {} if key == self.pattern else None
        before, _, after = self.pattern.partition("*")
        # Most keys fail these two cheap tests; the evaluator asks for every key of every host.
        if not (key.startswith(before) and key.endswith(after)):
            return None
        found = self._regex.fullmatch(key)
        return {self.label: found.group(1)} if found else None

    def keys(self, metrics: Iterable[str]) -> Iterable[tuple[str, dict[str, str]]]:
        # Remembered per key: hosts share their metric names, and every tick asks again.
        memo = self._memo
        if len(memo) > 100_000:
            memo.clear()
        for key in metrics:
            try:
                labels = memo[key]
            except KeyError:
                labels = memo[key] = self.match(key)
            if labels is not None:
                yield key, dict(labels)


@dataclass(frozen=True)
class HostSelector:
    """All hosts, some by name, or those whose labels include all of ``labels``."""

    names: frozenset[str] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def selects(self, host: str, host_labels: Mapping[str, str]) -> bool:
        if self.names is not None:
            return host in self.names
        return all(host_labels.get(key) == value for key, value in self.labels.items())


@dataclass(frozen=True)
class Rule:
    name: str
    metric: MetricMatcher
    hosts: HostSelector
    op: str
    warning: float | None
    critical: float | None
    for_s: float
    clear: float | None
    nodata: str
    summary: str
    description: str
    enabled: bool = True

    def breaches(self, value: float, threshold: float | None) -> bool:
        return threshold is not None and OPS[self.op](value, threshold)

    def severity_of(self, value: float) -> str | None:
        """The severity this value has on its own: critical, warning, or None."""
        if self.breaches(value, self.critical):
            return "critical"
        if self.breaches(value, self.warning):
            return "warning"
        return None

    @property
    def clear_at(self) -> float:
        """Where a firing alert resolves: ``clear``, else the lowest threshold."""
        if self.clear is not None:
            return self.clear
        thresholds = [t for t in (self.warning, self.critical) if t is not None]
        return min(thresholds) if self.op in (">", ">=") else max(thresholds)

    def still_firing(self, value: float) -> bool:
        """Hysteresis: a firing alert holds until its value is back past the clear line."""
        return OPS[self.op](value, self.clear_at)

    def render(self, template: str, host: str, value: float | None, labels: Mapping) -> str:
        """``{host}``, ``{value}``, ``{label.mount}`` filled in; an unknown name stays as is."""

        def fill(found: re.Match) -> str:
            name = found.group(1)
            if name == "host":
                return host
            if name == "value":
                return "no data" if value is None else readable(value)
            if name.startswith("label_"):
                return str(labels.get(name[len("label_") :], found.group(0)))
            return found.group(0)

        return re.sub(r"\{(host|value|label_\w+)\}", fill, template.replace("{label.", "{label_"))


def readable(value: float) -> str:
    """A value as a wall shows it: 98.6, not 98.5583; small ones keep 3 significant digits."""
    if abs(value) >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.3g}"


def parse_duration(value, rule: str, field_name: str) -> float:
    if type(value) in (int, float) and math.isfinite(value) and value >= 0:
        return float(value)
    found = _DURATION.match(str(value).strip()) if isinstance(value, str) else None
    if not found:
        raise RuleError(rule, field_name, f"{value!r} is not a duration such as 0s, 90s, 5m, 1h")
    return float(found.group(1)) * _UNITS[found.group(2)]


def _number(value, rule: str, field_name: str) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not math.isfinite(value):
        raise RuleError(rule, field_name, f"{value!r} is not a number")
    return float(value)


def metric_matcher(value, rule: str, fields: Iterable[Field]) -> MetricMatcher:
    if not isinstance(value, str) or not value:
        raise RuleError(rule, "metric", "name a metric of docs/metrics.md")
    documented = list(fields)
    if value.count("*") > 1:
        raise RuleError(rule, "metric", f"{value!r}: one * at most")
    if "*" not in value:
        if "{" in value or not any(f.matches(value) for f in documented):
            raise RuleError(rule, "metric", f"{value!r} is not a metric of docs/metrics.md")
        return MetricMatcher(value)
    for documented_field in documented:
        names = _PLACEHOLDER.findall(documented_field.name)
        if len(names) == 1 and _PLACEHOLDER.sub("*", documented_field.name) == value:
            before, after = value.split("*")
            wildcard = r"(\d+)" if names[0] == "n" else r"(.+)"
            regex = re.compile(re.escape(before) + wildcard + re.escape(after))
            return MetricMatcher(value, names[0], regex)
    raise RuleError(
        rule, "metric", f"{value!r} is no pattern of docs/metrics.md (such as disk.*.used_percent)"
    )


def host_selector(value, rule: str) -> HostSelector:
    if value in (None, "*"):
        return HostSelector()
    if isinstance(value, list) and value and all(isinstance(h, str) for h in value):
        bad = [h for h in value if not HOST_NAME.match(h)]
        if bad:
            raise RuleError(rule, "hosts", f"not host names: {bad[:3]}")
        return HostSelector(names=frozenset(value))
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ):
        return HostSelector(labels=dict(value))
    raise RuleError(rule, "hosts", 'use "*", a list of host names, or labels such as {env: prod}')


def _template(value, rule: str, field_name: str, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > 500:
        raise RuleError(rule, field_name, "a text of at most 500 characters")
    try:
        list(string.Formatter().parse(value.replace("{label.", "{label_")))
    except ValueError as exc:
        raise RuleError(rule, field_name, f"not a template: {exc}") from None
    return value


def parse_rule(data, fields: Iterable[Field]) -> Rule:
    """One rule from its file form, or RuleError naming what is wrong."""
    if not isinstance(data, dict):
        raise RuleError("?", "rule", "each rule is a mapping of fields")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleError(str(name), "name", "lower-case letters, digits, '.', '-', '_'; 63 at most")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise RuleError(name, unknown[0], f"unknown field (known: {', '.join(sorted(KEYS))})")
    op = data.get("op", ">")
    if op not in OPS:
        raise RuleError(name, "op", f"{op!r}: one of {' '.join(OPS)}")
    warning = _number(data.get("warning"), name, "warning")
    critical = _number(data.get("critical"), name, "critical")
    if warning is None and critical is None:
        raise RuleError(name, "warning", "give a warning or a critical threshold, or both")
    if (
        warning is not None
        and critical is not None
        and not (OPS[op](critical, warning) or critical == warning)
    ):
        raise RuleError(name, "critical", f"{critical:g} must be past warning {warning:g} ({op})")
    clear = _number(data.get("clear"), name, "clear")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(name, "enabled", f"{enabled!r}: true or false")
    rule = Rule(
        enabled=enabled,
        name=name,
        metric=metric_matcher(data.get("metric"), name, fields),
        hosts=host_selector(data.get("hosts", "*"), name),
        op=op,
        warning=warning,
        critical=critical,
        for_s=parse_duration(data.get("for", "0s"), name, "for"),
        clear=clear,
        nodata=data.get("nodata", "keep"),
        summary=_template(data.get("summary"), name, "summary", f"{name} on {{host}}: {{value}}"),
        description=_template(data.get("description"), name, "description", ""),
    )
    if rule.nodata not in NODATA:
        raise RuleError(name, "nodata", f"{rule.nodata!r}: one of {', '.join(NODATA)}")
    lowest = (
        min(t for t in (warning, critical) if t is not None)
        if op[0] == ">"
        else max(t for t in (warning, critical) if t is not None)
    )
    if clear is not None and OPS[op](clear, lowest):
        raise RuleError(name, "clear", f"{clear:g} must not be past the threshold {lowest:g}")
    return rule


def parse_rules(document, fields: Iterable[Field]) -> list[Rule]:
    """Every rule of a file (``{"rules": [...]}``), all or none: the first error is raised."""
    fields = list(fields)
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError("?", "rules", 'a rule file is {"rules": [...]}')
    rules = [parse_rule(item, fields) for item in document["rules"]]
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise RuleError(rule.name, "name", "two rules have this name")
        seen.add(rule.name)
    return rules
