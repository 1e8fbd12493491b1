from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortabilityConfig(AppConfig):
    name = "marblejar.portability"
    verbose_name = _("Data ownership")

    def ready(self) -> None:
        from marblejar.accounts.services import EXPORTERS
        from marblejar.portability import tasks  # noqa: F401  (registers the nightly retention run)
        from marblejar.portability.personal import SECTIONS

        EXPORTERS.update(SECTIONS)
