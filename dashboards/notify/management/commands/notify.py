import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboards.notify.fields import ConfigError
from dashboards.notify.files import export_document, import_document, read_text


class Command(BaseCommand):
    help = "Contact points and routes in and out of files (YAML or JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="create or update what FILE holds (- for stdin)")
        imp.add_argument("file")
        imp.add_argument(
            "--prune", action="store_true", help="delete contact points FILE does not name"
        )
        exp = sub.add_parser("export", help="print every contact point and route")
        exp.add_argument("--format", choices=("yaml", "json"), default="yaml")
        exp.add_argument(
            "--with-secrets", action="store_true",
            help="tokens, passwords and apprise URLs in clear (else shown as •••)",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        if options["action"] == "export":
            text = export_document(options["format"], with_secrets=options["with_secrets"])
            self.stdout.write(text, ending="")
            return
        try:
            if options["file"] == "-":
                document = read_text(sys.stdin.read(), "stdin")
            else:
                path = Path(options["file"])
                try:
                    text = path.read_text()
                except OSError as exc:
                    raise ConfigError(
                        "the file", "file", f"cannot read {path}: {exc.strerror}"
                    ) from None
                document = read_text(text, path.name)
            counts = import_document(document, prune=options["prune"])
        except ConfigError as exc:
            raise CommandError(f"{exc}; nothing was imported") from None
        self.stdout.write(
            "contact points: {created} created, {updated} updated, {deleted} deleted; "
            "routes: {routes}".format(**counts)
        )
