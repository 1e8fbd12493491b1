from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.integrations.events import EVENTS
from marblejar.integrations.models import Kind


def event_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, info in EVENTS.items():
        groups.setdefault(str(info.group), []).append((key, str(info.label)))
    return list(groups.items())


class IntegrationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Where to post"), choices=Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For you and your co-leads, such as the channel it posts to."),
    )
    url = forms.CharField(
        label=_("Webhook address"),
        max_length=2000,
        help_text=_(
            "Slack: the incoming webhook's URL. Microsoft Teams: the URL of the workflow "
            "“Post to a channel when a webhook request is received”. Kept encrypted; "
            "shown again only as its host and last four characters."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label=_("What to post"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices()
        if editing:
            del self.fields["kind"]
            self.fields["url"].required = False
            self.fields["url"].label = _("New webhook address")
            self.fields["url"].help_text = _("Leave empty to keep the current address.")
