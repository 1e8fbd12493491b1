"""API authentication: personal access tokens, or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, django_auth

from marblejar.accounts.services import token_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ReadOnlyToken(Exception):
    """A read-only token tried to change something."""

    def __str__(self) -> str:
        return _("This token is read-only; create a read-write token to make changes.")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyToken
        request.user = api_token.user
        return api_token.user


AUTH = [TokenAuth(), django_auth]
