"""Playlists: in dashboard files, in kiosk tokens, and as the program a page turns through."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from dashboards.walls.files import DashboardFileError, export_dashboards, import_dashboards
from dashboards.walls.kiosks import create_kiosk
from dashboards.walls.layout import subscriptions
from dashboards.walls.models import Playlist
from dashboards.walls.programs import follows, kiosk_program, program

pytestmark = pytest.mark.django_db


def board(slug: str, *panels: dict) -> dict:
    return {"slug": slug, "layout": {"schema": 1, "panels": list(panels)}}


CLOCK = {"id": "c", "type": "clock", "x": 0, "y": 0, "w": 3, "h": 2}
DB_CHART = {"id": "db", "type": "chart", "x": 0, "y": 0, "w": 6, "h": 3,
            "metric": "disk.io.read_bytes_per_s", "hosts": ["db1", "db2"]}  # fmt: skip
PROD = {"id": "g", "type": "hosts", "x": 0, "y": 0, "w": 12, "h": 4, "labels": {"env": "prod"}}
DOCUMENT = {
    "dashboards": [board("clocks", CLOCK), board("db", DB_CHART), board("prod", PROD)],
    "playlists": [{"name": "noc", "entries": [
        {"dashboard": "prod", "seconds": 20}, {"dashboard": "db"}, {"dashboard": "clocks"},
    ]}],
}  # fmt: skip


def test_a_file_with_playlists_imports_and_exports_the_same():
    assert import_dashboards(DOCUMENT) == (4, 0, 0)
    noc = Playlist.objects.get(name="noc")
    assert noc.pause_on_critical is True  # the default
    assert noc.definition()["entries"] == [
        {"dashboard": "prod", "seconds": 20},
        {"dashboard": "db", "seconds": 30},
        {"dashboard": "clocks", "seconds": 30},
    ]
    exported = json.loads(export_dashboards(fmt="json"))
    assert exported["playlists"] == [noc.definition()]
    assert import_dashboards(exported) == (0, 0, 0)  # nothing changed


def test_a_playlist_changed_in_the_file_is_replaced_and_prune_drops_the_unnamed():
    import_dashboards(DOCUMENT)
    night = {"name": "night", "pause_on_critical": False,
             "entries": [{"dashboard": "db", "seconds": 5}]}  # fmt: skip
    changed = {**DOCUMENT, "playlists": [night]}
    assert import_dashboards(changed, prune=True) == (1, 0, 1)
    assert list(Playlist.objects.values_list("name", flat=True)) == ["night"]


@pytest.mark.parametrize(
    ("playlist", "message"),
    [
        ({"name": "x", "entries": [{"dashboard": "nope"}]},
         "playlist 'x': entries[0].dashboard: there is no dashboard 'nope'"),
        ({"name": "x", "entries": [{"dashboard": "db", "seconds": 0}]},
         "playlist 'x': entries[0].seconds: must be a whole number from 1 to 3600"),
        ({"name": "x", "entries": []}, "playlist 'x': entries: must be a list of 1 to 100"),
        ({"name": "x y", "entries": [{"dashboard": "db"}]}, "is not a name"),
        ({"name": "x", "loop": True, "entries": [{"dashboard": "db"}]}, "x': loop: unknown key"),
        ({"name": "x", "pause_on_critical": "yes", "entries": [{"dashboard": "db"}]},
         "pause_on_critical: must be true or false"),
    ],
)  # fmt: skip
def test_a_bad_playlist_names_the_problem_and_nothing_is_imported(playlist, message):
    with pytest.raises(DashboardFileError) as caught:
        import_dashboards({"dashboards": DOCUMENT["dashboards"], "playlists": [playlist]})
    assert message in str(caught.value)
    assert not Playlist.objects.exists()
    assert not import_dashboards.__globals__["Dashboard"].objects.filter(slug="db").exists()


def test_the_program_turns_through_the_entries_and_follows_what_all_of_them_need():
    import_dashboards(DOCUMENT)
    shown = program(playlist=Playlist.objects.get(name="noc"))
    assert [(b["slug"], b["seconds"]) for b in shown["boards"]] == [
        ("prod", 20),
        ("db", 30),
        ("clocks", 30),
    ]
    assert shown["playlist"] == "noc" and shown["pause_on_critical"] is True
    # prod's label filter means every host; db's chart needs full samples
    assert shown["subscriptions"]["subscribe"] == {
        "type": "subscribe",
        "hosts": "*",
        "view": "full",
    }
    assert shown["subscriptions"]["labels"] == [{"env": "prod"}]
    assert shown["subscriptions"]["named"] == ["db1", "db2"]


def test_the_union_of_named_hosts_stays_named_and_an_unfiltered_grid_takes_every_host():
    named = follows([{"layout": DOCUMENT["dashboards"][1]["layout"]}, {"layout": {
        "schema": 1, "panels": [{**CLOCK, "type": "host", "host": "web1"}]}}])  # fmt: skip
    assert named.hosts == ("db1", "db2", "web1") and named.view == "full"
    everything = {"schema": 1, "panels": [{**PROD, "labels": {}}]}
    wide = follows([{"layout": DOCUMENT["dashboards"][2]["layout"]}, {"layout": everything}])
    assert wide.hosts == "*" and wide.labels == ()
    assert subscriptions(everything).labels == ()
    assert follows([{"layout": DOCUMENT["dashboards"][0]["layout"]}]).as_message() is None


def test_a_kiosk_shows_its_playlist_and_falls_back_to_its_dashboard():
    import_dashboards(DOCUMENT)
    token, secret = create_kiosk(None, "NOC left", playlist="noc")
    assert token.dashboard.slug == "prod"  # the playlist's first, by default
    assert [b["slug"] for b in kiosk_program(token)["boards"]] == ["prod", "db", "clocks"]
    assert kiosk_program(token)["kiosk"] == "NOC left"  # its page reloads when it is switched
    html = Client().get(f"/k/{secret}/").content.decode()
    assert '"playlist": "noc"' in html and 'id="playlist-position"' in html
    Playlist.objects.all().delete()
    token.refresh_from_db()
    assert [b["slug"] for b in kiosk_program(token)["boards"]] == ["prod"]
    assert Client().get(f"/k/{secret}/").status_code == 200


def test_kiosk_create_with_a_playlist_prints_what_it_shows():
    import_dashboards(DOCUMENT)
    out = io.StringIO()
    call_command("kiosk", "create", "--playlist", "noc", stdout=out)
    lines = out.getvalue().splitlines()
    assert "kiosk 'noc' shows playlist 'noc'" in lines[0]
    assert "/k/k_" in lines[-1]
    Playlist.objects.create(name="empty")
    with pytest.raises(CommandError, match="playlist 'empty' has no dashboards yet"):
        call_command("kiosk", "create", "--playlist", "empty", stdout=io.StringIO())


def test_a_person_opens_a_playlist_at_p_name(admin_client):
    import_dashboards(DOCUMENT)
    response = admin_client.get("/p/noc/")
    assert response.status_code == 200
    assert response.context["program"]["playlist"] == "noc"
    assert admin_client.get("/p/nope/").status_code == 404
    Playlist.objects.create(name="empty")
    assert admin_client.get("/p/empty/").status_code == 404


def test_the_list_shows_the_playlists_in_order(admin_client):
    import_dashboards(DOCUMENT)
    html = admin_client.get("/d/").content.decode()
    assert 'href="/p/noc/"' in html
    assert "prod 20 s → db 30 s → clocks 30 s" in html
