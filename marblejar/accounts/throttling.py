"""Log-in throttling: per account and address (django-axes), and per account.

django-axes locks an (account, address) pair after ``AXES_FAILURE_LIMIT``
failures. That alone lets someone who rotates addresses guess without end, so
this module adds an account-wide limit: after ``LOGIN_ACCOUNT_FAILURE_LIMIT``
failures within the cool-off, from any mix of addresses, the account takes no
more passwords from browsers that have never signed in to it. Browsers that
have (they carry a signed "known device" cookie naming the account) are judged
by the per-pair limit only, so an attacker who trips the account-wide limit
does not lock the owner out of the devices they use. A password reset clears
the account's failures. See docs/security.md.
"""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off, toggleable
from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac

DEVICE_COOKIE = "marblejar_device"
DEVICE_SALT = "marblejar.accounts.throttling.device"
DEVICE_DAYS = 365
# Accounts remembered per browser: enough for a shared family or team laptop.
DEVICE_ACCOUNTS = 8


def client_address(request: HttpRequest) -> str | None:
    """The address that connected, after the server applied ``TRUSTED_PROXIES``."""
    return request.META.get("REMOTE_ADDR")


def _account_mark(username: str) -> str:
    return salted_hmac(DEVICE_SALT, username.lower(), algorithm="sha256").hexdigest()[:24]


def _known_marks(request: HttpRequest) -> list[str]:
    try:
        marks = request.get_signed_cookie(
            DEVICE_COOKIE, salt=DEVICE_SALT, max_age=timedelta(days=DEVICE_DAYS)
        )
    except (KeyError, signing.BadSignature, ValueError):
        return []
    return [m for m in marks.split(":") if m]


def device_is_known(request: HttpRequest, username: str) -> bool:
    """Has this browser signed in to ``username`` before?"""
    return _account_mark(username) in _known_marks(request)


def device_remember(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a successful log-in, mark this browser as one the account uses."""
    mark = _account_mark(username)
    marks = [mark] + [m for m in _known_marks(request) if m != mark]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        ":".join(marks[:DEVICE_ACCOUNTS]),
        salt=DEVICE_SALT,
        max_age=DEVICE_DAYS * 24 * 3600,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def account_failures(username: str) -> int:
    """Failed log-ins to ``username`` within the cool-off, from every address."""
    cool_off = get_cool_off() or timedelta(minutes=15)
    total = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=timezone.now() - cool_off
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def account_is_throttled(request: HttpRequest, username: str) -> bool:
    if device_is_known(request, username):
        return False
    return account_failures(username) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' per-pair check, then the account-wide one; authenticates nobody itself."""

    @toggleable
    def authenticate(
        self,
        request: HttpRequest,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ):
        super().authenticate(request, username=username, password=password, **kwargs)
        if username and account_is_throttled(request, username):
            # The same path as an axes lock-out: the attempt is not counted
            # (no password was tried) and the middleware answers 429.
            request.axes_locked_out = True
            request.account_throttled = True
            raise AxesBackendPermissionDenied("Too many failures for this account")
