"""This folder's tests again on PostgreSQL, production's database: upserts, JSON key reads and
the hour grouping are SQL, and SQLite is not PostgreSQL.

The same pytest run in a subprocess with DATABASE_URL on the PostgreSQL at
MONITOR_TEST_POSTGRES (default: 127.0.0.1:5432, user postgres, trust), so `make test` covers
both; pytest-django makes and drops a test database of its own name. Without PostgreSQL it
skips loudly, or fails where MONITOR_REQUIRE_POSTGRES is set (.ci/run sets it). By hand:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/monitor DJANGO_SECRET_KEY=x...x
.venv/bin/python -m pytest tests/dashboards/history
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.live.stack import ROOT

POSTGRES = os.environ.get("MONITOR_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
HERE = Path(__file__).parent

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="this run is the PostgreSQL run",
)


def require_postgres() -> None:
    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        reason = f"NO POSTGRESQL at {POSTGRES} (set MONITOR_TEST_POSTGRES): history untested there"
        if os.environ.get("MONITOR_REQUIRE_POSTGRES"):
            pytest.fail(f"{reason}. MONITOR_REQUIRE_POSTGRES is set, so this is a failure: {exc}")
        pytest.skip(f"{reason}: {exc}")


def test_the_history_tests_pass_on_postgresql():
    require_postgres()
    database = POSTGRES.rsplit("/", 1)[0] + f"/monitor_history_{secrets.token_hex(4)}"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE), "-q", "-rs", "-p", "no:cacheprovider",
         "-m", "not live"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "DATABASE_URL": database, "DJANGO_SECRET_KEY": "x" * 50},
    )  # fmt: skip
    tail = "\n".join(done.stdout.splitlines()[-40:])
    assert done.returncode == 0, f"on PostgreSQL:\n{tail}\n{done.stderr[-2000:]}"
    assert " passed" in tail and " failed" not in tail, tail
    assert "this run is the PostgreSQL run" in tail, tail  # it was PostgreSQL
