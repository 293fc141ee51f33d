"""`manage.py dashboards export/import`: the file form, all or nothing."""

import io
import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from dashboards.walls.models import Dashboard

pytestmark = pytest.mark.django_db

NOC = {
    "schema": 1,
    "columns": 12,
    "panels": [
        {"id": "clock", "type": "clock", "x": 0, "y": 0, "w": 3, "h": 2, "tz": "UTC"},
        {"id": "cpu", "type": "chart", "x": 3, "y": 0, "w": 9, "h": 4,
         "metric": "cpu.percent", "labels": {"env": "prod"}, "window_s": 900},
        {"id": "note", "type": "text", "x": 0, "y": 2, "w": 3, "h": 2, "text": "call Bob"},
    ],
}  # fmt: skip


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("dashboards", "export", *args, stdout=out)
    return out.getvalue()


def import_file(path, *args: str) -> str:
    out = io.StringIO()
    call_command("dashboards", "import", str(path), *args, stdout=out)
    return out.getvalue()


def write(tmp_path, document, name="boards.yaml"):
    path = tmp_path / name
    path.write_text(json.dumps(document) if name.endswith(".json") else yaml.safe_dump(document))
    return path


def layouts() -> dict:
    return {d.slug: (d.title, d.layout) for d in Dashboard.objects.all()}


def test_a_fresh_install_has_the_fleet_dashboard():
    fleet = Dashboard.objects.get(slug="fleet")
    assert fleet.builtin
    assert [p["type"] for p in fleet.layout["panels"]] == ["hosts", "alerts"]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_into_an_empty_database_gives_the_same_layouts(tmp_path, fmt):
    Dashboard.objects.create(slug="noc", title="NOC wall", layout=NOC)
    before = layouts()
    path = tmp_path / f"boards.{fmt}"
    path.write_text(export("--format", fmt))
    Dashboard.objects.all().delete()
    assert import_file(path) == "dashboards: 2 created, 0 updated, 0 deleted\n"
    assert layouts() == before


def test_export_names_dashboards_and_refuses_a_missing_one():
    Dashboard.objects.create(slug="noc", title="NOC wall", layout=NOC)
    document = yaml.safe_load(export("noc"))
    assert [d["slug"] for d in document["dashboards"]] == ["noc"]
    with pytest.raises(CommandError, match="dashboard 'nope': slug: there is no such dashboard"):
        export("noc", "nope")


def test_import_updates_by_slug_and_prune_keeps_fleet(tmp_path):
    Dashboard.objects.create(slug="old", title="Old", layout=NOC)
    Dashboard.objects.create(slug="noc", title="NOC", layout={**NOC, "panels": []})
    path = write(tmp_path, {"dashboards": [{"slug": "noc", "title": "NOC", "layout": NOC}]})
    assert import_file(path, "--prune") == "dashboards: 0 created, 1 updated, 1 deleted\n"
    assert sorted(layouts()) == ["fleet", "noc"]
    assert Dashboard.objects.get(slug="noc").layout == NOC
    assert import_file(path) == "dashboards: 0 created, 0 updated, 0 deleted\n"


def bad_file(tmp_path, document, name="boards.yaml") -> str:
    Dashboard.objects.create(slug="noc", title="NOC", layout=NOC)
    before = layouts()
    with pytest.raises(CommandError) as caught:
        import_file(write(tmp_path, document, name), "--prune")
    assert layouts() == before, "a bad file changed something"
    return str(caught.value)


def test_a_bad_panel_names_dashboard_panel_and_field_and_changes_nothing(tmp_path):
    broken = {**NOC, "panels": [*NOC["panels"][:1], {**NOC["panels"][1], "metric": "cpu.nope"}]}
    document = {"dashboards": [
        {"slug": "fresh", "title": "New", "layout": {"schema": 1, "panels": []}},
        {"slug": "noc", "title": "NOC", "layout": broken},
    ]}  # fmt: skip
    message = bad_file(tmp_path, document)
    assert message == (
        "dashboard 'noc': panel 1 (cpu): metric: 'cpu.nope' is not a metric of docs/metrics.md;"
        " nothing was imported"
    )
    assert not Dashboard.objects.filter(slug="fresh").exists()


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"dashboards": [{"slug": "noc", "layout": NOC, "owner": "me"}]}, "'noc': owner: unknown"),
        ({"dashboards": [{"slug": "no c", "layout": NOC}]}, "#0: slug: 'no c' is not a slug"),
        ({"dashboards": [{"slug": "a", "layout": NOC}, {"slug": "a", "layout": NOC}]}, "twice"),
        ({"dashboards": [{"slug": "a", "layout": {**NOC, "schema": 2}}]}, "'a': schema: 2 is"),
        ({"boards": []}, "file: must be an object"),
        ({"dashboards": [], "extra": 1}, "extra: unknown key"),
    ],
)
def test_bad_files_are_refused_whole(tmp_path, document, words):
    assert words in bad_file(tmp_path, document)


def test_a_file_that_is_not_json_says_so(tmp_path):
    path = tmp_path / "boards.json"
    path.write_text("{nope")
    with pytest.raises(CommandError, match=r"boards\.json is not valid JSON"):
        import_file(path)
    with pytest.raises(CommandError, match="cannot read"):
        import_file(tmp_path / "missing.yaml")
