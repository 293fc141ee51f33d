"""Redis going away is one line in the log, not a traceback: channels-redis logs each failure of
its pub/sub reader with the whole chained traceback (sixty lines), which buried the outage's one
useful line (the Redis watch's) under the library's internals."""

import logging

from core.redis_clients import REDIS_ERRORS

QUIET_LOGGERS = ("channels_redis",)


class RedisErrorsInOneLine(logging.Filter):
    """On a handler: a record of QUIET_LOGGERS carrying a Redis or socket error loses its
    traceback and names the error on its own line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.name.startswith(QUIET_LOGGERS):
            error = record.exc_info[1]
            if isinstance(error, REDIS_ERRORS):
                record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
                record.args = ()
                record.exc_info = None
                record.exc_text = None
        return True
