"""A review's summary as Markdown, for the team's wiki or tracker."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marblejar.lib.dates import day, moment


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines())


def _day_or_dash(value: date | None) -> str:
    return day(value) if value else "—"


def _bullet(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return "- " + "\n  ".join(lines)


def summary_markdown(context: dict[str, Any]) -> str:
    """The summary page's content as Markdown (names only in reviews with named notes)."""
    review = context["review"]
    out: list[str] = [f"# {review.title}", ""]
    out.append(
        f"*{review.get_kind_display()} · {review.team.name} · {review.template_name}"
        + (f" · {_('anonymous notes')}" if review.anonymous else "")
        + "*"
    )
    if review.closed_by_clock and review.closed_at:
        closed = moment(review.closed_at)
        out += ["", _("It closed on its own at its open-until time, %(date)s.") % {"date": closed}]
        if not review.is_revealed:
            out.append(
                _(
                    "That was before the notes were revealed, so they stay private: "
                    "this export holds only your own."
                )
            )
    out += ["", f"## {_('Why we held this review')}", "", review.purpose, ""]
    out += [f"## {_('Agenda')}", "", review.agenda, ""]
    out += [f"## {_('Our statement of good intent')}", "", _quote(review.intent), ""]
    safety = context.get("safety", {}).get("result")
    if safety and safety.shown:
        out += [f"## {_('Safety check')}", ""]
        out += [f"- {level} ({label}): {n}" for level, label, n in safety.counts]
        out.append("")
    go_first = context.get("go_first")
    if go_first:
        who = go_first.author.display_name if go_first.author else ""
        out += [f"## {_('Going first')}" + (f": {who}" if who else ""), ""]
        out += [f"**{_('My part in what happened')}**", "", go_first.part, ""]
        out += [f"**{_('A decision I would revisit')}**", "", go_first.revisit, ""]
    timeline = context.get("narrative") or context.get("timeline") or []
    for item in timeline:
        if item is timeline[0]:
            out += [f"## {_('What happened, in order')}", ""]
        event = item["event"]
        source = f" ({event.source})" if event.source else ""
        # In the site's time zone, as people typed it and as the board shows it.
        happened = moment(event.happened_at)
        out.append(f"- **{happened}** {event.what}{source}")
        for note in item["notes"]:
            out.append(f"  - {_('Made sense at the time')}: {note.text}")
    if timeline:
        out.append("")
    if context.get("factors"):
        out += [f"## {_('What contributed')}", ""]
        out += [_bullet(text) for text in context["factors"]]
        out.append("")
    for column in context.get("columns", []):
        out += [f"## {column['title']}", ""]
        for note in column["notes"]:
            name = f" — {note.author.display_name}" if note.author else ""
            out.append(_bullet(note.text + name))
        if not column["notes"]:
            out.append(f"*{_('No notes.')}*")
        out.append("")
    discussion = context.get("discussion", [])
    if discussion:
        out += [f"## {_('Themes, in vote order')}", ""]
    for item in discussion:
        theme = item["theme"]
        votes = ngettext("%(n)s vote", "%(n)s votes", theme.vote_count) % {"n": theme.vote_count}
        out += [f"### {theme.title} ({votes})", ""]
        for finding in item["findings"]:
            out.append(f"- *{finding.get_kind_display()}:* {finding.text}")
        for q in item["questions"]:
            question = q["question"]
            out.append(f"- **{_('Question')}:** {question.text}")
            out.append(f"  - *{_('I am asking because…')}* {question.intent}")
            if question.answer:
                out.append(f"  - *{_('Answer')}:* {question.answer}")
        out.append("")
    actions = list(context.get("actions", []))
    if actions:
        out += [f"## {_('Improvement actions')}", ""]
        for action in actions:
            owner = action.owner.display_name if action.owner else _("the whole team")
            out.append(
                f"- **{action.title}** — {owner}, {_('due')} {_day_or_dash(action.due_on)}, "
                f"{_('check on')} {_day_or_dash(action.check_on)}"
            )
            out.append(f"  - {_('We will know it worked when…')} {action.expected_effect}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
