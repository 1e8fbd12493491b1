from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "marblejar.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from marblejar.notifications import (
            events,  # noqa: F401  (registers event renderers)
            tasks,  # noqa: F401  (registers the weekly digest)
        )
        from marblejar.notifications.signals import connect

        connect()
