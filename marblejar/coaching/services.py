"""Run the language coach with this installation's settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from marblejar.coach import analyze

MAX_TEXT = 20_000


def coach_check(*, text: str, dismissed: Iterable[str] = ()) -> list[Any]:
    """Findings for ``text``, honouring the project allow-list and the writer's dismissals.

    Text beyond the longest post Marblejar accepts is not analysed: the coach
    advises while people write, it does not police uploads.
    """
    return analyze(
        text[:MAX_TEXT],
        allow=settings.COACH_ALLOW,
        dismissed=[d for d in dismissed if d],
    )
