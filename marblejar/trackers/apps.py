from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackersConfig(AppConfig):
    name = "marblejar.trackers"
    verbose_name = _("Issue trackers")

    def ready(self) -> None:
        from marblejar.reviews.extensions import action_extension
        from marblejar.teams.panels import team_page_panel
        from marblejar.trackers import (
            rules,  # noqa: F401  (registers who may connect trackers and create issues)
            tasks,  # noqa: F401  (registers the scheduled check of linked issues)
        )
        from marblejar.trackers.selectors import action_issue_extension

        action_extension(action_issue_extension)
        team_page_panel("marblejar.trackers.views.team_panel")
