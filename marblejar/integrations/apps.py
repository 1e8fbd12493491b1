from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "marblejar.integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from marblejar.integrations import (
            rules,  # noqa: F401  (registers who may set integrations up)
            tasks,  # noqa: F401  (registers the delivery task)
        )
        from marblejar.teams.panels import team_page_panel

        team_page_panel("marblejar.integrations.views.team_panel")
