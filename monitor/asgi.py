"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")

# Build the Django app before importing anything that touches models (the consumers do, through
# the auth middleware): importing them first would raise AppRegistryNotReady.
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from dashboards.access.origins import SameOriginValidator  # noqa: E402
from dashboards.access.socket_auth import SocketAuth  # noqa: E402
from dashboards.access.static_files import StaticFiles  # noqa: E402
from dashboards.stream.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Daphne serves static files itself (Plotly comes from the installed package), so the
        # product runs with no web server in front; a proxy may serve collectstatic output instead.
        "http": StaticFiles(django_http),
        "websocket": SameOriginValidator(SocketAuth(URLRouter(websocket_urlpatterns))),
    }
)
