"""Who may open or post to each URL of the site: one table, checked row by row.

Every route of the site (and every operation of the API) must have a row:
``test_the_matrix_covers_every_route`` fails when a URL is added without one,
and when a row names a route that no longer exists. A new feature adds its
rows to ``MATRIX``, and, when its URL takes arguments, how to fill them in
``URL_ARGS`` (and a body in ``BODIES`` for a POST or PATCH).

Each cell runs on fresh personas, so a row that deletes or changes something
cannot affect another.
"""

# The table's rows are one line each, one column per persona: wider than the
# line length, and easier to read that way.
# ruff: noqa: E501

from __future__ import annotations

import importlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from marblejar import permissions
from marblejar.accounts.services import token_create
from marblejar.api.api import api
from marblejar.pulse.services import pulse_close, pulse_schedule
from marblejar.teams.services import invitation_create
from marblejar.test import PASSWORD, Personas

# What a cell expects: a status code, or one of these.
L = "login"  # a redirect to the log-in page
R = "redirect"  # a redirect somewhere else (home, the team page, ...)

PERSONA_COLUMNS = ("anonymous", "outsider", "other", "member", "lead", "admin", "guest")

# The Platform team: lead Lena, members Max and Mia. "other" leads the Product
# team of the same organization; "outsider" administers another organization;
# "admin" administers this one and is in no team; "guest" joined the review R
# below by its guest link (no account before, no team): R's own addresses
# answer them as they answer a participant, everything else refuses them. The rows that take an
# argument act on Platform, on Mia's membership, on a pending invitation to
# Platform and on one of Max's API tokens.
#
# API rows are keyed by their OpenAPI path; every other row by its URL name.

# fmt: off
MATRIX: dict[tuple[str, str], tuple[Any, ...]] = {
    # (route, method):  (anonymous, outsider, other, member, lead, admin, guest)
    ("home",                                          "GET"):    (L,   R,   R,   R,   R,   R, R),
    ("healthz",                                       "GET"):    (200, 200, 200, 200, 200, 200, 200),
    # Without MARBLEJAR_METRICS_TOKEN there is no /metrics; a session never opens it
    # (test_metrics: the token alone does).
    ("metrics",                                       "GET"):    (404, 404, 404, 404, 404, 404, 404),
    ("accounts:login",                                "GET"):    (200, R,   R,   R,   R,   R, 403),
    ("accounts:login",                                "POST"):   (R,   R,   R,   R,   R,   R, 403),
    ("accounts:logout",                               "GET"):    (405, 405, 405, 405, 405, 405, 405),
    ("accounts:logout",                               "POST"):   (L,   L,   L,   L,   L,   L, L),
    ("accounts:signup",                               "GET"):    (200, R,   R,   R,   R,   R, 403),
    ("accounts:signup",                               "POST"):   (200, R,   R,   R,   R,   R, 403),
    ("accounts:join",                                 "GET"):    (200, 409, 200, 200, 200, 200, 403),
    ("accounts:join",                                 "POST"):   (R,   409, R,   R,   R,   R, 403),
    ("accounts:profile",                              "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("accounts:profile",                              "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("accounts:password_change",                      "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("accounts:password_change",                      "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("accounts:tokens",                               "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("accounts:tokens",                               "POST"):   (L,   200, 200, 200, 200, 200, 403),
    ("accounts:token_revoke",                         "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("accounts:token_revoke",                         "POST"):   (L,   404, 404, R,   404, 404, 403),
    ("accounts:export",                               "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("accounts:delete",                               "GET"):    (L,   200, 200, 200, 200, 200, 403),
    # The lead is Platform's only lead and the admin the only admin: both must hand over first.
    ("accounts:delete",                               "POST"):   (L,   L,   L,   L,   200, 200, 403),
    ("accounts:password_reset",                       "GET"):    (200, 200, 200, 200, 200, 200, 403),
    ("accounts:password_reset",                       "POST"):   (R,   R,   R,   R,   R,   R, 403),
    ("accounts:password_reset_done",                  "GET"):    (200, 200, 200, 200, 200, 200, 403),
    ("accounts:password_reset_confirm",               "GET"):    (200, 200, 200, 200, 200, 200, 403),
    ("accounts:password_reset_complete",              "GET"):    (200, 200, 200, 200, 200, 200, 403),
    ("teams:list",                                    "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("teams:create",                                  "GET"):    (L,   200, 403, 403, 403, 200, 403),
    ("teams:create",                                  "POST"):   (L,   R,   403, 403, 403, R, 403),
    ("teams:organization",                            "GET"):    (L,   200, 403, 403, 403, 200, 403),
    ("teams:organization",                            "POST"):   (L,   R,   403, 403, 403, R, 403),
    ("teams:detail",                                  "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("teams:edit",                                    "GET"):    (L,   404, 404, 403, 200, 200, 403),
    ("teams:edit",                                    "POST"):   (L,   404, 404, 403, R,   R, 403),
    ("teams:delete",                                  "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("teams:delete",                                  "POST"):   (L,   404, 404, 403, 403, R, 403),
    ("teams:join",                                    "POST"):   (L,   404, 404, 403, 403, R, 403),
    ("teams:invite",                                  "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("teams:invite",                                  "POST"):   (L,   404, 404, 403, 200, 200, 403),
    ("teams:invitation_revoke",                       "POST"):   (L,   404, 404, 403, R,   R, 403),
    ("teams:member_remove",                           "POST"):   (L,   404, 404, 403, R,   R, 403),
    ("teams:member_role",                             "POST"):   (L,   404, 404, 403, R,   R, 403),
    ("teams:events",                                  "GET"):    (403, 404, 404, 200, 200, 200, 403),
    ("teams:people",                                  "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("teams:people",                                  "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("teams:invitations",                             "GET"):    (L,   404, 404, 403, 200, 200, 403),
    # The language coach, which the board uses as people type (guests too).
    ("coaching:check",                                "GET"):    (L,   405, 405, 405, 405, 405, 405),
    ("coaching:check",                                "POST"):   (L,   200, 200, 200, 200, 200, 200),
    # Pulses: "answer" and "close" act on an open pulse, "results" and "respond"
    # on a closed one waiting for the lead. Teammates see a waiting page, not results.
    ("pulse:list",                                    "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("pulse:create",                                  "GET"):    (L,   404, 404, 403, 200, 403, 403),
    ("pulse:create",                                  "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("pulse:instrument_create",                       "GET"):    (L,   404, 404, 403, 200, 403, 403),
    ("pulse:instrument_create",                       "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("pulse:answer",                                  "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("pulse:answer",                                  "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("pulse:results",                                 "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("pulse:respond",                                 "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("pulse:close",                                   "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("pulse:overview",                                "GET"):    (L,   200, 403, 403, 403, 200, 403),
    ("pulse:settings",                                "GET"):    (L,   200, 403, 403, 403, 200, 403),
    ("pulse:settings",                                "POST"):   (L,   R,   403, 403, 403, R, 403),
    # Insights: the team's to whoever may open the team; across teams to org admins.
    ("insights:team",                                 "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("insights:team",                                 "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("insights:team_markdown",                        "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("insights:team_markdown",                        "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("insights:organization",                         "GET"):    (L,   200, 403, 403, 403, 200, 403),
    ("insights:organization",                         "POST"):   (L,   405, 405, 405, 405, 405, 403),
    # Data ownership: the page is for everyone; exports for org admins, and team leads.
    ("portability:what_we_store",                     "GET"):    (200, 200, 200, 200, 200, 200, 200),
    ("portability:what_we_store",                     "POST"):   (405, 405, 405, 405, 405, 405, 405),
    ("portability:organization_export",               "GET"):    (L,   200, 403, 403, 403, 200, 403),
    ("portability:organization_export",               "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("portability:team_export",                       "GET"):    (L,   404, 404, 403, 200, 200, 403),
    ("portability:team_export",                       "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("portability:retention",                         "GET"):    (L,   200, 403, 403, 403, 200, 403),
    ("portability:retention",                         "POST"):   (L,   R,   403, 403, 403, R, 403),
    ("api:openapi-json",                              "GET"):    (200, 200, 200, 200, 200, 200, 200),
    ("api:openapi-view",                              "GET"):    (200, 200, 200, 200, 200, 200, 200),
    ("api:api-root",                                  "GET"):    (404, 404, 404, 404, 404, 404, 403),
    # API operations (session-authenticated here; tokens have their own tests).
    ("/api/v1/me",                                    "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/me",                                    "PATCH"):  (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/organization",                          "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/organization",                          "PATCH"):  (401, 200, 403, 403, 403, 200, 403),
    ("/api/v1/tokens",                                "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/tokens",                                "POST"):   (401, 201, 201, 201, 201, 201, 403),
    ("/api/v1/tokens/{token_id}",                     "DELETE"): (401, 404, 404, 204, 404, 404, 403),
    ("/api/v1/teams",                                 "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/teams",                                 "POST"):   (401, 201, 403, 403, 403, 201, 403),
    ("/api/v1/teams/{slug}",                          "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}",                          "PATCH"):  (401, 404, 404, 403, 200, 200, 403),
    ("/api/v1/teams/{slug}",                          "DELETE"): (401, 404, 404, 403, 403, 204, 403),
    ("/api/v1/teams/{slug}/members",                  "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}/members/{membership_id}",  "PATCH"):  (401, 404, 404, 403, 200, 200, 403),
    ("/api/v1/teams/{slug}/members/{membership_id}",  "DELETE"): (401, 404, 404, 403, 204, 204, 403),
    ("/api/v1/teams/{slug}/invitations",              "GET"):    (401, 404, 404, 403, 200, 200, 403),
    ("/api/v1/teams/{slug}/invitations",              "POST"):   (401, 404, 404, 403, 201, 201, 403),
    ("/api/v1/teams/{slug}/invitations/{invitation_id}", "DELETE"): (401, 404, 404, 403, 204, 204, 403),
    ("/api/v1/coach",                                 "POST"):   (401, 200, 200, 200, 200, 200, 403),
    # Pulses in the API act on the open pulse: results wait for it to close.
    ("/api/v1/teams/{slug}/pulses",                   "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}/pulses",                   "POST"):   (401, 404, 404, 403, 201, 403, 403),
    ("/api/v1/teams/{slug}/pulses/{pulse_id}",        "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}/pulses/{pulse_id}/answers", "POST"):  (401, 404, 404, 201, 201, 403, 403),
    ("/api/v1/teams/{slug}/pulses/{pulse_id}/participation", "GET"): (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}/pulses/{pulse_id}/results", "GET"):   (401, 404, 404, 403, 403, 403, 403),
    ("/api/v1/teams/{slug}/pulses/{pulse_id}/response", "POST"): (401, 404, 404, 403, 400, 403, 403),
    ("/api/v1/teams/{slug}/pulses/{pulse_id}/close",  "POST"):   (401, 404, 404, 403, 200, 403, 403),
    ("/api/v1/organization/pulses",                   "GET"):    (401, 200, 403, 403, 403, 200, 403),
    # An invitation works only inside its own organization.
    ("/api/v1/invitations/accept",                    "POST"):   (401, 400, 200, 200, 200, 200, 403),
}
# fmt: on

# Routes left out of the matrix on purpose.
EXCLUDED_NAMESPACES = {"admin"}  # Django's admin: see test_the_admin_sends_non_staff_to_its_login
EXCLUDED_PREFIXES = ("admin/", "static/")
# The API's operations are rows of their own, keyed by OpenAPI path, above.
API_NAMESPACE = "api"
API_NON_OPERATIONS = {"api:openapi-json", "api:openapi-view", "api:api-root"}


@dataclass
class Scene:
    """What the rows act on, made fresh for every cell."""

    personas: Personas
    slug: str
    membership_id: int
    invitation_id: int
    invitation_token: str
    token_id: int
    pulse_id: int = 0  # an open pulse of Platform
    closed_pulse_id: int = 0  # a closed one, waiting for the lead's response


URL_ARGS: dict[str, Callable[[Scene], dict[str, Any]]] = {
    "accounts:join": lambda s: {"token": s.invitation_token},
    "accounts:token_revoke": lambda s: {"token_id": s.token_id},
    "accounts:password_reset_confirm": lambda s: {"uidb64": "MQ", "token": "no-such-token"},
    "teams:detail": lambda s: {"slug": s.slug},
    "insights:team": lambda s: {"slug": s.slug},
    "insights:team_markdown": lambda s: {"slug": s.slug},
    "portability:team_export": lambda s: {"slug": s.slug},
    "pulse:list": lambda s: {"slug": s.slug},
    "pulse:create": lambda s: {"slug": s.slug},
    "pulse:instrument_create": lambda s: {"slug": s.slug},
    "pulse:answer": lambda s: {"slug": s.slug, "pulse_id": s.pulse_id},
    "pulse:close": lambda s: {"slug": s.slug, "pulse_id": s.pulse_id},
    "pulse:results": lambda s: {"slug": s.slug, "pulse_id": s.closed_pulse_id},
    "pulse:respond": lambda s: {"slug": s.slug, "pulse_id": s.closed_pulse_id},
    "teams:edit": lambda s: {"slug": s.slug},
    "teams:delete": lambda s: {"slug": s.slug},
    "teams:join": lambda s: {"slug": s.slug},
    "teams:invite": lambda s: {"slug": s.slug},
    "teams:events": lambda s: {"slug": s.slug},
    "teams:people": lambda s: {"slug": s.slug},
    "teams:invitations": lambda s: {"slug": s.slug},
    "teams:invitation_revoke": lambda s: {"slug": s.slug, "invitation_id": s.invitation_id},
    "teams:member_remove": lambda s: {"slug": s.slug, "membership_id": s.membership_id},
    "teams:member_role": lambda s: {"slug": s.slug, "membership_id": s.membership_id},
}

NEW_PASSWORD = "a brand new horse battery"

PULSE_ITEMS = (
    "mistakes",
    "raise_problems",
    "difference",
    "risk",
    "ask_help",
    "no_undermining",
    "skills_used",
)


def pulse_times(*, iso: bool = False) -> dict[str, str]:
    now = timezone.localtime()
    opens, closes = now - timedelta(hours=1), now + timedelta(days=7)
    fmt = "%Y-%m-%dT%H:%M"
    if iso:
        return {"opens_at": opens.isoformat(), "closes_at": closes.isoformat()}
    return {"opens_at": opens.strftime(fmt), "closes_at": closes.strftime(fmt)}


BODIES: dict[tuple[str, str], Callable[[Scene], dict[str, Any]]] = {
    ("accounts:login", "POST"): lambda s: {
        "username": s.personas.member.email,
        "password": PASSWORD,
    },
    ("accounts:signup", "POST"): lambda s: {
        "display_name": "Nina New",
        "email": "nina@acme.test",
        "password": NEW_PASSWORD,
        "organization_name": "Initech",
    },
    ("accounts:join", "POST"): lambda s: {
        "display_name": "Nina New",
        "email": "nina@acme.test",
        "password": NEW_PASSWORD,
    },
    ("accounts:profile", "POST"): lambda s: {"display_name": "A new name"},
    ("accounts:password_change", "POST"): lambda s: {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    },
    ("accounts:tokens", "POST"): lambda s: {"name": "backup script"},
    ("accounts:delete", "POST"): lambda s: {"password": PASSWORD},
    ("accounts:password_reset", "POST"): lambda s: {"email": s.personas.member.email},
    ("coaching:check", "POST"): lambda s: {"text": "Why didn't you test it?"},
    ("teams:create", "POST"): lambda s: {"name": "Research", "description": ""},
    ("teams:organization", "POST"): lambda s: {"name": "Acme Ltd", "open_signup_domain": ""},
    ("portability:retention", "POST"): lambda s: {"closed_reviews_days": "365", "pulses_days": ""},
    ("teams:edit", "POST"): lambda s: {"name": "Platform Engineering", "description": "Infra"},
    ("teams:delete", "POST"): lambda s: {"confirm_name": "Platform"},
    ("teams:invite", "POST"): lambda s: {"email": "newbie@acme.test", "role": "member"},
    ("teams:member_role", "POST"): lambda s: {"role": "lead"},
    ("/api/v1/coach", "POST"): lambda s: {"text": "Why didn't you test it?"},
    ("pulse:create", "POST"): lambda s: (
        pulse_times()
        | {
            "instrument": "psychological_safety",
            "cadence": "once",
            "min_group_size": "5",
            "min_comment_group_size": "5",
        }
    ),
    ("pulse:instrument_create", "POST"): lambda s: {
        "name": "Meetings",
        "scale_points": "5",
        "low_label": "Never",
        "high_label": "Always",
        "item_1": "Our meetings end on time.",
    },
    ("pulse:answer", "POST"): lambda s: {key: "5" for key in PULSE_ITEMS},
    ("pulse:respond", "POST"): lambda s: {"heard": "I hear you.", "plan": "We will pair more."},
    ("pulse:settings", "POST"): lambda s: {"min_group_size": "4", "min_comment_group_size": "5"},
    ("/api/v1/teams/{slug}/pulses", "POST"): lambda s: pulse_times(iso=True),
    ("/api/v1/teams/{slug}/pulses/{pulse_id}/answers", "POST"): lambda s: {
        "answers": {key: 5 for key in PULSE_ITEMS}
    },
    ("/api/v1/teams/{slug}/pulses/{pulse_id}/response", "POST"): lambda s: {
        "heard": "I hear you.",
        "plan": "We will pair more.",
    },
    ("/api/v1/me", "PATCH"): lambda s: {"display_name": "A new name"},
    ("/api/v1/organization", "PATCH"): lambda s: {"name": "Acme Ltd", "open_signup_domain": ""},
    ("/api/v1/tokens", "POST"): lambda s: {"name": "backup script", "read_only": False},
    ("/api/v1/teams", "POST"): lambda s: {"name": "Research", "description": ""},
    ("/api/v1/teams/{slug}", "PATCH"): lambda s: {"name": "Platform Eng", "description": ""},
    ("/api/v1/teams/{slug}/members/{membership_id}", "PATCH"): lambda s: {"role": "lead"},
    ("/api/v1/teams/{slug}/invitations", "POST"): lambda s: {"email": "n@acme.test"},
    ("/api/v1/invitations/accept", "POST"): lambda s: {"token": s.invitation_token},
}


# Learning reviews ----------------------------------------------------------------
#
# The rows act on an asynchronous Platform review, open for another week, in
# its reflect phase (Lena facilitates and has gone first), with a private note
# by Max, a theme, a question and an improvement action. Posting in the wrong
# phase is refused by the service (a redirect with a message, or the form
# again with a 400): what matters here is who gets that far. Reviews are for
# the team's members: an org admin outside the team, like a member of another
# team, does not find them.


def review_scene(scene: Scene) -> dict[str, Any]:
    """Ids for the review rows, made once per cell (the scene is fresh per cell)."""
    if "review_ids" not in scene.__dict__:
        from marblejar.reviews import services as review_services
        from marblejar.reviews.models import Action, Question, Theme

        p = scene.personas
        review = review_services.review_schedule(
            actor=p.lead,
            team=p.team,
            title="Retro",
            purpose="Learn",
            agenda="All phases",
            template="builtin:went_well",
            mode="async",
            open_until=timezone.now() + timedelta(days=7),
        )
        for _phase in ("checkin", "followup", "go_first"):
            review_services.review_advance_phase(actor=p.lead, review=review)
        review_services.go_first_write(actor=p.lead, review=review, part="Mine", revisit="That")
        review_services.review_advance_phase(actor=p.lead, review=review)
        note = review_services.note_add(actor=p.member, review=review, column="puzzled", text="n")
        theme = Theme.objects.create(organization=p.org, review=review, title="T")
        question = Question.objects.create(
            organization=p.org, review=review, theme=theme, text="Q?", intent="Because."
        )
        action = Action.objects.create(
            organization=p.org, team=p.team, review=review, title="A", expected_effect="E"
        )
        scene.__dict__["review_ids"] = {
            "review_id": review.pk,
            "note_id": note.pk,
            "theme_id": theme.pk,
            "question_id": question.pk,
            "action_id": action.pk,
        }
    return scene.__dict__["review_ids"]


def guest_link_token(scene: Scene) -> str:
    """The token of the review's guest link (made by Lena, its facilitator)."""
    from marblejar.reviews import services as review_services
    from marblejar.reviews.models import Review

    review = Review.objects.get(pk=review_scene(scene)["review_id"])
    link = review_services.guest_link_create(actor=scene.personas.lead, review=review)
    return review_services.guest_link_token(link)


def _review_args(*names: str) -> Callable[[Scene], dict[str, Any]]:
    return lambda s: {name: review_scene(s)[name] for name in names}


_ACTION_BODY = {
    "title": "Load test",
    "expected_effect": "No slips",
    "due_on": "2030-01-01",
    "check_on": "2030-02-01",
}

URL_ARGS.update(
    {
        "reviews:list": lambda s: {"slug": s.slug},
        "reviews:create": lambda s: {"slug": s.slug},
        "reviews:intent": lambda s: {"slug": s.slug},
        "reviews:templates": lambda s: {"slug": s.slug},
        "reviews:actions": lambda s: {"slug": s.slug},
        "reviews:action_status": _review_args("action_id"),
        "reviews:action_new": lambda s: {"slug": s.slug},
        "reviews:actions_csv": lambda s: {"slug": s.slug},
        "reviews:actions_md": lambda s: {"slug": s.slug},
        "reviews:action": _review_args("action_id"),
        "reviews:action_check": _review_args("action_id"),
        "reviews:section": lambda s: {"review_id": review_scene(s)["review_id"], "part": "columns"},
        "reviews:note_edit": _review_args("review_id", "note_id"),
        "reviews:note_delete": _review_args("review_id", "note_id"),
        "reviews:note_move": _review_args("review_id", "note_id"),
        "reviews:vote": _review_args("review_id", "theme_id"),
        "reviews:finding_add": _review_args("review_id", "theme_id"),
        "reviews:question_add": _review_args("review_id", "theme_id"),
        "reviews:question_answer": _review_args("review_id", "question_id"),
        "reviews:guest_join": lambda s: {"token": guest_link_token(s)},
        **{
            f"reviews:{name}": _review_args("review_id")
            for name in (
                "board",
                "events",
                "presence",
                "advance",
                "open_until",
                "safety_vote",
                "make_safer",
                "go_first",
                "note_add",
                "theme_add",
                "action_add",
                "timeline_add",
                "timer",
                "done",
                "spotlight",
                "discuss_add",
                "summary",
                "summary_md",
                "roti",
                "guest_link",
                "guest_ended",
            )
        },
    }
)

BODIES.update(
    {
        ("reviews:create", "POST"): lambda s: {
            "title": "Retro",
            "purpose": "Learn",
            "agenda": "All phases",
            "template": "builtin:went_well",
            "mode": "live",
            "votes_per_person": 3,
        },
        ("reviews:intent", "POST"): lambda s: {"text": "We assume good intent."},
        ("reviews:templates", "POST"): lambda s: {
            "name": "Sailboat",
            "kind": "retrospective",
            "columns": "Wind: what pushed us",
        },
        ("reviews:action_status", "POST"): lambda s: {"status": "done"},
        ("reviews:action_new", "POST"): lambda s: _ACTION_BODY,
        ("reviews:action", "POST"): lambda s: _ACTION_BODY,
        ("reviews:action_check", "POST"): lambda s: {"result": "worked"},
        ("/api/v1/teams/{slug}/actions", "POST"): lambda s: _ACTION_BODY,
        ("/api/v1/actions/{action_id}", "PUT"): lambda s: _ACTION_BODY,
        ("/api/v1/actions/{action_id}/check", "POST"): lambda s: {"result": "worked"},
        ("reviews:open_until", "POST"): lambda s: {
            "open_until": (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
        },
        ("reviews:safety_vote", "POST"): lambda s: {"value": 3},
        ("reviews:go_first", "POST"): lambda s: {"part": "My part", "revisit": "A decision"},
        ("reviews:note_add", "POST"): lambda s: {"column": "puzzled", "text": "A note"},
        ("reviews:note_edit", "POST"): lambda s: {"text": "Edited"},
        ("reviews:theme_add", "POST"): lambda s: {"title": "Alerts"},
        ("reviews:finding_add", "POST"): lambda s: {"kind": "finding", "text": "x"},
        ("reviews:question_add", "POST"): lambda s: {"text": "Q?", "intent": "Because"},
        ("reviews:question_answer", "POST"): lambda s: {"answer": "A"},
        ("reviews:action_add", "POST"): lambda s: _ACTION_BODY,
        ("reviews:timeline_add", "POST"): lambda s: {
            "happened_at": "2030-01-01T10:00",
            "what": "Alert",
        },
        ("reviews:roti", "POST"): lambda s: {"value": 4},
        ("reviews:guest_link", "POST"): lambda s: {"do": "create", "share_summary": "1"},
        ("reviews:guest_join", "POST"): lambda s: {"display_name": "Nina Guest"},
        ("reviews:timer", "POST"): lambda s: {"action": "set", "minutes": 5},
        ("reviews:done", "POST"): lambda s: {"done": "1"},
        ("reviews:discuss_add", "POST"): lambda s: {
            "theme": review_scene(s)["theme_id"],
            "kind": "finding",
            "text": "x",
        },
        ("/api/v1/teams/{slug}/reviews", "POST"): lambda s: {
            "title": "Retro",
            "purpose": "Learn",
            "agenda": "All phases",
        },
        ("/api/v1/reviews/{review_id}", "PATCH"): lambda s: {
            "open_until": (timezone.now() + timedelta(days=10)).isoformat()
        },
        ("/api/v1/reviews/{review_id}/advance", "POST"): lambda s: {},
        ("/api/v1/reviews/{review_id}/safety", "POST"): lambda s: {"value": 3},
        ("/api/v1/reviews/{review_id}/go-first", "PUT"): lambda s: {"part": "P", "revisit": "R"},
        ("/api/v1/reviews/{review_id}/timeline", "POST"): lambda s: {
            "happened_at": "2030-01-01T10:00:00Z",
            "what": "Alert",
        },
        ("/api/v1/reviews/{review_id}/notes", "POST"): lambda s: {
            "column": "puzzled",
            "text": "A note",
        },
        ("/api/v1/reviews/{review_id}/notes/{note_id}", "PATCH"): lambda s: {"text": "Edited"},
        ("/api/v1/reviews/{review_id}/themes", "POST"): lambda s: {"title": "Alerts"},
        ("/api/v1/reviews/{review_id}/themes/{theme_id}/questions", "POST"): lambda s: {
            "text": "Q?",
            "intent": "Because",
        },
        ("/api/v1/reviews/{review_id}/questions/{question_id}/answer", "POST"): lambda s: {
            "answer": "A"
        },
        ("/api/v1/reviews/{review_id}/themes/{theme_id}/findings", "POST"): lambda s: {
            "kind": "finding",
            "text": "x",
        },
        ("/api/v1/reviews/{review_id}/actions", "POST"): lambda s: _ACTION_BODY,
        ("/api/v1/actions/{action_id}", "PATCH"): lambda s: {"status": "done"},
    }
)

# fmt: off
MATRIX.update({
    # route                                          method    anonymous outsider other member lead admin guest  # noqa: E501
    ("reviews:list",                                  "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("reviews:create",                                "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("reviews:create",                                "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("reviews:intent",                                "GET"):    (L,   404, 404, 403, 200, 403, 403),
    ("reviews:intent",                                "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("reviews:templates",                             "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("reviews:templates",                             "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("reviews:actions",                               "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("reviews:action_status",                         "POST"):   (L,   404, 404, R,   R,   404, 403),
    # Improvement actions are the team's: any member adds, edits, moves and checks them.
    ("reviews:action_new",                            "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("reviews:action_new",                            "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("reviews:actions_csv",                           "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("reviews:actions_md",                            "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("reviews:action",                                "GET"):    (L,   404, 404, 200, 200, 404, 403),
    ("reviews:action",                                "POST"):   (L,   404, 404, R,   R,   404, 403),
    ("reviews:action_check",                          "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("reviews:action_check",                          "POST"):   (L,   404, 404, R,   R,   404, 403),
    ("reviews:board",                                 "GET"):    (L,   404, 404, 200, 200, 404, 200),
    ("reviews:section",                               "GET"):    (L,   404, 404, 200, 200, 404, 200),
    ("reviews:events",                                "GET"):    (403, 404, 404, 200, 200, 404, 200),
    ("reviews:presence",                              "POST"):   (L,   404, 404, 204, 204, 404, 204),
    ("reviews:advance",                               "GET"):    (L,   405, 405, 405, 405, 405, 405),
    ("reviews:advance",                               "POST"):   (L,   404, 404, 403, R,   404, 403),
    # When an asynchronous review closes: its facilitator's call, or a lead's.
    ("reviews:open_until",                            "GET"):    (L,   405, 405, 405, 405, 405, 405),
    ("reviews:open_until",                            "POST"):   (L,   404, 404, 403, R,   404, 403),
    ("reviews:safety_vote",                           "POST"):   (L,   404, 404, R,   R,   404, R),
    ("reviews:make_safer",                            "POST"):   (L,   404, 404, 403, R,   404, 403),
    ("reviews:go_first",                              "POST"):   (L,   404, 404, 403, R,   404, 403),
    ("reviews:note_add",                              "POST"):   (L,   404, 404, R,   R,   404, R),
    # Before the reveal a note exists only for its author (Max).
    ("reviews:note_edit",                             "GET"):    (L,   404, 404, 200, 404, 404, 404),
    ("reviews:note_edit",                             "POST"):   (L,   404, 404, R,   404, 404, 404),
    ("reviews:note_delete",                           "POST"):   (L,   404, 404, R,   404, 404, 404),
    # Moving a card: the page without JavaScript (GET) sends back to the board
    # outside the group phase, as the move itself does.
    ("reviews:note_move",                             "GET"):    (L,   404, 404, R,   404, 404, 404),
    ("reviews:note_move",                             "POST"):   (L,   404, 404, R,   404, 404, 404),
    ("reviews:theme_add",                             "POST"):   (L,   404, 404, 400, 400, 404, 400),
    ("reviews:vote",                                  "POST"):   (L,   404, 404, R,   R,   404, R),
    ("reviews:finding_add",                           "POST"):   (L,   404, 404, 400, 400, 404, 400),
    ("reviews:question_add",                          "POST"):   (L,   404, 404, 400, 400, 404, 400),
    ("reviews:question_answer",                       "POST"):   (L,   404, 404, 400, 400, 404, 400),
    ("reviews:action_add",                            "POST"):   (L,   404, 404, 400, 400, 404, 400),
    ("reviews:timeline_add",                          "POST"):   (L,   404, 404, 400, 400, 404, 400),
    ("reviews:timer",                                 "POST"):   (L,   404, 404, 403, R,   404, 403),
    ("reviews:done",                                  "POST"):   (L,   404, 404, R,   R,   404, R),
    ("reviews:spotlight",                             "POST"):   (L,   404, 404, 403, R,   404, 403),
    ("reviews:discuss_add",                           "POST"):   (L,   404, 404, 400, 400, 404, 400),
    ("reviews:summary",                               "GET"):    (L,   404, 404, 200, 200, 404, 200),
    ("reviews:summary_md",                            "GET"):    (L,   404, 404, 200, 200, 404, 200),
    ("reviews:roti",                                  "POST"):   (L,   404, 404, R,   R,   404, R),
    # Guests: whoever runs the review shares its link (Lena); opening the link
    # offers to join to anyone who may not see the review already (members
    # go to the board); the "thank you" page is for a browser whose guest part
    # ended (none of these), test_guests.py walks it.
    ("reviews:guest_link",                            "GET"):    (405, 405, 405, 405, 405, 405, 403),
    ("reviews:guest_link",                            "POST"):   (L,   404, 404, 403, R,   404, 403),
    ("reviews:guest_join",                            "GET"):    (200, 200, 200, R,   R,   200, R),
    ("reviews:guest_join",                            "POST"):   (R,   R,   R,   R,   R,   R,   R),
    ("reviews:guest_ended",                           "GET"):    (404, 404, 404, 404, 404, 404, 404),
    ("/api/v1/teams/{slug}/reviews",                  "GET"):    (401, 404, 404, 200, 200, 403, 403),
    ("/api/v1/teams/{slug}/reviews",                  "POST"):   (401, 404, 404, 201, 201, 403, 403),
    ("/api/v1/reviews/{review_id}",                   "GET"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/reviews/{review_id}",                   "PATCH"):  (401, 404, 404, 403, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/advance",           "POST"):   (401, 404, 404, 403, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/safety",            "POST"):   (401, 404, 404, 400, 400, 404, 403),
    ("/api/v1/reviews/{review_id}/go-first",          "PUT"):    (401, 404, 404, 403, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/timeline",          "POST"):   (401, 404, 404, 400, 400, 404, 403),
    ("/api/v1/reviews/{review_id}/notes",             "GET"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/notes",             "POST"):   (401, 404, 404, 201, 201, 404, 403),
    ("/api/v1/reviews/{review_id}/notes/{note_id}",   "PATCH"):  (401, 404, 404, 200, 404, 404, 403),
    ("/api/v1/reviews/{review_id}/notes/{note_id}",   "DELETE"): (401, 404, 404, 204, 404, 404, 403),
    ("/api/v1/reviews/{review_id}/themes",            "GET"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/themes",            "POST"):   (401, 404, 404, 400, 400, 404, 403),
    ("/api/v1/reviews/{review_id}/themes/{theme_id}/votes", "POST"):   (401, 404, 404, 400, 400, 404, 403),  # noqa: E501
    ("/api/v1/reviews/{review_id}/themes/{theme_id}/votes", "DELETE"): (401, 404, 404, 400, 400, 404, 403),  # noqa: E501
    ("/api/v1/reviews/{review_id}/questions",         "GET"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/themes/{theme_id}/questions", "POST"): (401, 404, 404, 400, 400, 404, 403),  # noqa: E501
    ("/api/v1/reviews/{review_id}/questions/{question_id}/answer", "POST"): (401, 404, 404, 400, 400, 404, 403),  # noqa: E501
    ("/api/v1/reviews/{review_id}/findings",          "GET"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/themes/{theme_id}/findings", "POST"): (401, 404, 404, 400, 400, 404, 403),  # noqa: E501
    ("/api/v1/reviews/{review_id}/actions",           "GET"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/reviews/{review_id}/actions",           "POST"):   (401, 404, 404, 400, 400, 404, 403),
    ("/api/v1/actions/{action_id}",                   "PATCH"):  (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/actions/{action_id}",                   "GET"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/actions/{action_id}",                   "PUT"):    (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/actions/{action_id}/check",             "POST"):   (401, 404, 404, 200, 200, 404, 403),
    ("/api/v1/teams/{slug}/actions",                  "GET"):    (401, 404, 404, 200, 200, 403, 403),
    ("/api/v1/teams/{slug}/actions",                  "POST"):   (401, 404, 404, 201, 201, 403, 403),
})
# fmt: on


# Reflections and the marble jar ------------------------------------------------
#
# The rows act on Max's learning in progress in Platform, with a comment by Mia;
# a marble Max dropped by hand naming Mia; a crack in Platform and one about
# something shared with the whole organization. Reflections are read by the
# team and org admins, but only the team's members respond; Max may not react
# to his own reflection (a message: 400 in the API, a redirect on the site).


def reflections_jar_scene(scene: Scene) -> dict[str, Any]:
    """Ids for the reflection and jar rows, made once per cell."""
    if "reflections_jar_ids" not in scene.__dict__:
        from marblejar.jar.services import marble_drop_by_hand
        from marblejar.jar.tests.helpers import crack_released
        from marblejar.reflections.services import comment_create, reflection_create

        p = scene.personas
        learning = reflection_create(
            author=p.member,
            team=p.team,
            kind="learning",
            title="Public speaking",
            skill="Speaking at all-hands",
            body="I freeze.",
            publish=True,
        )
        comment = comment_create(author=p.member2, reflection=learning, body="Me too.")
        marble = marble_drop_by_hand(
            actor=p.member, team=p.team, description="Mia asked for help.", named_user=p.member2
        )
        crack = crack_released(actor=p.member, team=p.team, text="Talked over.")
        org_crack = crack_released(actor=p.member, team=None, text="All-hands joke.")
        scene.__dict__["reflections_jar_ids"] = {
            "pk": learning.pk,
            "reflection_id": learning.pk,
            "comment_id": comment.pk,
            "marble_id": marble.pk,
            "crack_id": str(crack.pk),
            "org_crack_id": str(org_crack.pk),
            "kind": "thanks",
        }
    return scene.__dict__["reflections_jar_ids"]


def reflections_jar_api_ids(route: str, scene: Scene) -> dict[str, Any]:
    """Placeholders of the reflection and jar API paths (an org-wide crack for org paths)."""
    placeholders = ("{reflection_id}", "{marble_id}", "{crack_id}")
    if not any(p in route for p in placeholders):
        return {}
    ids = dict(reflections_jar_scene(scene))
    if route.startswith("/api/v1/organization/"):
        ids["crack_id"] = ids["org_crack_id"]
    return ids


def _rj_args(*names: str, slug: bool = False) -> Callable[[Scene], dict[str, Any]]:
    def args(s: Scene) -> dict[str, Any]:
        ids = reflections_jar_scene(s)
        return {**({"slug": s.slug} if slug else {}), **{n: ids[n] for n in names}}

    return args


URL_ARGS.update(
    {
        "reflections:team_list": lambda s: {"slug": s.slug},
        "jar:history": lambda s: {"slug": s.slug},
        "jar:drop": lambda s: {"slug": s.slug},
        "jar:cracks": lambda s: {"slug": s.slug},
        **{
            f"reflections:{name}": _rj_args("pk")
            for name in (
                "detail", "edit", "delete", "publish", "print", "send", "react", "comment",
                "practice", "update", "events",
            )
        },
        "reflections:part": lambda s: {"pk": reflections_jar_scene(s)["pk"], "part": "responses"},
        "reflections:comment_hide": _rj_args("pk", "comment_id"),
        "reflections:comment_report": _rj_args("pk", "comment_id"),
        "jar:marble_remove": _rj_args("marble_id", slug=True),
        "jar:marble_keep": _rj_args("marble_id", slug=True),
        "jar:crack_acknowledge": _rj_args("crack_id", slug=True),
        "jar:organization_crack_acknowledge": lambda s: {
            "crack_id": reflections_jar_scene(s)["org_crack_id"]
        },
    }
)  # fmt: skip

BODIES.update(
    {
        ("reflections:create", "POST"): lambda s: {
            "kind": "lesson", "audience": "org", "title": "A lesson", "body": "Text",
            "publish": "1",
        },
        ("reflections:edit", "POST"): lambda s: {
            "title": "Still learning", "skill": "Public speaking", "body": "Better now.",
        },
        ("reflections:send", "POST"): lambda s: {"recipient": s.personas.member2.pk},
        ("reflections:react", "POST"): lambda s: {"kind": "thanks"},
        ("reflections:comment", "POST"): lambda s: {"body": "Thank you for sharing."},
        ("reflections:comment_report", "POST"): lambda s: {"text": "That felt dismissive."},
        ("reflections:practice", "POST"): lambda s: {"practised_on": "2024-05-01", "minutes": "20"},
        ("reflections:update", "POST"): lambda s: {"body": "It is getting easier."},
        ("jar:drop", "POST"): lambda s: {"description": "Mia asked for help; Max paired."},
        ("jar:cracks", "POST"): lambda s: {"text": "I was talked over."},
        ("jar:organization_cracks", "POST"): lambda s: {"text": "A joke at all-hands."},
        ("/api/v1/reflections", "POST"): lambda s: {
            "kind": "lesson", "title": "A lesson", "body": "Text", "publish": True,
        },
        ("/api/v1/reflections/{reflection_id}", "PATCH"): lambda s: {"title": "Still learning"},
        ("/api/v1/reflections/{reflection_id}/send", "POST"): lambda s: {
            "recipient_id": s.personas.member2.pk,
        },
        ("/api/v1/reflections/{reflection_id}/comments", "POST"): lambda s: {"body": "Thanks!"},
        ("/api/v1/reflections/{reflection_id}/comments/{comment_id}/report", "POST"): lambda s: {
            "text": "Dismissive.",
        },
        ("/api/v1/reflections/{reflection_id}/practice", "POST"): lambda s: {
            "practised_on": "2024-05-01", "minutes": 20,
        },
        ("/api/v1/reflections/{reflection_id}/updates", "POST"): lambda s: {"body": "Easier."},
        ("/api/v1/teams/{slug}/marbles", "POST"): lambda s: {"description": "Paired on a bug."},
        ("/api/v1/teams/{slug}/cracks", "POST"): lambda s: {"text": "I was talked over."},
        ("/api/v1/organization/cracks", "POST"): lambda s: {"text": "A joke at all-hands."},
    }
)  # fmt: skip

# fmt: off
MATRIX.update({
    # route                                          method    anonymous outsider other member lead admin guest  # noqa: E501
    ("reflections:team_list",                         "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("reflections:organization_list",                 "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("reflections:create",                            "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("reflections:create",                            "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("reflections:detail",                            "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("reflections:edit",                              "GET"):    (L,   404, 404, 200, 403, 403, 403),
    ("reflections:edit",                              "POST"):   (L,   404, 404, R,   403, 403, 403),
    ("reflections:delete",                            "POST"):   (L,   404, 404, R,   403, 403, 403),
    ("reflections:publish",                           "POST"):   (L,   404, 404, R,   403, 403, 403),
    ("reflections:print",                             "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("reflections:send",                              "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("reflections:send",                              "POST"):   (L,   404, 404, R,   R,   R, 403),
    ("reflections:react",                             "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("reflections:events",                            "GET"):    (403, 404, 404, 200, 200, 200, 403),
    ("reflections:part",                              "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("reflections:part",                              "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("reflections:comment",                           "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("reflections:comment_hide",                      "POST"):   (L,   404, 404, R,   403, 403, 403),
    ("reflections:comment_report",                    "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("reflections:comment_report",                    "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("reflections:practice",                          "POST"):   (L,   404, 404, R,   403, 403, 403),
    ("reflections:update",                            "POST"):   (L,   404, 404, R,   403, 403, 403),
    ("jar:history",                                   "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("jar:drop",                                      "GET"):    (L,   404, 404, 200, 200, 403, 403),
    ("jar:drop",                                      "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("jar:marble_remove",                             "POST"):   (L,   404, 404, R,   403, 403, 403),
    # Only Mia, whom the marble names, may keep it; she is not a column.
    ("jar:marble_keep",                               "POST"):   (L,   404, 404, 403, 403, 403, 403),
    ("jar:cracks",                                    "GET"):    (L,   404, 404, 200, 200, 200, 403),
    ("jar:cracks",                                    "POST"):   (L,   404, 404, R,   R,   403, 403),
    ("jar:crack_acknowledge",                         "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("jar:organization_cracks",                       "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("jar:organization_cracks",                       "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("jar:organization_crack_acknowledge",            "POST"):   (L,   404, 403, 403, 403, R, 403),
    ("/api/v1/reflections",                           "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/reflections",                           "POST"):   (401, 201, 201, 201, 201, 201, 403),
    ("/api/v1/reflections/drafts",                    "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/reflections/{reflection_id}",           "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/reflections/{reflection_id}",           "PATCH"):  (401, 404, 404, 200, 403, 403, 403),
    ("/api/v1/reflections/{reflection_id}",           "DELETE"): (401, 404, 404, 204, 403, 403, 403),
    ("/api/v1/reflections/{reflection_id}/send",      "POST"):   (401, 404, 404, 204, 204, 204, 403),
    ("/api/v1/reflections/{reflection_id}/comments",  "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/reflections/{reflection_id}/comments",  "POST"):   (401, 404, 404, 201, 201, 403, 403),
    ("/api/v1/reflections/{reflection_id}/comments/{comment_id}/hide", "POST"): (401, 404, 404, 200, 403, 403, 403),  # noqa: E501
    ("/api/v1/reflections/{reflection_id}/comments/{comment_id}/report", "POST"): (401, 404, 404, 202, 202, 403, 403),  # noqa: E501
    ("/api/v1/reflections/{reflection_id}/reactions", "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/reflections/{reflection_id}/reactions/{kind}", "PUT"): (401, 404, 404, 400, 200, 403, 403),
    ("/api/v1/reflections/{reflection_id}/reactions/{kind}", "DELETE"): (401, 404, 404, 200, 200, 403, 403),  # noqa: E501
    ("/api/v1/reflections/{reflection_id}/practice",  "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/reflections/{reflection_id}/practice",  "POST"):   (401, 404, 404, 201, 403, 403, 403),
    ("/api/v1/reflections/{reflection_id}/updates",   "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/reflections/{reflection_id}/updates",   "POST"):   (401, 404, 404, 201, 403, 403, 403),
    ("/api/v1/teams/{slug}/jar",                      "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}/marbles",                  "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}/marbles",                  "POST"):   (401, 404, 404, 201, 201, 403, 403),
    ("/api/v1/teams/{slug}/marbles/{marble_id}",      "DELETE"): (401, 404, 404, 204, 403, 403, 403),
    ("/api/v1/teams/{slug}/cracks",                   "GET"):    (401, 404, 404, 200, 200, 200, 403),
    ("/api/v1/teams/{slug}/cracks",                   "POST"):   (401, 404, 404, 202, 202, 403, 403),
    ("/api/v1/teams/{slug}/cracks/{crack_id}/acknowledge", "POST"): (401, 404, 404, 403, 200, 403, 403),
    ("/api/v1/organization/cracks",                   "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/organization/cracks",                   "POST"):   (401, 202, 202, 202, 202, 202, 403),
    ("/api/v1/organization/cracks/{crack_id}/acknowledge", "POST"): (401, 404, 403, 403, 403, 200, 403),
})
# fmt: on


# The route walk ---------------------------------------------------------------


def walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(full pattern, route name) for every URL of the site; unnamed routes by pattern."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(n for n in (namespace, p.namespace or "") if n)
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            full = prefix + str(p.pattern)
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or full)
            yield full, name


def site_routes() -> set[str]:
    routes = set()
    for full, name in walk(get_resolver().url_patterns):
        if full.startswith(EXCLUDED_PREFIXES) or name.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        if name.split(":")[0] == API_NAMESPACE and name not in API_NON_OPERATIONS:
            continue  # covered operation by operation below
        routes.add(name)
    return routes


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}


def _unsubscribe_token(scene: Scene) -> dict[str, Any]:
    from marblejar.notifications.services import unsubscribe_token

    return {"token": unsubscribe_token(user_id=scene.personas.member.pk, kind="pulse_open")}


# Notifications: each person's own. The unsubscribe link is its own credential
# (signed for Max): whoever holds it may use it, logged in or not.
# fmt: off
MATRIX.update({
    ("notifications:list",                            "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("notifications:list",                            "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("notifications:mark_read",                       "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("notifications:mark_read",                       "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("notifications:events",                          "GET"):    (403, 200, 200, 200, 200, 200, 403),
    ("notifications:open",                            "GET"):    (L,   404, 404, R,   404, 404, 403),
    ("notifications:open",                            "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("notifications:preferences",                     "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("notifications:preferences",                     "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("notifications:unsubscribe",                     "GET"):    (200, 200, 200, 200, 200, 200, 403),
    ("notifications:unsubscribe",                     "POST"):   (200, 200, 200, 200, 200, 200, 403),
    ("/api/v1/notifications",                         "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/notifications/read",                    "POST"):   (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/notifications/preferences",             "GET"):    (401, 200, 200, 200, 200, 200, 403),
    ("/api/v1/notifications/preferences",             "PUT"):    (401, 200, 200, 200, 200, 200, 403),
})
# fmt: on
URL_ARGS["notifications:unsubscribe"] = _unsubscribe_token


def _a_notification_of_max(scene: Scene) -> dict[str, Any]:
    from marblejar.notifications.services import notify

    if "notification_id" not in scene.__dict__:
        [made] = notify(
            recipients=[scene.personas.member],
            kind="reflection_comment",
            url="/t/platform/",
            params={"actor": "Mia", "title": "A title"},
        )
        scene.__dict__["notification_id"] = made.pk
    return {"notification_id": scene.__dict__["notification_id"]}


URL_ARGS["notifications:open"] = _a_notification_of_max
BODIES[("notifications:preferences", "POST")] = lambda s: {"pulse_open": "in_app"}
BODIES[("/api/v1/notifications/preferences", "PUT")] = lambda s: {"channels": {"pulse_open": "off"}}


# Single sign-on and two-factor sign-in. Single sign-on is not configured here
# (its pages are 404; marblejar/accounts/tests/test_sso.py runs it against a
# provider). The code step without a password step first goes back to the
# log-in page. Each person's two-factor pages act on their own account only;
# none of these personas has two-factor on, so there are no fresh recovery
# codes to show and new ones need two-factor first (400).
# fmt: off
MATRIX.update({
    ("accounts:login_code",                           "GET"):    (L,   L,   L,   L,   L,   L, 403),
    ("accounts:login_code",                           "POST"):   (L,   L,   L,   L,   L,   L, 403),
    ("accounts:sso_start",                            "GET"):    (404, 404, 404, 404, 404, 404, 403),
    ("accounts:sso_start",                            "POST"):   (405, 405, 405, 405, 405, 405, 403),
    ("accounts:sso_callback",                         "GET"):    (404, 404, 404, 404, 404, 404, 403),
    ("accounts:sso_callback",                         "POST"):   (405, 405, 405, 405, 405, 405, 403),
    ("accounts:two_factor",                           "GET"):    (L,   200, 200, 200, 200, 200, 403),
    ("accounts:two_factor",                           "POST"):   (L,   405, 405, 405, 405, 405, 403),
    ("accounts:two_factor_start",                     "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("accounts:two_factor_start",                     "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("accounts:two_factor_confirm",                   "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("accounts:two_factor_confirm",                   "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("accounts:two_factor_disable",                   "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("accounts:two_factor_disable",                   "POST"):   (L,   R,   R,   R,   R,   R, 403),
    ("accounts:recovery_codes",                       "GET"):    (L,   R,   R,   R,   R,   R, 403),
    ("accounts:recovery_codes",                       "POST"):   (L,   400, 400, 400, 400, 400, 403),
    ("accounts:recovery_codes_download",              "GET"):    (L,   R,   R,   R,   R,   R, 403),
    ("accounts:recovery_codes_done",                  "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("accounts:recovery_codes_done",                  "POST"):   (L,   R,   R,   R,   R,   R, 403),
})
# fmt: on
BODIES[("accounts:login_code", "POST")] = lambda s: {"code": "123456"}
BODIES[("accounts:two_factor_confirm", "POST")] = lambda s: {"code": "123456"}
BODIES[("accounts:two_factor_disable", "POST")] = lambda s: {"off-password": PASSWORD}
BODIES[("accounts:recovery_codes", "POST")] = lambda s: {"codes-password": PASSWORD}


# Integrations: the team's leads set them up; an org admin outside the team does not
# (nor a guest of a review).
# The rows act on a Slack integration of Platform whose address Marblejar refuses to
# post to (loopback), so "send a test" is logged as failed without any network.
def _an_integration_of_platform(scene: Scene) -> dict[str, Any]:
    from marblejar.integrations.models import Integration
    from marblejar.integrations.services import _seal

    if "integration_id" not in scene.__dict__:
        made = Integration.objects.create(
            organization=scene.personas.org,
            team=scene.personas.team,
            kind="slack",
            name="#platform",
            url_sealed=_seal("https://127.0.0.1:9/hook"),
            url_hint="127.0.0.1 …hook",
            events=["review.closed"],
        )
        scene.__dict__["integration_id"] = made.pk
    return {"slug": scene.slug, "integration_id": scene.__dict__["integration_id"]}


# fmt: off
MATRIX.update({
    ("integrations:list",                             "GET"):    (L,   404, 404, 403, 200, 403, 403),
    ("integrations:list",                             "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("integrations:detail",                           "GET"):    (L,   404, 404, 403, 200, 403, 403),
    ("integrations:detail",                           "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("integrations:pause",                            "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("integrations:pause",                            "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("integrations:resume",                           "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("integrations:resume",                           "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("integrations:test",                             "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("integrations:test",                             "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("integrations:delete",                           "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("integrations:delete",                           "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("/api/v1/teams/{slug}/integrations",             "GET"):    (401, 404, 404, 403, 200, 403, 403),
})
# fmt: on
URL_ARGS["integrations:list"] = lambda s: {"slug": s.slug}
for _name in ("detail", "pause", "resume", "test", "delete"):
    URL_ARGS[f"integrations:{_name}"] = _an_integration_of_platform
BODIES[("integrations:list", "POST")] = lambda s: {
    "kind": "slack",
    "name": "#platform-news",
    "url": "https://hooks.slack.com/services/T0/B0/abcdefgh",
    "events": ["review.closed"],
}
BODIES[("integrations:detail", "POST")] = lambda s: {"name": "#news", "events": ["pulse.opened"]}


# Issue trackers ------------------------------------------------------------------------
#
# Platform has a GitHub tracker (at an address that never resolves, so that no
# cell reaches a real tracker: "Create an issue" comes back with the refusal
# in words, a redirect). The team's leads manage trackers; anyone in the
# team makes an action an issue. The webhook answers to its secret alone,
# whoever is logged in (marblejar/trackers/tests/test_webhooks.py).


def tracker_scene(scene: Scene) -> dict[str, Any]:
    if "tracker_ids" not in scene.__dict__:
        from marblejar.trackers.models import Tracker

        tracker = Tracker(
            organization=scene.personas.org,
            team=scene.personas.team,
            kind="github",
            base_url="https://github.invalid",
            project="acme/platform",
        )
        tracker.set_token("github_pat_for_the_matrix")
        tracker.set_secret("a-secret-for-the-matrix")
        tracker.save()
        scene.__dict__["tracker_ids"] = {"tracker_id": tracker.pk, "hook_id": tracker.hook_id}
    return scene.__dict__["tracker_ids"]


URL_ARGS.update(
    {
        "trackers:list": lambda s: {"slug": s.slug},
        "trackers:connect": lambda s: {"slug": s.slug, "kind": "github"},
        "trackers:token": lambda s: {"slug": s.slug, "tracker_id": tracker_scene(s)["tracker_id"]},
        "trackers:secret": lambda s: {"slug": s.slug, "tracker_id": tracker_scene(s)["tracker_id"]},
        "trackers:disconnect": lambda s: {
            "slug": s.slug, "tracker_id": tracker_scene(s)["tracker_id"]
        },
        "trackers:issue_create": _review_args("action_id"),
        "trackers:webhook": lambda s: {"hook_id": tracker_scene(s)["hook_id"]},
    }
)  # fmt: skip

BODIES.update(
    {
        ("trackers:connect", "POST"): lambda s: {
            "base_url": "https://gitlab-mirror.invalid/api/v3",
            "project": "acme/handbook",
            "token": "github_pat_a_new_one",
        },
        ("trackers:token", "POST"): lambda s: {"token": "github_pat_replaced"},
        ("trackers:issue_create", "POST"): lambda s: {"tracker": tracker_scene(s)["tracker_id"]},
    }
)

# fmt: off
MATRIX.update({
    ("trackers:list",                                 "GET"):    (L,   404, 404, 403, 200, 403, 403),
    ("trackers:list",                                 "POST"):   (L,   405, 405, 405, 405, 405, 403),
    # A tracker connected shows its webhook secret in the answer: 200, not a redirect.
    ("trackers:connect",                              "POST"):   (L,   404, 404, 403, 200, 403, 403),
    ("trackers:connect",                              "GET"):    (L,   405, 405, 405, 405, 405, 403),
    ("trackers:token",                                "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("trackers:secret",                               "POST"):   (L,   404, 404, 403, 200, 403, 403),
    ("trackers:disconnect",                           "POST"):   (L,   404, 404, 403, R,   403, 403),
    ("trackers:issue_create",                         "POST"):   (L,   404, 404, R,   R,   404, 403),
    ("trackers:issue_create",                         "GET"):    (L,   405, 405, 405, 405, 405, 403),
    # The matrix posts a form: refused before anything else (test_webhooks sends JSON).
    ("trackers:webhook",                              "POST"):   (415, 415, 415, 415, 415, 415, 403),
    ("trackers:webhook",                              "GET"):    (405, 405, 405, 405, 405, 405, 403),
})
# fmt: on


def test_the_matrix_covers_every_route():
    rows = {route for route, _method in MATRIX if not route.startswith("/api/")}
    missing = site_routes() - rows
    assert not missing, "Routes without a row in MATRIX; add (and fill in):\n" + "\n".join(
        f'    ("{route}", "GET"): (..., ..., ..., ..., ..., ...),' for route in sorted(missing)
    )
    stale = rows - site_routes()
    assert not stale, f"Rows in MATRIX for routes that no longer exist: {sorted(stale)}"


def test_the_matrix_covers_every_api_operation():
    rows = {key for key in MATRIX if key[0].startswith("/api/")}
    missing = api_operations() - rows
    assert not missing, "API operations without a row in MATRIX; add (and fill in):\n" + "\n".join(
        f'    ("{path}", "{method}"): (..., ..., ..., ..., ..., ...),'
        for path, method in sorted(missing)
    )
    stale = rows - api_operations()
    assert not stale, f"Rows in MATRIX for API operations that no longer exist: {sorted(stale)}"


def test_every_row_has_one_cell_per_persona():
    for key, cells in MATRIX.items():
        assert len(cells) == len(PERSONA_COLUMNS), key


def test_the_admin_sends_non_staff_to_its_login(client_for):
    for name in ("anonymous", "member", "admin"):
        response = client_for(name).get("/admin/")
        assert response.status_code == 302, name
        assert response["Location"].startswith("/admin/login/"), name


# The cells ----------------------------------------------------------------------


@pytest.fixture
def scene(personas: Personas) -> Scene:
    # The outsider's own team would otherwise share Platform's slug; a
    # different slug makes the outsider's column show what crossing into
    # another organization does. (Slugs are scoped per organization: see
    # marblejar/teams/tests/test_team_detail.py.)
    outsider_team = personas.outsider.memberships.get().team
    outsider_team.slug = "globex"
    outsider_team.save()
    invitation, raw = invitation_create(actor=personas.lead, team=personas.team, send=False)
    token, _raw = token_create(user=personas.member, name="Max's script")
    open_pulse, closed_pulse = (
        pulse_schedule(
            actor=personas.lead,
            team=personas.team,
            instrument="psychological_safety",
            opens_at=timezone.now() - timedelta(hours=1),
            closes_at=timezone.now() + timedelta(days=7),
        )
        for _ in range(2)
    )
    pulse_close(pulse=closed_pulse, actor=personas.lead)
    return Scene(
        personas=personas,
        slug=personas.team.slug,
        membership_id=personas.membership(personas.member2).pk,
        invitation_id=invitation.pk,
        invitation_token=raw,
        token_id=token.pk,
        pulse_id=open_pulse.pk,
        closed_pulse_id=closed_pulse.pk,
    )


def url_for(route: str, scene: Scene) -> str:
    if route.startswith("/"):
        ids = review_scene(scene) if "{review_id}" in route or "{action_id}" in route else {}
        ids |= reflections_jar_api_ids(route, scene)
        return route.format(
            **ids,
            slug=scene.slug,
            token_id=scene.token_id,
            membership_id=scene.membership_id,
            invitation_id=scene.invitation_id,
            pulse_id=scene.pulse_id,
        )
    args = URL_ARGS.get(route)
    return reverse(route, kwargs=args(scene) if args else None)


def request(client: Client, route: str, method: str, scene: Scene):
    url = url_for(route, scene)
    body = BODIES.get((route, method), lambda s: {})(scene)
    if route.startswith("/api/"):
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    if method == "GET":
        return client.get(url)
    return client.post(url, body)


CELLS = [
    pytest.param(route, method, persona, expected, id=f"{method} {route} as {persona}")
    for (route, method), row in MATRIX.items()
    for persona, expected in zip(PERSONA_COLUMNS, row, strict=False)
]


_GUEST_BROWSERS = itertools.count()


def guest_client(scene: Scene, review_id: int) -> Client:
    """A browser that joined review ``review_id`` by its guest link."""
    from marblejar.reviews import services as review_services
    from marblejar.reviews.models import Review

    review = Review.objects.get(pk=review_id)
    link = review_services.guest_link_create(actor=scene.personas.lead, review=review)
    guest = review_services.guest_join(
        token=review_services.guest_link_token(link),
        display_name="Gus Guest",
        # Joining is limited per address; each cell is a browser of its own.
        address=f"cell-{next(_GUEST_BROWSERS)}",
    )
    client = Client()
    client.force_login(guest.user)
    return client


def client_as(persona: str, scene: Scene, client_for: Callable[[str], Client]) -> Client:
    if persona == "guest":
        return guest_client(scene, review_scene(scene)["review_id"])
    return client_for(persona)


# A guest of another review of the same team (Platform's second review)
# reaches nothing of R: every row that acts on R refuses them.
OTHER_GUEST_ROWS = [
    pytest.param(route, method, id=f"{method} {route} as a guest of another review")
    for (route, method) in MATRIX
    if route.startswith(("reviews:", "/api/v1/reviews/")) and route != "reviews:guest_join"
]


@pytest.mark.parametrize(("route", "method"), OTHER_GUEST_ROWS)
def test_a_guest_of_another_review_reaches_nothing_of_this_one(route, method, scene):
    from marblejar.reviews import services as review_services

    review_scene(scene)
    p = scene.personas
    other = review_services.review_schedule(
        actor=p.lead,
        team=p.team,
        title="Another retro",
        purpose="Learn",
        agenda="All phases",
        template="builtin:went_well",
    )
    response = request(guest_client(scene, other.pk), route, method, scene)
    try:
        assert response.status_code in (403, 404, 405), response.status_code
    finally:
        response.close()


@pytest.mark.parametrize(("route", "method", "persona", "expected"), CELLS)
def test_cell(route, method, persona, expected, scene, client_for):
    response = request(client_as(persona, scene, client_for), route, method, scene)
    try:
        status = response.status_code
        location = response.get("Location", "")
        login_url = reverse("accounts:login")
        if expected == L:
            assert status == 302 and location.startswith(login_url), (status, location)
        elif expected == R:
            assert status == 302 and not location.startswith(login_url), (status, location)
        else:
            assert status == expected, (status, location)
    finally:
        response.close()


# The rules ----------------------------------------------------------------------
#
# Every rule an app registers in its ``rules.py`` is asked by at least one cell of
# the matrix: RULE_CELLS names, for each rule, one cell (route, method, persona)
# that asks it, and ``test_the_cells_ask_their_rules`` runs those cells and
# watches which rules ``can`` evaluates. A new rule adds its line here (the
# persona only has to get as far as the question, not be allowed). A rule that
# only a service asks, with no route, is listed in RULES_WITHOUT_A_ROUTE with the
# test that covers it.

# fmt: off
RULE_CELLS: dict[str, tuple[str, str, str]] = {
    "org.view":                   ("reflections:organization_list", "GET", "lead"),
    "org.manage":                 ("teams:organization", "GET", "admin"),
    "team.create":                ("teams:create", "GET", "admin"),
    "org.export":                 ("portability:organization_export", "GET", "admin"),
    "team.view":                  ("teams:detail", "GET", "lead"),
    "integration.manage":         ("integrations:list", "GET", "lead"),
    "team.events":                ("teams:events", "GET", "lead"),
    "team.edit":                  ("teams:edit", "GET", "lead"),
    "team.export":                ("portability:team_export", "GET", "lead"),
    "team.delete":                ("teams:delete", "POST", "admin"),
    "team.invite":                ("teams:invite", "POST", "lead"),
    "team.join":                  ("teams:join", "POST", "admin"),
    "membership.remove":          ("teams:member_remove", "POST", "lead"),
    "membership.change_role":     ("teams:member_role", "POST", "lead"),
    "invitation.revoke":          ("teams:invitation_revoke", "POST", "lead"),
    "invitation.view":            ("teams:invitation_revoke", "POST", "lead"),
    "reflection.create":          ("reflections:create", "POST", "lead"),
    "reflection.view":            ("reflections:detail", "GET", "lead"),
    "reflection.edit":            ("reflections:edit", "GET", "lead"),
    "reflection.delete":          ("reflections:delete", "POST", "lead"),
    "reflection.respond":         ("reflections:comment", "POST", "lead"),
    "reflection.send":            ("reflections:send", "GET", "lead"),
    "reflection.practice":        ("reflections:practice", "POST", "lead"),
    "comment.hide":               ("reflections:comment_hide", "POST", "lead"),
    "comment.report":             ("reflections:comment_report", "POST", "lead"),
    "jar.view":                   ("jar:history", "GET", "lead"),
    "marble.drop":                ("jar:drop", "POST", "lead"),
    "marble.remove":              ("jar:marble_remove", "POST", "lead"),
    "crack.report":               ("jar:cracks", "POST", "lead"),
    "crack.acknowledge":          ("jar:crack_acknowledge", "POST", "lead"),
    "crack.read":                 ("/api/v1/teams/{slug}/cracks/{crack_id}/acknowledge", "POST", "lead"),  # noqa: E501
    "review.list":                ("reviews:list", "GET", "lead"),
    "review.create":              ("reviews:create", "POST", "lead"),
    "review.view":                ("reviews:board", "GET", "lead"),
    "review.participate":         ("reviews:note_add", "POST", "lead"),
    "review.facilitate":          ("reviews:advance", "POST", "lead"),
    "review.reschedule":          ("reviews:open_until", "POST", "lead"),
    "review.go_first":            ("reviews:go_first", "POST", "lead"),
    "review.note_edit":           ("reviews:note_edit", "POST", "member"),
    "review.intent_edit":         ("reviews:intent", "GET", "lead"),
    "review.template_create":     ("reviews:templates", "POST", "lead"),
    "review.action_update":       ("reviews:action_status", "POST", "lead"),
    "review.action_add":          ("reviews:action_new", "POST", "lead"),
    "review.guest_link":          ("reviews:guest_link", "POST", "lead"),
    "pulse.view":                 ("pulse:list", "GET", "lead"),
    "pulse.create":               ("pulse:create", "POST", "lead"),
    "pulse.answer":               ("pulse:answer", "POST", "lead"),
    "pulse.manage":               ("pulse:close", "POST", "lead"),
    "pulse.results":              ("pulse:results", "GET", "lead"),
    "pulse.overview":             ("pulse:overview", "GET", "admin"),
    "pulse.settings":             ("pulse:settings", "POST", "admin"),
    "insights.team":              ("insights:team", "GET", "lead"),
    "insights.organization":      ("insights:organization", "GET", "admin"),
    "tracker.manage":             ("trackers:list", "GET", "lead"),
    "tracker.issue_create":       ("trackers:issue_create", "POST", "member"),
}
# fmt: on

RULES_WITHOUT_A_ROUTE: dict[str, tuple[str, str]] = {
    # An invitation to the organization without a team: no page or endpoint makes one yet.
    "org.invite": (
        "marblejar.teams.tests.test_services",
        "test_an_organization_invitation_needs_an_admin",
    ),
}


def test_every_rule_has_a_cell():
    registered = set(permissions.RULES)
    named = set(RULE_CELLS) | set(RULES_WITHOUT_A_ROUTE)
    missing = registered - named
    assert not missing, "Rules that no cell asks; add to RULE_CELLS:\n" + "\n".join(
        f'    "{action}": ("<route>", "<method>", "<persona>"),' for action in sorted(missing)
    )
    stale = named - registered
    assert not stale, f"Cells named for rules that no app registers: {sorted(stale)}"
    for action, (route, method, persona) in RULE_CELLS.items():
        assert (route, method) in MATRIX, (action, route, method)
        assert persona in PERSONA_COLUMNS and persona != "anonymous", (action, persona)
    for action, (module, test) in RULES_WITHOUT_A_ROUTE.items():
        assert callable(getattr(importlib.import_module(module), test, None)), (action, test)


def _cells_asking_rules() -> list[Any]:
    by_cell: dict[tuple[str, str, str], list[str]] = {}
    for action, cell in RULE_CELLS.items():
        by_cell.setdefault(cell, []).append(action)
    return [
        pytest.param(*cell, sorted(actions), id=f"{cell[1]} {cell[0]} as {cell[2]}")
        for cell, actions in by_cell.items()
    ]


@pytest.mark.parametrize(("route", "method", "persona", "actions"), _cells_asking_rules())
def test_the_cells_ask_their_rules(route, method, persona, actions, scene, client_for, monkeypatch):
    evaluated: set[str] = set()

    def watched(action: str, check: permissions.Rule) -> permissions.Rule:
        def rule(user: Any, obj: Any) -> bool:
            evaluated.add(action)
            return check(user, obj)

        return rule

    for action, check in list(permissions.RULES.items()):
        monkeypatch.setitem(permissions.RULES, action, watched(action, check))
    request(client_for(persona), route, method, scene).close()
    assert set(actions) <= evaluated, f"not asked: {sorted(set(actions) - evaluated)}"


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "member", "admin"])
def test_an_unknown_action_raises_whoever_asks(persona, personas):
    user = personas.get(persona)
    with pytest.raises(permissions.UnknownAction):
        permissions.can(user, "team.veiw", personas.team)
    with pytest.raises(permissions.UnknownAction):
        permissions.require(user, "team.veiw", personas.team)
