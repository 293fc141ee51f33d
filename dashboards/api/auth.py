"""Who is calling: a person's session (the pages) or a per-user bearer token (scripts); and what
their role allows, by the same rules as the pages and the socket (dashboards/alerts/roles.py)."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from dashboards.alerts.responses import Refused
from dashboards.alerts.roles import ADMIN, RESPONDER, role_of
from dashboards.api.tokens import user_for


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for(token.strip())
        if user is not None:
            request.user = user  # the role checks below read request.user, whichever way in
            request.auth_by = "token"
        return user


class ActiveSessionAuth(SessionAuth):
    """Django's session; its CSRF check only when there is a session cookie to protect, so a
    call with neither cookie nor token is told 401 (sign in), not 403 (CSRF)."""

    def _get_key(self, request: HttpRequest):
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        if key is None:
            return None
        user = request.user
        return user if user.is_authenticated and user.is_active else None


AUTH = [TokenAuth(), ActiveSessionAuth()]


def require_responder(request: HttpRequest) -> None:
    if role_of(request.user) not in (RESPONDER, ADMIN):
        raise Refused("forbidden", "your role may not do this (a responder may)")


def require_admin(request: HttpRequest) -> None:
    if role_of(request.user) != ADMIN:
        raise Refused("forbidden", "your role may not change the configuration (an admin may)")
