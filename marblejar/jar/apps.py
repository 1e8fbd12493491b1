from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JarConfig(AppConfig):
    name = "marblejar.jar"
    verbose_name = _("Marble jar")

    def ready(self) -> None:
        from marblejar.accounts.services import EXPORTERS
        from marblejar.jar import (
            events,  # noqa: F401  (registers event renderers)
            rules,  # noqa: F401  (registers who may do what to the jar and cracks)
            tasks,  # noqa: F401  (registers the nightly release)
        )
        from marblejar.jar.selectors import jar_export_for_user
        from marblejar.teams.navigation import organization_link
        from marblejar.teams.panels import team_page_panel

        team_page_panel("marblejar.jar.views.team_panel")
        # Everyone may report about what was shared organization-wide; the admins acknowledge.
        organization_link(
            url_name="jar:organization_cracks", label=_("Cracks"), action="org.view", order=20
        )
        EXPORTERS["marble_jar"] = jar_export_for_user
