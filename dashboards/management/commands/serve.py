import os

from django.core.management.base import BaseCommand, CommandParser

from monitor import processes

ROLES = {"web": processes.web_argv, "agent": processes.agent_argv, "beat": processes.beat_argv}


class Command(BaseCommand):
    help = "Run one of the product's processes in the foreground: web (Daphne), agent or beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", choices=sorted(ROLES))

    def handle(self, *args: object, role: str, **options: object) -> None:
        argv = ROLES[role]()
        os.execv(argv[0], argv)
