from django.urls import path

from dashboards.stream.consumers import LiveConsumer
from dashboards.stream.kiosk import KioskConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
    # A wall screen's: the kiosk token in the path (masked in the access log, web_server.py).
    path("ws/kiosk/<str:secret>/", KioskConsumer.as_asgi()),
]
