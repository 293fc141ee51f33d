import sys

from django.core.management.base import BaseCommand

from runner.launcher import Launcher


class Command(BaseCommand):
    help = "Run every process of the product (and a private Redis) until Ctrl-C."

    def handle(self, *args: object, **options: object) -> None:
        sys.exit(Launcher().run())
