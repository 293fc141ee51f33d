"""Who a bearer token belongs to, if anyone may still use it."""

from dashboards.api.models import PREFIX, ApiToken, digest


def user_for(secret: str):
    """The token's active user, or None (unknown, revoked, expired, or its user deactivated)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret)).first()
    if token is None or not token.usable:
        return None
    token.touch()
    return token.user
