"""Forms of the action list and an action's page. They parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.lib.forms import QUICK_RENDERER
from marblejar.reviews.forms import ActionForm, textarea
from marblejar.reviews.models import ActionStatus, CheckResult
from marblejar.reviews.selectors_actions import SORTS, ActionFilter

SORT_LABELS = {
    "status": _("Still to do first"),
    "due": _("Due date"),
    "check": _("Check date"),
    "created": _("Newest first"),
}


class ActionFilterForm(forms.Form):
    """The list's filters, read from the address so that a filtered list can be shared."""

    # Its selects list every review with actions and every person: written in
    # Python, not through one template per option (see marblejar/lib/forms.py).
    default_renderer = QUICK_RENDERER

    status = forms.ChoiceField(label=_("Status"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    review = forms.ChoiceField(label=_("From"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[(s, SORT_LABELS[s]) for s in SORTS]
    )

    def __init__(
        self,
        *args: Any,
        people: list[tuple[int, str]],
        reviews: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *ActionStatus.choices]
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            ("team", _("The whole team")),
            *[(str(pk), name) for pk, name in people],
        ]
        self.fields["review"].choices = [
            ("", _("Any review")),
            ("hand", _("Added by hand")),
            *[(str(pk), title) for pk, title in reviews],
        ]

    def filters(self) -> ActionFilter:
        data = self.cleaned_data
        return ActionFilter(
            status=data.get("status") or "",
            owner=data.get("owner") or "",
            overdue=bool(data.get("overdue")),
            review=data.get("review") or "",
            sort=data.get("sort") or SORTS[0],
        )


class ActionEditForm(ActionForm):
    """What an action says, its owner and dates: the same fields as in a review."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The services' words, so that a missing field reads the same everywhere.
        for name, message in (
            ("title", _("Say what you will do.")),
            ("due_on", _("Give a due date.")),
            ("check_on", _("Give a date to check whether it worked.")),
        ):
            self.fields[name].error_messages["required"] = message


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    note = forms.CharField(
        label=_("What happened, or why it is dropped"),
        required=False,
        max_length=2000,
        widget=textarea(2),
        help_text=_("Needed when you drop it: the next review will want to know why."),
    )


class ActionCheckForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Did it have the effect we expected?"),
        choices=CheckResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes, partly, no or too early to tell.")},
    )
    note = forms.CharField(
        label=_("What we saw"),
        required=False,
        max_length=2000,
        widget=textarea(2),
        help_text=_("Too early to tell? We ask again in four weeks."),
    )
