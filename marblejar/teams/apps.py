from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "marblejar.teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        from marblejar.teams import (
            events,  # noqa: F401  (registers event renderers)
            rules,  # noqa: F401  (registers who may do what to organizations and teams)
        )
        from marblejar.teams.navigation import organization_link
        from marblejar.teams.signals import connect

        connect()

        organization_link(
            url_name="teams:organization",
            label=_("People and settings"),
            action="org.manage",
            order=40,
        )
