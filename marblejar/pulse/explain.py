"""The statistics' sentences in the reader's language.

The sentences are defined once, in :mod:`marblejar.pulse.stats.messages`,
marked there with ``gettext_noop`` (the statistics core stays free of
Django); this module passes them through ``gettext`` when a page shows them.
"""

from __future__ import annotations

from django.utils.translation import gettext

from marblejar.pulse.stats.messages import MESSAGES, Explanation, message_key


def sentence(explanation: Explanation) -> str:
    """One explanation in the reader's language."""
    params = dict(explanation.params)
    return gettext(MESSAGES[message_key(explanation.message_id, params)]).format(**params)


def sentences(explanations: list[Explanation]) -> list[str]:
    return [sentence(e) for e in explanations]
