from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import User
from marblejar.teams.models import Team


class MarbleForm(forms.Form):
    description = forms.CharField(
        label=_("What happened?"),
        help_text=_(
            "Who took a risk, and how was it met? For example: “Sam said in stand-up he was "
            "stuck and asked for help; Kim paired with him.”"
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        # The service checks emptiness and length, so the form keeps what was typed
        # and shows the service's message next to the field.
        required=False,
    )
    named_user = forms.ModelChoiceField(
        label=_("Who took the risk? (optional)"),
        help_text=_("They are told about the marble and can take it out if they prefer."),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["named_user"].queryset = User.objects.filter(
            memberships__team=team, is_active=True
        ).order_by("display_name")


class CrackForm(forms.Form):
    """A crack's report, with exactly what is kept and shown next to the text box.

    A crack keeps the day it was reported and shows it, so that everyone can
    see how long it waited for its acknowledgement; never the time of day.
    The promise says so, since on a quiet day the day alone may narrow down
    who was around.
    """

    text = forms.CharField(
        label=_("What felt disrespectful?"),
        help_text=_(
            "Your name is not stored with this report, nor the time of day: only the day you "
            "report it, which everyone who sees the team's cracks sees next to it. It reaches "
            "the team's leads tomorrow, together with any other reports of today; they read what "
            "you write, the rest of the team only if you tick the box below."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    share_text = forms.BooleanField(
        label=_("Let the whole team read what I wrote"),
        required=False,
    )

    def __init__(
        self, *args: Any, text_required: bool = True, organization_wide: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not text_required:
            self.fields["text"].label = _("What felt disrespectful? (optional)")
        if organization_wide:
            self.fields["text"].help_text = _(
                "Your name is not stored with this report, nor the time of day: only the day you "
                "report it, which everyone in the organization sees next to it. It reaches the "
                "organization admins tomorrow, together with any other reports of today; they "
                "read what you write, everyone else only if you tick the box below."
            )
            self.fields["share_text"].label = _(
                "Let everyone in the organization read what I wrote"
            )


class AcknowledgeForm(forms.Form):
    response = forms.CharField(
        label=_("What will you do? (optional)"),
        help_text=_("The team sees this next to the crack."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
