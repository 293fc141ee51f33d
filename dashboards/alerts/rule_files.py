"""Rule files (YAML or JSON, docs/alerts.md): read all or nothing, written back the same shape."""

import json
from pathlib import Path

import yaml
from django.db import transaction

from dashboards.alerts.catalogue import parse_rules
from dashboards.alerts.models import AlertRule
from dashboards.alerts.rules import RuleError


def read_document(text: str, name: str = "the file"):
    """A rule file's content; RuleError when it is neither JSON nor YAML."""
    try:
        return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise RuleError(
            "?",
            "file",
            f"{name} is not valid {'JSON' if name.endswith('.json') else 'YAML'}: {exc}".replace(
                "\n", " "
            ),
        ) from None


def import_rules(document, prune: bool = False) -> tuple[int, int, int]:
    """Checks every rule first (RuleError: nothing taken), then creates or updates them by name;
    ``prune`` deletes rules the file does not name. Returns (created, updated, deleted)."""
    parse_rules(document)
    created = updated = deleted = 0
    with transaction.atomic():
        for data in document["rules"]:
            rule = AlertRule.objects.filter(name=data["name"]).first()
            if rule is None:
                AlertRule.from_definition(data).save()
                created += 1
            else:
                before = rule.definition()
                rule.apply(data)
                if rule.definition() != before:
                    rule.save()
                    updated += 1
        if prune:
            names = [data["name"] for data in document["rules"]]
            deleted, _ = AlertRule.objects.exclude(name__in=names).delete()
    return created, updated, deleted


def export_rules(fmt: str = "yaml") -> str:
    document = {"rules": [rule.definition() for rule in AlertRule.objects.all()]}
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def read_file(path: Path):
    try:
        text = path.read_text()
    except OSError as exc:
        raise RuleError("?", "file", f"cannot read {path}: {exc.strerror}") from None
    return read_document(text, path.name)
