from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.teams.models import Role


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=80)
    description = forms.CharField(
        label=_("What this team does"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Leave empty to get a link you can share yourself."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role)
