from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "marblejar.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from marblejar.accounts import two_factor

        two_factor.connect_signals()
