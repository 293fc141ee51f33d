import pytest
from django.test import Client


@pytest.fixture
def client(settings):
    """A client with the metrics token: these tests read the figures (who may is in
    tests/dashboards/access/)."""
    return Client(headers={"Authorization": f"Bearer {settings.MONITOR_METRICS_TOKEN}"})
