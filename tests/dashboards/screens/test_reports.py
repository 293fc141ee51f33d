"""The ``screen`` message: every field checked, a bad one refused with ``bad_field`` naming it."""

import pytest

from dashboards.screens.reports import parse_screen, short_browser
from dashboards.stream import protocol as p
from tests.dashboards.screens.reports import CHROMIUM_UA, kiosk_report, page_report

MISSING = object()
NUMBERS = ["1", True, [1], {}, float("nan"), float("inf"), -float("inf")]
BAD = {
    "key": [MISSING, None, 12, "short", "x" * 65, "has space", "é" * 10, "line\nbreak"],
    "name": [MISSING, None, 3, "", "   ", "n" * 101, "two\nlines", "bell\x07"],
    "shows": [MISSING, None, 5, "s" * 201, "tab\there", "\x9b"],
    "latency_s": [*NUMBERS, 10**9 + 1, -(10**9) - 1, 10**400],
    "data_age_s": [*NUMBERS, 1e10, -(10**400)],
    "width": [MISSING, None, 0, -1, 1.5, 1920.0, True, "1920", 100_001, 10**400],
    "height": [MISSING, None, 0, 1080.5, False, 100_001],
    "dpr": [MISSING, None, 0, -1, 17, *NUMBERS],
    "browser": [MISSING, None, 5, "u" * 513, "nul\x00"],
}
CASES = [(field, value) for field, values in BAD.items() for value in values]


def with_field(message: dict, field: str, value) -> dict:
    if value is MISSING:
        message.pop(field, None)
    else:
        message[field] = value
    return message


def test_a_good_page_report_is_taken_whole():
    report = parse_screen(page_report(name="  Ops laptop "), kiosk=False)
    assert (report.page_id, report.name, report.shows) == (
        "b7e1c0ffee5eed42",
        "Ops laptop",
        "fleet",
    )
    assert (report.latency_s, report.data_age_s) == (0.12, 0.8)
    assert report.resolution == "1920x1080 @1x"
    assert report.browser == "Chrome 120, Linux"


def test_figures_may_be_null_or_missing_and_negative_with_clock_skew():
    report = parse_screen(page_report(latency_s=None, data_age_s=-0.4), kiosk=False)
    assert (report.latency_s, report.data_age_s) == (None, -0.4)
    message = page_report()
    del message["latency_s"]
    assert parse_screen(message, kiosk=False).latency_s is None


def test_a_kiosk_report_never_reads_a_key_or_a_name():
    report = parse_screen(kiosk_report(key=["not", "a", "key"], name="\x00"), kiosk=True)
    assert (report.page_id, report.name) == (None, None)
    assert parse_screen(kiosk_report(), kiosk=True).shows == "fleet"


@pytest.mark.parametrize(("field", "value"), CASES, ids=[f"{f}={v!r}"[:40] for f, v in CASES])
def test_a_bad_field_is_refused_naming_it(field, value):
    with pytest.raises(p.ProtocolError) as refused:
        parse_screen(with_field(page_report(), field, value), kiosk=False)
    assert refused.value.code == p.BAD_FIELD
    assert refused.value.message.startswith(f"'{field}' must be"), refused.value.message


@pytest.mark.parametrize("field", ["shows", "width", "dpr", "browser"])
def test_a_kiosk_gets_the_same_checks_of_what_it_measures(field):
    with pytest.raises(p.ProtocolError, match=f"'{field}'"):
        parse_screen(with_field(kiosk_report(), field, "x" * 600), kiosk=True)


@pytest.mark.parametrize(
    ("user_agent", "short"),
    [
        (CHROMIUM_UA, "Chrome 120, Linux"),
        (CHROMIUM_UA.replace("Chrome/", "HeadlessChrome/"), "Chrome headless 120, Linux"),
        ("Mozilla/5.0 (X11; Linux x86_64) Chromium/118.0 Chrome/118.0 Safari/537.36",
         "Chromium 118, Linux"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131, Windows"),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
         "Firefox 133, Linux"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like "
         "Gecko) Version/18.1 Safari/605.1.15", "Safari 18, macOS"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.6778.81 Mobile Safari/537.36", "Chrome 131, Android"),
        ("curl/8.5.0", "curl/8.5.0"),
        ("x" * 100, "x" * 60),
    ],
)  # fmt: skip
def test_the_browser_is_named_short(user_agent, short):
    assert short_browser(user_agent) == short
