from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "marblejar.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from marblejar.insights import rules  # noqa: F401  (registers who may read insights)
        from marblejar.teams.navigation import organization_link

        organization_link(
            url_name="insights:organization",
            label=_("Insights across teams"),
            action="insights.organization",
            order=40,
        )
