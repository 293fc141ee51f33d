"""`manage.py token create USER` prints an API token (on its last line); list and revoke them."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards.alerts.roles import role_of
from dashboards.api.models import ApiToken


class Command(BaseCommand):
    help = "API tokens for scripts and Alertmanager: create USER, list [USER], revoke START."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="a new token for USER, printed once")
        create.add_argument("user")
        create.add_argument("--name", default="", help="what it is for")
        create.add_argument("--days", type=int, default=None, help="expires after (default never)")
        listing = actions.add_parser("list", help="tokens, newest first")
        listing.add_argument("user", nargs="?")
        revoke = actions.add_parser("revoke", help="revoke by the start `token list` shows")
        revoke.add_argument("start")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _create(self, user: str, name: str, days: int | None, **_) -> None:
        found = get_user_model().objects.filter(username=user).first()
        if found is None:
            raise CommandError(f"there is no user {user!r}")
        if not found.is_active:
            raise CommandError(f"user {user!r} is inactive: its tokens would not work")
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more")
        token, secret = ApiToken.issue(found, name=name, days=days)
        until = f"until {token.expires_at:%Y-%m-%d}" if token.expires_at else "without end"
        self.stderr.write(
            f"token {token.start}… for {user} (role {role_of(found)}), valid {until}; "
            "send it as 'Authorization: Bearer <token>'. It is shown this once:"
        )
        self.stdout.write(secret)

    def _list(self, user: str | None, **_) -> None:
        tokens = ApiToken.objects.select_related("user")
        if user:
            tokens = tokens.filter(user__username=user)
        for t in tokens:
            state = "revoked" if t.revoked_at else ("active" if t.usable else "expired/inactive")
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(f"{t.start}  {t.user}  {state}  used {used}  {t.name}")

    def _revoke(self, start: str, **_) -> None:
        found = list(ApiToken.objects.filter(start=start, revoked_at__isnull=True))
        if not found:
            raise CommandError(f"no active token starts with {start!r} (see `token list`)")
        if len(found) > 1:
            raise CommandError(f"{len(found)} tokens start with {start!r}: revoke in the admin")
        found[0].revoked_at = timezone.now()
        found[0].save(update_fields=["revoked_at"])
        self.stdout.write(f"revoked {start}")
