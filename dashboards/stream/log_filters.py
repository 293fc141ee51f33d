"""Redis going away is one line in the log, not a traceback: channels-redis logs each failure of
its pub/sub reader with the whole chained traceback (sixty lines), which buried the outage's one
useful line (the Redis watch's) under the library's internals. And a kiosk token, which sits in
its screen's addresses (/k/<secret>/, /ws/kiosk/<secret>/), never reaches a log whole."""

import logging
import re

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


# The secret's first characters stay (the `start` shown by `manage.py kiosk list`), so a log
# line still says which screen it was.
KIOSK_SECRET = re.compile(r"(/(?:ws/kiosk|k)/k_[A-Za-z0-9_-]{0,8})[A-Za-z0-9_-]*")


def mask_kiosk_secrets(text: str) -> str:
    return KIOSK_SECRET.sub(r"\1…", text)


class KioskSecretsMasked(logging.Filter):
    """On a handler: a kiosk URL in a record (Django's "Not Found: /k/…") loses its secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_kiosk_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
