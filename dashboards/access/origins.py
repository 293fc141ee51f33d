"""Which pages may open a socket: this site's own origins, scheme, host and port, nothing else.

Channels' AllowedHostsOriginValidator compares host names only, so a page served by anything
else on the same host (``http://127.0.0.1:9999``) could open a socket with the signed-in user's
cookie. A socket is accepted here as Django's CSRF check accepts a POST: its ``Origin`` must be
the origin the handshake was made to (the scheme as the client used it, behind a TLS proxy too,
and the ``Host`` it asked for, which must be one of ALLOWED_HOSTS), or one of
CSRF_TRUSTED_ORIGINS (MONITOR_PUBLIC_URL is one). A browser always sends ``Origin`` on a
WebSocket handshake; a handshake without one is not a page of ours and is refused.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as ``https://noc.example.com:8443``, else None."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def handshake_origin(scope) -> tuple[str, str, int] | None:
    """The origin a page on this site has when it opens this socket, from the handshake itself."""
    host_header = _header(scope, b"host")
    if not host_header:
        return None
    domain, _port = split_domain_port(host_header)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return origin_of(("https://" if handshake_is_secure(scope) else "http://") + host_header)


def handshake_is_secure(scope) -> bool:
    """Whether the client used TLS. Daphne puts no scheme in a WebSocket scope and serves no TLS
    itself, so behind a TLS proxy only the proxy's X-Forwarded-Proto can say so, and it is
    believed only when the proxy's headers are (MONITOR_PROXY_HEADERS)."""
    if scope.get("scheme") in ("wss", "https"):
        return True
    if not getattr(settings, "MONITOR_PROXY_HEADERS", False):
        return False
    forwarded = (_header(scope, b"x-forwarded-proto") or "").split(",")[0].strip().lower()
    return forwarded in ("https", "wss")


def trusted_origins() -> set[tuple[str, str, int]]:
    return {o for o in map(origin_of, settings.CSRF_TRUSTED_ORIGINS) if o is not None}


def same_site(scope) -> bool:
    origin_header = _header(scope, b"origin")
    origin = origin_of(origin_header) if origin_header else None
    if origin is None:
        return False
    return origin == handshake_origin(scope) or origin in trusted_origins()


class SameOriginValidator:
    """Refuses (HTTP 403, before the socket opens) a handshake from any other origin."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if same_site(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
