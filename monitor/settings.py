"""Django settings, read from the environment (see docs/configuration.md and .env.example).

Bad values stop startup with one line naming the variable (``core.env.SettingError``).
With nothing set, the product runs on its embedded default: SQLite and a private Redis, both in
``MONITOR_DATA_DIR``.
"""

import re
import socket
from pathlib import Path

import dj_database_url

from core import services
from core.env import (
    SettingError,
    env_bind,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_public_url,
    env_str,
)
from core.hosts import env_host_name, env_labels
from core.redis_keys import RedisKeys

BASE_DIR = services.BASE_DIR
DATA_DIR = services.data_dir()

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

# --- Services -----------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", "")

try:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url or f"sqlite:///{DATA_DIR / 'monitor.sqlite3'}", conn_max_age=60
        )
    }
except (ValueError, dj_database_url.UnknownSchemeError) as exc:
    raise SettingError(f"DATABASE_URL is not a database URL Django can use: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write (the evaluator's ticks, acknowledgements, logins): a transaction
    # takes the write lock when it begins, so two never deadlock upgrading a read lock (which
    # SQLite answers with "database is locked" at once), and a writer waits up to 20 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)

# The embedded default: a private redis-server started by `make run` on a socket in the data dir,
# or, with MONITOR_REDIS_LISTEN, on TCP with a generated password so agents elsewhere can join.
_redis = services.redis_location(DATA_DIR)
REDIS_URL = _redis.url
EMBEDDED_REDIS = _redis.embedded
EMBEDDED_REDIS_SOCKET = _redis.socket_path
EMBEDDED_REDIS_LISTEN = _redis.listen
EMBEDDED_REDIS_PASSWORD = _redis.password
MONITOR_REDIS_PREFIX = services.redis_prefix()

# --- Security -----------------------------------------------------------------------------------
_secret_key = env_str("DJANGO_SECRET_KEY", "")
if not _secret_key:
    if _database_url and not DEBUG:
        raise SettingError(
            "DJANGO_SECRET_KEY is not set: a deployment with its own DATABASE_URL must set it "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))")'
        )
    # The embedded default keeps a generated key in the data dir so sessions survive restarts.
    _secret_key = services.generated_secret(DATA_DIR / "secret_key")
SECRET_KEY = _secret_key

SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # wall screens stay signed in for a month
SESSION_SAVE_EVERY_REQUEST = False
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Where people open the product, when that is not this process's own address: a reverse proxy
# (docs/deploy.md). Its origin is trusted for logins (CSRF) and sockets, its host is allowed,
# and with https the cookies are Secure, HSTS is sent, and the proxy's X-Forwarded-Proto is
# believed (Daphne serves no TLS itself, so an https address means a TLS proxy in front).
MONITOR_PUBLIC_URL = env_public_url("MONITOR_PUBLIC_URL")
CSRF_TRUSTED_ORIGINS = [MONITOR_PUBLIC_URL.origin] if MONITOR_PUBLIC_URL else []
if MONITOR_PUBLIC_URL:
    # Django compares an IPv6 Host in brackets.
    _public_host = MONITOR_PUBLIC_URL.host
    _public_host = f"[{_public_host}]" if ":" in _public_host else _public_host
    if _public_host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_public_host)
# Daphne takes the client's address and scheme from X-Forwarded-For/-Proto: only when a proxy
# that sets them is the one talking to it (then keep MONITOR_BIND reachable from it alone).
MONITOR_PROXY_HEADERS = env_bool("MONITOR_PROXY_HEADERS", MONITOR_PUBLIC_URL is not None)
if MONITOR_PUBLIC_URL and MONITOR_PUBLIC_URL.secure:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("MONITOR_HSTS_SECONDS", 60 * 60 * 24 * 365, 0, 10**9)

# /metrics and the details of /healthz: for staff, for a bearer token, or for anyone if open.
# The embedded default keeps a generated token in the data dir (like the secret key).
MONITOR_METRICS_PUBLIC = env_bool("MONITOR_METRICS_PUBLIC", False)
MONITOR_METRICS_TOKEN = env_str("MONITOR_METRICS_TOKEN", "") or services.generated_secret(
    DATA_DIR / "metrics_token"
)

# --- Monitoring ---------------------------------------------------------------------------------
MONITOR_HOST = env_host_name("MONITOR_HOST", socket.gethostname)
MONITOR_INTERVAL = env_float("MONITOR_INTERVAL", 1.0, minimum=0.2, maximum=3600)
MONITOR_BIND = env_bind("MONITOR_BIND", "127.0.0.1:8000")
# Daphne processes sharing MONITOR_BIND (SO_REUSEPORT): each runs one event loop on one core.
MONITOR_WEB_PROCESSES = env_int("MONITOR_WEB_PROCESSES", 1, minimum=1, maximum=64)
# The recent store keeps at least ten minutes (and at least 600 samples) for backfill.
MONITOR_RECENT_SECONDS = env_float("MONITOR_RECENT_SECONDS", 600, minimum=60, maximum=86400)
MONITOR_LABELS = env_labels("MONITOR_LABELS")
# Read by the agent itself when it starts (collectors/container.py); read here too so a value
# that is not yes/no stops every process at startup. The /proc path is checked by the agent only:
# the web container does not have it.
MONITOR_HOST_PROC = env_str("MONITOR_HOST_PROC", "")
MONITOR_CONTAINER = (
    env_bool("MONITOR_CONTAINER", False) if env_str("MONITOR_CONTAINER", "") else None
)
# History (docs/history.md): days each rollup tier is kept; the hours outlive the minutes.
MONITOR_ROLLUP_MINUTE_DAYS = env_float("MONITOR_ROLLUP_MINUTE_DAYS", 30, 1, 3650)
MONITOR_ROLLUP_HOUR_DAYS = env_float("MONITOR_ROLLUP_HOUR_DAYS", 365, 1, 3650)
if MONITOR_ROLLUP_HOUR_DAYS < MONITOR_ROLLUP_MINUTE_DAYS:
    raise SettingError(
        f"MONITOR_ROLLUP_HOUR_DAYS={MONITOR_ROLLUP_HOUR_DAYS:g} must be at least "
        f"MONITOR_ROLLUP_MINUTE_DAYS={MONITOR_ROLLUP_MINUTE_DAYS:g}"
    )
# A host is late, then down, after this many of its intervals without a sample.
MONITOR_LATE_INTERVALS = env_float("MONITOR_LATE_INTERVALS", 2, minimum=1, maximum=100)
MONITOR_DOWN_INTERVALS = env_float("MONITOR_DOWN_INTERVALS", 5, minimum=2, maximum=1000)
if MONITOR_DOWN_INTERVALS <= MONITOR_LATE_INTERVALS:
    raise SettingError(
        f"MONITOR_DOWN_INTERVALS={MONITOR_DOWN_INTERVALS:g} must be more than "
        f"MONITOR_LATE_INTERVALS={MONITOR_LATE_INTERVALS:g}"
    )

# --- Notifications out (docs/notifications.md) ---------------------------------------------------
# The absolute address receivers are given for links to our alert pages (generatorURL,
# externalURL): the public address when there is one, else the one we listen on.
_external_url = env_public_url("MONITOR_EXTERNAL_URL") or MONITOR_PUBLIC_URL
if _external_url is None:
    _bind_host, _bind_port = MONITOR_BIND
    _bind_host = socket.getfqdn() if _bind_host in ("0.0.0.0", "::") else _bind_host
    _bind_host = f"[{_bind_host}]" if ":" in _bind_host else _bind_host
    MONITOR_EXTERNAL_URL = f"http://{_bind_host}:{_bind_port}"
else:
    MONITOR_EXTERNAL_URL = _external_url.origin
# A notification that cannot be delivered is retried this long after it was made, then failed.
MONITOR_NOTIFY_RETRY_WINDOW_S = env_float("MONITOR_NOTIFY_RETRY_WINDOW_S", 3600, 10, 7 * 86400)
# The wait before the first retry; each next one doubles (capped at 5 min), with jitter.
MONITOR_NOTIFY_FIRST_RETRY_S = env_float("MONITOR_NOTIFY_FIRST_RETRY_S", 5, 0.1, 600)
MONITOR_NOTIFY_WORKERS = env_int("MONITOR_NOTIFY_WORKERS", 4, 1, 64)
# Delivered, failed and superseded notifications (and their attempts) are kept this long.
MONITOR_NOTIFY_RETENTION_DAYS = env_float("MONITOR_NOTIFY_RETENTION_DAYS", 30, 1, 3650)
# Acknowledging an alert from Alertmanager silences it there (API v2), when this is set.
MONITOR_ALERTMANAGER_URL = env_str("MONITOR_ALERTMANAGER_URL", "").rstrip("/")
if MONITOR_ALERTMANAGER_URL and not re.fullmatch(
    r"https?://[^/?#\s@]+(/[^?#\s]*)?", MONITOR_ALERTMANAGER_URL
):
    raise SettingError(
        f"MONITOR_ALERTMANAGER_URL={MONITOR_ALERTMANAGER_URL!r} is not an http:// or https:// "
        "URL of an Alertmanager (such as http://alertmanager:9093)"
    )

# E-mail contact points send through Django's SMTP backend with these.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
if not re.fullmatch(r"[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]+\]", EMAIL_HOST):
    raise SettingError(f"EMAIL_HOST={EMAIL_HOST!r} is not a host name or address")
EMAIL_HOST = EMAIL_HOST.strip("[]")
EMAIL_PORT = env_int("EMAIL_PORT", 25, 1, 65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually on port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise SettingError(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both on: choose one (587: TLS, 465: SSL)"
    )
if bool(EMAIL_HOST_USER) != bool(EMAIL_HOST_PASSWORD):
    raise SettingError("EMAIL_HOST_USER and EMAIL_HOST_PASSWORD go together: set both or neither")
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10, 1, 120)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"live-monitor@{socket.getfqdn()}")
if not re.fullmatch(r"(?:[^<>@\s]+ <)?[^<>@\s]+@[^<>@\s]+>?", DEFAULT_FROM_EMAIL) or (
    "<" in DEFAULT_FROM_EMAIL
) != DEFAULT_FROM_EMAIL.endswith(">"):
    raise SettingError(
        f"DEFAULT_FROM_EMAIL={DEFAULT_FROM_EMAIL!r} is not an address such as "
        "monitor@example.com or 'Monitor <monitor@example.com>'"
    )

# --- Django -------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "runner",
    "dashboards.access",
    "dashboards.fleet",
    "dashboards.alerts",
    "dashboards.walls",
    "dashboards.screens",
    "dashboards.notify",
    "dashboards.history",
    "ninja",
    "dashboards.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dashboards.access.headers.SecurityHeaders",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): 5 wrong passwords for one account from one address lock that
# pair out for 15 minutes; the same account from elsewhere still works, so nobody can lock an
# admin out by guessing at their name, and nothing is locked forever.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("MONITOR_LOGIN_FAILURE_LIMIT", 5, 1, 1000)
AXES_COOLOFF_TIME = env_float("MONITOR_LOGIN_LOCKOUT_MINUTES", 15, 0.1, 24 * 60) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "monitor.urls"
ASGI_APPLICATION = "monitor.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.alerts.views.role_context",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"


def _plotly_js_dir() -> Path:
    """The plotly package's own plotly.min.js: served locally, never from a CDN or the repo."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data"


STATICFILES_DIRS = [
    BASE_DIR / "frontend" / "static",
    ("plotly", _plotly_js_dir()),
]

# --- Channels -----------------------------------------------------------------------------------
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": RedisKeys(MONITOR_REDIS_PREFIX).layer_prefix},
    }
}

# --- Celery (agents and beat) -------------------------------------------------------------------
CELERY_BROKER_URL = services.celery_broker_url(REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": RedisKeys(MONITOR_REDIS_PREFIX).broker_prefix,
    # The evaluator's ticks are at most once (each expires after an interval anyway): no
    # emulated acknowledgements, two Redis round trips fewer per task.
    "ack_emulation": False,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis may be away for a while (restarted, or a network partition): wait for it forever.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# One task at a time and no hoarding: a collect that waits is already stale.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_TIME_LIMIT = 30
CELERY_TASK_SOFT_TIME_LIMIT = 20
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "redis_errors": {"()": "dashboards.stream.log_filters.RedisErrorsInOneLine"},
        "kiosk_secrets": {"()": "dashboards.stream.log_filters.KioskSecretsMasked"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redis_errors", "kiosk_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}
