"""When the database cannot be written or reached: a readable 503, not a server error.

Three faults end a request this way: the data folder's disk is full (SQLite
says "database or disk is full" or "disk I/O error", PostgreSQL "No space left
on device"), the database server is down or restarting (connection refused,
a pooled connection that was cut), or SQLite stayed locked past its busy
timeout. None of them is a bug in the request, all of them pass on their own
or once an administrator acts, and what was saved before is safe: the person
is told so, with a ``Retry-After``, and the API answers its usual error shape.
The error handler for 500 calls :func:`outage_response` first, so that a
fault raised anywhere (a view, a middleware saving the session) is covered.
"""

from __future__ import annotations

import logging
from typing import Literal

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import get_template
from django.utils.translation import gettext as _

logger = logging.getLogger("marblejar.outages")

Kind = Literal["disk", "database"]
DISK_WORDS = ("disk is full", "disk i/o error", "no space left", "disk full")
RETRY_AFTER = {"disk": 60, "database": 5}


def outage_kind(exc: BaseException | None) -> Kind | None:
    """Which fault ``exc`` (or what caused it) is: "disk", "database", or None.

    "database" covers PostgreSQL down or restarting and a pool that could not
    hand out a connection in time (too busy): the pool cannot tell them apart.
    """
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (OperationalError, InterfaceError)):
            text = str(exc).lower()
            return "disk" if any(word in text for word in DISK_WORDS) else "database"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def message(kind: Kind) -> str:
    if kind == "disk":
        return _(
            "The server's disk is full, so this could not be saved. What you saved before is "
            "safe. Tell your administrator; it works again as soon as space is freed."
        )
    return _(
        "The database is not answering right now, so this could not be done. What you saved "
        "before is safe. Try again in a moment."
    )


def outage_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    kind = outage_kind(exc)
    if kind is None:
        return None
    logger.error("Answered 503: %s (%s: %s)", kind, type(exc).__name__, exc)
    text = message(kind)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": text}, status=503)
    else:
        # Rendered without the request context: its processors read the database.
        page = get_template("errors/503.html").render({"message": text})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER[kind])
    return response
