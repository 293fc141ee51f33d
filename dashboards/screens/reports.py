"""What a screen says about itself: the ``screen`` message (docs/protocol.md), validated, and the
short forms the registry shows (browser, resolution). No database, no socket."""

import math
import re
from dataclasses import dataclass
from typing import Any

from dashboards.stream import protocol as p

MAX_NAME = 100
MAX_SHOWS = 200
MAX_USER_AGENT = 512
MAX_PIXELS = 100_000
MAX_DPR = 16
# Latency and data age: anything a clock can say, skew included, but a number.
MAX_SECONDS = 10**9
# The id a person's browser makes for itself and keeps in localStorage.
PAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ScreenReport:
    """A validated ``screen`` message; ``page_id`` and ``name`` are None on a kiosk's socket."""

    page_id: str | None
    name: str | None
    shows: str
    latency_s: float | None
    data_age_s: float | None
    width: int
    height: int
    dpr: float
    browser: str

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height} @{self.dpr:g}x"


def _bad(field: str, what: str) -> p.ProtocolError:
    return p.ProtocolError(p.BAD_FIELD, f"'{field}' must be {what}")


def _text(message: dict, field: str, longest: int, empty: bool = True) -> str:
    value = message.get(field)
    what = f"a string of at most {longest} characters without control characters"
    if (
        not isinstance(value, str)
        or len(value) > longest
        or CONTROL.search(value)
        or (not empty and not value.strip())
    ):
        raise _bad(field, what if empty else f"a non-empty {what[2:]}")
    return value.strip()


def _number(value: Any) -> bool:
    # bool is an int to Python, not a number to anyone else.
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _seconds(message: dict, field: str) -> float | None:
    value = message.get(field)
    if value is None:
        return None
    # Compared before any float(): a 400-digit integer is valid JSON that no float holds.
    if not _number(value) or not -MAX_SECONDS <= value <= MAX_SECONDS:
        raise _bad(field, f"null or a number of seconds within ±{MAX_SECONDS}")
    return float(value)


def _pixels(message: dict, field: str) -> int:
    value = message.get(field)
    if type(value) is not int or not 1 <= value <= MAX_PIXELS:
        raise _bad(field, f"a whole number of pixels from 1 to {MAX_PIXELS}")
    return value


def parse_screen(message: dict, kiosk: bool) -> ScreenReport:
    """Validate a ``screen`` message or raise ProtocolError naming the bad field. A kiosk's key
    and name are its token's: whatever its page says of them is not even read."""
    page_id = name = None
    if not kiosk:
        page_id = message.get("key")
        if not isinstance(page_id, str) or not PAGE_ID.fullmatch(page_id):
            raise _bad("key", "8 to 64 letters, digits, '-' or '_'")
        name = _text(message, "name", MAX_NAME, empty=False)
    dpr = message.get("dpr")
    if not _number(dpr) or not 0 < dpr <= MAX_DPR:
        raise _bad("dpr", f"a number above 0 and at most {MAX_DPR}")
    return ScreenReport(
        page_id=page_id,
        name=name,
        shows=_text(message, "shows", MAX_SHOWS),
        latency_s=_seconds(message, "latency_s"),
        data_age_s=_seconds(message, "data_age_s"),
        width=_pixels(message, "width"),
        height=_pixels(message, "height"),
        dpr=float(dpr),
        browser=short_browser(_text(message, "browser", MAX_USER_AGENT)),
    )


# Most specific first: Edge and Opera say "Chrome/" too, Chrome says "Safari/".
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"\bOPR/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("Chromium", re.compile(r"\bChromium/(\d+)")),
    ("Chrome headless", re.compile(r"\bHeadlessChrome/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def short_browser(user_agent: str) -> str:
    """'Chrome 120, Linux' from a user agent string; its first 60 characters when unknown."""
    browser = next(
        (
            f"{name} {m.group(1)}"
            for name, pattern in _BROWSERS
            if (m := pattern.search(user_agent))
        ),
        None,
    )
    if browser is None:
        return user_agent[:60]
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    return f"{browser}, {system}" if system else browser
