"""Marblejar settings, read from the environment.

Every variable has a default that works on a fresh checkout (SQLite under
``./data``, in-process events, console e-mail). ``DATABASE_URL`` and
``MARBLEJAR_REDIS_URL`` switch on the scaled-out set-up; see README.md for
the full table. Secrets can also be read from ``NAME_FILE``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from marblejar.lib import staticfiles

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    """Read ``name`` from the environment, or from the file named by ``name_FILE``."""
    if file_name := os.environ.get(f"{name}_FILE"):
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


DATA_DIR = Path(env("MARBLEJAR_DATA_DIR", str(Path.cwd() / "data"))).resolve()

DEBUG = env_bool("MARBLEJAR_DEBUG")
# A key generated once per installation keeps sessions valid across restarts
# without asking a first-time user to invent one; production sets its own.
# It is kept outside the data folder: anonymous answers are sealed with it,
# and a copy of the data folder alone must not be enough to open them.
SECRET_KEY = env("MARBLEJAR_SECRET_KEY")
if not SECRET_KEY:
    from marblejar.lib.secret import default_key_dir, generated_secret_key

    KEY_DIR = Path(env("MARBLEJAR_KEY_DIR") or default_key_dir()).expanduser()
    SECRET_KEY = generated_secret_key(key_dir=KEY_DIR, data_dir=DATA_DIR)
    SECRET_KEY_IS_GENERATED = True
else:
    KEY_DIR = None
    SECRET_KEY_IS_GENERATED = False

# /metrics answers only to a request carrying this token (unset: no /metrics).
METRICS_TOKEN = env("MARBLEJAR_METRICS_TOKEN")

# The public address, for links in e-mails and invitations. Without
# MARBLEJAR_SITE_URL it follows the address `marblejar serve --host --port`
# listens on (MARBLEJAR_SERVED_URL, set by the command before settings load).
SITE_URL = (
    env("MARBLEJAR_SITE_URL") or env("MARBLEJAR_SERVED_URL") or "http://127.0.0.1:8000"
).rstrip("/")
# Host names this site answers to: the site URL's host and the loopback names,
# unless listed explicitly. A wrong Host header is refused, not trusted.
ALLOWED_HOSTS = [
    h.strip()
    for h in env(
        "MARBLEJAR_ALLOWED_HOSTS",
        ",".join(
            sorted({urlsplit(SITE_URL).hostname or "localhost", "localhost", "127.0.0.1", "[::1]"})
        ),
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env("MARBLEJAR_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# django-ninja is not an installed app: as one it would be imported, with
# pydantic, by every process's start (about 0.1 s), where only the first API
# request needs it (marblejar/urls.py). Its pages for the API's documentation
# (templates and static files under "ninja/") are found by their folder.
NINJA_DIR = Path(find_spec("ninja").submodule_search_locations[0])  # type: ignore[union-attr,index]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "marblejar.accounts",
    "marblejar.teams",
    "marblejar.realtime",
    "marblejar.api",
    "marblejar.coaching",
    "marblejar.pulse",
    "marblejar.reflections",
    "marblejar.jar",
    "marblejar.reviews",
    "marblejar.notifications",
    "marblejar.insights",
    "marblejar.portability",
    "marblejar.integrations",
    "marblejar.trackers",
]

MIDDLEWARE = [
    "marblejar.lib.metrics.MetricsMiddleware",
    "marblejar.lib.limits.BodySizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "marblejar.lib.compression.PageCompression",
    # WhiteNoise (files from the package) comes here unless they are collected: see STORAGES.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Where an organization requires two-factor sign-in, a password account
    # without it goes to its set-up first (decided at sign-in, read from the session).
    "marblejar.accounts.two_factor.TwoFactorSetupMiddleware",
    # After authentication: its error page is a page like any other.
    "marblejar.lib.edges.RefuseNulCharacters",
    # A guest of one review reaches that review's pages only.
    "marblejar.reviews.confinement.GuestConfinement",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Field groups, labels, inputs, selects and error lists written in Python with
# the exact characters of Django's templates (marblejar/lib/forms.py); about
# half a millisecond a field less on every page with a form.
FORM_RENDERER = "marblejar.lib.forms.QuickRenderer"

ROOT_URLCONF = "marblejar.urls"
ASGI_APPLICATION = "marblejar.asgi.application"
# Threads of each web process that answer pages (marblejar/lib/handler.py);
# live streams do not take one. 0: Django's own handler, a new thread for
# every request.
PAGE_THREADS = env_int("MARBLEJAR_THREADS", 1)
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marblejar.teams.context_processors.teams",
                "marblejar.notifications.context_processors.bell",
            ],
            # {% url %} as Django's, each address worked out once (static
            # files' addresses: see lib/staticfiles.py); {% kept %}, a piece
            # drawn once while what it shows is the same.
            "builtins": ["marblejar.lib.addresses_kept", "marblejar.lib.kept"],
        },
    },
]

if not env("DATABASE_URL"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'marblejar.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use a file, not memory, so that a real server process started by a
    # browser or multi-process test can share the test database.
    # One file per test run, so that runs side by side do not collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"marblejar-test-{os.getpid()}.sqlite3")
    }
    # One connection per thread for the process's life: opening one (and
    # running the pragmas below) on every request cost as much as a query.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    # WAL lets the web process read while the task worker writes; the busy
    # timeout turns short write contention into a wait, not an error.
    DATABASES["default"]["OPTIONS"] = {
        # secure_delete: a deleted row or an older version of a changed one
        # is zeroed, not left in a free page where a copy of the file would
        # keep it (sealed ballots, authorship of anonymous notes).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "MARBLEJAR_DB_POOL", True
):
    # Each process keeps a few connections open instead of opening one per
    # request (several milliseconds each). Streams hand theirs back at once.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("MARBLEJAR_DB_POOL_MIN", 2),
        "max_size": env_int("MARBLEJAR_DB_POOL_MAX", 20),
        # How long a request waits for a connection before it answers 503
        # (all in use, or PostgreSQL down or restarting: marblejar.lib.outages).
        "timeout": env_int("MARBLEJAR_DB_POOL_TIMEOUT", 10),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "marblejar.accounts.throttling.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Names sessions begun through single sign-on; authenticates nobody itself.
    "marblejar.accounts.sso.SingleSignOnBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
# networks). None by default: a client's address is the one that connected,
# so nobody can pick their own address by sending a header. `marblejar serve`
# hands the same list to uvicorn (forwarded_allow_ips).
TRUSTED_PROXIES = [p.strip() for p in env("MARBLEJAR_TRUSTED_PROXIES", "").split(",") if p.strip()]

# Log-in throttling (see docs/security.md). Two limits:
# - per account and address: AXES_FAILURE_LIMIT failures lock that pair for
#   the cool-off, so a stranger's failures from elsewhere do not lock the
#   owner out;
# - per account, whatever the address: after LOGIN_ACCOUNT_FAILURE_LIMIT
#   failures the account takes no more passwords from browsers that have never
#   signed in to it, so rotating addresses does not buy more guesses, while the
#   owner's own browsers (a signed "known device" cookie) still get in.
AXES_FAILURE_LIMIT = env_int("MARBLEJAR_LOGIN_FAILURE_LIMIT", 5)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("MARBLEJAR_LOGIN_ACCOUNT_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env_int("MARBLEJAR_LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address the server saw (uvicorn has already applied TRUSTED_PROXIES), never
# a header read again here: django-ipware, if ever installed, would trust any.
AXES_CLIENT_IP_CALLABLE = "marblejar.accounts.throttling.client_address"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("MARBLEJAR_LOGIN_THROTTLING", True)

# Single sign-on with OpenID Connect (docs/integrations.md). On when the
# discovery URL and the client id are set; the log-in page then offers
# "Sign in with <MARBLEJAR_OIDC_PROVIDER_NAME>".
OIDC_DISCOVERY_URL = env("MARBLEJAR_OIDC_DISCOVERY_URL")
OIDC_CLIENT_ID = env("MARBLEJAR_OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env("MARBLEJAR_OIDC_CLIENT_SECRET")
OIDC_PROVIDER_NAME = env("MARBLEJAR_OIDC_PROVIDER_NAME", "single sign-on")
OIDC_SCOPES = env("MARBLEJAR_OIDC_SCOPES", "openid email profile")
# New people at these e-mail domains may join: "example.com" joins the only
# organization, "example.com=Acme" the organization named Acme (where there
# are several). An organization's open sign-up domain is allowed as well.
OIDC_ALLOWED_DOMAINS = {
    domain.strip().lower().lstrip("@"): organization.strip()
    for domain, _eq, organization in (
        entry.partition("=") for entry in env("MARBLEJAR_OIDC_ALLOWED_DOMAINS", "").split(",")
    )
    if domain.strip()
}
# The claim that says the provider verified the address: Entra ID names it
# xms_edov (an optional claim to switch on), most others email_verified.
OIDC_EMAIL_VERIFIED_CLAIM = env("MARBLEJAR_OIDC_EMAIL_VERIFIED_CLAIM", "email_verified")
OIDC_TIMEOUT_SECONDS = env_int("MARBLEJAR_OIDC_TIMEOUT", 10)

# Two-factor sign-in (django-otp). A code is good for 30 seconds, one step
# either side is accepted for clocks that drift; after a wrong code the next
# try waits 1, 2, 4 ... seconds (per device), and a sign-in that collects
# TWO_FACTOR_MAX_TRIES wrong codes starts again from the password.
OTP_TOTP_ISSUER = env("MARBLEJAR_OTP_ISSUER", "Marblejar")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
TWO_FACTOR_MAX_TRIES = env_int("MARBLEJAR_TWO_FACTOR_MAX_TRIES", 5)
TWO_FACTOR_RECOVERY_CODES = 10

INVITATION_DAYS = env_int("MARBLEJAR_INVITATION_DAYS", 7)
# After the first organization, may sign-up create more (one per department,
# or one beside the demo)? Off: people join by invitation or open domain.
NEW_ORGANIZATIONS = env_bool("MARBLEJAR_NEW_ORGANIZATIONS")
# Days a lead has to respond to pulse results before they publish without a response.
PULSE_RESPONSE_DAYS = env_int("MARBLEJAR_PULSE_RESPONSE_DAYS", 7)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("MARBLEJAR_TIME_ZONE", "UTC")
# "1 Dec 2026" and "1 Dec 2026, 14:05" on every page and e-mail (marblejar/lib/dates.py).
FORMAT_MODULE_PATH = ["marblejar.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# `marblejar serve` collects the files here when they change: hashed names,
# gzip and Brotli copies, served ahead of Django (marblejar/lib/staticfiles.py).
STATIC_COLLECT_ROOT = Path(env("MARBLEJAR_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT: Path | None = None  # set by staticfiles.configure once collected
# The project's own files (marblejar/static) live outside any app, and so
# do django-ninja's (see INSTALLED_APPS).
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_DIR / "static"]
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
staticfiles.configure(
    globals(),
    collected=env_bool(staticfiles.SERVED_COLLECTED)
    and staticfiles.is_collected(STATIC_COLLECT_ROOT),
)
# `marblejar collectstatic` run by hand (for a proxy) makes the same files as `serve`.
if env(staticfiles.COLLECTING) or sys.argv[1:2] == ["collectstatic"]:
    STORAGES["staticfiles"] = {"BACKEND": staticfiles.HASHED_STORAGE}
    STATIC_ROOT = STATIC_COLLECT_ROOT
# Only the hashed names are kept (every page links to those); source maps,
# read by developers' tools alone, are not compressed: collecting stays short.
SERVESTATIC_KEEP_ONLY_HASHED_FILES = True
SERVESTATIC_SKIP_COMPRESS_EXTENSIONS = staticfiles.SKIP_COMPRESS
# Before a collection (tests, a checkout run without `serve`), files are
# served from the package through WhiteNoise, unhashed and uncompressed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: printed to the console unless an SMTP host is configured.
SMTP_HOST = env("MARBLEJAR_EMAIL_HOST")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env_int("MARBLEJAR_EMAIL_PORT", 587),
                "username": env("MARBLEJAR_EMAIL_USER"),
                "password": env("MARBLEJAR_EMAIL_PASSWORD"),
                "use_tls": env_bool("MARBLEJAR_EMAIL_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env("MARBLEJAR_EMAIL_FROM", "Marblejar <marblejar@localhost>")

# Security headers. HTTPS-only settings switch on together with MARBLEJAR_HTTPS.
HTTPS = env_bool("MARBLEJAR_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("MARBLEJAR_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Background tasks: stored in the database, run by `marblejar worker`
# (started beside the web process by `marblejar serve`).
TASKS = {
    "default": {
        "BACKEND": env("MARBLEJAR_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Live events: each process tails the events table; Redis pub/sub (when
# configured), PostgreSQL LISTEN/NOTIFY or SQLite's change counter wake it.
REDIS_URL = env("MARBLEJAR_REDIS_URL")
EVENTS_KEEPALIVE_SECONDS = env_int("MARBLEJAR_EVENTS_KEEPALIVE", 15)
# The table is read at least this often even if no wake-up arrives.
EVENTS_CATCHUP_SECONDS = env_int("MARBLEJAR_EVENTS_CATCHUP", 2)
# An open stream asks again whether its reader may read it at most this often.
EVENTS_RECHECK_SECONDS = env_int("MARBLEJAR_EVENTS_RECHECK", 5)
EVENTS_RETENTION_DAYS = env_int("MARBLEJAR_EVENTS_RETENTION_DAYS", 30)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered fragments of pages, kept in this process's memory only, so that
    # what a page shows never leaves the process that drew it. Every key holds
    # a version read from the database by a query the page makes anyway, so a
    # process never serves a fragment another process has made stale.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "marblejar-fragments",
        "TIMEOUT": 3600,
        # A third of them is dropped when all are taken (LocMemCache's culling).
        "OPTIONS": {"MAX_ENTRIES": env_int("MARBLEJAR_FRAGMENTS_MAX", 1000)},
    },
}
if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "marblejar",
    }

LOG_FORMAT = env("MARBLEJAR_LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("MARBLEJAR_LOG_FORMAT is text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line, for a log collector; `extra` fields join it.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("MARBLEJAR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # httpx logs every request's full address at INFO; a chat webhook's
        # address is its credential, so it must not reach the logs.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_CLASS = "marblejar.api.pagination.Pages"

# Language coach: rule ids, categories or literal phrases never to flag here
# (comma-separated), for words that are normal in this organization.
COACH_ALLOW = [p.strip() for p in env("MARBLEJAR_COACH_ALLOW", "").split(",") if p.strip()]

# Outgoing integrations (Slack, Microsoft Teams, webhooks): a team's posts go
# only to public addresses unless this allows private, loopback and link-local
# ones too (a chat server on the company network; the tests' receivers).
INTEGRATIONS_ALLOW_PRIVATE = env_bool("MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE")
# Seconds before the first retry of a failed delivery; each retry waits twice as long.
INTEGRATIONS_RETRY_SECONDS = float(env("MARBLEJAR_INTEGRATIONS_RETRY_SECONDS", "30"))
# How long to wait for an issue tracker's answer, in seconds (docs/integrations.md).
TRACKER_TIMEOUT_SECONDS = env_int("MARBLEJAR_TRACKER_TIMEOUT", 10)
