"""/api/rules: the alert rules in their file form (docs/alerts.md); admins change them."""

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Router, Status

from dashboards.alerts.catalogue import parse_rule
from dashboards.alerts.models import AlertRule
from dashboards.alerts.responses import Refused
from dashboards.alerts.rules import RuleError
from dashboards.api.auth import require_admin
from dashboards.api.schemas import ErrorOut, RuleIn, RuleOut

router = Router(tags=["rules"])
REFUSALS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _rule(name: str) -> AlertRule:
    found = AlertRule.objects.filter(name=name).first()
    if found is None:
        raise Refused("unknown_rule", f"there is no rule {name!r}")
    return found


def _definition(payload: RuleIn) -> dict:
    """The payload as the rule files write it, checked by the rules' own parser."""
    data = payload.model_dump(by_alias=True, exclude_none=True)
    for key in ("summary", "description"):
        if not data.get(key):
            data.pop(key, None)
    if data.get("enabled", True):
        data.pop("enabled", None)
    try:
        parse_rule(data)
    except RuleError as exc:
        raise Refused("bad_field", f"{exc.field}: {exc.message}") from None
    return data


@router.get("/rules", response=list[RuleOut], by_alias=True)
def list_rules(request: HttpRequest):
    return list(AlertRule.objects.all())


@router.get("/rules/{name}", response={200: RuleOut, 404: ErrorOut}, by_alias=True)
def get_rule(request: HttpRequest, name: str):
    return _rule(name)


@router.post("/rules", response={201: RuleOut, **REFUSALS}, by_alias=True)
def create_rule(request: HttpRequest, payload: RuleIn):
    require_admin(request)
    rule = AlertRule.from_definition(_definition(payload))
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise Refused("exists", f"a rule named {payload.name!r} exists: PUT to change it") from None
    return Status(201, rule)


@router.put("/rules/{name}", response={200: RuleOut, **REFUSALS}, by_alias=True)
def replace_rule(request: HttpRequest, name: str, payload: RuleIn):
    """The whole rule, replaced (its name cannot change: delete and create)."""
    require_admin(request)
    if payload.name != name:
        raise Refused("bad_field", f"name: {payload.name!r} is not {name!r} of the path")
    rule = _rule(name)
    rule.apply(_definition(payload))
    rule.save()
    return rule


@router.delete("/rules/{name}", response={204: None, **REFUSALS})
def delete_rule(request: HttpRequest, name: str):
    require_admin(request)
    _rule(name).delete()
    return Status(204, None)
