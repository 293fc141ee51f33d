"""Per-user API tokens for scripts and for Alertmanager: shown once, stored only as a hash."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

PREFIX = "lm_"
# Shown in lists and typed to revoke: enough to tell tokens apart, useless to authenticate.
START_CHARS = 10
# last_used_at is a hint for people, not an audit log: write it at most this often.
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, blank=True, help_text="What it is for.")
    start = models.CharField(max_length=START_CHARS, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.start}… of {self.user} ({self.name or 'no name'})"

    @classmethod
    def issue(cls, user, name: str = "", days: int | None = None) -> tuple["ApiToken", str]:
        """A new token and its secret (the only time the secret exists outside the client)."""
        secret = PREFIX + secrets.token_urlsafe(32)
        expires = timezone.now() + timedelta(days=days) if days else None
        token = cls.objects.create(
            user=user, name=name, start=secret[:START_CHARS], digest=digest(secret),
            expires_at=expires,
        )  # fmt: skip
        return token, secret

    @property
    def usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.user.is_active
        )

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
