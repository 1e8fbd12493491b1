"""Forms for learning reviews. They parse and check shapes; the services decide.

Forms that appear several times on one page (a note form per column, a
question form per theme) take an ``auto_id`` so that every field has its
own id while the field names stay the same.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.lib.edges import validate_year
from marblejar.lib.forms import QUICK_RENDERER, QuickSelect
from marblejar.reviews.models import ActionStatus, FindingKind, Kind, Mode


class BoardForm(forms.Form):
    """A form drawn on the board: its fields are written by :class:`QuickRenderer`.

    The board draws up to eight field groups on every rendering (the
    composer, the add-an-action form, the note forms); the same markup
    written in Python costs a fraction of Django's field templates.
    """

    default_renderer = QUICK_RENDERER


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"


def textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ReviewScheduleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    purpose = forms.CharField(
        label=_("Why we are holding this review"),
        widget=textarea(3),
        help_text=_("Everyone invited reads this before the review starts. No hidden agenda."),
        error_messages={
            "required": _("Say why you are holding this review: everyone invited sees it.")
        },
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        widget=textarea(4),
        help_text=_("What you will do, in order, and how long it will take."),
        error_messages={
            "required": _("Give an agenda: everyone invited sees it before it starts.")
        },
    )
    template = forms.ChoiceField(label=_("Template"))
    mode = forms.ChoiceField(
        label=_("How people take part"), choices=Mode.choices, widget=forms.RadioSelect
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous notes"),
        required=False,
        help_text=_(
            "Nobody sees who wrote a note; once the review closes, nothing stored links a "
            "note to its author."
        ),
    )
    votes_per_person = forms.IntegerField(
        label=_("Votes per person"), min_value=1, max_value=10, initial=3
    )
    scheduled_for = forms.DateTimeField(
        validators=[validate_year], label=_("Starts"), required=False, widget=DateTimeInput()
    )
    open_until = forms.DateTimeField(
        validators=[validate_year],
        label=_("Open until (asynchronous reviews)"),
        required=False,
        widget=DateTimeInput(),
    )

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = templates
        self.fields["mode"].initial = Mode.LIVE


class OpenUntilForm(BoardForm):
    open_until = forms.DateTimeField(
        validators=[validate_year],
        label=_("Open until"),
        widget=DateTimeInput(),
        help_text=_(
            "The review closes on its own then, from whatever phase it is in. "
            "Extend it to give people more time."
        ),
        error_messages={
            "required": _("Give the date and time the review closes."),
            "invalid": _("Give a date and a time, such as 2030-01-31 17:00."),
        },
    )


class IntentForm(forms.Form):
    text = forms.CharField(
        label=_("Our statement of good intent"),
        widget=textarea(6),
        max_length=3000,
        help_text=_("Shown to everyone before each review starts and at the top of the board."),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind of review"), choices=Kind.choices)
    columns = forms.CharField(
        label=_("Columns"),
        widget=textarea(5),
        help_text=_("One per line, as “Title: the question people answer”."),
    )
    timeline = forms.BooleanField(label=_("With a timeline of events"), required=False)


class GoFirstForm(BoardForm):
    part = forms.CharField(
        label=_("My part in what happened"),
        widget=textarea(4),
        max_length=4000,
        help_text=_("What you did or decided, and what you knew at the time."),
    )
    revisit = forms.CharField(
        label=_("A decision I would revisit"),
        widget=textarea(3),
        max_length=4000,
    )


class NoteForm(BoardForm):
    text = forms.CharField(label=_("Your note"), widget=textarea(3), max_length=2000)


class TimelineEventForm(BoardForm):
    happened_at = forms.DateTimeField(
        validators=[validate_year], label=_("Time"), widget=DateTimeInput()
    )
    what = forms.CharField(label=_("What happened"), widget=textarea(2), max_length=2000)
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=200,
        help_text=_("Where this comes from: a log, a chat, someone's memory."),
    )


class ThemeForm(BoardForm):
    title = forms.CharField(label=_("New theme"), max_length=200)


class MoveForm(forms.Form):
    """Where a card goes, on the page that moves it without JavaScript.

    ``to`` is a theme's id, ``new`` (a new theme named after the card) or
    ``column`` (out of its theme, back to its column).
    """

    NEW = "new"
    COLUMN = "column"

    to = forms.ChoiceField(
        label=_("Move this card to"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where the card goes."),
            "invalid_choice": _(
                "That choice is no longer on the board (the themes may have changed): choose again."
            ),
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices


class FindingForm(BoardForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=FindingKind.choices)
    text = forms.CharField(label=_("What we said or found"), widget=textarea(3), max_length=3000)


class QuestionForm(BoardForm):
    text = forms.CharField(label=_("Your question"), widget=textarea(2), max_length=2000)
    intent = forms.CharField(
        label=_("I am asking because…"),
        widget=textarea(2),
        max_length=2000,
        help_text=_("Say what you hope to learn, so that nobody has to guess your intent."),
        error_messages={
            "required": _("Say why you are asking, so that nobody has to guess your intent.")
        },
    )


# The short reasons a question can be asked for; "my own words" takes any other.
INTENT_CHOICES = [
    ("understand", _("to understand what happened")),
    ("made_sense", _("to learn what made sense at the time")),
    ("change", _("to find what we could change")),
    ("check", _("to check that I have understood")),
    ("own", _("in my own words (below)")),
]
COMPOSER_KINDS = [
    ("question", _("A question")),
    ("finding", _("A finding")),
    ("factor", _("A contributing factor")),
    ("discussion", _("A discussion note")),
]


class DiscussForm(BoardForm):
    """The discussion's single composer: a question with its intent, or a finding."""

    kind = forms.ChoiceField(
        label=_("What are you adding?"),
        choices=COMPOSER_KINDS,
        initial="question",
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your words"),
        # Kept as typed when the spotlight moves and the theme reloads around it.
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
        max_length=3000,
        error_messages={"required": _("Write something first.")},
    )
    intent_choice = forms.ChoiceField(
        label=_("I am asking because…"),
        choices=[("", _("Choose why you are asking")), *INTENT_CHOICES],
        required=False,
        widget=QuickSelect,
    )
    intent_own = forms.CharField(
        label=_("Why you are asking, in your own words"),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args: Any, keep_typed: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not keep_typed:
            # Once what was typed has been added, the composer comes back empty: without
            # hx-preserve the swap takes this empty field instead of the one on the page.
            self.fields["text"].widget.attrs.pop("hx-preserve", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") != "question":
            return data
        choice = data.get("intent_choice") or ""
        own = (data.get("intent_own") or "").strip()
        labels = dict(INTENT_CHOICES)
        if choice == "own" or (not choice and own):
            data["intent"] = own
        elif choice:
            data["intent"] = str(labels[choice])
        else:
            data["intent"] = ""
        if not data["intent"]:
            self.add_error(
                "intent_choice",
                _(
                    "Say why you are asking: pick a reason or write your own, so that "
                    "nobody has to guess your intent and nobody feels put on the spot."
                ),
            )
        return data


class AnswerForm(BoardForm):
    # Kept as typed when someone else's change reloads the list around it.
    answer = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
        max_length=3000,
    )


class ActionForm(BoardForm):
    title = forms.CharField(label=_("What we will do"), max_length=200)
    # Every member of the team: written by QuickSelect, not by a template per option.
    owner = forms.TypedChoiceField(
        label=_("Owner"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    due_on = forms.DateField(validators=[validate_year], label=_("Due"), widget=DateInput())
    expected_effect = forms.CharField(
        label=_("We will know it worked when…"),
        widget=textarea(2),
        max_length=2000,
        error_messages={"required": _("Say how you will know it worked.")},
    )
    check_on = forms.DateField(
        validators=[validate_year],
        label=_("Check on"),
        widget=DateInput(),
        help_text=_("The day we look at whether it had the effect we expected."),
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("The whole team")), *people]


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    note = forms.CharField(label=_("What happened"), required=False, max_length=2000)


class ValueForm(forms.Form):
    value = forms.IntegerField(min_value=1, max_value=5)
