import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import forcing
from core.redis_clients import redis_client
from core.redis_keys import redis_keys
from dashboards.alerts.rule_files import export_rules, import_rules, read_document, read_file
from dashboards.alerts.rules import RuleError, parse_duration


class Command(BaseCommand):
    help = "Alert rules in and out of files (YAML or JSON), and metrics driven by hand."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="create or update the rules of FILE (- for stdin)")
        imp.add_argument("file")
        imp.add_argument("--prune", action="store_true", help="delete rules FILE does not name")
        exp = sub.add_parser("export", help="print every rule")
        exp.add_argument("--format", choices=("yaml", "json"), default="yaml")
        force = sub.add_parser(
            "force", help="make HOST's samples carry VALUE for METRIC (to show or test an alert)"
        )
        force.add_argument("host")
        force.add_argument("metric", nargs="?", help="(with --off and no METRIC: all of HOST's)")
        force.add_argument("value", nargs="?", type=float)
        force.add_argument("--for", dest="duration", default="10m", help="how long (default 10m)")
        force.add_argument("--off", action="store_true", help="stop forcing (METRIC or all)")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except RuleError as exc:
            raise CommandError(f"{exc}; nothing was imported") from None

    def _import(self, options) -> None:
        if options["file"] == "-":
            document = read_document(sys.stdin.read(), "stdin")
        else:
            document = read_file(Path(options["file"]))
        created, updated, deleted = import_rules(document, prune=options["prune"])
        self.stdout.write(f"rules: {created} created, {updated} updated, {deleted} deleted")

    def _export(self, options) -> None:
        self.stdout.write(export_rules(options["format"]), ending="")

    def _force(self, options) -> None:
        client = redis_client(settings.REDIS_URL)
        keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
        if options["off"]:
            count = forcing.release(client, keys, options["host"], options["metric"])
            self.stdout.write(f"{count} forced metric(s) of {options['host']} released")
            return
        if options["metric"] is None or options["value"] is None:
            raise CommandError("give a METRIC and a VALUE, or --off")
        seconds = parse_duration(options["duration"], "force", "--for")
        try:
            forcing.force(
                client, keys, options["host"], options["metric"], options["value"], seconds
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{options['host']}: {options['metric']} = {options['value']:g} for {seconds:g} s"
        )
