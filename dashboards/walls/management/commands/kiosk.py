from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dashboards.walls.kiosks import KioskError, create_kiosk, kiosk_url, revoke_kiosks, usable
from dashboards.walls.models import KioskToken


def end_date(value: str) -> datetime:
    """YYYY-MM-DD: the token works until the start of that day (server time)."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"--until {value!r} is not a date YYYY-MM-DD") from None
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = "Kiosk tokens for wall screens (docs/walls.md): create prints the URL on its last line."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a token for one screen; prints its URL, once")
        create.add_argument("--dashboard", metavar="SLUG", help="what it shows")
        create.add_argument(
            "--playlist", metavar="NAME", help="turn through a playlist (then --dashboard is what "
            "it shows if the playlist is emptied; default its first dashboard)",
        )  # fmt: skip
        create.add_argument("--name", help="the screen's name (default: the playlist or dashboard)")
        create.add_argument("--until", metavar="YYYY-MM-DD", help="stop working that day")
        revoke = sub.add_parser("revoke", help="revoke a token: its screen closes within seconds")
        revoke.add_argument("name")
        sub.add_parser("list", help="every token: name, start, dashboard, state, last seen")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options) -> None:
        if not options["dashboard"] and not options["playlist"]:
            raise CommandError("give --dashboard SLUG, --playlist NAME, or both")
        until = end_date(options["until"]) if options["until"] else None
        if until is not None and until <= timezone.now():
            raise CommandError(f"--until {options['until']} has passed")
        name = options["name"] or options["playlist"] or options["dashboard"]
        try:
            token, secret = create_kiosk(options["dashboard"], name, until, options["playlist"])
        except KioskError as exc:
            raise CommandError(str(exc)) from None
        ends = f"until {options['until']}" if until else "never expires"
        shows = (
            f"playlist {token.playlist.name!r}" if token.playlist else repr(token.dashboard.slug)
        )
        self.stdout.write(
            f"kiosk {token.name!r} shows {shows}, read-only, {ends}; "
            "the URL is shown this once (revoke: manage.py kiosk revoke NAME):"
        )
        self.stdout.write(kiosk_url(secret))

    def _revoke(self, options) -> None:
        found = KioskToken.objects.filter(name=options["name"])
        if not found.exists():
            raise CommandError(f"there is no kiosk named {options['name']!r} (kiosk list)")
        if revoke_kiosks(found):
            self.stdout.write(
                f"kiosk {options['name']!r} revoked: its screen closes within seconds"
            )
        else:
            self.stdout.write(f"kiosk {options['name']!r} was revoked already")

    def _list(self, options) -> None:
        now = timezone.now()
        for token in KioskToken.objects.select_related("dashboard", "playlist"):
            if token.revoked_at:
                state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}"
            elif not usable(token, now):
                state = "expired"
            else:
                state = f"until {token.expires_at:%Y-%m-%d}" if token.expires_at else "active"
            shows = f"playlist {token.playlist.name}" if token.playlist else token.dashboard.slug
            seen = f"{token.last_seen_at:%Y-%m-%d %H:%M}" if token.last_seen_at else "never"
            self.stdout.write(f"{token.name}\t{token.start}…\t{shows}\t{state}\tseen {seen}")
