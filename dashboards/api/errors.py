"""Every error of the API has one shape: {"error": {"code", "message"[, "fields"]}}.

``code`` is stable (scripts branch on it), ``message`` is for people, ``fields`` names the bad
inputs of a refused request. The status follows the code.
"""

from django.http import Http404, HttpRequest, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from dashboards.alerts.responses import Refused

STATUS = {
    "bad_field": 400,
    "bad_layout": 400,
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "csrf_failed": 403,
    "not_found": 404,
    "unknown_alert": 404,
    "unknown_silence": 404,
    "unknown_host": 404,
    "unknown_rule": 404,
    "method_not_allowed": 405,
    "too_many": 429,
    "unavailable": 503,
}
CONFLICT = 409  # alert_resolved, already_acked, not_acked, exists: the state says no


def error_response(code: str, message: str, status: int | None = None, **extra) -> JsonResponse:
    body = {"code": code, "message": message, **extra}
    return JsonResponse({"error": body}, status=status or STATUS.get(code, CONFLICT))


def _location(loc) -> str:
    # ninja's loc is ("body", "payload", "field", ...) or ("query", "field"): keep what a
    # caller wrote, without the name of our function's parameter.
    parts = [str(p) for p in loc if p not in ("payload", "filters", "query", "body", "path")]
    return ".".join(parts) or str(loc[-1] if loc else "request")


def install(api) -> None:
    @api.exception_handler(Refused)
    def refused(request: HttpRequest, exc: Refused):
        extra = {"fields": exc.fields} if exc.fields else {}
        return error_response(exc.code, exc.message, **extra)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc):
        response = error_response(
            "unauthorized", "sign in, or send 'Authorization: Bearer <token>' (manage.py token)"
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError):
        fields = {}
        for error in exc.errors:
            fields.setdefault(_location(error.get("loc", ())), error.get("msg", "invalid"))
        message = "; ".join(f"{name}: {text}" for name, text in fields.items())
        return error_response("bad_field", message or "the request is invalid", fields=fields)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        if exc.status_code == 403 and "CSRF" in str(exc):
            return error_response("csrf_failed", "CSRF check failed: send the csrftoken cookie's "
                                  "value as X-CSRFToken, or use a bearer token", 403)  # fmt: skip
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
        return error_response(code.get(exc.status_code, "error"), str(exc), exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc):
        return error_response("not_found", str(exc) or "not found")


def not_found_view(request: HttpRequest, rest: str = "") -> JsonResponse:
    """/api/<anything else>: JSON, not the site's HTML 404 page."""
    return error_response("not_found", f"there is no API endpoint /api/{rest}")
