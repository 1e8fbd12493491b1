from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReflectionsConfig(AppConfig):
    name = "marblejar.reflections"
    verbose_name = _("Reflections")

    def ready(self) -> None:
        from marblejar.accounts.services import EXPORTERS
        from marblejar.reflections import (
            events,  # noqa: F401  (registers event renderers)
            rules,  # noqa: F401  (registers who may do what to reflections)
        )
        from marblejar.reflections.selectors import reflections_export_for_user
        from marblejar.teams.navigation import organization_link
        from marblejar.teams.panels import team_page_panel

        team_page_panel("marblejar.reflections.views.team_panel")
        organization_link(
            url_name="reflections:organization_list",
            label=_("Reflections"),
            action="org.view",
            order=10,
        )
        EXPORTERS["reflections"] = reflections_export_for_user
