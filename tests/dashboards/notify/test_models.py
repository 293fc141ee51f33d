"""The admin's path: a model's clean() saves what the checks made of the input, not the raw
input, and every change of the configuration is news to the dispatcher."""

import pytest
from django.core.exceptions import ValidationError

from dashboards.notify.models import DISPATCH_CURSOR, ContactPoint, DispatchCursor, Route

pytestmark = pytest.mark.django_db


def test_a_route_typed_in_the_admin_is_saved_as_checked():
    route = Route(name="crit", match={"severity": "critical", "rule": "cpu-high"},
                  group_by="host")  # fmt: skip
    route.clean()
    assert route.match == {"severity": ["critical"], "alertname": ["cpu-high"]}
    assert route.group_by == ["host"]


def test_a_contact_point_typed_in_the_admin_is_saved_as_checked():
    mail = ContactPoint(name="mail", kind="email", settings={"to": "ops@example.com"})
    mail.clean()
    assert mail.settings == {"to": ["ops@example.com"]}
    chat = ContactPoint(name="chat", kind="apprise", settings={"urls": "json://127.0.0.1:9/"})
    chat.clean()
    assert chat.settings == {"urls": ["json://127.0.0.1:9/"]}


def test_a_bad_field_is_refused_on_its_admin_field():
    with pytest.raises(ValidationError) as refused:
        Route(name="crit", group_wait="soon").clean()
    assert "group_wait" in refused.value.message_dict


def test_each_change_of_routes_or_contact_points_bumps_the_config_version():
    def version() -> int:
        found = DispatchCursor.objects.filter(name=DISPATCH_CURSOR).first()
        return found.config_version if found else 0

    target = ContactPoint.objects.create(name="hook", kind="webhook", settings={"url": "http://x/"})
    route = Route.objects.create(name="r")
    before = version()
    route.contact_points.set([target])
    assert version() > before
    before = version()
    target.delete()
    assert version() > before
