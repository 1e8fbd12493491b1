"""Settings of the test identity provider (django-oauth-toolkit with OpenID Connect).

Test code only: it runs on loopback, in its own process and SQLite file, so
that Marblejar's single sign-on is tested against a real provider. Its RSA
signing key, its people and its address come from the environment that
``tests_e2e.oidc_provider.start_provider`` sets.
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent

SECRET_KEY = "test-provider-only-" + os.environ.get("OIDC_PROVIDER_ISSUER", "")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests_e2e.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDC_PROVIDER_DB"]}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
# Fast on purpose: only test people with test passwords live here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": os.environ["OIDC_PROVIDER_ISSUER"],
    "OIDC_RSA_PRIVATE_KEY": Path(os.environ["OIDC_PROVIDER_KEY"]).read_text(),
    "OAUTH2_VALIDATOR_CLASS": "tests_e2e.oidc_provider.validator.Validator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "email": "Your e-mail address",
        "profile": "Your name",
    },
    "PKCE_REQUIRED": True,
}
# Cookies do not tell ports apart: on 127.0.0.1 beside Marblejar, the
# provider's must not overwrite Marblejar's session and CSRF cookies.
SESSION_COOKIE_NAME = "provider_session"
CSRF_COOKIE_NAME = "provider_csrftoken"
