"""`marblejar check`: is this installation safe and able to run?"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str
    critical: bool = True


def run_checks() -> list[Result]:
    from marblejar.views import check_database, check_redis

    results = [
        Result(
            "secret key",
            not settings.SECRET_KEY_IS_GENERATED and len(settings.SECRET_KEY) >= 40,
            "MARBLEJAR_SECRET_KEY is set"
            if not settings.SECRET_KEY_IS_GENERATED
            else f"generated and kept in {settings.KEY_DIR} (outside the data folder); set "
            "MARBLEJAR_SECRET_KEY (50+ random characters) in production, and keep it out of "
            "database backups",
        ),
        Result(
            "debug off",
            not settings.DEBUG,
            "MARBLEJAR_DEBUG is off"
            if not settings.DEBUG
            else "turn MARBLEJAR_DEBUG off in production",
        ),
        Result(
            "HTTPS",
            settings.HTTPS,
            "secure cookies and HSTS are on"
            if settings.HTTPS
            else "set MARBLEJAR_HTTPS=1 behind a TLS-terminating proxy (secure cookies, HSTS)",
        ),
        Result(
            "trusted proxies",
            bool(settings.TRUSTED_PROXIES) or not settings.HTTPS,
            "X-Forwarded-For is believed from " + ", ".join(settings.TRUSTED_PROXIES)
            if settings.TRUSTED_PROXIES
            else (
                "behind a proxy, name it in MARBLEJAR_TRUSTED_PROXIES: until then everyone "
                "shares its address, and one person's failed log-ins lock others out"
                if settings.HTTPS
                else "none: every client's own address counts"
            ),
            critical=False,
        ),
        Result(
            "allowed hosts",
            "*" not in settings.ALLOWED_HOSTS,
            ", ".join(settings.ALLOWED_HOSTS)
            if "*" not in settings.ALLOWED_HOSTS
            else "MARBLEJAR_ALLOWED_HOSTS accepts any host name; list yours",
            critical=False,
        ),
        Result(
            "e-mail",
            bool(settings.SMTP_HOST),
            f"SMTP via {settings.SMTP_HOST}"
            if settings.SMTP_HOST
            else "e-mail is printed to the console; set MARBLEJAR_EMAIL_HOST to send it",
            critical=False,
        ),
    ]
    db_ok, db_detail = check_database()
    results.append(Result("database", db_ok, f"reachable ({db_detail})" if db_ok else db_detail))
    redis_result = check_redis()
    if redis_result is None:
        results.append(
            Result(
                "Redis", True, "not configured: events fan out in this process only", critical=False
            )
        )
    else:
        results.append(
            Result("Redis", redis_result[0], "reachable" if redis_result[0] else redis_result[1])
        )
    results.append(check_single_sign_on())
    return results


def check_single_sign_on() -> Result:
    """Can Marblejar read the identity provider's discovery document?"""
    from marblejar.accounts import sso

    if not sso.is_configured():
        return Result("single sign-on", True, "not configured", critical=False)
    try:
        metadata = sso.client().load_server_metadata()
    except Exception as e:  # any failure to reach or read it is the answer here
        return Result(
            "single sign-on",
            False,
            f"cannot read {settings.OIDC_DISCOVERY_URL}: {e}",
            critical=False,
        )
    callback = settings.SITE_URL + "/login/sso/callback/"
    return Result(
        "single sign-on",
        True,
        f"{sso.provider_name()}: issuer {metadata.get('issuer')}; register the redirect URI "
        f"{callback}",
        critical=False,
    )
