"""Trust by design: the jar belongs to the team.

After several people have shared, reacted, commented, dropped marbles and
reported a crack, a lead walks every page and API endpoint of the team and
finds no count per person (marbles, reflections, reactions) and no ranking of
any kind. The pages and endpoints are found by walking the URL patterns and
the OpenAPI description, so a new one is checked without being listed here.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from marblejar.api.api import api
from marblejar.jar import services as jar_services
from marblejar.jar.tests.helpers import crack_released
from marblejar.reflections import services
from marblejar.reflections.models import Kind

pytestmark = pytest.mark.django_db

RANKING_WORDS = re.compile(
    r"\b(leaderboard|ranking|ranked|rank|top|most|best|winner|champion|streak)\b", re.I
)
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
DATES = re.compile(
    rf"\b\d{{1,2}} ({MONTHS})[a-z]* \d{{4}}(, \d{{1,2}}:\d{{2}})?"
    r"|\b\d{4}-\d{2}-\d{2}(T[\d:.+-]+Z?)?|\b\d{1,2}:\d{2}\b"
)
PERSON_KEYS = {"user", "user_id", "author", "display_name", "email", "act_by", "response_by",
               "dropped_by", "recipient", "person", "member"}  # fmt: skip
COUNT_KEYS = re.compile(r"count|total|number|sum|score|rank|marbles|reflections|reactions", re.I)
# The web routes of the two features, walked in full; the team page too.
WEB_NAMESPACES = ("reflections", "jar")
OURS = ("/api/v1/reflections", "/api/v1/teams/platform/jar", "/api/v1/teams/platform/marbles",
        "/api/v1/teams/platform/cracks", "/api/v1/organization/cracks")  # fmt: skip


class Text(HTMLParser):
    """The text a person reads (and a screen reader hears), scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt") and value:
                self.parts.append(f" {value} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Text()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def per_person_counts_in_text(text: str, names: list[str]) -> list[str]:
    """Places where a person's name comes with a number: "Lena Lead: 3", "4 marbles by Max"."""
    text = DATES.sub("<date>", text)
    found = []
    for name in names:
        n = re.escape(name)
        patterns = [
            rf"{n}\W{{0,4}}\d+",
            rf"\d+\W{{0,3}}(marbles?|reflections?|reactions?|posts?|points?)\W{{1,3}}"
            rf"(by|from|for|of)\W{{1,3}}{n}",
            rf"{n}\W{{1,3}}(has|have|dropped|earned|wrote|shared|gave)\W{{1,3}}\d+",
        ]
        for pattern in patterns:
            found += [m.group(0) for m in re.finditer(pattern, text)]
    return found


def per_person_counts_in_json(data: Any, names: list[str], path: str = "$") -> list[str]:
    """Objects that describe a person and carry a count, or maps keyed by person."""
    found = []
    if isinstance(data, dict):
        keys = set(data)
        if keys & PERSON_KEYS:
            found += [
                f"{path}.{k}"
                for k, v in data.items()
                if COUNT_KEYS.search(k) and isinstance(v, int | float) and not isinstance(v, bool)
            ]
        found += [f"{path}[{k!r}]" for k in data if k in names]
        for k, v in data.items():
            found += per_person_counts_in_json(v, names, f"{path}.{k}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found += per_person_counts_in_json(item, names, f"{path}[{i}]")
    return found


def test_the_checks_catch_what_they_look_for():
    names = ["Lena Lead"]
    assert per_person_counts_in_text("Lena Lead: 3 marbles", names)
    assert per_person_counts_in_text("Most marbles: 12 marbles by Lena Lead", names)
    assert per_person_counts_in_text("Lena Lead (4)", names)
    assert not per_person_counts_in_text("Lena Lead · 27 Nov 2026 · #deploys", names)
    assert RANKING_WORDS.search("Top contributors")
    assert per_person_counts_in_json([{"display_name": "Lena Lead", "marble_count": 3}], names)
    assert per_person_counts_in_json({"by_person": {"Lena Lead": 3}}, names)
    assert not per_person_counts_in_json([{"kind": "thanks", "count": 2, "mine": True}], names)


@pytest.fixture
def busy_team(personas):
    """A team where several people have shared and responded."""
    p = personas
    posts = []
    for author, kind, extra in [
        (p.lead, Kind.MISTAKE, {"what_happened": "Broke the build.", "correction": "Fixed it."}),
        (p.lead, Kind.LESSON, {"body": "Small pull requests."}),
        (p.member, Kind.LESSON, {"body": "Read the logs first."}),
        (p.member, Kind.HELP, {"body": "Stuck on flaky tests."}),
        (p.member2, Kind.LEARNING, {"skill": "Kubernetes", "body": "Pods confuse me."}),
    ]:
        posts.append(
            services.reflection_create(
                author=author, team=p.team, kind=kind, title=f"{kind} by {author}", publish=True,
                tags="team-life", **extra,
            )
        )  # fmt: skip
    for post in posts:
        for user in (p.lead, p.member, p.member2):
            if user != post.author:
                services.reaction_add(user=user, reflection=post, kind="thanks")
                services.reaction_add(user=user, reflection=post, kind="learned")
        helper = p.member if post.author != p.member else p.member2
        services.comment_create(author=helper, reflection=post, body="Thank you for this.")
    services.learning_update_post(actor=p.member2, reflection=posts[-1], body="Deployments next.")
    services.practice_log(
        actor=p.member2, reflection=posts[-1], practised_on=posts[-1].created_at.date(), minutes=30
    )
    jar_services.marble_drop_by_hand(
        actor=p.member, team=p.team, description="Mia asked for help.", named_user=p.member2
    )
    crack_released(actor=p.member2, team=p.team, text="Talked over.", share_text=True)
    return posts


def web_urls(posts, personas) -> list[str]:
    """Every GET page of reflections and the jar that takes arguments we can fill, and more."""
    comment = posts[0].comments.first()
    args = {"slug": personas.team.slug, "pk": posts[0].pk, "comment_id": comment.pk}
    urls = ["/t/platform/", "/account/export/"]

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                yield from walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and namespace in WEB_NAMESPACES and p.name:
                yield f"{namespace}:{p.name}", list(p.pattern.converters)

    for name, params in walk(get_resolver().url_patterns):
        if all(param in args for param in params):
            urls.append(reverse(name, kwargs={k: args[k] for k in params}))
    urls += [post.get_absolute_url() for post in posts]
    urls += [f"/reflections/{post.pk}/print/" for post in posts]
    return urls


def api_urls(posts, personas) -> list[str]:
    """Every GET operation of the API whose path we can fill in."""
    comment = posts[0].comments.first()
    values = {
        "slug": personas.team.slug,
        "reflection_id": posts[-1].pk,
        "comment_id": comment.pk,
        "kind": "thanks",
    }
    urls = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        params = re.findall(r"{(\w+)}", path)
        if all(p in values for p in params):
            urls.append(path.format(**values))
    return urls


def test_a_lead_finds_no_per_person_count_and_no_ranking_anywhere(busy_team, personas, client_for):
    client = client_for("lead")
    names = [u.display_name for u in (personas.lead, personas.member, personas.member2)]
    names += [n.split()[0] for n in names]  # first names too
    checked = 0
    for url in web_urls(busy_team, personas):
        response = client.get(url)
        if response.status_code in (405,):
            continue
        assert response.status_code == 200, (url, response.status_code)
        if response["Content-Type"].startswith("text/event-stream"):
            continue  # a live stream never ends; it sends the pages' parts, read here too
        if response["Content-Type"].startswith("application/json"):
            data = json.loads(response.content)
            assert not per_person_counts_in_json(data, names), url
            continue
        text = visible_text(response.content.decode())
        assert not per_person_counts_in_text(text, names), (
            url,
            per_person_counts_in_text(text, names),
        )
        ranking = RANKING_WORDS.search(text)
        assert ranking is None, (url, text[max(0, ranking.start() - 60) : ranking.end() + 60])
        checked += 1
    urls = api_urls(busy_team, personas)
    assert "/api/v1/teams/platform/marbles" in urls and "/api/v1/reflections" in urls
    for url in urls:
        response = client.get(url)
        if response.status_code in (403, 404) and not url.startswith(OURS):
            continue  # another feature's endpoint that is not for a lead
        assert response.status_code == 200, (url, response.status_code)
        data = response.json()
        assert not per_person_counts_in_json(data, names), (url, data)
        checked += 1
    assert checked > 25
