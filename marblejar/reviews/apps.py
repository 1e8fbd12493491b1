from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "marblejar.reviews"
    verbose_name = _("Learning reviews")

    def ready(self) -> None:
        from marblejar.accounts.services import EXPORTERS
        from marblejar.reviews import (
            events,  # noqa: F401  (registers event renderers)
            rules,  # noqa: F401  (registers who may do what to reviews and actions)
            tasks_actions,  # noqa: F401  (registers the nightly action reminders)
        )
        from marblejar.reviews.selectors import review_export_for_user
        from marblejar.teams.panels import team_page_panel

        team_page_panel("marblejar.reviews.views.team_panel")
        from marblejar.reviews.services.lifecycle import reviews_overdue
        from marblejar.teams.selectors import due_check

        due_check("reviews_due", reviews_overdue)
        EXPORTERS["learning_reviews"] = review_export_for_user
