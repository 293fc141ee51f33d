"""The registry's part of the protocol: the browser's copy says what the server does, and a
screen that reports on time is never called offline."""

from dashboards.screens.models import OFFLINE_AFTER_S
from dashboards.stream import protocol as p
from tests.dashboards.stream.test_protocol import doc_section, js_constants


def test_the_browser_knows_the_commands_and_the_heartbeat_as_the_server_does():
    js = js_constants()
    assert sorted(js["COMMANDS"].values()) == sorted(p.COMMANDS)
    assert js["SCREEN_EVERY_S"] == p.SCREEN_EVERY_S


def test_one_lost_report_does_not_make_a_screen_offline_but_a_dark_wall_is_within_30_s():
    assert 2 * p.SCREEN_EVERY_S < OFFLINE_AFTER_S <= 30 - 5  # 5 s: the page's 2 s poll and more


def test_the_reference_names_every_command():
    server = doc_section("Server → client")
    assert all(f"`{command}`" in server for command in p.COMMANDS)
