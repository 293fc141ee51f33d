"""Static files served by Daphne itself (no web server in front), refusing paths outside them.

Django's handler answers only Http404 itself: a path that climbs out of the static directories
(``/static/%2e%2e/%2e%2e/monitor/settings.py``) raised SuspiciousFileOperation from the finder
and became a 500 with a traceback. It is a file that is not there: 404, logged as a warning.
"""

import logging

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404

log = logging.getLogger(__name__)


class StaticFiles(ASGIStaticFilesHandler):
    def serve(self, request):
        try:
            return super().serve(request)
        except SuspiciousFileOperation:
            log.warning("refused a static path outside the static files: %r", request.path[:200])
            raise Http404("no such file") from None
