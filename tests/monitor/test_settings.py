"""Bad settings stop startup with one clear line; good ones are read as typed values."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.env import SettingError, env_bind, env_bool, env_float, env_list
from core.hosts import env_host_name

ROOT = Path(__file__).resolve().parents[2]


def manage_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "DJANGO_"))}
    clean.pop("REDIS_URL", None)
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "MONITOR_DATA_DIR": str(tmp_path), **env},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MONITOR_INTERVAL": "fast"}, "MONITOR_INTERVAL='fast' is not a number"),
        ({"MONITOR_INTERVAL": "0"}, "MONITOR_INTERVAL='0' is out of range"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a yes/no value"),
        ({"MONITOR_BIND": "8000"}, "MONITOR_BIND='8000' is not host:port"),
        ({"MONITOR_WEB_PROCESSES": "two"}, "MONITOR_WEB_PROCESSES='two' is not a whole number"),
        ({"MONITOR_WEB_PROCESSES": "0"}, "MONITOR_WEB_PROCESSES='0' is out of range (1 to 64)"),
        ({"MONITOR_HOST": "bad host!"}, "MONITOR_HOST='bad host!' is not a valid host name"),
        ({"REDIS_URL": "http://redis:6379"}, "must start with redis://, rediss:// or unix://"),
        ({"DATABASE_URL": "mongodb://x/y"}, "DATABASE_URL is not a database URL"),
        ({"DATABASE_URL": "postgres://u:p@db/monitor"}, "DJANGO_SECRET_KEY is not set"),
        ({"MONITOR_PUBLIC_URL": "noc.example.com"}, "MONITOR_PUBLIC_URL='noc.example.com' must"),
        ({"MONITOR_PUBLIC_URL": "https://noc.example.com/monitor"}, "no path"),
        ({"MONITOR_PUBLIC_URL": "https://noc.example.com:99999"}, "must be the address"),
        ({"MONITOR_BIND": "127.0.0.1:8000\n1"}, "is not host:port"),
        ({"MONITOR_HOST": "vm\nx"}, "is not a valid host name"),
    ],
)
def test_a_bad_setting_stops_startup_with_one_clear_line(tmp_path, env, message):
    done = manage_check(tmp_path, **env)
    assert done.returncode != 0
    assert done.stderr.startswith("configuration error: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_embedded_default_needs_no_settings_and_keeps_its_generated_key(tmp_path):
    assert manage_check(tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert manage_check(tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_readers_parse_typed_values():
    env = {"B": "Yes", "F": "2.5", "L": " a, ,b ", "H": "[::1]:9000", "N": "db-1.prod"}
    assert env_bool("B", False, env) is True
    assert env_float("F", 1, 0.2, 10, env) == 2.5
    assert env_list("L", [], env) == ["a", "b"]
    assert env_bind("H", "x:1", env) == ("::1", 9000)
    assert env_host_name("N", lambda: "unused", env) == "db-1.prod"
    assert env_float("MISSING", 1.0, 0.2, 10, env) == 1.0


def test_an_unusable_machine_name_asks_for_monitor_host():
    with pytest.raises(SettingError, match="set MONITOR_HOST"):
        env_host_name("MONITOR_HOST", lambda: "my laptop", {})


def test_the_embedded_redis_password_never_starts_with_a_dash(tmp_path):
    """redis-server takes a "--..." password for its next option and refuses to start."""
    password_file = tmp_path / "redis_password"
    password_file.write_text("--6VV4jY_Yk_1EagVZ8FZdG4fkJrG5Qf")  # one that stopped `make run`
    done = manage_check(tmp_path, MONITOR_REDIS_LISTEN="127.0.0.1:6390")
    assert done.returncode == 0, done.stderr
    replaced = password_file.read_text()
    assert re.fullmatch(r"[0-9a-f]{48}", replaced)
    manage_check(tmp_path, MONITOR_REDIS_LISTEN="127.0.0.1:6390")
    assert password_file.read_text() == replaced  # kept once it is good


def test_a_public_https_url_sets_up_the_proxy_case(tmp_path):
    """One variable: its origin trusted for CSRF, its host allowed, cookies Secure, HSTS, and the
    proxy's X-Forwarded-Proto believed; Daphne takes the client's address from the proxy."""
    code = (
        "from django.conf import settings as s; from runner.processes import web_argv; "
        "print(s.CSRF_TRUSTED_ORIGINS, 'noc.example.com' in s.ALLOWED_HOSTS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER, '--proxy-headers' in web_argv())"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "MONITOR_DATA_DIR": str(tmp_path),
             "MONITOR_PUBLIC_URL": "https://noc.example.com"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "['https://noc.example.com']", "True", "True", "True", "31536000",
        "('HTTP_X_FORWARDED_PROTO',", "'https')", "True",
    ]  # fmt: skip


def test_without_a_public_url_no_proxy_header_is_believed(tmp_path):
    from django.conf import settings

    from runner.processes import web_argv

    assert settings.MONITOR_PUBLIC_URL is None or os.environ.get("MONITOR_PUBLIC_URL")
    assert not getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    assert "--proxy-headers" not in web_argv()


def test_an_ipv6_public_url_is_allowed_in_brackets(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c",
         "from django.conf import settings as s; print(s.ALLOWED_HOSTS[-1])"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "MONITOR_DATA_DIR": str(tmp_path),
             "MONITOR_PUBLIC_URL": "https://[2001:db8::1]:8443"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[2001:db8::1]"
