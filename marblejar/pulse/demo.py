"""Six months of pulses for the demo organization, seeded through the services.

Platform runs the psychological-safety pulse every month. Each pulse is
scheduled, answered, closed and responded to by the same services the app
uses, with the clock set to when it happened, and with the people in the
team before it opens (so each one counts them, as a real one would). The
story: safety is middling in spring, one month too few people answer for
anything to be shown, and it rises as Ada goes first; asking for help stays
the lowest. The newest pulse closed ten days ago and its results are
published with Ada's response; the next one is scheduled.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from marblejar.pulse import services
from marblejar.pulse.models import Cadence, Pulse
from marblejar.teams.models import Team

# Each month's level of safety (1-7) and who answered; the lead responds after two days.
MONTHS: list[dict[str, Any]] = [
    {
        "level": 4.2,
        "answer": ["ada", "ben", "chloe", "dev", "ines", "jonas"],
        "heard": "Several of you do not feel safe to admit a mistake here, and some feel "
        "left out. That is hard to read, and I am glad you said it.",
        "plan": "I will go first: I will write up my own mistakes, starting with the TLS "
        "rollout, and ask for your help in the open when I am stuck.",
    },
    {
        "level": 4.3,
        "answer": ["ada", "ben", "chloe", "dev", "jonas"],
        "heard": "Not much has changed in a month, which is fair: one write-up is not a habit.",
        "plan": "We start a short learning review after every incident, blameless, and I "
        "take the first turn.",
    },
    {
        "level": 4.7,
        "answer": ["ada", "ben", "chloe", "dev", "ines", "jonas"],
        "heard": "Raising problems feels easier; asking for help still does not.",
        "plan": "I will say in stand-up when I need a hand, so that it is normal to ask.",
    },
    {
        "level": 4.9,
        "answer": ["ada", "chloe", "dev", "jonas"],
        "heard": "Only four of us answered in the release week, so there are no results "
        "this time. That is fine.",
        "plan": "Next month's pulse opens after the release, not during it.",
    },
    {
        "level": 5.1,
        "answer": ["ada", "ben", "chloe", "dev", "ines", "jonas"],
        "heard": "Mistakes are held against people less than in spring. Asking for help "
        "is still the lowest.",
        "plan": "We pair on every incident from now on, so that nobody is alone with one.",
    },
    {
        "level": 5.5,
        "answer": ["ada", "ben", "chloe", "dev", "ines", "jonas"],
        "heard": "Most of you feel safer to raise problems and to try things than in "
        "spring, and the reviews after incidents seem to help. Asking for help is still "
        "the lowest: several of you hesitate when everyone looks busy.",
        "plan": "For the next month we end stand-up with a 'help wanted' minute, and I "
        "will use it first. We look at this again in the next pulse.",
        "comments": [
            "Pairing on incidents made it much easier to say I did not know something.",
            "I still hesitate to ask for help when everyone looks busy.",
            "The review after the DNS outage was the first time I felt nobody was blamed.",
        ],
    },
]
# How each statement sits against the month's level: asking for help stays
# low, raising problems and trying things rise with the team.
ITEM_OFFSET = {
    "mistakes": -0.1,
    "raise_problems": 0.3,
    "difference": 0.2,
    "risk": 0.1,
    "ask_help": -0.9,
    "no_undermining": 0.5,
    "skills_used": 0.0,
}
PERSON_OFFSET = {"ada": 0.6, "ben": -0.5, "chloe": 0.2, "dev": -0.7, "ines": 0.3, "jonas": 0.0}


def seed(*, team: Team, people: dict[str, Any], now: datetime) -> list[Pulse]:
    """Seed Platform's monthly pulses (``people`` by first name, the lead as "ada")."""
    rng = random.Random(2026)
    lead = people["ada"]
    first_open = now - relativedelta(months=len(MONTHS) - 1) - timedelta(days=15)
    pulse = services.pulse_schedule(
        actor=lead,
        team=team,
        instrument="psychological_safety",
        opens_at=first_open,
        closes_at=first_open + timedelta(days=5),
        cadence=Cadence.MONTHLY,
        now=first_open,
    )
    seeded = []
    for month in MONTHS:
        comments = list(month.get("comments", []))
        for name in month["answer"]:
            services.pulse_answer(
                actor=people[name],
                pulse=pulse,
                values=_answers(pulse, month["level"] + PERSON_OFFSET[name], rng),
                comment=comments.pop() if comments else "",
                now=pulse.opens_at + timedelta(hours=rng.randint(2, 100)),
            )
        services.pulse_close(pulse=pulse, now=pulse.closes_at)
        services.pulse_respond(
            actor=lead,
            pulse=pulse,
            heard=month["heard"],
            plan=month["plan"],
            now=pulse.closes_at + timedelta(days=2),
        )
        seeded.append(pulse)
        # Closing a monthly pulse scheduled the next one.
        pulse = Pulse.objects.get(series=pulse.series, sequence=pulse.sequence + 1)
    return seeded


def _answers(pulse: Pulse, level: float, rng: random.Random) -> dict[str, int]:
    low, high = pulse.scale
    values = {}
    for item in pulse.items:
        keyed = round(level + ITEM_OFFSET.get(item["key"], 0.0) + rng.gauss(0, 0.8))
        keyed = min(high, max(low, keyed))
        # People answer the statement as worded: a reverse-worded one the other way round.
        values[item["key"]] = low + high - keyed if item.get("reverse") else keyed
    return values
