"""/api/contact-points and /api/routes: the notification configuration in its file form
(docs/notifications.md), for admins only (contact points hold tokens and passwords, shown
redacted). Mounted by the API's main module. The role is checked by the router's own
authentication, so a caller who is not an admin is told 403 before a body is even read."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from dashboards.alerts.responses import Refused
from dashboards.alerts.roles import ADMIN, role_of
from dashboards.api.auth import ActiveSessionAuth, TokenAuth
from dashboards.api.schemas import ErrorOut
from dashboards.notify.config import DEFAULT_GROUP_BY, TIMING, parse_contact_point
from dashboards.notify.delivery import send_test
from dashboards.notify.fields import ConfigError
from dashboards.notify.files import import_document
from dashboards.notify.models import ContactPoint, Route
from dashboards.notify.secrets import redact, restore

REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _admin_only(user):
    if user is not None and role_of(user) != ADMIN:
        raise Refused("forbidden", "your role may not see or change contact points (an admin may)")
    return user


class AdminTokenAuth(TokenAuth):
    def authenticate(self, request: HttpRequest, token: str):
        return _admin_only(super().authenticate(request, token))


class AdminSessionAuth(ActiveSessionAuth):
    def authenticate(self, request: HttpRequest, key):
        return _admin_only(super().authenticate(request, key))


router = Router(tags=["contact points"], auth=[AdminTokenAuth(), AdminSessionAuth()])


class ContactPointIn(Schema):
    name: str
    kind: str = Field(description="webhook, apprise or email")
    enabled: bool = True
    send_resolved: bool = True
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="webhook: {url, bearer_token | basic_auth, timeout}; apprise: {urls: [...]};"
        " email: {to: [...]}. Secrets are shown as •••; sent back so, the stored one is kept.",
    )


class ContactPointOut(ContactPointIn):
    pass


class TestOut(Schema):
    status: str
    attempts: int
    last_error: str
    latency_ms: int | None


class RouteSchema(Schema):
    name: str | None = None
    match: dict[str, list[str] | str] = Field(
        default_factory=dict, description="label: a value or a list of values"
    )
    contact_points: list[str] | str
    continue_: bool = Field(False, alias="continue")
    group_by: list[str] | str = Field(default_factory=lambda: list(DEFAULT_GROUP_BY))
    group_wait: str = TIMING["group_wait"]
    group_interval: str = TIMING["group_interval"]
    repeat_interval: str = TIMING["repeat_interval"]


class RoutesIO(Schema):
    routes: list[RouteSchema]
    default_route: RouteSchema | None = None


def _out(contact_point: ContactPoint) -> dict:
    return {
        "name": contact_point.name, "kind": contact_point.kind,
        "enabled": contact_point.enabled, "send_resolved": contact_point.send_resolved,
        "settings": redact(contact_point.kind, contact_point.settings),
    }  # fmt: skip


def _contact_point(name: str) -> ContactPoint:
    found = ContactPoint.objects.filter(name=name).first()
    if found is None:
        raise Refused("not_found", f"there is no contact point {name!r}")
    return found


def _checked(payload: ContactPointIn, stored: ContactPoint | None = None) -> dict:
    data = payload.model_dump()
    settings = data.pop("settings")
    if stored is not None:
        settings = restore(data["kind"], settings, stored.settings)
    overlap = set(settings) & set(data)
    if overlap:
        raise Refused("bad_field", f"settings.{sorted(overlap)[0]}: give it beside settings")
    try:
        return parse_contact_point({**data, **settings})
    except ConfigError as exc:
        raise Refused("bad_field", str(exc)) from None


@router.get("/contact-points", response={200: list[ContactPointOut], **REFUSALS})
def list_contact_points(request: HttpRequest):
    return [_out(cp) for cp in ContactPoint.objects.all()]


@router.post("/contact-points", response={201: ContactPointOut, **REFUSALS})
def create_contact_point(request: HttpRequest, payload: ContactPointIn):
    data = _checked(payload)
    with transaction.atomic():
        if ContactPoint.objects.filter(name=data["name"]).exists():
            raise Refused("exists", f"a contact point named {data['name']!r} exists: PUT it")
        made = ContactPoint(name=data["name"])
        made.apply(data)
        made.save()
    return Status(201, _out(made))


@router.get("/contact-points/{name}", response={200: ContactPointOut, **REFUSALS})
def get_contact_point(request: HttpRequest, name: str):
    return _out(_contact_point(name))


@router.put("/contact-points/{name}", response={200: ContactPointOut, **REFUSALS})
def replace_contact_point(request: HttpRequest, name: str, payload: ContactPointIn):
    """The whole contact point, replaced (its name cannot change: delete and create)."""
    if payload.name != name:
        raise Refused("bad_field", f"name: {payload.name!r} is not {name!r} of the path")
    found = _contact_point(name)
    found.apply(_checked(payload, stored=found))
    found.save()
    return _out(found)


@router.delete("/contact-points/{name}", response={204: None, **REFUSALS})
def delete_contact_point(request: HttpRequest, name: str):
    _contact_point(name).delete()
    return Status(204, None)


@router.post("/contact-points/{name}/test", response={200: TestOut, **REFUSALS})
def test_contact_point(request: HttpRequest, name: str):
    """Send a synthetic alert group now, through the same delivery path; the result is kept
    with the other notifications."""
    sent = send_test(_contact_point(name))
    return {"status": sent.status, "attempts": sent.attempts, "last_error": sent.last_error,
            "latency_ms": sent.latency_ms}  # fmt: skip


def _routes_out() -> dict:
    routes = Route.objects.prefetch_related("contact_points")
    default = routes.filter(is_default=True).first()
    return {
        "routes": [r.definition() for r in routes.filter(is_default=False)],
        "default_route": default.definition() if default else None,
    }


@router.get("/routes", response={200: RoutesIO, **REFUSALS}, by_alias=True)
def list_routes(request: HttpRequest):
    """The ordered routes and the default route, as the file writes them."""
    return _routes_out()


@router.put("/routes", response={200: RoutesIO, **REFUSALS}, by_alias=True)
def replace_routes(request: HttpRequest, payload: RoutesIO):
    """Every route at once, in order (routes not named are deleted), like a file's ``routes``."""
    document = {"routes": [r.model_dump(by_alias=True) for r in payload.routes]}
    if payload.default_route is not None:
        default = payload.default_route.model_dump(by_alias=True)
        document["default_route"] = {k: v for k, v in default.items()
                                     if k not in ("name", "match", "continue")}  # fmt: skip
    try:
        import_document(document)
    except ConfigError as exc:
        raise Refused("bad_field", str(exc)) from None
    return _routes_out()
