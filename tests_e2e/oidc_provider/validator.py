"""The claims the test provider puts in its ID tokens: address, whether it is verified, name."""

import json
import os
from pathlib import Path

from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict:
    return json.loads(Path(os.environ["OIDC_PROVIDER_PEOPLE"]).read_text())


class Validator(OAuth2Validator):
    def get_additional_claims(self, request):
        person = people()[request.user.username]
        return {
            "email": person["email"],
            "email_verified": person["email_verified"],
            "name": person["name"],
        }
