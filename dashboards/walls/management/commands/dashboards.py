import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboards.walls.files import (
    DashboardFileError,
    export_dashboards,
    import_dashboards,
    read_document,
    read_file,
)


class Command(BaseCommand):
    help = "Saved dashboards in and out of files (YAML or JSON, docs/dashboards.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="create or update the dashboards of FILE (- for stdin)")
        imp.add_argument("file")
        imp.add_argument(
            "--prune", action="store_true", help="delete dashboards FILE does not name (not fleet)"
        )
        exp = sub.add_parser("export", help="print the dashboards (all, or those named)")
        exp.add_argument("slugs", nargs="*", metavar="SLUG")
        exp.add_argument("--format", choices=("yaml", "json"), default="yaml")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DashboardFileError as exc:
            ending = "; nothing was imported" if options["action"] == "import" else ""
            raise CommandError(f"{exc}{ending}") from None

    def _import(self, options) -> None:
        if options["file"] == "-":
            document = read_document(sys.stdin.read(), "stdin")
        else:
            document = read_file(Path(options["file"]))
        created, updated, deleted = import_dashboards(document, prune=options["prune"])
        self.stdout.write(f"dashboards: {created} created, {updated} updated, {deleted} deleted")

    def _export(self, options) -> None:
        self.stdout.write(export_dashboards(options["slugs"], options["format"]), ending="")
