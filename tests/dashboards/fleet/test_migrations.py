"""An install from before the fleet app keeps its hosts: migration 0002 adopts the old tables.

Run through `manage.py migrate` in a subprocess, as `make run` does, on SQLite and PostgreSQL.
"""

import os
import secrets
import subprocess
import sys

import psycopg
import pytest

from tests.live.stack import ROOT

POSTGRES = os.environ.get("MONITOR_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def as_before_the_fleet_app(cursor) -> None:
    """The two tables as the old `dashboards` app had them, with a host and its history."""
    cursor.execute("CREATE TABLE dashboards_host AS SELECT * FROM fleet_host WHERE 1 = 0")
    cursor.execute(
        "CREATE TABLE dashboards_hoststatuschange AS SELECT * FROM fleet_hoststatuschange "
        "WHERE 1 = 0"
    )
    cursor.execute(
        "INSERT INTO dashboards_host (id, name, enabled, labels, os, agent_version, mode, "
        "interval, status, duplicate, registered_at) VALUES (7, 'old-db', FALSE, "
        "'{\"env\": \"prod\"}', 'Linux', '0.1.0', 'host', 1.0, 'down', '', "
        "'2026-11-01 10:00:00+00')"
    )
    cursor.execute(
        "INSERT INTO dashboards_hoststatuschange (id, host_id, previous, status, at) "
        "VALUES (3, 7, 'up', 'down', '2026-11-02 10:00:00+00')"
    )
    cursor.execute(
        "INSERT INTO django_migrations (app, name, applied) "
        "VALUES ('dashboards', '0001_hosts', '2026-11-01 10:00:00+00')"
    )


def check_adopted(cursor) -> None:
    cursor.execute("SELECT name, enabled, status FROM fleet_host")
    assert cursor.fetchall() == [("old-db", False, "down")]
    cursor.execute("SELECT host_id, previous, status FROM fleet_hoststatuschange")
    assert cursor.fetchall() == [(7, "up", "down")]
    cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'dashboards'")
    assert cursor.fetchone() == (0,)


ADOPTED_CHECK = (
    "from dashboards.fleet.models import Host; "
    "new = Host.objects.create(name='new-host'); "  # the id sequence moved past the copied ids
    "print(Host.objects.get(name='old-db').status_changes.count(), new.id > 7)"
)


def test_sqlite_hosts_of_the_dashboards_app_move_to_the_fleet_app(tmp_path):
    import sqlite3

    env = {"MONITOR_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    manage(env, "migrate", "fleet", "0001", "--verbosity", "0")
    with sqlite3.connect(tmp_path / "monitor.sqlite3") as db:
        as_before_the_fleet_app(db.cursor())
    manage(env, "migrate", "--verbosity", "0")
    with sqlite3.connect(tmp_path / "monitor.sqlite3") as db:
        cursor = db.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'dashboards_%'")
        assert cursor.fetchall() == []
        cursor.execute("SELECT name, enabled, status FROM fleet_host")
        assert cursor.fetchall() == [("old-db", 0, "down")]
    assert manage(env, "shell", "--verbosity", "0", "-c", ADOPTED_CHECK).split() == ["1", "True"]


def test_a_fresh_install_migrates_without_anything_to_adopt(tmp_path):
    env = {"MONITOR_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    manage(env, "migrate", "--verbosity", "0")
    assert "[X] 0002_adopt_dashboards_tables" in manage(env, "showmigrations", "fleet")


@pytest.fixture
def postgres_database():
    try:
        admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("MONITOR_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but does not answer: {exc}")
        pytest.skip(f"no PostgreSQL at {POSTGRES} (set MONITOR_TEST_POSTGRES): {exc}")
    name = f"monitor_test_{secrets.token_hex(4)}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def test_postgresql_hosts_of_the_dashboards_app_move_to_the_fleet_app(tmp_path, postgres_database):
    env = {
        "MONITOR_DATA_DIR": str(tmp_path),
        "DATABASE_URL": postgres_database,
        "DJANGO_SECRET_KEY": "x" * 50,
    }
    manage(env, "migrate", "fleet", "0001", "--verbosity", "0")
    with psycopg.connect(postgres_database, autocommit=True) as db:
        as_before_the_fleet_app(db.cursor())
    manage(env, "migrate", "--verbosity", "0")
    with psycopg.connect(postgres_database) as db:
        check_adopted(db.cursor())
    assert manage(env, "shell", "--verbosity", "0", "-c", ADOPTED_CHECK).split() == ["1", "True"]
