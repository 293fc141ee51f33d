"""The alert's page lists what was sent about it: target, status, attempts, last error."""

import pytest
from django.contrib.auth.models import User

from dashboards.notify.dispatcher import dispatch
from dashboards.notify.models import Notification
from tests.dashboards.notify.conftest import contact_point, route

pytestmark = pytest.mark.django_db


def test_the_alert_page_shows_its_notifications(client, alerts, clock):
    route("everything", contact_point("oncall-hook"), default=True)
    alert = alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    Notification.objects.update(attempts=2, last_error="HTTP 503: unavailable")
    client.force_login(User.objects.create_user("watcher", password="x"))
    page = client.get(f"/alerts/{alert.id}/").content.decode()
    section = page[page.index('id="notifications"') :]
    assert "oncall-hook" in section and "HTTP 503: unavailable" in section
    assert "<td>firing</td><td>pending</td>" in section
