# ruff: noqa: E501  (one sentence per line keeps them identical to the statistics core's)
"""The statistics core's sentences, marked for translation.

``marblejar.pulse.stats`` keeps its English sentences in one table so that
it stays free of Django; this module repeats them inside ``gettext`` so that
pages show them in the reader's language. A test checks both tables agree.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from marblejar.pulse.stats import Explanation

SENTENCES = {
    "n": _("{n} people answered."),
    "n_one": _("1 person answered."),
    "mean": _(
        "On a scale from {min:g} to {max:g}, the average answer of these {n} people is {mean:.2f}."
    ),
    "mean_one": _("On a scale from {min:g} to {max:g}, the one answer is {mean:.2f}."),
    "mean_unscaled": _("The average score of these {n} people is {mean:.2f}."),
    "percent": _(
        "That is {percent:.0f} out of 100, where 0 is the lowest possible answer and 100 the highest."
    ),
    "sd": _(
        "Answers typically sit {sd:.2f} points away from the average; the larger this is, the more the {n} people differ."
    ),
    "sd_undefined": _("How much answers differ cannot be said from a single answer."),
    "ci": _(
        "Given how much {n} people's answers vary, the team's true average is probably between {low:.2f} and {high:.2f} (95% confidence interval)."
    ),
    "ci_undefined": _("The uncertainty of the average cannot be estimated from one answer."),
    "alpha": _(
        "Cronbach's alpha is {alpha:.2f}: how consistently the {k} questions measure one thing in these {n} people's answers (above 0.7 is usually considered consistent enough; it can be low by chance in small groups)."
    ),
    "alpha_ci": _(
        "With {n} people, alpha is probably between {low:.2f} and {high:.2f} (95% confidence interval)."
    ),
    "alpha_undefined": _(
        "Internal consistency needs at least two questions and two people who answered them differently, so it is not shown."
    ),
    "rwg_j": _(
        "Agreement within the team is {rwg:.2f} on a scale from 0 (no more agreement than random answers) to 1 (everyone answered alike), across {n} people."
    ),
    "rwg_j_undefined": _("Agreement needs at least two people, so it is not shown."),
    "icc1": _(
        "{percent:.0f}% of the differences between people's scores lie between teams rather than within them (ICC1 = {icc1:.3f}, {n} people in {groups} teams)."
    ),
    "icc2": _(
        "Team averages are this reliable at telling teams apart: {icc2:.2f} on a scale from 0 to 1 (ICC2, teams of {k:.1f} people on average)."
    ),
    "icc_undefined": _("Comparing teams needs at least two teams and more people than teams."),
    "trend_up": _(
        "The average rose by {diff:.2f} points ({n_before} people before, {n_after} after); this is larger than its uncertainty (95% CI {low:.2f} to {high:.2f})."
    ),
    "trend_down": _(
        "The average fell by {abs_diff:.2f} points ({n_before} people before, {n_after} after); this is larger than its uncertainty (95% CI {low:.2f} to {high:.2f})."
    ),
    "trend_unclear": _(
        "The average changed by {diff:+.2f} points ({n_before} people before, {n_after} after), which is within its uncertainty (95% CI {low:.2f} to {high:.2f}): no clear change."
    ),
    "trend_undefined": _("A change needs at least two answers in each pulse, so it is not shown."),
    "suppressed": _(
        "Fewer than {min_group_size} people answered, so nothing is shown to keep answers anonymous."
    ),
}


def sentence(explanation: Explanation) -> str:
    """One explanation in the reader's language."""
    message_id = explanation.message_id
    params = dict(explanation.params)
    if params.get("n") == 1 and f"{message_id}_one" in SENTENCES:
        message_id = f"{message_id}_one"
    return str(SENTENCES[message_id]).format(**params)


def sentences(explanations: list[Explanation]) -> list[str]:
    return [sentence(e) for e in explanations]
