"""The protocol is defined once for Python (protocol.py); the browser's copy (protocol.js) and the
reference for clients (docs/protocol.md) must say the same, and the JS uses only its copy."""

import re
from pathlib import Path

import pytest

from dashboards.stream import protocol as p

ROOT = Path(__file__).resolve().parents[3]
JS = ROOT / "frontend" / "static" / "js"
DOC = (ROOT / "docs" / "protocol.md").read_text()


def js_constants() -> dict[str, object]:
    """``export const NAME = value;`` of protocol.js, objects and arrays included."""
    text = (JS / "protocol.js").read_text()
    found: dict[str, object] = {}
    for name, value in re.findall(r"export const (\w+) = ([^;]+);", text, flags=re.DOTALL):
        value = value.strip()
        if value.startswith("{"):
            found[name] = {
                key: _js_value(item) for key, item in re.findall(r"(\w+):\s*([^,\n}]+)", value)
            }
        elif value.startswith("["):
            found[name] = [_js_value(item) for item in re.findall(r'"[^"]*"|\d+', value)]
        else:
            found[name] = _js_value(value)
    return found


def _js_value(text: str) -> object:
    text = text.strip()
    return text.strip('"') if text.startswith('"') else int(text)


def doc_section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", DOC, flags=re.M | re.S)
    assert match, f"docs/protocol.md has no section {title!r}"
    return match.group(1)


def table_first_column(section: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


def test_the_browsers_copy_names_every_type_and_number_as_the_server_does():
    js = js_constants()
    assert js["PROTOCOL_VERSION"] == p.PROTOCOL_VERSION
    for value in (*p.SERVER_TYPES, *p.CLIENT_TYPES):
        assert js[value.upper()] == value
    assert js["VIEWS"] == list(p.VIEWS)
    assert sorted(js["ERRORS"].values()) == sorted(p.ERROR_CODES)
    assert js["CLOSE"] == p.CLOSE_CODES


def test_the_reference_lists_every_frame_type_each_way():
    assert table_first_column(doc_section("Server → client")) == set(p.SERVER_TYPES)
    assert table_first_column(doc_section("Client → server")) == set(p.CLIENT_TYPES)


def test_the_reference_lists_exactly_the_error_codes_the_server_sends():
    documented = set(re.findall(r"`error` `(\w+)`", DOC))
    assert documented == set(p.ERROR_CODES)


def test_the_reference_lists_exactly_the_close_codes_the_server_sends():
    documented = {int(code) for code in table_first_column(doc_section("Close codes"))
                  if code.isdigit() and code.startswith("4")}  # fmt: skip
    assert documented == set(p.CLOSE_CODES.values())


@pytest.mark.parametrize(
    "path",
    sorted(path for path in JS.rglob("*.js") if path.name != "protocol.js"),
    ids=lambda path: str(path.relative_to(JS)),
)
def test_no_script_spells_a_server_close_code_or_frame_type_itself(path):
    text = path.read_text()
    assert not re.search(r"\b4(008|413|429|503|400)\b", text), "use CLOSE from protocol.js"
    for value in (*p.SERVER_TYPES, *p.CLIENT_TYPES):
        assert f'type: "{value}"' not in text and f'case "{value}"' not in text, value


def test_the_browser_and_the_reference_call_a_socket_stalled_after_the_servers_silence():
    assert js_constants()["STALLED_AFTER_INTERVALS"] == p.STALLED_AFTER_INTERVALS
    rule = " ".join(doc_section("Reconnecting (what the pages do)").split())
    assert (
        f"nothing at all (no frame of any kind) for {p.STALLED_AFTER_INTERVALS} intervals" in rule
    )
    assert "sends a `tick`" in rule
