"""Security headers Django does not set itself: a Content-Security-Policy and a Permissions-Policy.

The pages load only this site's own scripts, styles and data (Plotly included: it is served from
the installed package, never a CDN), and talk only to this site's socket, so the policy can be
strict: no inline script, no eval, nothing from elsewhere, no framing. Styles allow inline
``style`` attributes because Plotly draws with them; scripts do not. Two constant headers, so
a middleware of a few lines rather than another dependency.
"""

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# A monitoring page needs none of the browser's powerful features.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "midi",
        "display-capture",
    )
)


class SecurityHeaders(MiddlewareMixin):
    """Adds both headers (and COOP) to every response that does not set its own; sync and
    async, so it costs the ASGI handler no thread hop."""

    def process_response(self, request, response):
        policy = getattr(settings, "MONITOR_CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
