"""Who may read the product's own figures (/metrics, and /healthz beyond its status).

Host names, their metrics and the stream's figures are not for anyone who can reach the port:
a Prometheus scraper sends the bearer token (MONITOR_METRICS_TOKEN; the embedded default keeps
a generated one in the data dir), signed-in staff see them in the browser, and
MONITOR_METRICS_PUBLIC=yes opens them to all (behind a proxy that restricts them, say).
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def may_read_figures(request: HttpRequest) -> bool:
    if settings.MONITOR_METRICS_PUBLIC:
        return True
    token = bearer_token(request)
    if token is not None:
        return constant_time_compare(token, settings.MONITOR_METRICS_TOKEN)
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)
