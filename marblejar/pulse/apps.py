from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PulseConfig(AppConfig):
    name = "marblejar.pulse"
    verbose_name = _("Pulse surveys")

    def ready(self) -> None:
        from marblejar.pulse import (
            events,  # noqa: F401  (registers event renderers)
            locks,  # noqa: F401  (deleting a pulse waits for stores of results)
            rules,  # noqa: F401  (registers who may do what to pulses)
        )
        from marblejar.teams.navigation import organization_link
        from marblejar.teams.panels import team_page_panel

        team_page_panel("marblejar.pulse.panels.team_panel")
        from marblejar.pulse.services import pulses_overdue, pulses_overdue_key
        from marblejar.teams.selectors import due_check

        due_check("pulses_due", pulses_overdue, key=pulses_overdue_key)
        organization_link(
            url_name="pulse:overview",
            label=_("Pulses across teams"),
            action="pulse.overview",
            order=30,
        )
