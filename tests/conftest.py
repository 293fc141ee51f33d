import itertools

import pytest
from channels.layers import channel_layers

from tests.services import TestRedis, unique_prefix


@pytest.fixture(scope="session")
def test_redis(tmp_path_factory):
    redis_service = TestRedis(tmp_path_factory.mktemp("redis"))
    yield redis_service
    redis_service.stop()


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    return unique_prefix()


_test_numbers = itertools.count(1)


def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright's sync API holds this thread's event loop while it runs."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def live_settings(settings, test_redis, redis_prefix):
    """Django settings pointed at the real test Redis, with this test's own key prefix."""
    redis_prefix = f"{redis_prefix}-{next(_test_numbers)}"
    settings.REDIS_URL = test_redis.url
    settings.MONITOR_REDIS_PREFIX = redis_prefix
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [test_redis.url], "prefix": f"{redis_prefix}.layer"},
        }
    }
    channel_layers.backends.clear()
    yield settings
    channel_layers.backends.clear()
