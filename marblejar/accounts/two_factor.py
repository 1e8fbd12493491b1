"""Two-factor sign-in for password accounts: an authenticator app and recovery codes.

Devices, code checks, replay protection (a code is good once) and the delay
after a wrong code are django-otp's (``TOTPDevice``, ``StaticDevice``). What
Marblejar adds:

- The password step does not log a person in when they have a second factor:
  it leaves a *pending* sign-in in the session, and only the right code logs
  them in (``login``, which changes the session key). No page ever sees a
  half-signed-in user, so no view can forget to check.
- A pending sign-in takes ``TWO_FACTOR_MAX_TRIES`` wrong codes, then starts
  again from the password; each wrong code also counts as a failed log-in for
  django-axes, so its lock-out covers codes as it covers passwords.
- An organization can require a second factor for password accounts. Whether a
  session owes its set-up is decided when it signs in (and, for the sessions
  open at that moment, when the requirement is switched on) and kept in the
  session, so the check on every page costs no query. People who sign in through single
  sign-on owe nothing: their provider decides how they prove who they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from marblejar.accounts.models import User

PENDING_KEY = "two_factor_pending"
SETUP_DUE_KEY = "two_factor_setup_due"
FRESH_CODES_KEY = "two_factor_fresh_codes"
# How long the code step waits after the password before it starts over.
PENDING_SECONDS = 5 * 60
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class TooManyTries(Exception):
    """The device asks to wait before the next code (django-otp's delay)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


# Reading ------------------------------------------------------------------------


def authenticator(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    device = TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()
    if device is not None:
        device.user = user  # its set-up address names the account: no second read
    return device


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_password_account(user: User) -> bool:
    return user.has_usable_password()


def setup_due(user: User, *, single_sign_on: bool) -> bool:
    """Must this sign-in set up two-factor before anything else?"""
    if single_sign_on or not is_password_account(user) or user.organization_id is None:
        return False
    if not user.organization.two_factor_required:
        return False
    return not has_two_factor(user)


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


# Setting up ---------------------------------------------------------------------


@transaction.atomic
def two_factor_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator with a fresh secret, replacing any earlier draft."""
    if not is_password_account(user):
        raise ValidationError(
            _("You sign in through single sign-on; your provider asks for a second factor.")
        )
    if has_two_factor(user):
        raise ValidationError(_("Two-factor sign-in is already on."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def two_factor_confirm(*, user: User, code: str) -> list[str]:
    """Turn two-factor on once the app shows the right code; return the recovery codes.

    The codes are returned once, to be shown once: only django-otp's table
    keeps them after that, and a used one is deleted.
    """
    device = authenticator(user, confirmed=False)
    if device is None:
        raise ValidationError(_("Start the set-up again: it was cancelled or finished elsewhere."))
    code = normalize_code(code)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        raise ValidationError({"code": [wait_message(_seconds_left(info))]})
    if not (code.isdigit() and device.verify_token(code)):
        raise ValidationError(
            {
                "code": [
                    _(
                        "That code does not match. Check that the app shows the code for "
                        "Marblejar and type the 6 digits it shows now."
                    )
                ]
            }
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not has_two_factor(user):
        raise ValidationError(_("Turn on two-factor sign-in first."))
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = []
    while len(codes) < settings.TWO_FACTOR_RECOVERY_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def format_code(code: str) -> str:
    """``abcd2efg`` as ``abcd-2efg``: easier to read out and to copy by hand."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


@transaction.atomic
def two_factor_disable(*, user: User, password: str) -> None:
    if not user.check_password(password):
        raise ValidationError({"password": [_("That is not your current password.")]})
    if user.organization_id and user.organization.two_factor_required:
        raise ValidationError(
            _("Your organization requires two-factor sign-in, so it cannot be turned off.")
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# Signing in ---------------------------------------------------------------------


@dataclass
class Pending:
    user_id: int
    backend: str
    started: float
    tries: int
    next_url: str


def pending_begin(request: HttpRequest, *, user: User, next_url: str) -> None:
    """After the right password: wait for the code before logging in."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "started": time.time(),
        "tries": 0,
        "next_url": next_url,
    }


def pending_get(request: HttpRequest) -> tuple[Pending, User] | None:
    data = request.session.get(PENDING_KEY)
    if not data:
        return None
    pending = Pending(**data)
    if time.time() - pending.started > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.user_id, is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    user.backend = pending.backend
    return pending, user


def _seconds_left(info: dict[str, Any] | None) -> int:
    from django.utils import timezone

    until = (info or {}).get("locked_until")
    if until is None:
        return 1
    return max(1, int((until - timezone.now()).total_seconds() + 0.999))


def wait_message(seconds: int) -> str:
    return _("Too many wrong codes. Wait %(seconds)s seconds, then try again.") % {
        "seconds": seconds
    }


def code_check(*, user: User, code: str) -> str | None:
    """Which kind of code this was ("app" or "recovery") if it is right, else None.

    A 6-digit code is checked against the authenticator, anything else against
    the recovery codes (a used one is deleted). Raises TooManyTries while
    django-otp asks to wait after earlier wrong codes.
    """
    code = normalize_code(code)
    if code.isdigit() and len(code) == 6:
        devices: list[Any] = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        kind = "app"
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
        kind = "recovery"
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            raise TooManyTries(_seconds_left(info))
        if device.verify_token(code):
            return kind
    return None


def wrong_code(request: HttpRequest, *, user: User, pending: Pending) -> bool:
    """Count a wrong code; True when the sign-in must start again from the password."""
    # django-axes counts it as a failed log-in for the account and address.
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.email},
        request=request,
    )
    pending.tries += 1
    if pending.tries >= settings.TWO_FACTOR_MAX_TRIES:
        request.session.pop(PENDING_KEY, None)
        return True
    request.session[PENDING_KEY] = {**request.session[PENDING_KEY], "tries": pending.tries}
    return False


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Decide, once per sign-in, whether this session owes the set-up."""
    if request is None or not hasattr(request, "session"):
        return
    from marblejar.accounts import sso

    request.session.pop(PENDING_KEY, None)
    single_sign_on = getattr(user, "backend", None) == sso.BACKEND
    if setup_due(user, single_sign_on=single_sign_on):
        request.session[SETUP_DUE_KEY] = True
    else:
        request.session.pop(SETUP_DUE_KEY, None)


def sessions_mark_setup_due(*, organization_id: int) -> int:
    """Send the signed-in password sessions of the organization that lack a second factor to set-up.

    Called when an admin switches the requirement on, so that it applies at
    once and not only at the next log-in. Sessions live in the database
    (Django's default engine, which Marblejar uses); each is read and, when
    it belongs to such a person and did not come through single sign-on,
    marked. Returns how many were marked.
    """
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from marblejar.accounts import sso

    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return 0
    owing = {
        str(pk)
        for pk, password in User.objects.filter(
            organization_id=organization_id, is_active=True
        ).values_list("pk", "password")
        if is_password_usable(password)
    } - {
        str(pk)
        for pk in TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True)
    }
    if not owing:
        return 0
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    marked = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get(SESSION_KEY) not in owing or data.get(BACKEND_SESSION_KEY) == sso.BACKEND:
            continue
        store = store_class(session_key=session.session_key)
        store[SETUP_DUE_KEY] = True
        store.save()
        marked += 1
    return marked


def session_recheck(request: HttpRequest) -> None:
    """Decide again for the current session (after its organization's rule changed)."""
    from marblejar.accounts import sso

    user = User.objects.select_related("organization").get(pk=request.user.pk)
    if setup_due(user, single_sign_on=sso.session_is_single_sign_on(request)):
        request.session[SETUP_DUE_KEY] = True
    else:
        request.session.pop(SETUP_DUE_KEY, None)


def connect_signals() -> None:
    user_logged_in.connect(on_user_logged_in, dispatch_uid="marblejar.two_factor.logged_in")


# Every page ---------------------------------------------------------------------

# What a person who owes the set-up may still open.
SETUP_ROUTES = {
    "accounts:two_factor",
    "accounts:two_factor_start",
    "accounts:two_factor_confirm",
    "accounts:recovery_codes",
    "accounts:recovery_codes_download",
    "accounts:recovery_codes_done",
    "accounts:logout",
    "healthz",
    "metrics",
}


class TwoFactorSetupMiddleware:
    """Sends a session that owes the two-factor set-up to it, from every other page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SETUP_DUE_KEY) and self._blocks(request):
            message = _("Your organization requires two-factor sign-in. Set it up to continue.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=403)
            target = redirect("accounts:two_factor")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target["Location"]
                return response
            return target
        return self.get_response(request)

    @staticmethod
    def _blocks(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return False
        if not request.user.is_authenticated:
            return False
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.view_name not in SETUP_ROUTES
