"""Marblejar language coach.

Flags phrasing in review notes, reflections and comments that tends to put
people on the hot seat (counterfactuals, "why didn't you", "human error",
naming a person as the cause) and suggests a reframe. Plain Python, no web
framework: the rules live in ``rules/<language>.toml``.

    >>> from marblejar.coach import analyze
    >>> [f.category for f in analyze("Why didn't you roll back?")]
    ['why_you_question']
"""

from __future__ import annotations

from .engine import DISMISS_RE, SEVERITIES, Finding, RuleSet, analyze, load_rules


def rules_version(language: str = "en") -> str:
    """Version string of the rule file, for caches and audit trails."""
    return load_rules(language).version


def categories(language: str = "en") -> tuple[str, ...]:
    return tuple(load_rules(language).categories)


def __getattr__(name: str) -> str:
    # Read when asked for, not at import: compiling the rules takes about half
    # a second, which every web process would otherwise pay before its first page.
    if name == "RULES_VERSION":
        return rules_version()
    raise AttributeError(name)


__all__ = [
    "DISMISS_RE",
    "RULES_VERSION",
    "SEVERITIES",
    "Finding",
    "RuleSet",
    "analyze",
    "categories",
    "load_rules",
    "rules_version",
]
