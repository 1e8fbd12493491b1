from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.lib.edges import validate_year
from marblejar.pulse.models import COMMENT_MAX_LENGTH, Cadence, Pulse
from marblejar.pulse.stats import MIN_GROUP_SIZE_FLOOR

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
INSTRUMENT_ROWS = 10


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_FORMAT)


class ScheduleForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"))
    opens_at = forms.DateTimeField(
        validators=[validate_year],
        label=_("Opens"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT],
    )
    closes_at = forms.DateTimeField(
        validators=[validate_year],
        label=_("Closes"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT],
        help_text=_("Results go to you first when it closes."),
    )
    cadence = forms.ChoiceField(label=_("Repeat"), choices=Cadence.choices, initial=Cadence.ONCE)
    min_group_size = forms.IntegerField(
        label=_("Show results only from this many people"),
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=50,
        help_text=_("Below this, nothing is shown to anyone. Your organization sets the lowest."),
    )
    min_comment_group_size = forms.IntegerField(
        label=_("Show comments only from this many people"),
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=50,
    )

    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instruments


class AnswerForm(forms.Form):
    """One radio group per item, and an optional comment when the instrument asks for one."""

    def __init__(self, *args: Any, pulse: Pulse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, _high = pulse.scale
        choices = [(str(low + i), label) for i, label in enumerate(pulse.scale_labels)]
        for item in pulse.items:
            self.fields[item["key"]] = forms.ChoiceField(
                label=item["text"],
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )
        if pulse.asks_comment:
            self.fields["comment"] = forms.CharField(
                label=_("Anything you want to add? (optional)"),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_(
                    "Shown to the team, in random order, only if enough people answer. "
                    "Leave out anything that would tell who wrote it."
                ),
            )
        self.item_keys = [item["key"] for item in pulse.items]

    def likert_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in self.item_keys]

    def comment_field(self) -> forms.BoundField | None:
        return self["comment"] if "comment" in self.fields else None


class ResponseForm(forms.Form):
    heard = forms.CharField(
        label=_("What I hear in these results"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    plan = forms.CharField(
        label=_("What I will do"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class InstrumentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(
        label=_("What it measures"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scale_points = forms.IntegerField(
        label=_("Number of answer options"), min_value=3, max_value=9, initial=5
    )
    low_label = forms.CharField(
        label=_("Lowest answer means"), max_length=60, initial=_("Strongly disagree")
    )
    high_label = forms.CharField(
        label=_("Highest answer means"), max_length=60, initial=_("Strongly agree")
    )
    allow_comment = forms.BooleanField(
        label=_("Ask for an optional comment"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, INSTRUMENT_ROWS + 1):
            self.fields[f"item_{n}"] = forms.CharField(
                label=_("Question %d") % n, required=False, max_length=300
            )
            self.fields[f"reverse_{n}"] = forms.BooleanField(
                label=_("Reverse-keyed: agreeing means less of what this measures"),
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(f"item_{n}", "").strip() for n in range(1, INSTRUMENT_ROWS + 1)):
            self.add_error("item_1", _("Write at least one question."))
        return data

    def item_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"item_{n}"], self[f"reverse_{n}"]) for n in range(1, INSTRUMENT_ROWS + 1)]

    def general_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "name",
                "description",
                "scale_points",
                "low_label",
                "high_label",
                "allow_comment",
            )
        ]

    def items(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {"text": data[f"item_{n}"], "reverse": data[f"reverse_{n}"]}
            for n in range(1, INSTRUMENT_ROWS + 1)
            if data.get(f"item_{n}", "").strip()
        ]


class PulseSettingsForm(forms.Form):
    min_group_size = forms.IntegerField(
        label=_("Show pulse results only from this many people"),
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=50,
        help_text=_("Applies to every team and the organization overview. Never below 3."),
    )
    min_comment_group_size = forms.IntegerField(
        label=_("Show comments only from this many people"),
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=50,
    )
