"""Two-factor sign-in: the code step after the password, and its set-up on the account page."""

from __future__ import annotations

from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marblejar.accounts import sso, two_factor
from marblejar.accounts.forms import CodeForm, CurrentPasswordForm
from marblejar.accounts.throttling import device_remember
from marblejar.lib.forms import add_service_errors


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a password log-in: a code from the app, or a recovery code."""
    found = two_factor.pending_get(request)
    if found is None:
        messages.info(request, _("Enter your e-mail address and password first."))
        return redirect("accounts:login")
    pending, user = found
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.email}
        if AxesProxyHandler.is_locked(request, credentials):
            return get_lockout_response(request, None, credentials)
        try:
            kind = two_factor.code_check(user=user, code=form.cleaned_data["code"])
        except two_factor.TooManyTries as e:
            form.add_error("code", two_factor.wait_message(e.seconds))
            status = 429
        else:
            if kind is not None:
                next_url = pending.next_url
                login(request, user, backend=pending.backend)
                response = redirect(next_url)
                device_remember(request, response, user.email)
                if kind == "recovery":
                    left = two_factor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a recovery code; %(n)s is left. Make new ones on your "
                            "account page if you are running low.",
                            "You used a recovery code; %(n)s are left. Make new ones on your "
                            "account page if you are running low.",
                            left,
                        )
                        % {"n": left},
                    )
                return response
            if two_factor.wrong_code(request, user=user, pending=pending):
                messages.error(
                    request, _("Too many wrong codes. Enter your password again to start over.")
                )
                return redirect("accounts:login")
            form.add_error(
                "code",
                _(
                    "That code is not right. Type the 6 digits your app shows now, or one "
                    "of your recovery codes."
                ),
            )
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


def _qr_svg(url: str) -> str:
    # Drawn here as SVG, no request leaves the server; dark on light, with a quiet zone.
    return segno.make(url, error="m").svg_inline(scale=5, border=4, dark="#1b1b1f", light="#fff")


def _setup_context(draft) -> dict:
    secret = b32encode(draft.bin_key).decode().rstrip("=")
    return {
        "draft": draft,
        "qr_svg": _qr_svg(draft.config_url),
        # In groups of four, as authenticator apps show a typed-in key.
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }


@login_required
@require_GET
def two_factor_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {
        "single_sign_on": sso.session_is_single_sign_on(request),
        "password_account": two_factor.is_password_account(user),
        "required": request.session.get(two_factor.SETUP_DUE_KEY, False),
    }
    device = two_factor.authenticator(user)
    if device is not None:
        context["device"] = device
        context["codes_left"] = two_factor.recovery_codes_left(user)
        # Two password fields on one page: prefixes keep their ids apart.
        context["codes_form"] = CurrentPasswordForm(prefix="codes")
        context["disable_form"] = CurrentPasswordForm(prefix="off")
    else:
        draft = two_factor.authenticator(user, confirmed=False)
        if draft is not None:
            context.update(_setup_context(draft))
            context["form"] = CodeForm(setup=True)
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def two_factor_start(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.two_factor_start(user=request.user)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    return redirect("accounts:two_factor")


@login_required
@require_POST
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST, setup=True)
    if form.is_valid():
        try:
            codes = two_factor.two_factor_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            request.session.pop(two_factor.SETUP_DUE_KEY, None)
            request.session[two_factor.FRESH_CODES_KEY] = codes
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("accounts:recovery_codes")
    draft = two_factor.authenticator(request.user, confirmed=False)
    if draft is None:
        return redirect("accounts:two_factor")
    context = {
        **_setup_context(draft),
        "form": form,
        "password_account": True,
        "required": request.session.get(two_factor.SETUP_DUE_KEY, False),
    }
    return render(request, "accounts/two_factor.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New codes, shown once: GET shows the ones just made, POST makes new ones (password)."""
    form = CurrentPasswordForm(request.POST or None, prefix="codes")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if not request.user.check_password(form.cleaned_data["password"]):
                form.add_error("password", _("That is not your current password."))
                status = 400
            else:
                try:
                    codes = two_factor.recovery_codes_replace(user=request.user)
                except ValidationError as e:
                    add_service_errors(form, e)
                    status = 400
                else:
                    request.session[two_factor.FRESH_CODES_KEY] = codes
                    messages.success(
                        request, _("New recovery codes are made; the old ones no longer work.")
                    )
                    return redirect("accounts:recovery_codes")
        else:
            status = 400
    codes = request.session.get(two_factor.FRESH_CODES_KEY)
    if not codes and request.method == "GET":
        return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": [two_factor.format_code(c) for c in codes or []], "form": form},
        status=status,
    )


@login_required
@require_GET
def recovery_codes_download(request: HttpRequest) -> HttpResponse:
    codes = request.session.get(two_factor.FRESH_CODES_KEY)
    if not codes:
        return redirect("accounts:two_factor")
    lines = [
        _("Marblejar recovery codes for %(email)s") % {"email": request.user.email},
        _("Each code works once, in place of the code from your app."),
        "",
        *(two_factor.format_code(c) for c in codes),
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="marblejar-recovery-codes.txt"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recovery_codes_done(request: HttpRequest) -> HttpResponse:
    request.session.pop(two_factor.FRESH_CODES_KEY, None)
    return redirect("accounts:two_factor")


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = CurrentPasswordForm(request.POST, prefix="off")
    if form.is_valid():
        try:
            two_factor.two_factor_disable(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            request.session.pop(two_factor.FRESH_CODES_KEY, None)
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("accounts:two_factor")
    device = two_factor.authenticator(request.user)
    if device is None:
        return redirect("accounts:two_factor")
    context = {
        "device": device,
        "codes_left": two_factor.recovery_codes_left(request.user),
        "codes_form": CurrentPasswordForm(prefix="codes"),
        "disable_form": form,
        "password_account": True,
    }
    return render(request, "accounts/two_factor.html", context, status=400)
