from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "marblejar.realtime"
    verbose_name = _("Real-time events")

    def ready(self) -> None:
        from marblejar.realtime import access

        access.connect()
