"""Prepare the test provider's database: tables, one client application, its people.

Run as ``python -m tests_e2e.oidc_provider.setup CLIENT_ID CLIENT_SECRET REDIRECT_URI...``
with the provider's environment (see ``start_provider``).
"""

import os
import sys

import django


def main(client_id: str, client_secret: str, *redirect_uris: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests_e2e.oidc_provider.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from tests_e2e.oidc_provider.validator import people

    call_command("migrate", verbosity=0, interactive=False)
    for username, person in people().items():
        user = User.objects.create_user(username, person["email"], person["password"])
        user.save()
    Application.objects.create(
        name="Marblejar",
        client_id=client_id,
        client_secret=client_secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
