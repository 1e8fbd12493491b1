"""The two ends of a single sign-on: off to the provider, and back."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from marblejar.accounts import sso

log = logging.getLogger(__name__)

NEXT_KEY = "sso_next"


def provider_errors() -> tuple[type[Exception], ...]:
    """What can go wrong between Marblejar and the provider: the network, the
    provider's answer, or a token the library refuses (signature, issuer,
    audience, expiry, nonce).

    Imported here, as in `sso.client()`: Authlib and what it brings (requests,
    joserfc, cryptography) are loaded by the first sign-on, not by every
    process's start.
    """
    import requests
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import JoseError

    return (OAuthError, JoseError, requests.RequestException, ValueError, KeyError)


def _problem(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "accounts/sso_problem.html",
        {"problem": message, "provider": sso.provider_name()},
        status=status,
    )


def _redirect_uri() -> str:
    # From SITE_URL, never the Host header: it must equal the address
    # registered with the provider.
    return settings.SITE_URL + reverse("accounts:sso_callback")


@require_GET
def sso_start(request: HttpRequest) -> HttpResponse:
    """Send the person to the provider; Authlib keeps state, nonce and PKCE in the session.

    A link, not a form: the page's Content-Security-Policy (``form-action
    'self'``) would stop a form whose answer redirects to the provider.
    """
    if not sso.is_configured():
        raise Http404
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    request.session[NEXT_KEY] = next_url
    try:
        return sso.client().authorize_redirect(request, _redirect_uri())
    except provider_errors():
        log.exception("Single sign-on: the provider's discovery document could not be read")
        return _problem(
            request,
            _("%(provider)s did not answer. Try again in a minute, or log in with your password.")
            % {"provider": sso.provider_name()},
            status=502,
        )


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    if not sso.is_configured():
        raise Http404
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError

    client = sso.client()
    try:
        token = client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise OAuthError(description="No ID token in the token response")
        # Some providers keep the address for the userinfo endpoint. Its
        # answer counts only for the same subject as the checked ID token.
        incomplete = "email" not in claims or settings.OIDC_EMAIL_VERIFIED_CLAIM not in claims
        if incomplete and client.load_server_metadata().get("userinfo_endpoint"):
            extra = client.userinfo(token=token)
            if str(extra.get("sub")) == str(claims.get("sub")):
                claims = {**extra, **claims}
    except MismatchingStateError:
        return _problem(
            request,
            _(
                "This sign-in link was not started in this browser, or it was already used. "
                "Start again from the log-in page."
            ),
            status=400,
        )
    except provider_errors() as e:
        log.warning("Single sign-on refused: %s", e)
        return _problem(
            request,
            _(
                "%(provider)s could not sign you in: the answer did not pass Marblejar's checks. "
                "Start again from the log-in page."
            )
            % {"provider": sso.provider_name()},
            status=400,
        )
    try:
        user = sso.sso_user_for_claims(claims=claims)
    except ValidationError as e:
        return _problem(request, " ".join(e.messages), status=403)
    login(request, user, backend=sso.BACKEND)
    next_url = request.session.pop(NEXT_KEY, "") or reverse(settings.LOGIN_REDIRECT_URL)
    return redirect(next_url)
