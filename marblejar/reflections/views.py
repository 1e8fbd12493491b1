from __future__ import annotations

import functools
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marblejar import permissions
from marblejar.accounts.models import User
from marblejar.jar.forms import CrackForm
from marblejar.jar.models import Crack
from marblejar.jar.selectors import open_crack_count
from marblejar.jar.services import cracks_catch_up
from marblejar.lib.forms import add_service_errors
from marblejar.lib.fragments import fragment
from marblejar.realtime.sse import sse_response, stream_user
from marblejar.reflections import selectors, services
from marblejar.reflections.forms import (
    CommentForm,
    PracticeForm,
    ReflectionForm,
    SendForm,
    UpdateForm,
)
from marblejar.reflections.models import WRITABLE_KINDS, Kind, Reflection
from marblejar.teams.models import Team
from marblejar.teams.selectors import my_team_list, team_get

PAGE_SIZE = 30
# A placeholder id: a page reverses a reflection's address once and puts each id in it.
_PK = 987654321
ORG = "org"


def team_panel(request: HttpRequest, team: Team) -> dict[str, Any]:
    """Reflections on the team page (registered in ReflectionsConfig.ready)."""
    user = request.user
    rows, tags = selectors.recent_for_team_panel(team=team)
    return {
        "reflections_panel": {
            # The newest reflections are the same for every reader of the team:
            # drawn once, then kept for as long as what they show is unchanged.
            "recent_html": fragment(
                "team-reflections",
                (rows, tags),
                lambda: render_to_string(
                    "reflections/team_panel.html#recent", {"p": {"recent": _rows(rows, tags)}}
                ),
            ),
            "leads": selectors.leads_sharing(team=team),
            "nudge_since": selectors.lead_nudge(user=user, team=team),
            "can_write": permissions.can(user, "reflection.create", team),
            "drafts": selectors.drafts_for_team_panel(user=user, team=team),
        }
    }


class _Row:
    """A row of the list, with what ``reflections/_item.html`` reads of a reflection."""

    def __init__(self, row: tuple, tags: list[str], href: str) -> None:
        values = dict(zip(selectors.ROW_COLUMNS, row, strict=True))
        self.pk = values["pk"]
        self.kind = values["kind"]
        self.get_kind_display = Kind(self.kind).label
        self.by_lead = values["by_lead"]
        self.team_id = values["team_id"]
        self.title = values["title"]
        self.author = {"display_name": values["author__display_name"]}
        self.published_at = values["published_at"]
        self.tags = {"all": [{"name": name} for name in tags]}
        self.get_absolute_url = href.replace(str(_PK), str(self.pk))


def _rows(rows: list[tuple], tags: dict[int, list[str]]) -> list[_Row]:
    href = reverse("reflections:detail", args=[_PK])
    return [_Row(row, tags[row[0]], href) for row in rows]


def _list_page(request: HttpRequest, *, team: Team | None, title: str) -> HttpResponse:
    kind = request.GET.get("kind", "")
    tag = request.GET.get("tag", "")
    organization_id = request.user.organization_id
    rows = selectors.feed_rows(organization_id=organization_id, team=team, kind=kind, tag=tag)
    paginator = Paginator(rows, PAGE_SIZE)
    filtered = kind in Kind.values or bool(tag)
    if not filtered:  # the usual list: its reads compiled once
        paginator.count = selectors.feed_count(organization_id=organization_id, team=team)
    page = paginator.get_page(request.GET.get("page"))
    if filtered:
        rows = page.object_list = list(page.object_list)  # read once
        tags = selectors.tags_of(reflection_ids=[row[0] for row in rows])
    else:
        rows, tags = selectors.feed_page(
            organization_id=organization_id,
            team=team,
            offset=max(page.start_index() - 1, 0),
            size=PAGE_SIZE,
        )
        page.object_list = rows

    def draw() -> str:
        href = reverse("reflections:detail", args=[_PK])
        listed = [_Row(row, tags[row[0]], href) for row in rows]
        context = {"page": page, "rows": listed, "kind": kind, "tag": tag}
        return render_to_string("reflections/list.html#list", context)

    tags_used = selectors.tags_in_use(organization_id=organization_id, team=team)
    kinds = [(k.value, k.label) for k in WRITABLE_KINDS]
    # A page of the list is the same for every reader of it: drawn once, then
    # kept for as long as what it shows is unchanged.
    parts = (rows, tags, page.number, page.paginator.num_pages, kind, tag)
    context = {
        "team": team,
        "list_html": fragment("reflection-list", parts, draw),
        "title": title,
        "kind": kind,
        "tag": tag,
        "filters_html": fragment(
            "reflection-filters",
            (tags_used, kind, tag),
            lambda: render_to_string(
                "reflections/list.html#filters",
                {"kinds": kinds, "kind": kind, "tag": tag, "tags": tags_used},
            ),
        ),
        "tags": tags_used,
        "drafts": selectors.drafts_in(user=request.user, team=team),
        "can_write": permissions.can(
            request.user, "reflection.create", team or request.user.organization
        ),
    }
    if team is None:
        # Org admins acknowledge cracks about organization-wide reflections: tell them here.
        unsaved = Crack(organization_id=organization_id, team=None)
        if permissions.can(request.user, "crack.acknowledge", unsaved):
            cracks_catch_up()
            context["org_cracks_waiting"] = open_crack_count(
                team=None, organization_id=organization_id
            )
    return render(request, "reflections/list.html", context)


@login_required
def team_list(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_get(user=request.user, slug=slug)
    return _list_page(request, team=team, title=_("Reflections · %s") % team.name)


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, team=None, title=_("Reflections for the whole organization"))


def _audiences(user: Any) -> list[tuple[str, str]]:
    teams = [(t.slug, t.name) for t in my_team_list(user=user)]
    return [*teams, (ORG, _("Everyone in the organization"))]


def _team_of_audience(user: Any, value: str) -> Team | None:
    if not value or value == ORG:
        return None
    return team_get(user=user, slug=value, action="reflection.create")


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or request.POST.get("kind", "")
    audience = request.GET.get("team", "")
    if kind not in WRITABLE_KINDS:
        return render(
            request,
            "reflections/choose_kind.html",
            {"kinds": WRITABLE_KINDS, "audience": audience},
        )
    form = ReflectionForm(
        request.POST or None,
        kind=kind,
        audiences=_audiences(request.user),
        initial={"audience": audience or ORG},
    )
    if request.method == "POST" and form.is_valid():
        values = form.text_values()
        try:
            reflection = services.reflection_create(
                author=request.user,
                team=_team_of_audience(request.user, form.cleaned_data.get("audience", "")),
                kind=kind,
                publish="publish" in request.POST,
                **values,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if reflection.is_published:
                messages.success(request, _("Published. Thank you for going first."))
            else:
                messages.success(request, _("Saved as a draft. Only you can see it."))
            return redirect(reflection)
    return render(
        request,
        "reflections/edit.html",
        {"form": form, "kind": Kind(kind), "reflection": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.edit"
    )
    if reflection.is_update:
        raise Http404
    initial: dict[str, Any] = {
        name: getattr(reflection, name)
        for name in ("title", "body", "what_happened", "correction", "learned", "next_try", "skill")
    }
    initial["tags"] = ", ".join(t.name for t in reflection.tags.all())
    form = ReflectionForm(request.POST or None, kind=reflection.kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_update(
                actor=request.user,
                reflection=reflection,
                publish="publish" in request.POST,
                **form.text_values(),
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect(reflection)
    return render(
        request,
        "reflections/edit.html",
        {"form": form, "kind": Kind(reflection.kind), "reflection": reflection},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.delete"
    )
    team = reflection.team
    services.reflection_delete(actor=request.user, reflection=reflection)
    messages.success(request, _("The reflection is deleted."))
    if team is not None:
        return redirect("reflections:team_list", slug=team.slug)
    return redirect("reflections:organization_list")


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.edit"
    )
    try:
        services.reflection_publish(actor=request.user, reflection=reflection)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("reflections:edit", pk=reflection.pk)
    messages.success(request, _("Published. Thank you for going first."))
    return redirect(reflection)


def _people_who_can_read(reflection: Reflection, user: Any) -> Any:
    people = User.objects.filter(
        organization_id=reflection.organization_id, is_active=True, is_guest=False
    )
    if reflection.team is not None:
        people = people.filter(
            Q(memberships__team=reflection.team) | Q(is_org_admin=True)
        ).distinct()
    return people.exclude(pk=user.pk).order_by("display_name")


# What the article of a reflection's page shows, besides its tags and the parent's title.
_ARTICLE_FIELDS = (
    "pk",
    "kind",
    "status",
    "by_lead",
    "title",
    "parent_id",
    "published_at",
    "what_happened",
    "correction",
    "learned",
    "next_try",
    "skill",
    "body",
)


def _article(reflection: Reflection) -> str:
    """The reflection's header and text, drawn once for as long as they are unchanged."""
    tags = getattr(reflection, "tag_names", None)
    if tags is None:  # read without its names (a page drawn again after a refused form)
        tags = [t.name for t in reflection.tags.all()]
    parts = (
        [getattr(reflection, name) for name in _ARTICLE_FIELDS],
        reflection.author.display_name,
        reflection.parent.title if reflection.parent else None,
        tags,
    )
    return fragment(
        "reflection-article",
        parts,
        lambda: render_to_string(
            "reflections/detail.html#article", {"reflection": reflection, "tag_names": tags}
        ),
    )


def _detail(request: HttpRequest, reflection: Reflection, status: int = 200, **forms: Any):
    context = _detail_context(request, reflection, **forms)
    context["article_html"] = _article(reflection)
    if reflection.is_learning:
        # Drawn once for as long as what they show is unchanged.
        practice, updates = context["practice"], context["updates"]
        context["practice_log_html"] = fragment(
            "reflection-practice",
            [(p.pk, p.practised_on, p.minutes, p.hard) for p in practice],
            lambda: render_to_string(
                "reflections/detail.html#practice_log", {"practice": practice}
            ),
        )
        context["update_list_html"] = fragment(
            "reflection-updates",
            [(u.pk, u.published_at, u.body) for u in updates],
            lambda: render_to_string("reflections/detail.html#update_list", {"updates": updates}),
        )
    return render(request, "reflections/detail.html", context, status=status)


def _detail_context(request: HttpRequest, reflection: Reflection, **forms: Any) -> dict[str, Any]:
    user = request.user
    learning = reflection.is_learning
    can_respond = permissions.can(user, "reflection.respond", reflection)
    can_practice = permissions.can(user, "reflection.practice", reflection)
    comments = selectors.comments_for(user=user, reflection=reflection)
    marble, last_event_id = selectors.reflection_live_state(reflection=reflection)
    for c in comments:
        c.can_hide = permissions.can(user, "comment.hide", c)
        c.can_report = permissions.can(user, "comment.report", c)
    context = {
        "reflection": reflection,
        "team": reflection.team,
        "comments": comments,
        "reactions": selectors.reaction_summary(user=user, reflection=reflection),
        "can_edit": permissions.can(user, "reflection.edit", reflection),
        "can_respond": can_respond,
        "can_react": can_respond and user.pk != reflection.author_id,
        "can_send": permissions.can(user, "reflection.send", reflection),
        "can_practice": can_practice and reflection.is_published,
        "comment_form": forms.get("comment_form") or (CommentForm() if can_respond else None),
        "practice_form": forms.get("practice_form") or PracticeForm(),
        "update_form": forms.get("update_form") or UpdateForm(),
        "updates": selectors.update_list(reflection=reflection) if learning else [],
        "practice": selectors.practice_list(reflection=reflection) if learning else [],
        "marble": marble,
        "last_event_id": last_event_id,
    }
    shown = []
    if reflection.is_published and context["comment_form"] is not None:
        shown.append(("comment_fields", "comment_form"))
    if context["can_practice"] and reflection.is_learning:
        shown += [("practice_fields", "practice_form"), ("update_fields", "update_form")]
    for part, name in shown:
        form = context[name]
        if not form.is_bound:  # empty: the same for every reader, drawn once
            context[f"{part}_html"] = fragment(
                f"reflection-{part}",
                (reflection.kind, timezone.localdate()),
                functools.partial(
                    render_to_string,
                    f"reflections/detail.html#{part}",
                    {name: form, "reflection": reflection},
                ),
            )
    return context


@login_required
@require_GET
def part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """One live part of a reflection's page, as its reader may see it now."""
    if part not in services.LIVE_PARTS:
        raise Http404
    reflection = selectors.reflection_get(user=request.user, reflection_id=pk)
    return render(request, f"reflections/detail.html#{part}", _detail_context(request, reflection))


async def events(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The reflection page's live stream, for as long as its reader may read the reflection."""
    user = await stream_user(request)

    def recheck(reader: Any) -> Reflection:
        return selectors.reflection_get(user=reader, reflection_id=pk)

    reflection = await sync_to_async(recheck)(user)
    return sse_response(
        request,
        user=user,
        streams=[services.reflection_stream(reflection.pk)],
        recheck=recheck,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(user=request.user, reflection_id=pk, tag_names=True)
    return _detail(request, reflection)


@login_required
def print_view(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(user=request.user, reflection_id=pk)
    return render(
        request,
        "reflections/print.html",
        {
            "reflection": reflection,
            "updates": list(selectors.updates_for(reflection=reflection))
            if reflection.is_learning
            else [],
        },
    )


@login_required
@require_POST
def react(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a reaction, or take it back (``undo``). HTMX swaps the reaction bar."""
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.respond"
    )
    kind = request.POST.get("kind", "")
    try:
        if request.POST.get("undo"):
            services.reaction_remove(user=request.user, reflection=reflection, kind=kind)
        else:
            services.reaction_add(user=request.user, reflection=reflection, kind=kind)
    except ValidationError as e:
        if request.htmx:
            return HttpResponse(" ".join(e.messages), status=400)
        messages.error(request, " ".join(e.messages))
    if request.htmx:
        return render(
            request,
            "reflections/detail.html#reactions",
            {
                "reflection": reflection,
                "reactions": selectors.reaction_summary(user=request.user, reflection=reflection),
                "can_react": True,
                "reacted": kind,
            },
        )
    return redirect(reflection)


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.respond"
    )
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            new = services.comment_create(
                author=request.user, reflection=reflection, **form.cleaned_data
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return redirect(f"{reflection.get_absolute_url()}#comment-{new.pk}")
    return _detail(request, reflection, status=400, comment_form=form)


@login_required
@require_POST
def comment_hide(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    reflection = selectors.reflection_get(user=request.user, reflection_id=pk)
    target = selectors.comment_get(user=request.user, reflection=reflection, comment_id=comment_id)
    hidden = request.POST.get("hidden", "1") == "1"
    services.comment_set_hidden(actor=request.user, comment=target, hidden=hidden)
    messages.success(
        request, _("The comment is hidden.") if hidden else _("The comment is shown again.")
    )
    return redirect(f"{reflection.get_absolute_url()}#comment-{target.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def comment_report(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    reflection = selectors.reflection_get(user=request.user, reflection_id=pk)
    target = selectors.comment_get(user=request.user, reflection=reflection, comment_id=comment_id)
    permissions.require(request.user, "comment.report", target)
    form = CrackForm(
        request.POST or None,
        text_required=False,
        organization_wide=reflection.team_id is None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_report(actor=request.user, comment=target, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(
                request,
                _(
                    "Thank you for saying so. Your name is not on it. It reaches the leads "
                    "tomorrow, together with any other reports of today, so that when you "
                    "wrote it cannot point to you."
                ),
            )
            return redirect(reflection)
    return render(
        request,
        "reflections/report.html",
        {"reflection": reflection, "comment": target, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.send"
    )
    form = SendForm(request.POST or None, people=_people_who_can_read(reflection, request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_send(actor=request.user, reflection=reflection, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(
                request, _("Sent to %s.") % form.cleaned_data["recipient"].display_name
            )
            return redirect(reflection)
    return render(
        request,
        "reflections/send.html",
        {"reflection": reflection, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def practice(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.practice"
    )
    form = PracticeForm(request.POST)
    if form.is_valid():
        try:
            services.practice_log(actor=request.user, reflection=reflection, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Practice logged. Keep going."))
            return redirect(f"{reflection.get_absolute_url()}#practice")
    return _detail(request, reflection, status=400, practice_form=form)


@login_required
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=pk, action="reflection.practice"
    )
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            new = services.learning_update_post(
                actor=request.user, reflection=reflection, body=form.cleaned_data["body"]
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Update posted."))
            return redirect(f"{reflection.get_absolute_url()}#update-{new.pk}")
    return _detail(request, reflection, status=400, update_form=form)
