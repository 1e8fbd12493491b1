"""Import an export (``export.py``) into a new, empty organization of this Marblejar.

Everything is written in one transaction, with new ids: the references of the
file are mapped to them as rows are made. People get accounts without a
usable password (they choose one through "Forgot your password?"); an e-mail
address already used in this Marblejar stops the import before anything is
written, since an account belongs to one organization.

What the export leaves out stays out: pulses come with their results and
comments, never answers or who answered; reviews with their revealed notes
and counts, never tags or votes.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar.accounts.models import Organization, User
from marblejar.jar.models import Crack, Marble
from marblejar.portability.export import FORMAT, VERSION
from marblejar.portability.schema import validate
from marblejar.pulse.models import Comment as PulseComment
from marblejar.pulse.models import Instrument, Pulse, PulseResult, PulseSettings
from marblejar.reflections.models import (
    Comment,
    PracticeEntry,
    Reaction,
    Reflection,
    ReflectionTag,
    Status,
    Tag,
)
from marblejar.reviews.models import (
    Action,
    ActionEvent,
    Finding,
    GoFirst,
    IntentStatement,
    Note,
    Participant,
    Question,
    Review,
    ReviewTemplate,
    Theme,
    TimelineEvent,
)
from marblejar.teams.models import Membership, Team


def read_export(path: Path) -> dict[str, Any]:
    """The export in a JSON file, or in the ``export.json`` of a zip."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("export.json"))
        return json.loads(path.read_bytes())
    except (KeyError, ValueError, OSError) as e:
        raise ValidationError(_("This is not a Marblejar export: %s") % e) from e


def at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def on(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class Importer:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.ids: dict[str, Any] = {}  # reference -> new id

    def id(self, ref: str | None) -> Any:
        return self.ids.get(ref) if ref else None

    def run(self, name: str | None = None, into: Organization | None = None) -> Organization:
        d = self.data
        o = d["organization"]
        if into is None:
            org = Organization.objects.create(
                name=name or o["name"],
                open_signup_domain=o["open_signup_domain"],
                created_at=at(o["created_at"]),
            )
        else:
            org = into
            org.name = name or org.name
            org.open_signup_domain = o["open_signup_domain"]
            org.save(update_fields=["name", "open_signup_domain"])
        self.org = org
        PulseSettings.objects.update_or_create(organization=org, defaults=o["pulse_settings"])
        # People already in the organization imported into keep their accounts.
        present = {u.email: u for u in User.objects.filter(organization=org)}
        for p in d["people"]:
            if p["email"].lower() in present:
                existing = present[p["email"].lower()]
                if p["is_org_admin"] and not existing.is_org_admin:
                    existing.is_org_admin = True
                    existing.save(update_fields=["is_org_admin"])
                self.ids[p["ref"]] = existing.pk
                continue
            user = User(
                email=p["email"],
                display_name=p["display_name"],
                organization=org,
                is_org_admin=p["is_org_admin"],
                is_active=p["is_active"],
                date_joined=at(p["date_joined"]),
            )
            user.set_unusable_password()
            user.save()
            self.ids[p["ref"]] = user.pk
        for t in d["teams"]:
            team = Team.objects.create(
                organization=org,
                name=t["name"],
                slug=t["slug"],
                description=t["description"],
                created_at=at(t["created_at"]),
            )
            self.ids[t["ref"]] = team.pk
            for m in t["members"]:
                Membership.objects.create(
                    organization=org,
                    team=team,
                    user_id=self.id(m["person"]),
                    role=m["role"],
                    joined_at=at(m["joined_at"]),
                )
        tags = {
            t["name"]: Tag.objects.create(organization=org, name=t["name"]).pk for t in d["tags"]
        }
        self.reflections(tags)
        self.instruments()
        self.pulses()
        self.reviews()
        self.actions()
        self.marbles()
        self.cracks()
        return org

    def reflections(self, tags: dict[str, int]) -> None:
        org = self.org
        parents: list[tuple[int, str]] = []
        for r in self.data["reflections"]:
            reflection = Reflection.objects.create(
                organization=org,
                team_id=self.id(r["team"]),
                author_id=self.id(r["author"]),
                kind=r["kind"],
                status=Status.PUBLISHED,
                title=r["title"],
                body=r["body"],
                what_happened=r["what_happened"],
                correction=r["correction"],
                learned=r["learned"],
                next_try=r["next_try"],
                skill=r["skill"],
                by_lead=r["by_lead"],
                created_at=at(r["created_at"]),
                updated_at=at(r["updated_at"]),
                published_at=at(r["published_at"]),
            )
            self.ids[r["ref"]] = reflection.pk
            if r["update_of"]:
                parents.append((reflection.pk, r["update_of"]))
            ReflectionTag.objects.bulk_create(
                ReflectionTag(organization=org, reflection=reflection, tag_id=tags[name])
                for name in r["tags"]
            )
            for c in r["comments"]:
                comment = Comment.objects.create(
                    organization=org,
                    reflection=reflection,
                    author_id=self.id(c["author"]),
                    body=c["body"],
                    offers_help=c["offers_help"],
                    coach_severity=c["coach_severity"],
                    created_at=at(c["created_at"]),
                )
                self.ids[c["ref"]] = comment.pk
            Reaction.objects.bulk_create(
                Reaction(
                    organization=org,
                    reflection=reflection,
                    user_id=self.id(x["person"]),
                    kind=x["kind"],
                    created_at=at(x["created_at"]),
                )
                for x in r["reactions"]
            )
            PracticeEntry.objects.bulk_create(
                PracticeEntry(
                    organization=org,
                    reflection=reflection,
                    practised_on=on(p["practised_on"]),
                    minutes=p["minutes"],
                    hard=p["hard"],
                    created_at=at(p["created_at"]),
                )
                for p in r["practice"]
            )
        for pk, parent in parents:
            Reflection.objects.filter(pk=pk).update(parent_id=self.id(parent))

    def instruments(self) -> None:
        for i in self.data["pulse_instruments"]:
            instrument = Instrument.objects.create(
                organization=self.org,
                team_id=self.id(i["team"]),
                name=i["name"],
                description=i["description"],
                scale_points=i["scale_points"],
                low_label=i["low_label"],
                high_label=i["high_label"],
                items=i["items"],
                allow_comment=i["allow_comment"],
                created_by_id=self.id(i["created_by"]),
                created_at=at(i["created_at"]),
            )
            self.ids[i["ref"]] = instrument.pk

    def pulses(self) -> None:
        series: dict[str, uuid.UUID] = {}
        for p in self.data["pulses"]:
            slug = p["instrument"]
            if slug.startswith("custom:"):
                slug = f"custom-{self.id(slug[7:]) or 0}"
            members = p["members_at_open"]
            pulse = Pulse.objects.create(
                organization=self.org,
                team_id=self.id(p["team"]),
                instrument_slug=slug,
                definition=p["definition"],
                title=p["title"],
                cadence=p["cadence"],
                series=series.setdefault(p["series"], uuid.uuid4()),
                sequence=p["sequence"],
                opens_at=at(p["opens_at"]),
                closes_at=at(p["closes_at"]),
                min_group_size=p["min_group_size"],
                min_comment_group_size=p["min_comment_group_size"],
                created_by_id=self.id(p["created_by"]),
                members_at_open=None if members is None else [self.id(m) for m in members],
                participant_count=p["participant_count"] or 0,
                counted=p["counted"],
                joined_while_open=p["joined_while_open"] or 0,
                open_notified=p["open_notified"],
                reminded=p["reminded"],
                closed_at=at(p["closed_at"]),
                response_heard=p["response_heard"],
                response_plan=p["response_plan"],
                published_at=at(p["published_at"]),
                published_without_response=p["published_without_response"],
            )
            self.ids[p["ref"]] = pulse.pk
            result = p["result"]
            if result is None and pulse.closed_at is not None:
                # Too few answered to show anything: what the pages need to say so.
                PulseResult.objects.create(
                    pulse=pulse,
                    organization=self.org,
                    team_id=pulse.team_id,
                    instrument_slug=slug,
                    closed_on=timezone.localdate(pulse.closed_at),
                    n=pulse.participant_count,
                    counted=pulse.counted_respondents,
                    min_group_size=pulse.min_group_size,
                    k=len(pulse.items),
                )
            elif result is not None:
                PulseResult.objects.create(
                    pulse=pulse,
                    organization=self.org,
                    team_id=pulse.team_id,
                    instrument_slug=slug,
                    **{**result, "closed_on": on(result["closed_on"])},
                )
            PulseComment.objects.bulk_create(
                PulseComment(organization=self.org, team_id=pulse.team_id, pulse=pulse, text=text)
                for text in p["comments"]
            )

    def reviews(self) -> None:
        org = self.org
        for s in self.data["intent_statements"]:
            IntentStatement.objects.create(
                organization=org,
                team_id=self.id(s["team"]),
                text=s["text"],
                updated_by_id=self.id(s["updated_by"]),
                updated_at=at(s["updated_at"]),
            )
        for t in self.data["review_templates"]:
            ReviewTemplate.objects.create(
                organization=org,
                team_id=self.id(t["team"]),
                kind=t["kind"],
                name=t["name"],
                columns=t["columns"],
                timeline=t["timeline"],
                created_by_id=self.id(t["created_by"]),
                created_at=at(t["created_at"]),
            )
        for r in self.data["reviews"]:
            counts = r["safety_counts"]
            review = Review.objects.create(
                organization=org,
                team_id=self.id(r["team"]),
                kind=r["kind"],
                title=r["title"],
                purpose=r["purpose"],
                agenda=r["agenda"],
                intent=r["intent"],
                template_name=r["template_name"],
                columns=r["columns"],
                timeline=r["timeline"],
                mode=r["mode"],
                anonymous=r["anonymous"],
                votes_per_person=r["votes_per_person"],
                facilitator_id=self.id(r["facilitator"]),
                scheduled_for=at(r["scheduled_for"]),
                open_until=at(r["open_until"]),
                phase=r["phase"],
                phase_changed_at=at(r["phase_changed_at"]),
                safety_counts=counts,
                safety_shown=counts,
                roti_counts=r["roti_counts"],
                created_by_id=self.id(r["created_by"]),
                created_at=at(r["created_at"]),
                closed_at=at(r["closed_at"]),
                closed_by_clock=r["closed_by_clock"],
                closed_from=r["closed_from"],
                skipped_grouping=r["skipped_grouping"],
            )
            self.ids[r["ref"]] = review.pk
            Participant.objects.bulk_create(
                Participant(organization=org, review=review, user_id=self.id(p))
                for p in r["participants"]
            )
            g = r["go_first"]
            if g is not None:
                GoFirst.objects.create(
                    organization=org,
                    review=review,
                    author_id=self.id(g["author"]),
                    part=g["part"],
                    revisit=g["revisit"],
                    created_at=at(g["created_at"]),
                )
            for e in r["timeline_events"]:
                event = TimelineEvent.objects.create(
                    organization=org,
                    review=review,
                    happened_at=at(e["happened_at"]),
                    what=e["what"],
                    source=e["source"],
                )
                self.ids[e["ref"]] = event.pk
            for t in r["themes"]:
                theme = Theme.objects.create(
                    organization=org,
                    review=review,
                    title=t["title"],
                    position=t["position"],
                    vote_count=t["vote_count"],
                )
                self.ids[t["ref"]] = theme.pk
            if r["spotlight"]:
                Review.objects.filter(pk=review.pk).update(spotlight_id=self.id(r["spotlight"]))
            # Random ids, like the notes they copy.
            Note.objects.bulk_create(
                Note(
                    organization=org,
                    review=review,
                    column=n["column"],
                    timeline_event_id=self.id(n["timeline_event"]),
                    text=n["text"],
                    author_id=self.id(n["author"]),
                    created_at=at(n["created_at"]),
                    theme_id=self.id(n["theme"]),
                )
                for n in r["notes"]
            )
            for f in r["findings"]:
                Finding.objects.create(
                    organization=org,
                    review=review,
                    theme_id=self.id(f["theme"]),
                    kind=f["kind"],
                    text=f["text"],
                    author_id=self.id(f["author"]),
                )
            for q in r["questions"]:
                question = Question.objects.create(
                    organization=org,
                    review=review,
                    theme_id=self.id(q["theme"]),
                    text=q["text"],
                    intent=q["intent"],
                    asked_by_id=self.id(q["asked_by"]),
                    answer=q["answer"],
                    answered_by_id=self.id(q["answered_by"]),
                )
                self.ids[q["ref"]] = question.pk

    def actions(self) -> None:
        for a in self.data["actions"]:
            action = Action.objects.create(
                organization=self.org,
                team_id=self.id(a["team"]),
                review_id=self.id(a["review"]),
                theme_id=self.id(a["theme"]),
                title=a["title"],
                owner_id=self.id(a["owner"]),
                due_on=on(a["due_on"]),
                expected_effect=a["expected_effect"],
                check_on=on(a["check_on"]),
                status=a["status"],
                status_note=a["status_note"],
                done_at=at(a["done_at"]),
                last_checked_in_id=self.id(a["last_checked_in"]),
                check_result=a["check_result"],
                check_note=a["check_note"],
                checked_at=at(a["checked_at"]),
                # Reminders of dates already past are not sent again.
                due_told_for=on(a["due_on"]),
                check_asked_for=on(a["check_on"]),
                created_by_id=self.id(a["created_by"]),
                created_at=at(a["created_at"]),
                updated_at=at(a["updated_at"]),
            )
            self.ids[a["ref"]] = action.pk
            ActionEvent.objects.bulk_create(
                ActionEvent(
                    organization=self.org,
                    action=action,
                    kind=e["kind"],
                    status=e["status"],
                    result=e["result"],
                    note=e["note"],
                    fields=e["fields"],
                    actor_id=self.id(e["actor"]),
                    at=at(e["at"]),
                )
                for e in a["history"]
            )

    def act_key(self, key: str) -> str:
        if key == "manual":
            return f"manual:{uuid.uuid4().hex}"
        parts = key.split(":")
        return ":".join(str(self.ids.get(part, part)) for part in parts)

    def marbles(self) -> None:
        Marble.objects.bulk_create(
            Marble(
                organization=self.org,
                team_id=self.id(m["team"]),
                act=m["act"],
                act_key=self.act_key(m["act_key"]),
                act_by_id=self.id(m["act_by"]),
                response_by_id=self.id(m["response_by"]),
                response=m["response"],
                reflection_id=self.id(m["reflection"]),
                description=m["description"],
                dropped_by_id=self.id(m["dropped_by"]),
                named_seen_at=at(m["named_seen_at"]),
                created_at=at(m["created_at"]),
            )
            for m in self.data["marbles"]
        )

    def cracks(self) -> None:
        # Random ids and the order of the file (by day and content): as anonymous as before.
        Crack.objects.bulk_create(
            Crack(
                organization=self.org,
                team_id=self.id(c["team"]),
                text=c["text"],
                share_text=c["text_shared"],
                reported_on=on(c["reported_on"]),
                # The day only: noon of it, wherever the clock of this Marblejar is.
                acknowledged_at=(
                    timezone.make_aware(datetime.combine(on(c["acknowledged_on"]), time(12)))
                    if c["acknowledged_on"]
                    else None
                ),
                response=c["response"],
            )
            for c in self.data["cracks"]
        )


def check(data: dict[str, Any], into: Organization | None = None) -> None:
    """Refuse what is not an export of this version, or would clash with this Marblejar."""
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValidationError(
            _("This is not a Marblejar export of version %(version)s.") % {"version": VERSION}
        )
    validate(data)
    emails = [p["email"].lower() for p in data["people"]]
    if into is not None and Team.objects.filter(organization=into).exists():
        raise ValidationError(
            _("%(name)s already has teams: import into an organization without any.")
            % {"name": into.name}
        )
    others = User.objects.filter(email__in=emails)
    if into is not None:
        others = others.exclude(organization=into)
    taken = sorted(others.values_list("email", flat=True))
    if taken:
        raise ValidationError(
            _("These e-mail addresses already have an account here: %(emails)s.")
            % {"emails": ", ".join(taken)}
        )


@transaction.atomic
def import_export(
    data: dict[str, Any], *, name: str | None = None, into: Organization | None = None
) -> Organization:
    """Fill an organization with what ``data`` (an export) holds; returns it.

    A new organization, or ``into``: one without teams yet (the one
    ``marblejar createadmin`` made, say), whose people keep their accounts
    when the export names them too.
    """
    check(data, into=into)
    return Importer(data).run(name=name, into=into)
