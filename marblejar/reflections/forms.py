"""Forms only parse input; the services validate it, so that the web and the API
give the same messages. Long texts are not length-limited here: a paste that
is too long is kept and explained, not cut off by the browser.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import User
from marblejar.lib.edges import validate_year
from marblejar.reflections.models import Kind

TEXTAREA = {"rows": 5}

LABELS = {
    "title": _("Title"),
    "what_happened": _("What happened"),
    "correction": _("What I did to correct it"),
    "learned": _("What I learned"),
    "next_try": _("What I would try next"),
    "skill": _("The skill I am practising"),
}
BODY_LABELS = {
    Kind.LESSON: _("The lesson"),
    Kind.LEARNING: _("Where I am with it, and what I find hard"),
    Kind.HELP: _("What I need help with"),
    Kind.UPDATE: _("Your update"),
}
HELP = {
    "what_happened": _("Facts, in the order they happened. Markdown works."),
    "correction": _("What you did once you noticed. Others learn a lot from this part."),
    "skill": _("For example: “writing SQL window functions”, “facilitating a retrospective”."),
    "tags": _("Separate with commas, for example: deploys, on-call."),
}
FIELDS_OF_KIND = {
    Kind.MISTAKE: ["title", "what_happened", "correction", "learned", "next_try"],
    Kind.LESSON: ["title", "body"],
    Kind.LEARNING: ["title", "skill", "body"],
    Kind.HELP: ["title", "body"],
}
LONG_FIELDS = {"body", "what_happened", "correction", "learned", "next_try"}


class ReflectionForm(forms.Form):
    """The fields a reflection of ``kind`` asks for, plus its audience when it is new."""

    def __init__(
        self,
        *args: Any,
        kind: str,
        audiences: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if audiences is not None:
            self.fields["audience"] = forms.ChoiceField(
                label=_("Who is it for?"),
                choices=audiences,
                required=False,
            )
        for name in FIELDS_OF_KIND[Kind(kind)]:
            label = BODY_LABELS.get(Kind(kind), _("Text")) if name == "body" else LABELS[name]
            widget = forms.Textarea(attrs=TEXTAREA) if name in LONG_FIELDS else None
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=widget, help_text=HELP.get(name, "")
            )
        self.fields["tags"] = forms.CharField(
            label=_("Tags"), required=False, help_text=HELP["tags"]
        )

    @property
    def long_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name in LONG_FIELDS]

    def text_values(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(name, "")
            for name in self.fields
            if name not in ("audience",)
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    offers_help = forms.BooleanField(
        label=_("This is an offer of help"),
        required=False,
    )


class PracticeForm(forms.Form):
    practised_on = forms.DateField(
        validators=[validate_year],
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)
    hard = forms.CharField(
        label=_("What was hard"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UpdateForm(forms.Form):
    body = forms.CharField(
        label=_("Your update"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How it is going: what got easier, what is still hard."),
    )


class SendForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label=_("Send to"), queryset=User.objects.none(), empty_label=_("Choose a teammate")
    )
    note = forms.CharField(
        label=_("A note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = people
