from functools import wraps

from django.urls import path, re_path

from dashboards.api.errors import error_response, not_found_view
from dashboards.api.main import api


def _json_405(view):
    """ninja answers a method a path lacks with Django's HTML 405: the one error shape instead."""

    @wraps(view)  # keeps csrf_exempt: ninja checks CSRF itself, for sessions only
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            refused = error_response(
                "method_not_allowed", f"{request.method} is not allowed here (only {allowed})", 405
            )
            refused["Allow"] = allowed
            return refused
        return response

    return answer


_patterns, _app, _namespace = api.urls  # (a module-level app_name would namespace this module)
for pattern in _patterns:
    pattern.callback = _json_405(pattern.callback)

urlpatterns = [
    path("api/", (_patterns, _app, _namespace)),
    re_path(r"^api/(?P<rest>.*)$", not_found_view),
]
