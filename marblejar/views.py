"""Site-wide views: health check and error pages."""

from __future__ import annotations

import functools
import sys
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from marblejar.lib.outages import outage_response


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as e:  # reported, never raised: this is a health check
        return False, type(e).__name__
    return True, connection.vendor


@functools.cache
def redis_client(url: str) -> Any:
    """One client (and its connection pool) per process, not one per health check."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def check_redis() -> tuple[bool, str] | None:
    if not settings.REDIS_URL:
        return None
    try:
        redis_client(settings.REDIS_URL).ping()
    except Exception as e:
        return False, type(e).__name__
    return True, "ok"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    db_ok, db_detail = check_database()
    checks: dict[str, Any] = {"database": {"ok": db_ok, "detail": db_detail}}
    ok = db_ok
    if (redis_result := check_redis()) is not None:
        checks["redis"] = {"ok": redis_result[0], "detail": redis_result[1]}
        ok = ok and redis_result[0]
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)


def wants_json(request: HttpRequest) -> bool:
    # API clients get the API's error shape even for URLs no operation matches.
    return request.path.startswith("/api/")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": _("You do not have permission to do that.")}, status=403)
    return render(request, "errors/403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": _("Not found, or not visible to you.")}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # A full disk or a database that is down: a readable 503 (marblejar.lib.outages).
    if (outage := outage_response(request, sys.exc_info()[1])) is not None:
        return outage
    if wants_json(request):
        return JsonResponse(
            {"detail": _("Something went wrong on our side. Try again in a moment.")}, status=500
        )
    # Rendered without the request context: whatever broke may be in there.
    from django.template.loader import get_template

    return HttpResponse(get_template("errors/500.html").render(), status=500)


def error_preview(request: HttpRequest, code: int) -> HttpResponse:
    handlers = {403: forbidden, 404: not_found}
    if code == 500:
        return server_error(request)
    if code == 503:
        from django.db.utils import OperationalError

        return outage_response(request, OperationalError("database or disk is full"))
    return handlers.get(code, not_found)(request)
