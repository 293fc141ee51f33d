"""The agent is light: its Celery app loads no Django ORM, admin or Channels, even started from
manage.py (which sets DJANGO_SETTINGS_MODULE)."""

import json
import os
import subprocess
import sys

from tests.live.stack import ROOT

PROBE = """
import json, sys
import agent.tasks
app = agent.tasks.app
print(json.dumps({
    "loaded": sorted(m for m in ("django.db", "django.apps", "django.contrib", "channels",
                                  "daphne", "dashboards", "monitor") if m in sys.modules),
    "fixups": sorted(app.fixups),
    "transport": app.conf.broker_transport_options,
}))
"""


def test_the_agent_app_loads_no_django_or_channels(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "monitor.settings",
           "MONITOR_DATA_DIR": str(tmp_path), "MONITOR_HOST": "probe"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["loaded"] == []
    assert found["fixups"] == []
    assert found["transport"]["ack_emulation"] is False
