"""Pages and fragments of learning reviews.

The board is one page whose parts reload themselves when the review's
stream signals a change (see ``reviews/events.py``). Every form posts with
HTMX to a view here that calls a service and answers with the phase region,
so the poster sees their change at once and keeps what they typed when it
is refused; without JavaScript the same views redirect back to the board.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marblejar import permissions
from marblejar.accounts.models import User
from marblejar.lib.forms import add_service_errors
from marblejar.lib.fragments import fragment
from marblejar.realtime.sse import sse_response, stream_user
from marblejar.reviews import builders, fragments, selectors, services, views_guests
from marblejar.reviews.extensions import action_extensions_context
from marblejar.reviews.formats import safety_scale
from marblejar.reviews.forms import (
    ActionForm,
    AnswerForm,
    GoFirstForm,
    IntentForm,
    MoveForm,
    NoteForm,
    OpenUntilForm,
    ReviewScheduleForm,
    TemplateForm,
    ThemeForm,
    TimelineEventForm,
    ValueForm,
)
from marblejar.reviews.markdown import summary_markdown
from marblejar.reviews.models import Kind, Phase, Review
from marblejar.reviews.parts import PARTS
from marblejar.teams import selectors as team_selectors
from marblejar.teams.models import Team

# The review list shows this many reviews a page, newest first.
REVIEW_PAGE = 25


# Team pages -------------------------------------------------------------------


def team_panel(request: HttpRequest, team: Team) -> dict[str, Any]:
    """For the team page: the team's current and recent reviews."""
    if not permissions.can(request.user, "review.list", team):
        return {}
    services.review_catch_up(team=team)
    # The panel shows a title and a phase: not the long texts and counts (JSON to decode).
    rows = selectors.review_panel_for_team(user=request.user, team=team)

    def draw() -> str:
        reviews = [
            {"pk": pk, "title": title, "get_phase_display": Phase(phase).label}
            for pk, title, phase in rows
        ]
        return render_to_string(
            "reviews/team_panel.html#panel", {"reviews_panel": {"reviews": reviews, "team": team}}
        )

    # The same for every reader who may list the team's reviews: drawn once,
    # then kept for as long as the reviews' titles and phases are unchanged.
    return {"reviews_panel": {"html": fragment("team-reviews", (team.slug, rows), draw)}}


# A placeholder id, replaced in the reversed addresses by each review's.
_PK = 987654321


@login_required
def review_list(request: HttpRequest, slug: str) -> HttpResponse:
    # With whether a review is due (the catch-up below then costs no query).
    # The number of reviews and the statement of intent come with it too.
    team = team_selectors.team_get(
        user=request.user, slug=slug, due=True, annotate=selectors.review_list_figures
    )
    # Close what the clock made due (before the list is read), so that a
    # missed task never shows a stale phase.
    services.review_catch_up(team=team)
    # Counted with the team: no COUNT of its own; the page's reviews read by a
    # query compiled once per connection.
    page = Paginator(range(team.review_count), REVIEW_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.review_list_page(
        user=request.user, team=team, offset=max(page.start_index() - 1, 0), size=REVIEW_PAGE
    )
    # Each row's address from one reverse() with a placeholder id, its date
    # formatted here: not a {% url %} and a date filter a row.
    board = reverse("reviews:board", args=[_PK])
    # Each kind's and phase's name translated once a page, not once a row.
    kinds = {value: str(label) for value, label in Kind.choices}
    phases = {value: str(label) for value, label in Phase.choices}
    for r in page.object_list:
        r.board_url = board.replace(f"/{_PK}/", f"/{r.pk}/")
        r.kind_text = kinds.get(r.kind, r.kind)
        r.phase_text = phases.get(r.phase, r.phase)
        r.scheduled_text = (
            date_format(timezone.localtime(r.scheduled_for), "DATETIME_FORMAT")
            if r.scheduled_for
            else ""
        )
    return render(
        request,
        "reviews/list.html",
        {
            "team": team,
            "reviews": page.object_list,
            "page": page,
            "can_edit_intent": permissions.can(request.user, "review.intent_edit", team),
            "intent": selectors.default_intent_text()
            if team.intent_text is None
            else team.intent_text,
        },
    )


def _people(team: Team) -> list[tuple[int, str]]:
    return [(m.user_id, m.user.display_name) for m in team_selectors.team_members(team=team)]


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug)
    permissions.require(request.user, "review.create", team)
    form = ReviewScheduleForm(
        request.POST or None,
        templates=selectors.format_choices(team=team),
        initial={"template": request.GET.get("template", "builtin:went_well")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_schedule(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("The review is scheduled. Share this page's address."))
            return redirect("reviews:board", review_id=review.pk)
    return render(
        request,
        "reviews/create.html",
        {"team": team, "form": form, "intent": selectors.intent_text_for(team=team)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def intent_edit(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug)
    permissions.require(request.user, "review.intent_edit", team)
    form = IntentForm(request.POST or None, initial={"text": selectors.intent_text_for(team=team)})
    if request.method == "POST" and form.is_valid():
        try:
            services.intent_statement_update(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Saved. New reviews show the new statement."))
            return redirect("reviews:list", slug=team.slug)
    return render(
        request,
        "reviews/intent.html",
        {"team": team, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_list(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug)
    permissions.require(request.user, "review.template_create", team)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_template_create(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("The template is ready to use."))
            return redirect("reviews:templates", slug=team.slug)
    from marblejar.reviews.formats import builtin_formats

    return render(
        request,
        "reviews/templates.html",
        {
            "team": team,
            "form": form,
            "builtin": builtin_formats().values(),
            "own": selectors.team_templates(team=team),
        },
        status=400 if form.errors else 200,
    )


# The board ---------------------------------------------------------------------


@login_required
def board(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(user=request.user, review_id=review_id, with_version=True)
    context = builders.page_context(request, review) | views_guests.board_context(request, review)
    return render(request, "reviews/board.html", context)


@login_required
@require_GET
def section(request: HttpRequest, review_id: int, part: str) -> HttpResponse:
    """One part of the board, as this reader may see it now."""
    review = services.review_current(user=request.user, review_id=review_id, with_version=True)
    # Each part's element stays on the page and takes the new content inside
    # it, so a refresh queued while another is in flight is not lost.
    if part == "phase":
        return render(request, "reviews/_phase_inner.html", builders.phase_context(request, review))
    if part not in PARTS:
        raise Http404
    context = builders.part_context(request, review, part)
    if context is None:
        # Not a part of this phase (a signal that crossed a phase change):
        # nothing to show; the phase's own reload follows.
        return HttpResponse("")
    kept = context.get("kept_parts", {}).get(part)
    if kept is not None:  # drawn for an earlier reader of this version
        return HttpResponse(fragments.for_reader(request, kept))
    if part in context.get("part_keys", {}):
        return render(request, "reviews/_kept_part.html", context | {"part_name": part})
    return render(request, PARTS[part].template_name, context)


async def review_events(request: HttpRequest, review_id: int) -> HttpResponseBase:
    """The review's live stream of signals (server-sent events), while the reader may read it."""
    user = await stream_user(request)

    def recheck(reader: User) -> Review:
        return selectors.review_get(user=reader, review_id=review_id, action="review.view")

    review = await sync_to_async(recheck)(user)
    return sse_response(request, user=user, streams=[review.stream], recheck=recheck)


def _answers_closed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a board form sent to a review that has closed meanwhile (its clock
    ran out, say): the closed board, with why nothing was added and, so that
    it is not lost, what the person wrote."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, review_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, review_id, *args, **kwargs)
        except services.ReviewClosed as closed:
            review = services.review_current(user=request.user, review_id=review_id)
            written = [
                value.strip()
                for key, value in request.POST.items()
                if key in WRITTEN_FIELDS and value.strip()
            ]
            message = str(closed)
            if written:
                message += " " + _("What you wrote: “%(text)s”") % {"text": " / ".join(written)}
            messages.error(request, message)
            return _after_post(request, review)

    return wrapped


# Fields whose text someone typed, given back when a closed review refuses them.
WRITTEN_FIELDS = (
    "text",
    "intent",
    "answer",
    "part",
    "revisit",
    "title",
    "expected_effect",
    "what",
    "note",
)


def _after_post(
    request: HttpRequest, review: Review, forms: dict[str, Any] | None = None
) -> HttpResponse:
    """Answer a board form: the phase region for HTMX, else back to the board.

    A refused form comes back with what was typed and the error next to the field.
    """
    builders.read_version_first(request, review.pk)
    review.refresh_from_db()
    if request.htmx:
        return render(
            request, "reviews/_phase_inner.html", builders.phase_context(request, review, forms)
        )
    if forms and any(f.errors for f in forms.values()):
        context = builders.page_context(request, review, forms)
        return render(request, "reviews/board.html", context, status=400)
    return redirect("reviews:board", review_id=review.pk)


def _submit(
    request: HttpRequest,
    review: Review,
    form: Any,
    key: str,
    save: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """Validate ``form`` and ``save`` its data; on any error the board shows the
    form again under ``key`` with what was typed and why it was refused."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return _after_post(request, review)
    return _after_post(request, review, {key: form})


def _participating_theme(request: HttpRequest, review_id: int, theme_id: int) -> tuple[Review, Any]:
    """The review (which the user takes part in) and one of its themes."""
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    theme = selectors.theme_get(review=review, theme_id=theme_id)
    theme.review = review
    return review, theme


def _flash(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _act(
    request: HttpRequest, review_id: int, permission: str, write: Callable[[Review], object]
) -> HttpResponse:
    """The shape of a board button: the review the person may act on, one
    service call, its refusal said in words, then the phase region (or a
    redirect without JavaScript)."""
    review = services.review_current(user=request.user, review_id=review_id, action=permission)
    try:
        write(review)
    except ValidationError as e:
        _flash(request, e)
    return _after_post(request, review)


@login_required
@require_POST
def presence(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(user=request.user, review_id=review_id)
    if permissions.can(request.user, "review.participate", review):
        services.participant_touch(actor=request.user, review=review)
    return HttpResponse(status=204)


@login_required
@require_POST
@_answers_closed
def advance(request: HttpRequest, review_id: int) -> HttpResponse:
    return _act(
        request,
        review_id,
        "review.facilitate",
        lambda review: services.review_advance_phase(
            actor=request.user,
            review=review,
            expected=request.POST.get("from") or None,
            skip_grouping=bool(request.POST.get("skip_grouping")),
        ),
    )


@login_required
@require_POST
@_answers_closed
def open_until(request: HttpRequest, review_id: int) -> HttpResponse:
    """The facilitator (or a lead) extends an asynchronous review, or brings its close forward."""
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.reschedule"
    )
    form = OpenUntilForm(request.POST, auto_id="open-until-%s")
    if form.is_valid():
        try:
            services.review_set_open_until(
                actor=request.user, review=review, open_until=form.cleaned_data["open_until"]
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Saved. The review now closes at the new time."))
            return redirect("reviews:board", review_id=review.pk)
    context = builders.page_context(request, review, {"open_until": form})
    return render(request, "reviews/board.html", context, status=400)


@login_required
@require_POST
@_answers_closed
def safety_vote(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    form = ValueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a level from 1 to 5."))
    else:
        try:
            services.safety_vote(
                actor=request.user, review=review, value=form.cleaned_data["value"]
            )
        except ValidationError as e:
            _flash(request, e)
    return _after_post(request, review)


@login_required
@require_POST
@_answers_closed
def make_safer(request: HttpRequest, review_id: int) -> HttpResponse:
    return _act(
        request,
        review_id,
        "review.facilitate",
        lambda review: services.review_make_safer(
            actor=request.user,
            review=review,
            anonymous=bool(request.POST.get("anonymous")),
            safer_round=bool(request.POST.get("safer_round")),
        ),
    )


@login_required
@require_POST
@_answers_closed
def go_first(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.go_first"
    )
    form = GoFirstForm(request.POST, auto_id="go-first-%s")
    return _submit(
        request,
        review,
        form,
        "go_first",
        lambda data: services.go_first_write(actor=request.user, review=review, **data),
    )


@login_required
@require_POST
@_answers_closed
def note_add(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    column = request.POST.get("column", "")
    event_id = request.POST.get("timeline_event", "")
    event = None
    if event_id:
        event = selectors.timeline(review=review).filter(pk=event_id if event_id.isdecimal() else 0)
        event = event.first()
        if event is None:
            raise Http404
        key, auto_id = "sense", "sense-%s"
    else:
        key, auto_id = f"note-{column}", f"note-{column}-%s"
    form = NoteForm(request.POST, auto_id=auto_id)
    if form.is_valid():
        try:
            services.note_add(
                actor=request.user,
                review=review,
                column=column,
                timeline_event=event,
                text=form.cleaned_data["text"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return _after_post(request, review)
    return _after_post(request, review, {key: form})


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, review_id: int, note_id: Any) -> HttpResponse:
    review = services.review_current(user=request.user, review_id=review_id)
    note = selectors.note_get(user=request.user, review=review, note_id=note_id)
    permissions.require(request.user, "review.note_edit", note)
    form = NoteForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(actor=request.user, note=note, text=form.cleaned_data["text"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return redirect("reviews:board", review_id=review.pk)
    return render(
        request,
        "reviews/note_edit.html",
        {"review": review, "note": note, "form": form, "team": review.team},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@_answers_closed
def note_delete(request: HttpRequest, review_id: int, note_id: Any) -> HttpResponse:
    review = services.review_current(user=request.user, review_id=review_id)
    note = selectors.note_get(user=request.user, review=review, note_id=note_id)
    try:
        services.note_delete(actor=request.user, note=note)
    except ValidationError as e:
        _flash(request, e)
    return _after_post(request, review)


@login_required
@require_http_methods(["GET", "POST"])
@_answers_closed
def note_move(request: HttpRequest, review_id: int, note_id: Any) -> HttpResponse:
    """Group a card: into a theme (a button of the "Move to…" menu, or a drop on
    the theme), onto another card (``onto``), into a new theme named after it,
    or back to its column.

    ``GET`` (and a ``POST`` with its ``move_page`` field) is the page that
    does the same without JavaScript: the card's "Move to…" is a link to it.
    """
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    note = selectors.note_get(user=request.user, review=review, note_id=note_id)
    if request.method == "GET" or "move_page" in request.POST:
        return _move_page(request, review, note)
    try:
        onto_id = request.POST.get("onto", "")
        if onto_id:
            onto = selectors.note_get(user=request.user, review=review, note_id=_uuid(onto_id))
            services.note_cluster(actor=request.user, note=note, onto=onto)
        elif request.POST.get("new_theme"):
            services.note_to_new_theme(actor=request.user, note=note)
        else:
            theme_id = request.POST.get("drop", "") or request.POST.get("theme", "")
            theme = None
            if theme_id:
                if not theme_id.isdecimal():
                    raise Http404
                theme = selectors.theme_get(review=review, theme_id=int(theme_id))
            services.note_move(actor=request.user, note=note, theme=theme)
    except ValidationError as e:
        _flash(request, e)
    return _after_post(request, review)


def _move_page(request: HttpRequest, review: Review, note: Any) -> HttpResponse:
    """The page that moves one card, for a browser without JavaScript."""
    if review.phase != Phase.GROUP:
        messages.error(request, _("Notes are grouped in the group phase."))
        return redirect("reviews:board", review_id=review.pk)
    themes = selectors.themes_list(review=review)
    columns = builders.columns_meta(review)
    column = next((c for c in columns if c["key"] == note.column), None) or {
        "key": note.column,
        "title": note.column,
        "index": 0,
        "marker": "",
    }
    current = next((t for t in themes if t.pk == note.theme_id), None)
    choices = [(str(t.pk), t.title) for t in themes if t.pk != note.theme_id]
    choices.append((MoveForm.NEW, _("A new theme, named after this card")))
    if note.theme_id:
        choices.append((MoveForm.COLUMN, _("Back to “%(column)s”") % {"column": column["title"]}))
    data = request.POST if request.method == "POST" else None
    form = MoveForm(data, choices=choices, auto_id="move-%s")
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            if to == MoveForm.NEW:
                services.note_to_new_theme(actor=request.user, note=note)
            else:
                theme = None
                if to != MoveForm.COLUMN:
                    theme = next(t for t in themes if str(t.pk) == to)
                    theme.review = review
                services.note_move(actor=request.user, note=note, theme=theme)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return redirect(reverse("reviews:board", args=[review.pk]) + f"#note-{note.pk}")
    return render(
        request,
        "reviews/note_move.html",
        {
            "review": review,
            "team": review.team,
            "note": note,
            "column": column,
            "current": current,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
@_answers_closed
def theme_add(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    form = ThemeForm(request.POST, auto_id="theme-%s")
    return _submit(
        request,
        review,
        form,
        "theme",
        lambda data: services.theme_create(actor=request.user, review=review, **data),
    )


@login_required
@require_POST
@_answers_closed
def vote(request: HttpRequest, review_id: int, theme_id: int) -> HttpResponse:
    review, theme = _participating_theme(request, review_id, theme_id)
    try:
        if request.POST.get("take_back"):
            services.vote_withdraw(actor=request.user, theme=theme)
        else:
            services.vote_cast(actor=request.user, theme=theme)
    except ValidationError as e:
        _flash(request, e)
    return _after_post(request, review)


@login_required
@require_POST
@_answers_closed
def question_answer(request: HttpRequest, review_id: int, question_id: int) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    question = selectors.question_get(review=review, question_id=question_id)
    question.review = review
    form = AnswerForm(request.POST, auto_id=f"answer-{question.pk}-%s")
    return _submit(
        request,
        review,
        form,
        f"answer-{question.pk}",
        lambda data: services.question_answer(actor=request.user, question=question, **data),
    )


@login_required
@require_POST
@_answers_closed
def action_add(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    form = ActionForm(request.POST, people=_people(review.team), auto_id="action-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        owner_id = data.pop("owner")
        owner = User.objects.filter(
            pk=owner_id, organization_id=review.organization_id, is_guest=False
        ).first()
        try:
            services.action_create(actor=request.user, review=review, owner=owner, **data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return _after_post(request, review)
    return _after_post(request, review, {"action": form})


@login_required
@require_POST
@_answers_closed
def timeline_add(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(
        user=request.user, review_id=review_id, action="review.participate"
    )
    form = TimelineEventForm(request.POST, auto_id="timeline-%s")
    return _submit(
        request,
        review,
        form,
        "timeline",
        lambda data: services.timeline_event_add(actor=request.user, review=review, **data),
    )


# After the review -------------------------------------------------------------------


def _summary_context(request: HttpRequest, review: Review) -> dict[str, Any]:
    context = builders.summary_context(request, review)
    context["roti_scale"] = range(1, 6)
    context["roti_voted"] = selectors.has_rated(user=request.user, review=review)
    context["roti"] = [(v, int(review.roti_counts.get(str(v), 0))) for v in range(1, 6)]
    scale = safety_scale()
    context["safety"] = {
        "scale": scale,
        "result": selectors.safety_result(review=review, labels=scale.labels),
    }
    return context


@login_required
def summary(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(user=request.user, review_id=review_id)
    context = _summary_context(request, review)
    context["actions"] = list(context.get("actions") or [])
    context.update(
        action_extensions_context(user=request.user, team=review.team, actions=context["actions"])
    )
    return render(request, "reviews/summary.html", context)


@login_required
def summary_md(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(user=request.user, review_id=review_id)
    text = summary_markdown(_summary_context(request, review))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}.md"'
    return response


@login_required
@require_POST
def roti(request: HttpRequest, review_id: int) -> HttpResponse:
    review = services.review_current(user=request.user, review_id=review_id)
    form = ValueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose from 1 to 5."))
    else:
        try:
            services.roti_vote(actor=request.user, review=review, value=form.cleaned_data["value"])
        except ValidationError as e:
            _flash(request, e)
        else:
            messages.success(request, _("Thank you. Your answer is counted, not stored with you."))
    return redirect(reverse("reviews:summary", args=[review.pk]))
