from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.trackers.models import Kind

HELP = {
    Kind.GITHUB: {
        "base_url": _(
            "Leave as it is for github.com. GitHub Enterprise Server: "
            "https://github.example.com/api/v3."
        ),
        "project": _("The repository, as owner/name."),
        "token": _(
            "A fine-grained personal access token for this repository with “Issues: Read and "
            "write”. Kept sealed, never shown again."
        ),
    },
    Kind.GITLAB: {
        "base_url": _("Leave as it is for gitlab.com, or give your own GitLab's address."),
        "project": _("The project's id (a number) or path, like acme/platform."),
        "token": _(
            "A project access token with the scope “api” and at least the Reporter role. "
            "Kept sealed, never shown again."
        ),
    },
    Kind.JIRA: {
        "base_url": _("Your site, like https://acme.atlassian.net."),
        "project": _("The project's key, like PLAT."),
        "token": _(
            "An API token made at id.atlassian.com for the account below. Kept sealed, never "
            "shown again."
        ),
    },
}

PROJECT_LABEL = {
    Kind.GITHUB: _("Repository"),
    Kind.GITLAB: _("Project"),
    Kind.JIRA: _("Project key"),
}
BASE_LABEL = {
    Kind.GITHUB: _("API address"),
    Kind.GITLAB: _("GitLab address"),
    Kind.JIRA: _("Jira site"),
}


class ConnectForm(forms.Form):
    """Shapes what is typed; what it must say is the service's to check (all errors at once)."""

    base_url = forms.CharField(max_length=300, required=False)
    project = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(label=_("Account e-mail"), max_length=254, required=False)
    issue_type = forms.CharField(
        label=_("Issue type"),
        max_length=60,
        required=False,
        help_text=_("The type new issues get, as Jira names it: Task, Story, Bug…"),
    )
    token = forms.CharField(
        label=_("Token"),
        max_length=1000,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        from marblejar.trackers.models import DEFAULT_BASE_URL

        kwargs.setdefault("auto_id", f"{kind}-%s")
        kwargs.setdefault("initial", {"base_url": DEFAULT_BASE_URL[Kind(kind)]})
        super().__init__(*args, **kwargs)
        self.kind = kind
        kind = Kind(kind)
        self.fields["base_url"].label = BASE_LABEL[kind]
        self.fields["project"].label = PROJECT_LABEL[kind]
        for name, text in HELP[kind].items():
            self.fields[name].help_text = text
        if kind == Kind.JIRA:
            self.fields["issue_type"].initial = "Task"
        else:
            del self.fields["email"]
            del self.fields["issue_type"]
        self.fields["base_url"].widget.attrs["inputmode"] = "url"
        self.fields["token"].widget.attrs["autocomplete"] = "off"
        self.fields["project"].widget.attrs["autocomplete"] = "off"


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("New token"), max_length=1000, widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args: Any, prefix_id: str = "token", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)
        self.fields["token"].widget.attrs["autocomplete"] = "off"
