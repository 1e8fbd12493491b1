"""The team's improvement actions: the list (filter, sort, export, add by hand)
and each action's own page (edit, status, "did it work?", history).

Filters live in the address (GET), so a filtered list can be bookmarked and
shared, and the exports take the same address. Every form that is refused
comes back with what was typed and a 400.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marblejar.accounts.models import User
from marblejar.lib.forms import add_service_errors
from marblejar.lib.fragments import fragment
from marblejar.reviews import selectors_actions as selectors
from marblejar.reviews import services
from marblejar.reviews.extensions import action_extensions_context
from marblejar.reviews.forms_actions import (
    SORT_LABELS,
    ActionCheckForm,
    ActionEditForm,
    ActionFilterForm,
    ActionStatusForm,
)
from marblejar.reviews.models import UNFINISHED, Action, ActionStatus, CheckResult
from marblejar.teams import selectors as team_selectors
from marblejar.teams.models import Team

ACTION_PAGE = 50


# A placeholder id: the list reverses an action's address once and puts each id in it.
_PK = 987654321


# What a row of the list shows, in this order.
_ROW_COLUMNS = selectors.ACTION_ROW_COLUMNS


class _Row:
    """A row of the list: what ``reviews/actions.html`` and the extensions read of an action."""

    def __init__(self, row: tuple) -> None:
        (pk, title, review_title, status, owner_name, due_on, check_on, check_result) = row
        self.pk, self.title, self.status = pk, title, status
        self.review = {"title": review_title} if review_title is not None else None
        self.owner = {"display_name": owner_name} if owner_name is not None else None
        self.due_on, self.check_on, self.check_result = due_on, check_on, check_result
        self.get_status_display = ActionStatus(status).label
        self.get_check_result_display = CheckResult(check_result).label if check_result else ""


def _decorate(actions: list[_Row], *, today: Any, back: str) -> list[_Row]:
    """What the table shows of each row beyond its columns (only when it is drawn)."""
    # Each row's address from one reverse(), not one {% url %} per row.
    href = reverse("reviews:action", args=[_PK])
    shown: dict[Any, str] = {}  # each date written once a page (many rows share one)
    for action in actions:
        action.overdue = (
            action.status in UNFINISHED and action.due_on is not None and action.due_on < today
        )
        action.list_href = href.replace(str(_PK), str(action.pk)) + back
        for day in (action.due_on, action.check_on):
            if day and day not in shown:
                shown[day] = date_format(day, "DATE_FORMAT")
        action.due_shown = shown.get(action.due_on, "")
        action.check_shown = shown.get(action.check_on, "")
    return actions


def _people(team: Team) -> list[tuple[int, str]]:
    """The team's people as (id, name), leads first (as ``team_members`` orders them)."""
    return selectors.people_rows(team=team)


def _owner(team: Team, owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    # Anyone of the organization is looked up; the service says whether they are in the team.
    return User.objects.filter(
        pk=owner_id, organization_id=team.organization_id, is_guest=False
    ).first()


def _reviews(team: Team) -> list[tuple[int, str]]:
    return selectors.reviews_with_actions_rows(team=team)


def _filter_form(
    request: HttpRequest,
    team: Team,
    people: list[tuple[int, str]],
    reviews: list[tuple[int, str]] | None = None,
) -> ActionFilterForm:
    reviews = _reviews(team) if reviews is None else reviews
    return ActionFilterForm(request.GET or None, people=people, reviews=reviews)


def _sort_links(request: HttpRequest, current: str) -> list[dict[str, Any]]:
    links = []
    for key, label in SORT_LABELS.items():
        query: QueryDict = request.GET.copy()
        query["sort"] = key
        links.append({"label": label, "query": query.urlencode(), "current": key == current})
    return links


def _list_context(
    request: HttpRequest, team: Team, new_form: ActionEditForm | None = None
) -> tuple[dict[str, Any], int]:
    people = _people(team)
    reviews = _reviews(team)
    form = _filter_form(request, team, people, reviews)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        filters = selectors.ActionFilter()
    else:
        filters = form.filters() if form.is_bound else selectors.ActionFilter()
    today = timezone.localdate()
    listed = selectors.action_list_for_team(
        user=request.user, team=team, filters=filters, today=today
    )
    # The figures cover the whole (filtered) list; the table shows one page
    # of it, so that years of actions cost what one page costs.
    counts = selectors.action_counts(actions=listed, today=today)
    rows = listed.values_list(*_ROW_COLUMNS)
    paginator = Paginator(rows, ACTION_PAGE)
    paginator.count = counts["total"]  # known already: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    if filters == selectors.ActionFilter():  # the usual list: its page read by a compiled query
        offset = max(page.start_index() - 1, 0)
        rows = selectors.action_page_rows(
            user=request.user, team=team, offset=offset, size=ACTION_PAGE
        )
    else:
        rows = list(page.object_list)  # read once
    page.object_list = rows
    back = f"?next={quote(request.get_full_path())}" if request.GET else ""
    actions = [_Row(row) for row in rows]
    extensions = action_extensions_context(user=request.user, team=team, actions=actions)
    page_query = request.GET.copy()
    page_query.pop("page", None)
    page_query = page_query.urlencode()
    table_html = ""
    if extensions["action_row_fragments"]:
        _decorate(actions, today=today, back=back)  # drawn with the page, for this reader
    else:
        # No row holds a form (a CSRF token) or anything else for one reader
        # alone: this page of the table is the same for every reader with the
        # same address, drawn once and kept for as long as what it shows is unchanged.
        table_html = fragment(
            "action-table",
            (rows, page.number, paginator.num_pages, page_query, back, today),
            lambda: render_to_string(
                "reviews/actions.html#table",
                {
                    "actions": _decorate(actions, today=today, back=back),
                    "page": page,
                    "page_query": page_query,
                    **extensions,
                },
            ),
        )
    filtered = any([filters.status, filters.owner, filters.overdue, filters.review])
    filters_html = fragment(
        "action-filters",
        (team.slug, people, reviews, sorted(request.GET.lists())),
        lambda: render_to_string(
            "reviews/actions.html#filters",
            {"team": team, "filter_form": form, "filtered": filtered},
        ),
    )
    new_form = new_form or ActionEditForm(people=people, auto_id="new-%s")
    new_fields_html = ""
    if not new_form.is_bound:
        new_fields_html = fragment(
            "action-new",
            (people, today),
            lambda: render_to_string("reviews/actions.html#new_fields", {"new_form": new_form}),
        )
    if new_form.is_bound and new_form.errors:
        status = 400
    return (
        {
            "team": team,
            "actions": actions,
            "page": page,
            "page_query": page_query,
            "table_html": table_html,
            "filter_form": form,
            "filters": filters,
            "filtered": filtered,
            "filters_html": filters_html,
            "new_fields_html": new_fields_html,
            "sort_links": _sort_links(request, filters.sort),
            "query": request.GET.urlencode(),
            "new_form": new_form,
            "today": today,
            "counts": counts,
            **extensions,
        },
        status,
    )


@login_required
@require_GET
def action_list(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="review.list")
    context, status = _list_context(request, team)
    return render(request, "reviews/actions.html", context, status=status)


@login_required
@require_POST
def action_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="review.action_add")
    form = ActionEditForm(request.POST, people=_people(team), auto_id="new-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        owner = _owner(team, data.pop("owner"))
        try:
            action = services.action_add(actor=request.user, team=team, owner=owner, **data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("The action is on the list."))
            return redirect(reverse("reviews:action", args=[action.pk]))
    context, status = _list_context(request, team, new_form=form)
    return render(request, "reviews/actions.html", context, status=status)


# Export ------------------------------------------------------------------------------


def _exported(request: HttpRequest, slug: str) -> tuple[Team, list[Action]]:
    team = team_selectors.team_get(user=request.user, slug=slug, action="review.list")
    form = _filter_form(request, team, _people(team))
    if form.is_bound and not form.is_valid():
        raise ValidationError(form.errors.as_text())
    filters = form.filters() if form.is_bound else selectors.ActionFilter()
    return team, list(selectors.action_list_for_team(user=request.user, team=team, filters=filters))


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell that starts like a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _bad_filter(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return HttpResponse(
        _("These filters are not valid: %(errors)s") % {"errors": " ".join(error.messages)},
        status=400,
        content_type="text/plain; charset=utf-8",
    )


@login_required
@require_GET
def action_export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        team, actions = _exported(request, slug)
    except ValidationError as e:
        return _bad_filter(request, e)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "action",
            "status",
            "owner",
            "due_on",
            "check_on",
            "expected_effect",
            "status_note",
            "did_it_work",
            "what_we_saw",
            "review",
            "created_at",
            "url",
        ]
    )
    for a in actions:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    a.pk,
                    a.title,
                    a.status,
                    a.owner.display_name if a.owner else _("The whole team"),
                    a.due_on.isoformat() if a.due_on else "",
                    a.check_on.isoformat() if a.check_on else "",
                    a.expected_effect,
                    a.status_note,
                    a.check_result,
                    a.check_note,
                    a.review.title if a.review else _("Added by hand"),
                    timezone.localtime(a.created_at).date().isoformat(),
                    request.build_absolute_uri(reverse("reviews:action", args=[a.pk])),
                )
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-actions.csv"'
    return response


def _md(text: str) -> str:
    """Plain text made safe inside a Markdown list item."""
    escaped = text.replace("\\", "\\\\")
    for ch in "*_`[]<>#|":
        escaped = escaped.replace(ch, "\\" + ch)
    return " ".join(escaped.split())


@login_required
@require_GET
def action_export_md(request: HttpRequest, slug: str) -> HttpResponse:
    from django.utils.formats import date_format

    try:
        team, actions = _exported(request, slug)
    except ValidationError as e:
        return _bad_filter(request, e)

    def day(d: Any) -> str:
        return date_format(d, "DATE_FORMAT") if d else "—"

    lines = [f"# {_md(_('Improvement actions'))} · {_md(team.name)}", ""]
    if not actions:
        lines.append(_("No actions match these filters."))
    for a in actions:
        owner = a.owner.display_name if a.owner else _("the whole team")
        lines.append(
            f"- **{_md(a.title)}** ({a.get_status_display()}) — {_md(owner)}, "
            f"{_('due')} {day(a.due_on)}, {_('check on')} {day(a.check_on)}"
        )
        lines.append(f"  - {_('We will know it worked when…')} {_md(a.expected_effect)}")
        if a.status_note:
            lines.append(f"  - {_('What happened:')} {_md(a.status_note)}")
        if a.check_result:
            answer = f"{_('Did it work?')} {a.get_check_result_display()}"
            if a.check_note:
                answer += f": {_md(a.check_note)}"
            lines.append(f"  - {answer}")
        source = a.review.title if a.review else _("Added by hand")
        lines.append(f"  - {_('From:')} {_md(source)}")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-actions.md"'
    return response


# One action --------------------------------------------------------------------------


def _detail(
    request: HttpRequest, action: Action, forms: dict[str, Any] | None = None
) -> HttpResponse:
    forms = forms or {}
    people = _people(action.team)
    edit = forms.get("edit") or ActionEditForm(
        people=people,
        auto_id="edit-%s",
        initial={
            "title": action.title,
            "owner": action.owner_id,
            "due_on": action.due_on,
            "expected_effect": action.expected_effect,
            "check_on": action.check_on,
        },
    )
    check_due = (
        action.check_on is not None
        and action.check_on <= timezone.localdate()
        and action.status != ActionStatus.DROPPED
    )
    context = {
        "team": action.team,
        "action": action,
        "overdue": action.is_overdue(timezone.localdate()),
        "history": selectors.action_history(action=action),
        "edit_form": edit,
        "status_form": forms.get("status")
        or ActionStatusForm(initial={"status": action.status}, auto_id="status-%s"),
        "check_form": forms.get("check") or ActionCheckForm(auto_id="check-%s"),
        "check_due": check_due,
        # The form is open when the question waits for an answer (or was
        # just refused); otherwise it is one click away.
        "check_open": "check" in forms
        or (check_due and action.check_result in ("", CheckResult.TOO_EARLY)),
        "next": _next(request),
        **action_extensions_context(user=request.user, team=action.team, actions=[action]),
    }
    status = 400 if any(f.is_bound and f.errors for f in forms.values()) else 200
    return render(request, "reviews/action.html", context, status=status)


def _next(request: HttpRequest) -> str:
    """Where to go back to (the filtered list it was opened from), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    action = selectors.action_get(user=request.user, action_id=action_id)
    if request.method == "GET":
        return _detail(request, action)
    form = ActionEditForm(request.POST, people=_people(action.team), auto_id="edit-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        owner = _owner(action.team, data.pop("owner"))
        try:
            services.action_update(actor=request.user, action=action, owner=owner, **data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect(_here(request, action))
    action.refresh_from_db()
    return _detail(request, action, {"edit": form})


def _here(request: HttpRequest, action: Action) -> str:
    url = reverse("reviews:action", args=[action.pk])
    target = _next(request)
    return f"{url}?{QueryDict.fromkeys(['next'], target).urlencode()}" if target else url


@login_required
@require_POST
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    """Set an action's status: from its page, or from a review's open-actions phase."""
    action = selectors.action_get(user=request.user, action_id=action_id)
    if review_id := request.POST.get("review"):
        return _status_in_review(request, action, review_id)
    form = ActionStatusForm(request.POST, auto_id="status-%s")
    if form.is_valid():
        try:
            services.action_set_status(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(
                request,
                _("Now “%(status)s”.") % {"status": action.get_status_display()},
            )
            return redirect(_here(request, action))
    action.refresh_from_db()
    return _detail(request, action, {"status": form})


def _status_in_review(request: HttpRequest, action: Action, review_id: str) -> HttpResponse:
    # The board's open-actions phase posts here with its review: the answer
    # is the board's phase region, as for every other board form.
    from marblejar.reviews.views import _after_post

    if not review_id.isdecimal():
        raise Http404
    review = services.review_current(
        user=request.user, review_id=int(review_id), action="review.participate"
    )
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose open, doing, done or dropped."))
    else:
        try:
            services.action_set_status(
                actor=request.user, action=action, review=review, **form.cleaned_data
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
    return _after_post(request, review)


@login_required
@require_POST
def action_check(request: HttpRequest, action_id: int) -> HttpResponse:
    action = selectors.action_get(user=request.user, action_id=action_id)
    form = ActionCheckForm(request.POST, auto_id="check-%s")
    if form.is_valid():
        try:
            services.action_check(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Thank you: the answer is on the action."))
            return redirect(_here(request, action))
    action.refresh_from_db()
    return _detail(request, action, {"check": form})
