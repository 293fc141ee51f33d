"""Which pages may open a socket: scheme, host and port of the site's own origins only."""

import pytest

from dashboards.access.origins import origin_of, same_site


def scope(origin: str | None, host: str | None = "127.0.0.1:8000", scheme: str = "ws") -> dict:
    headers = []
    if host is not None:
        headers.append((b"host", host.encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": "websocket", "scheme": scheme, "headers": headers}


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "accepted"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "ws", True),
        ("http://localhost:8000", "localhost:8000", "ws", True),
        # Another port of the same host is another site (issue 9: it was let in).
        ("http://127.0.0.1:9999", "127.0.0.1:8000", "ws", False),
        ("http://127.0.0.1", "127.0.0.1:8000", "ws", False),
        ("https://127.0.0.1:8000", "127.0.0.1:8000", "ws", False),  # scheme differs
        ("http://evil.example", "127.0.0.1:8000", "ws", False),
        ("http://127.0.0.1:8000.evil.example", "127.0.0.1:8000", "ws", False),
        ("null", "127.0.0.1:8000", "ws", False),
        (None, "127.0.0.1:8000", "ws", False),  # no Origin: not a page
        ("http://127.0.0.1:8000", None, "ws", False),  # no Host
        # A Host outside ALLOWED_HOSTS is refused even when the Origin matches it.
        ("http://evil.example:8000", "evil.example:8000", "ws", False),
        # Behind a TLS proxy Daphne reports the client's scheme (X-Forwarded-Proto).
        ("https://localhost", "localhost", "https", True),
        ("http://localhost", "localhost", "https", False),
        ("garbage", "127.0.0.1:8000", "ws", False),
        ("http://127.0.0.1:99999", "127.0.0.1:8000", "ws", False),
    ],
)
def test_a_socket_opens_only_from_the_origin_it_was_opened_to(origin, host, scheme, accepted):
    assert same_site(scope(origin, host, scheme)) is accepted


def test_the_public_url_is_trusted_behind_a_proxy_that_rewrites_the_host(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://noc.example.com"]
    # nginx's proxy_set_header Host $host drops the port; the page's origin is the public URL.
    assert same_site(scope("https://noc.example.com", "127.0.0.1:8000", "https"))
    assert not same_site(scope("https://noc.example.com:8443", "127.0.0.1:8000", "https"))
    assert not same_site(scope("http://noc.example.com", "127.0.0.1:8000", "https"))


def test_origins_compare_with_default_ports_filled_in():
    assert origin_of("https://noc.example.com") == ("https", "noc.example.com", 443)
    assert origin_of("https://NOC.example.com:443/") == ("https", "noc.example.com", 443)
    assert origin_of("http://[::1]:8000") == ("http", "::1", 8000)
    assert origin_of("ftp://x") is None
    assert origin_of("https://noc.example.com/path") is None


def test_behind_a_tls_proxy_the_scheme_comes_from_x_forwarded_proto(settings):
    """Daphne puts no scheme in a WebSocket scope: only the proxy's header says https."""
    settings.MONITOR_PROXY_HEADERS = True
    settings.ALLOWED_HOSTS = ["noc.example.com"]
    proxied = {
        "type": "websocket",
        "headers": [(b"host", b"noc.example.com"), (b"x-forwarded-proto", b"https")],
    }

    def with_origin(origin: str) -> dict:
        return {**proxied, "headers": [*proxied["headers"], (b"origin", origin.encode())]}

    assert same_site(with_origin("https://noc.example.com"))
    # A plain-http page of the same host may not open the TLS site's socket.
    assert not same_site(with_origin("http://noc.example.com"))
    settings.MONITOR_PROXY_HEADERS = False  # nobody to believe: the header means nothing
    assert not same_site(with_origin("https://noc.example.com"))
    assert same_site(with_origin("http://noc.example.com"))
