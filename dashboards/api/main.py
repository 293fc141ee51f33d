"""The API object: its routers, its authentication, its errors, its schema and docs.

django-ninja over Django REST framework: the schema (OpenAPI 3.1) comes from the same pydantic
models that validate requests, so it cannot drift from the code, and its docs page is served from
the package's own static files (no CDN, which the pages' CSP would refuse anyway).
"""

from django.http import HttpRequest
from ninja import NinjaAPI, Router

from dashboards.alerts.roles import role_of
from dashboards.api import alertmanager, alerts, errors, hosts, rules
from dashboards.api.auth import AUTH
from dashboards.api.schemas import MeOut
from dashboards.notify import api as notify
from dashboards.walls import api as walls

api = NinjaAPI(
    title="Live monitor API",
    version="1",
    description="Hosts, samples, alerts, silences, rules and contact points. "
    "Authenticate with a session (the pages) or `Authorization: Bearer <token>` "
    '(`manage.py token create USER`). Errors: `{"error": {"code", "message"}}`.',
    auth=AUTH,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)

me = Router(tags=["me"])


@me.get("/me", response=MeOut)
def who_am_i(request: HttpRequest):
    """The caller and their role: what the rest of the API will let them do."""
    return {
        "username": request.user.get_username(),
        "role": role_of(request.user),
        "auth": getattr(request, "auth_by", "session"),
    }


api.add_router("", me)
api.add_router("", hosts.router)
api.add_router("", alerts.router)
api.add_router("", rules.router)
api.add_router("", alertmanager.router)
api.add_router("", notify.router)  # contact points and routes live with the notifications
api.add_router("", walls.router)
