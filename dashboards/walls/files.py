"""Dashboard files (YAML or JSON, docs/dashboards.md): read all or nothing, written back the same
shape, so that dashboards can live in version control."""

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.validators import validate_slug
from django.db import transaction

from dashboards.walls.layout import LayoutError, validate_layout
from dashboards.walls.models import MAX_SECONDS, MIN_SECONDS, Dashboard, Playlist, PlaylistEntry

DOCUMENT_KEYS = ("dashboards", "playlists")
DASHBOARD_KEYS = ("slug", "title", "layout")
PLAYLIST_KEYS = ("name", "pause_on_critical", "entries")
ENTRY_KEYS = ("dashboard", "seconds")
DEFAULT_SECONDS = 30
MAX_ENTRIES = 100
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
    kind: str = "dashboard"

    def __str__(self) -> str:
        return f"{self.kind} {self.dashboard}: {self.where or self.field}: {self.message}"


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
    """The file's dashboards, checked (its playlists: ``parse_playlists``)."""
    if not isinstance(document, dict) or not isinstance(document.get("dashboards", []), list):
        raise DashboardFileError("?", "file", 'must be an object {"dashboards": [...]}')
    if "dashboards" not in document and "playlists" not in document:
        raise DashboardFileError("?", "file", 'must be an object {"dashboards": [...]}')
    for key in document:
        if key not in DOCUMENT_KEYS:
            raise DashboardFileError("?", key, "unknown key (a file has dashboards, playlists)")
    dashboards = document.get("dashboards", [])
    parsed = [parse_dashboard(data, index) for index, data in enumerate(dashboards)]
    slugs = [data["slug"] for data in parsed]
    for slug in slugs:
        if slugs.count(slug) > 1:
            raise DashboardFileError(repr(slug), "slug", "the file has it twice")
    return parsed


def _playlist_error(name: str, field: str, message: str) -> DashboardFileError:
    return DashboardFileError(name, field, message, kind="playlist")


def parse_playlist(data, index: int, slugs: set[str]) -> dict:
    """One playlist of a file: {name, pause_on_critical, entries: [{dashboard, seconds}]}; its
    dashboards must be in the file or in the database (``slugs``)."""
    if not isinstance(data, dict):
        raise _playlist_error(f"#{index}", "playlist", "must be an object {name, entries}")
    name = data.get("name")
    try:
        validate_slug(name if isinstance(name, str) else "")
    except Exception:  # ValidationError
        raise _playlist_error(
            f"#{index}", "name", f"{name!r} is not a name (letters, digits, '-', '_')"
        ) from None
    label = repr(name)
    for key in data:
        if key not in PLAYLIST_KEYS:
            raise _playlist_error(label, key, f"unknown key (it has {', '.join(PLAYLIST_KEYS)})")
    pause = data.get("pause_on_critical", True)
    if not isinstance(pause, bool):
        raise _playlist_error(label, "pause_on_critical", "must be true or false")
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        raise _playlist_error(label, "entries", f"must be a list of 1 to {MAX_ENTRIES} entries")
    checked = []
    for at, entry in enumerate(entries):
        where = f"entries[{at}]"
        if not isinstance(entry, dict):
            raise _playlist_error(label, where, "must be an object {dashboard, seconds}")
        for key in entry:
            if key not in ENTRY_KEYS:
                raise _playlist_error(
                    label, f"{where}.{key}", "unknown key (it has dashboard, seconds)"
                )
        slug = entry.get("dashboard")
        if slug not in slugs:
            raise _playlist_error(label, f"{where}.dashboard", f"there is no dashboard {slug!r}")
        seconds = entry.get("seconds", DEFAULT_SECONDS)
        if type(seconds) is not int or not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise _playlist_error(
                label,
                f"{where}.seconds",
                f"must be a whole number from {MIN_SECONDS} to {MAX_SECONDS}",
            )
        checked.append({"dashboard": slug, "seconds": seconds})
    return {"name": name, "pause_on_critical": pause, "entries": checked}


def parse_playlists(document, dashboards: list[dict]) -> list[dict] | None:
    """The file's playlists, checked; None when the file has no ``playlists`` key."""
    if "playlists" not in document:
        return None
    playlists = document["playlists"]
    if not isinstance(playlists, list):
        raise _playlist_error("?", "playlists", "must be a list of playlists")
    slugs = {data["slug"] for data in dashboards}
    slugs |= set(Dashboard.objects.values_list("slug", flat=True))
    parsed = [parse_playlist(data, index, slugs) for index, data in enumerate(playlists)]
    names = [data["name"] for data in parsed]
    for name in names:
        if names.count(name) > 1:
            raise _playlist_error(repr(name), "name", "the file has it twice")
    return parsed


def _save_playlist(data: dict) -> bool:
    """Creates or replaces one; True when something changed."""
    found = Playlist.objects.filter(name=data["name"]).first()
    if found is not None and found.definition() == data:
        return False
    if found is None:
        found = Playlist.objects.create(
            name=data["name"], pause_on_critical=data["pause_on_critical"]
        )
    else:
        found.pause_on_critical = data["pause_on_critical"]
        found.save()
        found.entries.all().delete()
    boards = {board.slug: board for board in Dashboard.objects.filter(
        slug__in=[entry["dashboard"] for entry in data["entries"]])}  # fmt: skip
    PlaylistEntry.objects.bulk_create(
        PlaylistEntry(playlist=found, position=position, dashboard=boards[entry["dashboard"]],
                      seconds=entry["seconds"])
        for position, entry in enumerate(data["entries"])
    )  # fmt: skip
    return True


def import_dashboards(document, prune: bool = False) -> tuple[int, int, int]:
    """Checks every dashboard and playlist first (DashboardFileError: nothing taken), then
    creates or updates them by slug and name; ``prune`` deletes the dashboards the file does not
    name (never the built-in ``fleet``), and its playlists too when it has a ``playlists`` key.
    Returns (created, updated, deleted), playlists counted with the dashboards."""
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
        playlists = parse_playlists(document, parsed)
        for data in playlists or ():
            existed = Playlist.objects.filter(name=data["name"]).exists()
            if _save_playlist(data):
                updated, created = (updated + 1, created) if existed else (updated, created + 1)
        if prune and playlists is not None:
            names = [data["name"] for data in playlists]
            stale = Playlist.objects.exclude(name__in=names)
            deleted += stale.count()
            stale.delete()
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
    if not slugs:
        document["playlists"] = [playlist.definition() for playlist in Playlist.objects.all()]
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
