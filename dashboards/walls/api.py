"""/api/dashboards: saved dashboards in their file form (docs/dashboards.md); admins change
them. Mounted by the API's main module."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from dashboards.alerts.responses import Refused
from dashboards.api.auth import require_admin
from dashboards.api.schemas import ErrorOut
from dashboards.walls.files import DashboardFileError, parse_dashboard
from dashboards.walls.models import Dashboard

router = Router(tags=["dashboards"])
REFUSALS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class DashboardIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    layout: dict[str, Any] = Field(description="{schema: 1, columns, panels} (docs/dashboards.md)")


class DashboardOut(Schema):
    slug: str
    title: str
    layout: dict[str, Any]
    builtin: bool


class DashboardSummaryOut(Schema):
    slug: str
    title: str
    builtin: bool
    panels: int


def _dashboard(slug: str) -> Dashboard:
    found = Dashboard.objects.filter(slug=slug).first()
    if found is None:
        raise Refused("not_found", f"there is no dashboard {slug!r}")
    return found


@router.get("/dashboards", response=list[DashboardSummaryOut])
def list_dashboards(request: HttpRequest):
    return [
        {"slug": d.slug, "title": d.title, "builtin": d.builtin, "panels": len(d.layout["panels"])}
        for d in Dashboard.objects.all()
    ]


@router.get("/dashboards/{slug}", response={200: DashboardOut, 404: ErrorOut})
def get_dashboard(request: HttpRequest, slug: str):
    return _dashboard(slug)


@router.put("/dashboards/{slug}", response={200: DashboardOut, 201: DashboardOut, **REFUSALS})
def put_dashboard(request: HttpRequest, slug: str, payload: DashboardIn):
    """Creates it, or replaces its title and layout whole; a bad layout changes nothing
    (400 ``bad_layout``, ``fields`` naming the panel's field such as ``panels[2].metric``)."""
    require_admin(request)
    data = {"slug": slug, "title": payload.title, "layout": payload.layout}
    try:
        checked = parse_dashboard(data)
    except DashboardFileError as exc:
        code = "bad_field" if exc.field == "slug" else "bad_layout"
        field = exc.field if exc.field in ("slug", "title") else f"layout.{exc.field}"
        raise Refused(code, str(exc), {field: exc.message}) from None
    with transaction.atomic():
        board, created = Dashboard.objects.select_for_update().get_or_create(
            slug=slug, defaults=checked
        )
        if not created:
            board.title, board.layout = checked["title"], checked["layout"]
            board.save()
    return Status(201 if created else 200, board)


@router.delete("/dashboards/{slug}", response={204: None, **REFUSALS})
def delete_dashboard(request: HttpRequest, slug: str):
    """The built-in ``fleet`` cannot be deleted (409 ``builtin``): replace its layout instead."""
    require_admin(request)
    board = _dashboard(slug)
    if board.builtin:
        raise Refused("builtin", f"{slug!r} comes with the install: change it, do not delete it")
    board.delete()
    return Status(204, None)
