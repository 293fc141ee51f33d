"""A Redis error from channels-redis is one line; other tracebacks are left as they are."""

import logging

import redis

from dashboards.stream.log_filters import RedisErrorsInOneLine


def record(name: str, error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        import sys

        return logging.LogRecord(name, logging.ERROR, __file__, 1, "receive task %s", ("x",),
                                 sys.exc_info())  # fmt: skip


def test_a_redis_error_from_channels_redis_loses_its_traceback_and_keeps_its_name():
    lost = record("channels_redis.pubsub", redis.ConnectionError("Connection refused"))
    assert RedisErrorsInOneLine().filter(lost)
    assert lost.exc_info is None
    assert lost.getMessage() == "receive task x: ConnectionError: Connection refused"


def test_other_errors_and_other_loggers_keep_their_tracebacks():
    bug = record("channels_redis.pubsub", KeyError("a bug"))
    ours = record("dashboards.stream", redis.ConnectionError("gone"))
    for kept in (bug, ours):
        assert RedisErrorsInOneLine().filter(kept)
        assert kept.exc_info is not None
