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
    text = forms.CharField(
        label=_("What felt disrespectful?"),
        help_text=_(
            "Your name is not stored with this, nor the time: only the day. It reaches the "
            "leads tomorrow, together with any other reports of today. The leads read it; the "
            "team sees only that a crack was reported that day, and when it was acknowledged."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    share_text = forms.BooleanField(
        label=_("Let the whole team read what I wrote"),
        required=False,
    )

    def __init__(self, *args: Any, text_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not text_required:
            self.fields["text"].label = _("What felt disrespectful? (optional)")


class AcknowledgeForm(forms.Form):
    response = forms.CharField(
        label=_("What will you do? (optional)"),
        help_text=_("The team sees this next to the crack."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
