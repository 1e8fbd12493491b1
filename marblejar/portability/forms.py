from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marblejar.portability.models import RETENTION_MAX_DAYS, RETENTION_MIN_DAYS


class RetentionForm(forms.Form):
    closed_reviews_days = forms.IntegerField(
        label=_("Delete learning reviews this many days after they close"),
        required=False,
        min_value=RETENTION_MIN_DAYS,
        max_value=RETENTION_MAX_DAYS,
        help_text=_("Leave empty to keep them. Their improvement actions stay."),
    )
    pulses_days = forms.IntegerField(
        label=_("Delete pulses this many days after they close"),
        required=False,
        min_value=RETENTION_MIN_DAYS,
        max_value=RETENTION_MAX_DAYS,
        help_text=_("Leave empty to keep them. Their results and comments go with them."),
    )
