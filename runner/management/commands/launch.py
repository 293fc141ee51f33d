import sys

from django.core.management.base import BaseCommand

from runner.launcher import Launcher


class Command(BaseCommand):
    help = "Run web, agent and beat (and a private Redis when REDIS_URL is unset) until Ctrl-C."

    def handle(self, *args: object, **options: object) -> None:
        sys.exit(Launcher().run())
