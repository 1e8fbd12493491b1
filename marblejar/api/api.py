"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import ABS_TPL_PATH, Swagger
from ninja.parser import Parser

from marblejar.api.auth import AUTH, ReadOnlyToken
from marblejar.api.routers import (
    accounts,
    coach,
    integrations,
    jar,
    notifications,
    pulse,
    reflections,
    reviews,
    teams,
)
from marblejar.api.schemas import OUT_OF_RANGE

DESCRIPTION = """
Marblejar's API. Authenticate with a personal access token
(`Authorization: Bearer mj_…`, created under *Account → API tokens* or with
`marblejar createtoken`). Read-only tokens may only use GET.
Errors answer with a 4xx status and a readable `detail`.
"""


class BodyNotAnObject(ValueError):
    pass


class JsonObjectParser(Parser):
    """Every request body here is a JSON object; anything else is refused.

    ninja would read a JSON array or number as "no fields given" and fill in
    the defaults, so ``[null, null]`` created an invitation.
    """

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject(_("The request body must be a JSON object."))
        return data


class Docs(Swagger):
    """The documentation page with Swagger UI from our own static files.

    ninja renders its CDN template unless it is an installed app, which it is
    not (see settings.INSTALLED_APPS): this names its local template instead.
    """

    template_cdn = str(ABS_TPL_PATH / "swagger.html")


api = NinjaAPI(
    title="Marblejar API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    parser=JsonObjectParser(),
    docs=Docs(),
)
api.add_router("", accounts.router)
api.add_router("", teams.router)
api.add_router("", coach.router)
api.add_router("", pulse.router)
api.add_router("", reflections.router)
api.add_router("", jar.router)
api.add_router("", reviews.router)
api.add_router("", notifications.router)
api.add_router("", integrations.router)


def error(request: HttpRequest, detail: str, status: int, errors=None) -> HttpResponse:
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
        detail = " ".join(m for msgs in errors.values() for m in msgs)
        return error(request, detail, 400, errors)
    return error(request, " ".join(exc.messages), 400)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # A body that is not JSON, or not an object: say which.
    if isinstance(exc.__cause__, BodyNotAnObject):
        return error(request, str(exc.__cause__), exc.status_code)
    if isinstance(exc.__cause__, ValueError):
        return error(request, _("The request body is not valid JSON."), exc.status_code)
    return error(request, str(exc), exc.status_code)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """422 for a request the description says is invalid; 400 for a rule it cannot state.

    Dates outside the years the product handles have a valid shape (the
    description's ``date-time``), so they answer 400 like any other rule
    the product applies to a well-formed request.
    """
    errors: dict[str, list[str]] = {}
    status = 400 if all(e.get("type") == OUT_OF_RANGE for e in exc.errors) else 422
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", [])]
        # ("body", "data", "name") names the field "name": the source and the
        # view's parameter name mean nothing to a client.
        if loc and loc[0] in ("body", "form", "file"):
            loc = loc[2:]
        elif loc and loc[0] in ("query", "path", "header", "cookie"):
            loc = loc[1:]
        errors.setdefault(".".join(loc) or "request", []).append(
            item.get("msg", _("Invalid value."))
        )
    detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    return error(request, detail, status, errors)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, str(exc) or _("You do not have permission to do that."), 403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, _("Not found, or not visible to you."), 404)


@api.exception_handler(ReadOnlyToken)
def on_read_only(request: HttpRequest, exc: ReadOnlyToken) -> HttpResponse:
    return error(request, str(exc), 403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(
        request, _("Authentication required: send a token as 'Authorization: Bearer …'."), 401
    )
