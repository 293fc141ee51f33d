"""Dashboard files (YAML or JSON, docs/dashboards.md): read all or nothing, written back the same
shape, so that dashboards can live in version control."""

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.validators import validate_slug
from django.db import transaction

from dashboards.walls.layout import LayoutError, validate_layout
from dashboards.walls.models import Dashboard

DOCUMENT_KEYS = ("dashboards",)
DASHBOARD_KEYS = ("slug", "title", "layout")
MAX_TITLE = Dashboard._meta.get_field("title").max_length
MAX_SLUG = Dashboard._meta.get_field("slug").max_length


@dataclass
class DashboardFileError(Exception):
    """What is wrong with a file: ``dashboard`` (its slug, or its index when it has none),
    ``field`` (a JSON path such as ``panels[2].metric``), ``message``."""

    dashboard: str
    field: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"dashboard {self.dashboard}: {self.where or self.field}: {self.message}"


def _slug(value, index: int) -> str:
    if not isinstance(value, str) or len(value) > MAX_SLUG:
        raise DashboardFileError(f"#{index}", "slug", f"must be a slug of at most {MAX_SLUG}")
    try:
        validate_slug(value)
    except Exception:  # ValidationError
        raise DashboardFileError(
            f"#{index}", "slug", f"{value!r} is not a slug (letters, digits, '-', '_')"
        ) from None
    return value


def parse_dashboard(data, index: int = 0) -> dict:
    """One dashboard of a file, checked: {slug, title, layout} (layout normalised)."""
    if not isinstance(data, dict):
        raise DashboardFileError(
            f"#{index}", "dashboard", "must be an object {slug, title, layout}"
        )
    slug = _slug(data.get("slug"), index)
    name = repr(slug)
    for key in data:
        if key not in DASHBOARD_KEYS:
            raise DashboardFileError(name, key, f"unknown key (it has {', '.join(DASHBOARD_KEYS)})")
    title = data.get("title", slug)
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        raise DashboardFileError(name, "title", f"must be a text of 1 to {MAX_TITLE} characters")
    try:
        layout = validate_layout(data.get("layout"))
    except LayoutError as exc:
        raise DashboardFileError(name, exc.path, exc.message, exc.where) from None
    return {"slug": slug, "title": title, "layout": layout}


def parse_document(document) -> list[dict]:
    if not isinstance(document, dict) or not isinstance(document.get("dashboards"), list):
        raise DashboardFileError("?", "file", 'must be an object {"dashboards": [...]}')
    for key in document:
        if key not in DOCUMENT_KEYS:
            raise DashboardFileError("?", key, "unknown key (a file has dashboards)")
    parsed = [parse_dashboard(data, index) for index, data in enumerate(document["dashboards"])]
    slugs = [data["slug"] for data in parsed]
    for slug in slugs:
        if slugs.count(slug) > 1:
            raise DashboardFileError(repr(slug), "slug", "the file has it twice")
    return parsed


def import_dashboards(document, prune: bool = False) -> tuple[int, int, int]:
    """Checks every dashboard first (DashboardFileError: nothing taken), then creates or updates
    them by slug; ``prune`` deletes those the file does not name (never the built-in ``fleet``).
    Returns (created, updated, deleted)."""
    parsed = parse_document(document)
    created = updated = deleted = 0
    with transaction.atomic():
        for data in parsed:
            found = Dashboard.objects.filter(slug=data["slug"]).first()
            if found is None:
                Dashboard.objects.create(**data)
                created += 1
            elif (found.title, found.layout) != (data["title"], data["layout"]):
                found.title, found.layout = data["title"], data["layout"]
                found.save()
                updated += 1
        if prune:
            slugs = [data["slug"] for data in parsed]
            stale = Dashboard.objects.exclude(slug__in=slugs).exclude(builtin=True)
            deleted, _ = stale.delete()
    return created, updated, deleted


def export_dashboards(slugs: list[str] | None = None, fmt: str = "yaml") -> str:
    """Every dashboard (or those of ``slugs``: DashboardFileError naming one that is missing)."""
    found = Dashboard.objects.all()
    if slugs:
        found = found.filter(slug__in=slugs)
        missing = sorted(set(slugs) - {d.slug for d in found})
        if missing:
            raise DashboardFileError(repr(missing[0]), "slug", "there is no such dashboard")
    document = {"dashboards": [dashboard.definition() for dashboard in found]}
    return dump(document, fmt)


def dump(document: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def read_document(text: str, name: str = "the file"):
    """A file's content (JSON when the name ends in .json, else YAML, a superset of JSON)."""
    is_json = name.endswith(".json")
    try:
        return json.loads(text) if is_json else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        message = f"{name} is not valid {'JSON' if is_json else 'YAML'}: {exc}"
        raise DashboardFileError("?", "file", message.replace("\n", " ")) from None


def read_file(path: Path):
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DashboardFileError("?", "file", f"cannot read {path}: {exc}") from None
    return read_document(text, path.name)
