"""Export an organization or a team: JSON with a versioned schema, and CSV for the tables.

The shape is documented in ``docs/export-schema.md`` and checked by
``schema/export-v1.schema.json``; every row has exactly the keys that
:mod:`marblejar.portability.registry` lists for it.

No database id leaves Marblejar: rows refer to each other by references made
for the export ("person-3", "review-7"), numbered in a stable order, so that
an export imported elsewhere and exported again reads the same.

Anonymous data stays anonymous (``docs/privacy.md``). Nothing here is read
that would link a person to an anonymous answer, note, vote or report:
ballots, participations, keyed tags and sealed inboxes are never read;
anonymous notes carry no author or time and come in an order by content;
cracks come as the team sees them, by day and content; a pulse's results and
comments only where they were shown above the pulse's own minimum group.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from django.utils import timezone

from marblejar.accounts.models import Organization, User
from marblejar.jar.models import Crack, Marble
from marblejar.portability.registry import section_fields
from marblejar.pulse.models import Comment as PulseComment
from marblejar.pulse.models import Instrument, Pulse, PulseResult, PulseSettings
from marblejar.pulse.stats.limits import MIN_GROUP_SIZE_DEFAULT
from marblejar.reflections.models import Reflection, Status, Tag
from marblejar.reviews.models import (
    Action,
    IntentStatement,
    Review,
    ReviewTemplate,
)
from marblejar.teams.models import Membership, Team

FORMAT = "marblejar-export"
VERSION = 1


def when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class Refs:
    """References for one export: "<kind>-<n>", numbered in the order first asked for."""

    def __init__(self) -> None:
        self._refs: dict[tuple[str, Any], str] = {}
        self._count: dict[str, int] = defaultdict(int)

    def assign(self, kind: str, key: Any) -> str:
        if (kind, key) not in self._refs:
            self._count[kind] += 1
            self._refs[(kind, key)] = f"{kind}-{self._count[kind]}"
        return self._refs[(kind, key)]

    def get(self, kind: str, key: Any) -> str | None:
        """The reference of something already exported, or None."""
        if key is None:
            return None
        return self._refs.get((kind, key))

    def keys(self, kind: str) -> list[Any]:
        return [key for (k, key) in self._refs if k == kind]


class Exporter:
    def __init__(self, organization: Organization, team: Team | None = None) -> None:
        self.org = organization
        self.team = team
        self.refs = Refs()
        self._known_users: set[int] | None = None

    # People are numbered as they are met (after the scope's own, in address
    # order): someone who left a team but wrote in it is still named.
    def person(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if self._known_users is None:
            self._known_users = set(
                User.objects.filter(organization=self.org).values_list("pk", flat=True)
            )
        if user_id not in self._known_users:
            return None
        return self.refs.assign("person", user_id)

    def scoped(self, queryset: Any, field: str = "team") -> Any:
        queryset = queryset.filter(organization=self.org)
        if self.team is not None:
            queryset = queryset.filter(**{field: self.team})
        return queryset

    def build(self) -> dict[str, Any]:
        teams = list(
            Team.objects.filter(organization=self.org).order_by("slug")
            if self.team is None
            else [self.team]
        )
        people = User.objects.filter(organization=self.org)
        if self.team is not None:
            people = people.filter(memberships__team=self.team)
        for user_id in people.order_by("email").values_list("pk", flat=True):
            self.person(user_id)
        for team in teams:
            self.refs.assign("team", team.pk)

        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "scope": "organization" if self.team is None else "team",
            "exported_at": when(timezone.now()),
            "organization": self.organization(),
            "people": [],
            "teams": [self.team_row(team) for team in teams],
        }
        # Built in the order references are needed (a marble names a review's
        # question), written in the schema's order.
        reflections = self.reflections()
        instruments = self.instruments()
        reviews = self.reviews()
        data["tags"] = self.tags()
        data["reflections"] = reflections
        data["marbles"] = self.marbles()
        data["cracks"] = self.cracks()
        data["pulse_instruments"] = instruments
        data["pulses"] = self.pulses()
        data["intent_statements"] = self.intent_statements()
        data["review_templates"] = self.review_templates()
        data["reviews"] = reviews
        data["actions"] = self.actions()
        data["people"] = self.people()
        return data

    # Organization, people, teams -------------------------------------------------

    def organization(self) -> dict[str, Any]:
        settings = PulseSettings.objects.filter(organization=self.org).first()
        return {
            "name": self.org.name,
            "open_signup_domain": self.org.open_signup_domain,
            "created_at": when(self.org.created_at),
            "pulse_settings": {
                "min_group_size": settings.min_group_size if settings else MIN_GROUP_SIZE_DEFAULT,
                "min_comment_group_size": (
                    settings.min_comment_group_size if settings else MIN_GROUP_SIZE_DEFAULT
                ),
            },
        }

    def people(self) -> list[dict[str, Any]]:
        ids = self.refs.keys("person")
        users = User.objects.in_bulk(ids)
        return [
            {
                "ref": self.refs.assign("person", pk),
                "email": users[pk].email,
                "display_name": users[pk].display_name,
                "is_org_admin": users[pk].is_org_admin,
                "is_active": users[pk].is_active,
                "date_joined": when(users[pk].date_joined),
            }
            for pk in ids
        ]

    def team_row(self, team: Team) -> dict[str, Any]:
        members = [
            {"person": self.person(m.user_id), "role": m.role, "joined_at": when(m.joined_at)}
            for m in Membership.objects.filter(team=team)
        ]
        members.sort(key=lambda m: ref_order(m["person"]))
        return {
            "ref": self.refs.assign("team", team.pk),
            "name": team.name,
            "slug": team.slug,
            "description": team.description,
            "created_at": when(team.created_at),
            "members": members,
        }

    # Reflections ---------------------------------------------------------------

    def reflections(self) -> list[dict[str, Any]]:
        # Drafts are their author's alone (they reach "Download my data").
        queryset = self.scoped(Reflection.objects.filter(status=Status.PUBLISHED))
        rows = list(
            queryset.order_by("created_at", "pk").prefetch_related(
                "tags", "practice", "comments", "reactions"
            )
        )
        for r in rows:
            self.refs.assign("reflection", r.pk)
        self._tags: set[str] = set()
        out = []
        for r in rows:
            tags = sorted(t.name for t in r.tags.all())
            self._tags.update(tags)
            # A hidden comment is for the reflection's author and the commenter alone.
            comments = sorted(
                (c for c in r.comments.all() if c.hidden_at is None),
                key=lambda c: (c.created_at, c.pk),
            )
            reactions = [
                {"person": self.person(x.user_id), "kind": x.kind, "created_at": when(x.created_at)}
                for x in sorted(r.reactions.all(), key=lambda x: (x.created_at, x.pk))
            ]
            practice = sorted(r.practice.all(), key=lambda p: (p.practised_on, p.created_at, p.pk))
            out.append(
                {
                    "ref": self.refs.assign("reflection", r.pk),
                    "team": self.refs.get("team", r.team_id),
                    "author": self.person(r.author_id),
                    "update_of": self.refs.get("reflection", r.parent_id),
                    "kind": r.kind,
                    "title": r.title,
                    "body": r.body,
                    "what_happened": r.what_happened,
                    "correction": r.correction,
                    "learned": r.learned,
                    "next_try": r.next_try,
                    "skill": r.skill,
                    "by_lead": r.by_lead,
                    "tags": tags,
                    "created_at": when(r.created_at),
                    "updated_at": when(r.updated_at),
                    "published_at": when(r.published_at),
                    "comments": [
                        {
                            "ref": self.refs.assign("comment", c.pk),
                            "author": self.person(c.author_id),
                            "body": c.body,
                            "offers_help": c.offers_help,
                            "coach_severity": c.coach_severity,
                            "created_at": when(c.created_at),
                        }
                        for c in comments
                    ],
                    "reactions": reactions,
                    "practice": [
                        {
                            "practised_on": day(p.practised_on),
                            "minutes": p.minutes,
                            "hard": p.hard,
                            "created_at": when(p.created_at),
                        }
                        for p in practice
                    ],
                }
            )
        return out

    def tags(self) -> list[dict[str, Any]]:
        names = Tag.objects.filter(organization=self.org).values_list("name", flat=True)
        if self.team is not None:
            names = [n for n in names if n in self._tags]
        return [{"name": n} for n in sorted(names)]

    # The jar ----------------------------------------------------------------------

    def marbles(self) -> list[dict[str, Any]]:
        return [
            {
                "team": self.refs.get("team", m.team_id),
                "act": m.act,
                "act_key": self.act_key(m.act_key),
                "act_by": self.person(m.act_by_id),
                "response_by": self.person(m.response_by_id),
                "response": m.response,
                "reflection": self.refs.get("reflection", m.reflection_id),
                "description": m.description,
                "dropped_by": self.person(m.dropped_by_id),
                "named_seen_at": when(m.named_seen_at),
                "created_at": when(m.created_at),
            }
            for m in self.scoped(Marble.objects.all()).order_by("created_at", "pk")
        ]

    def act_key(self, key: str) -> str:
        """The marble's act, with references instead of ids ("reflection:reflection-3")."""
        if key.startswith("manual:"):
            return "manual"
        parts = key.split(":")
        for i in range(1, len(parts)):
            kind = parts[i - 1]
            if kind in ACT_KINDS and parts[i].isdecimal():
                ref = self.refs.get(kind, int(parts[i]))
                parts[i] = ref or f"{kind}-gone"
        return ":".join(parts)

    def cracks(self) -> list[dict[str, Any]]:
        # As the team sees them: the text only where the reporter shared it, the
        # day only, and an order by day and content (never by id).
        cracks = Crack.objects.filter(organization=self.org)
        if self.team is not None:
            cracks = cracks.filter(team=self.team)
        rows = [
            {
                "team": self.refs.get("team", c.team_id),
                "text": c.text if c.share_text else "",
                "text_shared": c.share_text,
                "reported_on": day(c.reported_on),
                "acknowledged_on": (
                    day(timezone.localdate(c.acknowledged_at)) if c.acknowledged_at else None
                ),
                "response": c.response,
            }
            for c in cracks
        ]
        rows.sort(key=lambda r: json.dumps(r, sort_keys=True))
        rows.sort(key=lambda r: r["reported_on"])
        return rows

    # Pulses -------------------------------------------------------------------

    def instruments(self) -> list[dict[str, Any]]:
        out = []
        for i in self.scoped(Instrument.objects.all()).order_by("created_at", "pk"):
            out.append(
                {
                    "ref": self.refs.assign("instrument", i.pk),
                    "team": self.refs.get("team", i.team_id),
                    "name": i.name,
                    "description": i.description,
                    "scale_points": i.scale_points,
                    "low_label": i.low_label,
                    "high_label": i.high_label,
                    "items": i.items,
                    "allow_comment": i.allow_comment,
                    "created_by": self.person(i.created_by_id),
                    "created_at": when(i.created_at),
                }
            )
        return out

    def pulses(self) -> list[dict[str, Any]]:
        pulses = (
            self.scoped(Pulse.objects.all())
            .select_related("result")
            .order_by("opens_at", "sequence", "pk")
        )
        comments_of: dict[int, list[str]] = defaultdict(list)
        shown_comments = [
            p.pk
            for p in pulses
            if shown(p) and p.result.counted >= p.min_comment_group_size  # type: ignore[union-attr]
        ]
        for pulse_id, text in PulseComment.objects.filter(pulse_id__in=shown_comments).values_list(
            "pulse_id", "text"
        ):
            comments_of[pulse_id].append(text)
        out = []
        for p in pulses:
            closed = p.closed_at is not None
            instrument = p.instrument_slug
            if instrument.startswith("custom-") and instrument[7:].isdecimal():
                ref = self.refs.get("instrument", int(instrument[7:]))
                instrument = f"custom:{ref}" if ref else "custom:gone"
            members = None
            if p.members_at_open is not None:
                members = sorted(
                    (r for r in (self.person(pk) for pk in p.members_at_open) if r),
                    key=ref_order,
                )
            out.append(
                {
                    "ref": self.refs.assign("pulse", p.pk),
                    "team": self.refs.get("team", p.team_id),
                    "instrument": instrument,
                    "definition": p.definition,
                    "title": p.title,
                    "cadence": p.cadence,
                    "series": self.refs.assign("series", p.series),
                    "sequence": p.sequence,
                    "opens_at": when(p.opens_at),
                    "closes_at": when(p.closes_at),
                    "min_group_size": p.min_group_size,
                    "min_comment_group_size": p.min_comment_group_size,
                    "created_by": self.person(p.created_by_id),
                    "members_at_open": members,
                    # While it is open, how many have answered moves with each answer.
                    "participant_count": p.participant_count if closed else None,
                    "counted": p.counted if closed else None,
                    "joined_while_open": p.joined_while_open if closed else None,
                    "open_notified": p.open_notified,
                    "reminded": p.reminded,
                    "closed_at": when(p.closed_at),
                    "response_heard": p.response_heard,
                    "response_plan": p.response_plan,
                    "published_at": when(p.published_at),
                    "published_without_response": p.published_without_response,
                    "result": result_row(p.result) if shown(p) else None,  # type: ignore[arg-type]
                    "comments": sorted(comments_of.get(p.pk, [])),
                }
            )
        return out

    # Reviews ------------------------------------------------------------------

    def intent_statements(self) -> list[dict[str, Any]]:
        rows = [
            {
                "team": self.refs.get("team", s.team_id),
                "text": s.text,
                "updated_by": self.person(s.updated_by_id),
                "updated_at": when(s.updated_at),
            }
            for s in self.scoped(IntentStatement.objects.all())
        ]
        return sorted(rows, key=lambda r: ref_order(r["team"]))

    def review_templates(self) -> list[dict[str, Any]]:
        return [
            {
                "team": self.refs.get("team", t.team_id),
                "kind": t.kind,
                "name": t.name,
                "columns": t.columns,
                "timeline": t.timeline,
                "created_by": self.person(t.created_by_id),
                "created_at": when(t.created_at),
            }
            for t in self.scoped(ReviewTemplate.objects.all()).order_by("created_at", "pk")
        ]

    def reviews(self) -> list[dict[str, Any]]:
        reviews = list(
            self.scoped(Review.objects.all())
            .order_by("created_at", "pk")
            .select_related("go_first")
            .prefetch_related(
                "participants",
                "timeline_events",
                "themes",
                "notes",
                "findings",
                "questions",
            )
        )
        for review in reviews:
            self.refs.assign("review", review.pk)
            for theme in review.themes.all():
                self.refs.assign("theme", theme.pk)
            for event in review.timeline_events.all():
                self.refs.assign("event", event.pk)
            for question in review.questions.all():
                self.refs.assign("question", question.pk)
        return [self.review_row(review) for review in reviews]

    def review_row(self, r: Review) -> dict[str, Any]:
        ref = self.refs.get
        closed = r.is_closed
        go_first = getattr(r, "go_first", None)
        notes = []
        # Notes never revealed stay their authors' (and vanish with the review).
        if r.is_revealed:
            for n in r.notes.all():
                notes.append(
                    {
                        "column": n.column,
                        "timeline_event": ref("event", n.timeline_event_id),
                        "text": n.text,
                        "author": None if r.anonymous else self.person(n.author_id),
                        "created_at": None if r.anonymous else when(n.created_at),
                        "theme": ref("theme", n.theme_id),
                    }
                )
            # An order by content: never by id, which is random anyway, nor by time.
            notes.sort(key=lambda n: json.dumps(n, sort_keys=True))
            notes.sort(
                key=lambda n: (
                    n["column"],
                    ref_order(n["timeline_event"]),
                    ref_order(n["theme"]),
                    n["text"],
                )
            )
        return {
            "ref": ref("review", r.pk),
            "team": ref("team", r.team_id),
            "kind": r.kind,
            "title": r.title,
            "purpose": r.purpose,
            "agenda": r.agenda,
            "intent": r.intent,
            "template_name": r.template_name,
            "columns": r.columns,
            "timeline": r.timeline,
            "mode": r.mode,
            "anonymous": r.anonymous,
            "votes_per_person": r.votes_per_person,
            "facilitator": self.person(r.facilitator_id),
            "scheduled_for": when(r.scheduled_for),
            "open_until": when(r.open_until),
            "phase": r.phase,
            "phase_changed_at": when(r.phase_changed_at),
            # While it runs, the room sees the safety check in batches: no more here.
            "safety_counts": r.safety_counts if closed else r.safety_shown,
            "roti_counts": r.roti_counts if closed else {},
            "created_by": self.person(r.created_by_id),
            "created_at": when(r.created_at),
            "closed_at": when(r.closed_at),
            "closed_by_clock": r.closed_by_clock,
            "closed_from": r.closed_from,
            "spotlight": ref("theme", r.spotlight_id),
            "skipped_grouping": r.skipped_grouping,
            "participants": sorted(
                (p for p in (self.person(x.user_id) for x in r.participants.all()) if p),
                key=ref_order,
            ),
            "go_first": (
                {
                    "author": self.person(go_first.author_id),
                    "part": go_first.part,
                    "revisit": go_first.revisit,
                    "created_at": when(go_first.created_at),
                }
                if go_first is not None
                else None
            ),
            "timeline_events": [
                {
                    "ref": ref("event", e.pk),
                    "happened_at": when(e.happened_at),
                    "what": e.what,
                    "source": e.source,
                }
                for e in sorted(r.timeline_events.all(), key=lambda e: (e.happened_at, e.pk))
            ],
            "themes": [
                {
                    "ref": ref("theme", t.pk),
                    "title": t.title,
                    "position": t.position,
                    "vote_count": t.vote_count,
                }
                for t in sorted(r.themes.all(), key=lambda t: (t.position, t.pk))
            ],
            "notes": notes,
            "findings": [
                {
                    "theme": ref("theme", f.theme_id),
                    "kind": f.kind,
                    "text": f.text,
                    "author": None if r.anonymous else self.person(f.author_id),
                }
                for f in sorted(r.findings.all(), key=lambda f: f.pk)
            ],
            "questions": [
                {
                    "ref": ref("question", q.pk),
                    "theme": ref("theme", q.theme_id),
                    "text": q.text,
                    "intent": q.intent,
                    "asked_by": None if r.anonymous else self.person(q.asked_by_id),
                    "answer": q.answer,
                    "answered_by": self.person(q.answered_by_id),
                }
                for q in sorted(r.questions.all(), key=lambda q: q.pk)
            ],
        }

    def actions(self) -> list[dict[str, Any]]:
        ref = self.refs.get
        out = []
        actions = (
            self.scoped(Action.objects.all())
            .order_by("created_at", "pk")
            .prefetch_related("history")
        )
        for a in actions:
            out.append(
                {
                    "ref": self.refs.assign("action", a.pk),
                    "team": ref("team", a.team_id),
                    "review": ref("review", a.review_id),
                    "theme": ref("theme", a.theme_id),
                    "title": a.title,
                    "owner": self.person(a.owner_id),
                    "due_on": day(a.due_on),
                    "expected_effect": a.expected_effect,
                    "check_on": day(a.check_on),
                    "status": a.status,
                    "status_note": a.status_note,
                    "done_at": when(a.done_at),
                    "last_checked_in": ref("review", a.last_checked_in_id),
                    "check_result": a.check_result,
                    "check_note": a.check_note,
                    "checked_at": when(a.checked_at),
                    "created_by": self.person(a.created_by_id),
                    "created_at": when(a.created_at),
                    "updated_at": when(a.updated_at),
                    "history": [
                        {
                            "kind": e.kind,
                            "status": e.status,
                            "result": e.result,
                            "note": e.note,
                            "fields": e.fields,
                            "actor": self.person(e.actor_id),
                            "at": when(e.at),
                        }
                        for e in sorted(a.history.all(), key=lambda e: (e.at, e.pk))
                    ],
                }
            )
        return out


# The kinds of act whose ids a marble's act key carries.
ACT_KINDS = frozenset({"reflection", "review", "question"})


def ref_order(ref: str | None) -> tuple[int, str]:
    """Sort references by their number ("person-10" after "person-9"); None first."""
    if ref is None:
        return (0, "")
    match = re.search(r"-(\d+)$", ref)
    return (int(match.group(1)) if match else 0, ref)


def shown(pulse: Pulse) -> bool:
    try:
        result = pulse.result
    except PulseResult.DoesNotExist:
        return False
    return result.is_shown


def result_row(result: PulseResult) -> dict[str, Any]:
    return {
        "closed_on": day(result.closed_on),
        "n": result.n,
        "counted": result.counted,
        "min_group_size": result.min_group_size,
        "k": result.k,
        "mean": result.mean,
        "percent": result.percent,
        "sd": result.sd,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "alpha": result.alpha,
        "alpha_ci_low": result.alpha_ci_low,
        "alpha_ci_high": result.alpha_ci_high,
        "rwg_j": result.rwg_j,
        "item_means": result.item_means,
        "distribution": result.distribution,
        "comment_count": result.comment_count,
        "is_latest": result.is_latest,
    }


def export_organization(organization: Organization) -> dict[str, Any]:
    return Exporter(organization).build()


def export_team(team: Team) -> dict[str, Any]:
    return Exporter(team.organization, team).build()


# Files ------------------------------------------------------------------------------


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode()


def tables(data: dict[str, Any]) -> Iterator[tuple[str, list[str], list[dict[str, Any]]]]:
    """The export's tabular parts: (name, columns, rows), one per section of the registry.

    Nested rows get a table of their own with their parent's reference first:
    ``reviews.notes`` gives ``reviews_notes`` with a ``review`` column.
    """
    sections = section_fields()
    nested = {s.partition(".")[2] for s in sections if "." in s and sections[s]}
    for section, fields in sections.items():
        head, _, child = section.partition(".")
        if not fields or head == "organization":
            continue
        columns = [f for f in fields if not (f in nested and f"{section}.{f}" in sections)]
        if not child:
            yield head, columns, [{c: row[c] for c in columns} for row in data[head]]
            continue
        parent = head[:-1]
        rows = []
        for row in data[head]:
            value = row[child]
            for item in value if isinstance(value, list) else [value] if value else []:
                rows.append({parent: row.get("ref"), **{c: item[c] for c in columns}})
        yield section.replace(".", "_"), [parent, *columns], rows


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def to_zip(data: dict[str, Any]) -> bytes:
    """``export.json`` and one CSV file per table, in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", to_json(data))
        for name, columns, rows in tables(data):
            archive.writestr(f"{name}.csv", to_csv(columns, rows))
    return buffer.getvalue()


def to_csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()
