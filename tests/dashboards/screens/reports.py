"""Good ``screen`` messages for the registry's tests, as the pages send them."""

CHROMIUM_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.224 Safari/537.36"
)


def page_report(**changes) -> dict:
    message = {
        "type": "screen",
        "key": "b7e1c0ffee5eed42",
        "name": "Ops laptop",
        "shows": "fleet",
        "latency_s": 0.12,
        "data_age_s": 0.8,
        "width": 1920,
        "height": 1080,
        "dpr": 1,
        "browser": CHROMIUM_UA,
    }
    message.update(changes)
    return message


def kiosk_report(**changes) -> dict:
    message = page_report(**changes)
    for field in ("key", "name"):
        if field not in changes:
            del message[field]
    return message
