# ruff: noqa: E501  (one sentence per line: translators and reviewers read them whole)
"""Every sentence the statistics say about themselves, defined once.

Each number explains itself in one plain sentence that says what it means
and how many people it rests on (PRODUCT principle 3). The sentences live
here and nowhere else: the web app translates them (``marblejar.pulse.explain``
passes them through ``gettext``), ``marblejar analyze`` prints them in
English, and the tests read them from this table.

They are marked with :func:`gettext_noop`, the name Django's
``makemessages`` extracts, so that this module stays free of Django.
Parameters are named so that a translation can reorder them. A key ending in
``_one`` is used instead of its plain form when ``n == 1``, the only plural
form English needs here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation; the web app translates it when it shows it."""
    return message


MESSAGES: dict[str, str] = {
    # The whole set, as "How these numbers are computed" shows it.
    "n": gettext_noop("{n} people answered."),
    "n_one": gettext_noop("1 person answered."),
    "mean": gettext_noop(
        "On a scale from {min:g} to {max:g}, the average answer of these {n} people is {mean:.2f}."
    ),
    "mean_one": gettext_noop("On a scale from {min:g} to {max:g}, the one answer is {mean:.2f}."),
    "mean_unscaled": gettext_noop("The average score of these {n} people is {mean:.2f}."),
    "percent": gettext_noop(
        "That is {percent:.0f} out of 100, where 0 is the lowest possible answer and 100 the highest."
    ),
    "sd": gettext_noop(
        "Answers typically sit {sd:.2f} points away from the average; the larger this is, the more the {n} people differ."
    ),
    "sd_undefined": gettext_noop("How much answers differ cannot be said from a single answer."),
    "ci": gettext_noop(
        "Given how much {n} people's answers vary, the team's true average is probably between {low:.2f} and {high:.2f} (95% confidence interval)."
    ),
    "ci_undefined": gettext_noop(
        "The uncertainty of the average cannot be estimated from one answer."
    ),
    "alpha": gettext_noop(
        "Cronbach's alpha is {alpha:.2f}: how consistently the {k} questions measure one thing in these {n} people's answers (above 0.7 is usually considered consistent enough; it can be low by chance in small groups)."
    ),
    "alpha_ci": gettext_noop(
        "With {n} people, alpha is probably between {low:.2f} and {high:.2f} (95% confidence interval)."
    ),
    "alpha_undefined": gettext_noop(
        "Internal consistency needs at least two questions and two people who answered them differently, so it is not shown."
    ),
    "alpha_too_few": gettext_noop(
        "With {n} people, Cronbach's alpha (how consistently the statements measure one thing) swings too much by chance to mean anything, so it is shown from {min_n} people on."
    ),
    "rwg_j": gettext_noop(
        "Agreement within the team is {rwg:.2f} on a scale from 0 (no more agreement than random answers) to 1 (everyone answered alike), across {n} people."
    ),
    "rwg_j_undefined": gettext_noop("Agreement needs at least two people, so it is not shown."),
    "icc1": gettext_noop(
        "{percent:.0f}% of the differences between people's scores lie between teams rather than within them (ICC1 = {icc1:.3f}, {n} people in {groups} teams)."
    ),
    "icc2": gettext_noop(
        "Team averages are this reliable at telling teams apart: {icc2:.2f} on a scale from 0 to 1 (ICC2, teams of {k:.1f} people on average)."
    ),
    "icc_undefined": gettext_noop(
        "Comparing teams needs at least two teams and more people than teams."
    ),
    "trend_up": gettext_noop(
        "The average rose by {diff:.2f} points ({n_before} people before, {n_after} after); this is larger than its uncertainty (95% CI {low:.2f} to {high:.2f})."
    ),
    "trend_down": gettext_noop(
        "The average fell by {abs_diff:.2f} points ({n_before} people before, {n_after} after); this is larger than its uncertainty (95% CI {low:.2f} to {high:.2f})."
    ),
    "trend_unclear": gettext_noop(
        "The average changed by {diff:+.2f} points ({n_before} people before, {n_after} after), which is within its uncertainty (95% CI {low:.2f} to {high:.2f}): no clear change."
    ),
    "trend_undefined": gettext_noop(
        "A change needs at least two answers in each pulse, so it is not shown."
    ),
    "suppressed": gettext_noop(
        "Fewer than {min_group_size} people answered, so nothing is shown to keep answers anonymous."
    ),
    # The headline: the change since the last pulse with results, in words.
    "change_up": gettext_noop(
        "Up {abs_diff:.1f} since {since}: larger than its uncertainty, so most likely a real rise."
    ),
    "change_down": gettext_noop(
        "Down {abs_diff:.1f} since {since}: larger than its uncertainty, so most likely a real fall."
    ),
    "change_unclear": gettext_noop(
        "{diff:+.1f} since {since}: within its uncertainty, so no clear change."
    ),
    "change_undefined": gettext_noop(
        "A change since {since} cannot be told: it needs at least two answers in each pulse."
    ),
    "score_range": gettext_noop(
        "Probably between {low:.1f} and {high:.1f}, given how much {n} people's answers vary."
    ),
    "change_first": gettext_noop(
        "The first pulse of this kind with results to show: the next one will show the change."
    ),
    "history": gettext_noop(
        "From {first:.1f} on {first_day} to {last:.1f} on {last_day}, across {count} pulses with results."
    ),
    # Agreement in words, after the bands of LeBreton & Senter (2008).
    "agreement_very_strong": gettext_noop(
        "Very strong agreement: people answered almost alike, so the average speaks for nearly everyone."
    ),
    "agreement_strong": gettext_noop("Strong agreement: most people see it the same way."),
    "agreement_moderate": gettext_noop(
        "Moderate agreement: people see it somewhat differently; read the average with the spread below."
    ),
    "agreement_weak": gettext_noop(
        "Weak agreement: people see it quite differently, so the average hides real differences."
    ),
    "agreement_none": gettext_noop(
        "No real agreement: answers are about as spread as random ones, so the average says little about the team."
    ),
}


def explain(message_id: str, /, **params: object) -> str:
    """Return the English sentence for ``message_id`` filled with ``params``.

    If ``params`` has ``n == 1`` and a ``<message_id>_one`` sentence exists, that
    one is used. Unknown ids raise ``KeyError`` so that a typo fails loudly.
    """
    return MESSAGES[message_key(message_id, params)].format(**params)


def message_key(message_id: str, params: Mapping[str, object]) -> str:
    """The key of the sentence to use: the ``_one`` form when ``n == 1`` and there is one."""
    if params.get("n") == 1 and f"{message_id}_one" in MESSAGES:
        return f"{message_id}_one"
    return message_id


@dataclass(frozen=True)
class Explanation:
    """A message id with its parameters: translatable later, readable now."""

    message_id: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return explain(self.message_id, **self.params)
