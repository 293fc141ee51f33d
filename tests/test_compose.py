"""compose.yaml is valid Compose and agrees with the docs (no Docker engine runs here to try it)."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def documented_variables() -> set[str]:
    table = (ROOT / "docs" / "configuration.md").read_text()
    return set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE))


def test_compose_file_is_valid_against_the_compose_specification():
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_services_and_ports_are_the_ones_deploy_docs_describe():
    services = compose()["services"]
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+?) \|$", deploy, flags=re.MULTILINE))
    assert set(services) == set(rows) == {
        "redis", "postgres", "web", "agent", "evaluator", "notifier", "beat"
    }  # fmt: skip
    for name, service in services.items():
        published = [port.split(":")[0] for port in service.get("ports", [])]
        assert published == re.findall(r"`(\d+)`", rows[name]), name
        assert "healthcheck" in service, f"{name} has no health check"


def test_every_variable_compose_sets_is_documented_and_read_by_the_settings():
    documented = documented_variables()
    # The settings, and the readers they share with the Django-free agent.
    settings_source = "".join(
        (ROOT / path).read_text()
        for path in ("monitor/settings.py", "core/services.py", "agent/config.py")
    )
    for name, service in compose()["services"].items():
        if name in {"redis", "postgres"}:
            continue
        for variable in service["environment"]:
            assert variable in documented, f"{name} sets undocumented {variable}"
            assert f'"{variable}"' in settings_source, f"settings.py never reads {variable}"


def test_every_documented_variable_is_in_env_example_and_read_somewhere():
    example = (ROOT / ".env.example").read_text()
    packages = ("monitor", "core", "runner", "agent", "collectors", "dashboards")
    sources = "".join(path.read_text() for name in packages for path in (ROOT / name).rglob("*.py"))
    for variable in documented_variables():
        assert re.search(rf"^{variable}=", example, flags=re.MULTILINE), variable
        assert f'"{variable}"' in sources, f"nothing reads {variable}"


def test_agents_and_beat_run_the_commands_the_docs_name():
    services = compose()["services"]
    assert services["agent"]["command"] == ["python", "manage.py", "serve", "agent"]
    assert services["beat"]["command"] == ["python", "manage.py", "serve", "beat"]
    assert "manage.py serve web" in " ".join(services["web"]["command"])


def test_agents_and_beat_hold_no_database_credentials():
    services = compose()["services"]
    for name in ("agent", "beat"):
        environment = services[name]["environment"]
        assert "DATABASE_URL" not in environment and "DJANGO_SECRET_KEY" not in environment
        assert "REDIS_URL" in environment
