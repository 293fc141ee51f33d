import os
import sys

from django.core.management.base import BaseCommand, CommandParser

from agent.config import AgentConfig
from collectors.container import SamplingModeError, sampling_mode
from runner import processes

ROLES = {
    "web": processes.web_argv,
    "agent": processes.agent_argv,
    "evaluator": processes.evaluator_argv,
    "notifier": processes.notifier_argv,
    "beat": processes.beat_argv,
}


class Command(BaseCommand):
    help = "Run one product process in the foreground: web, agent, evaluator, notifier or beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", choices=sorted(ROLES))

    def handle(self, *args: object, role: str, **options: object) -> None:
        if role == "agent":
            # A bad MONITOR_HOST_PROC or MONITOR_CONTAINER stops the agent here, in one line,
            # rather than failing every collect later; so does anything else the agent reads
            # (it loads no Django: its own reader of the environment, SettingError here too).
            AgentConfig.from_env()
            try:
                sampling_mode(os.environ)
            except SamplingModeError as exc:
                sys.exit(f"configuration error: {exc}")
        argv = ROLES[role]()
        os.execv(argv[0], argv)
