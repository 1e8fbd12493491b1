from __future__ import annotations

from collections.abc import Iterable

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marblejar import permissions
from marblejar.accounts import services as account_services
from marblejar.accounts import two_factor
from marblejar.accounts.forms import OrganizationForm
from marblejar.accounts.models import User
from marblejar.lib.forms import add_service_errors
from marblejar.lib.fragments import fragment_with_forms
from marblejar.realtime.sse import sse_response, stream_user
from marblejar.teams import selectors, services
from marblejar.teams.forms import InvitationForm, RoleForm, TeamForm
from marblejar.teams.models import Invitation, Membership, Role, Team
from marblejar.teams.panels import team_page_context

SESSION_TEAM = "current_team"


def home(request: HttpRequest) -> HttpResponse:
    """Send people where they left off: their current team, or the first step."""
    if not request.user.is_authenticated:
        if not account_services.organization_exists():
            return redirect("accounts:signup")
        return redirect("accounts:login")
    teams = list(selectors.my_team_list(user=request.user))
    current = request.session.get(SESSION_TEAM)
    for team in teams:
        if team.slug == current:
            return redirect("teams:detail", slug=team.slug)
    if teams:
        return redirect("teams:detail", slug=teams[0].slug)
    return redirect("teams:list")


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = selectors.team_list_for_user(user=request.user)
    form = (
        TeamForm()
        if permissions.can(request.user, "team.create", request.user.organization)
        else None
    )
    return render(request, "teams/list.html", {"teams": teams, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, "team.create", request.user.organization)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("%s is ready. Invite your teammates.") % team.name)
            return redirect("teams:detail", slug=team.slug)
    return render(request, "teams/create.html", {"form": form})


# A placeholder id, replaced in the reversed addresses by each person's.
_PK = 987654321


def _with_urls(team: Team, members: Iterable[Membership]) -> list[Membership]:
    """The people, each with the addresses of its forms: two reverse() calls, not two a person."""
    role = reverse("teams:member_role", args=[team.slug, _PK])
    remove = reverse("teams:member_remove", args=[team.slug, _PK])
    listed = list(members)
    for m in listed:
        m.role_url = role.replace(f"/{_PK}/", f"/{m.pk}/")
        m.remove_url = remove.replace(f"/{_PK}/", f"/{m.pk}/")
    return listed


def _people_html(
    request: HttpRequest, team: Team, members: list[Membership], can_invite: bool
) -> str:
    """The People list as this reader sees it: drawn once, kept while the people are the same.

    What it shows for a reader: each person's name and role, which of them
    is the reader, and whether the reader may change roles.
    """
    parts = (
        team.slug,
        request.user.pk,
        can_invite,
        [(m.pk, m.user_id, m.user.display_name, m.role) for m in members],
    )
    return fragment_with_forms(
        request,
        "team-people",
        parts,
        lambda token: render_to_string(
            "teams/detail.html#people",
            {
                "team": team,
                "members": _with_urls(team, members),
                "can_invite": can_invite,
                "user": request.user,
                "csrf_token": token,
            },
        ),
    )


def _invite_html(request: HttpRequest, team: Team, invitations: list[Invitation]) -> str:
    """The empty invitation form and the invitations waiting: the same for every lead."""
    parts = (
        team.slug,
        [(i.pk, i.email, i.role, i.expires_at) for i in invitations],
    )
    return fragment_with_forms(
        request,
        "team-invite",
        parts,
        lambda token: render_to_string(
            "teams/detail.html#invite",
            {
                "team": team,
                "invitations": invitations,
                "invite_form": InvitationForm(),
                "csrf_token": token,
            },
        ),
    )


@login_required
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # With the newest event of its stream and whether its pulses or reviews
    # are due: what the page and its panels would each ask in a query.
    team = selectors.team_get(user=request.user, slug=slug, last_event=True, due=True)
    members = selectors.team_people(team=team)
    my_membership = next((m for m in members if m.user_id == request.user.pk), None)
    permissions.remember_role(request.user, team, my_membership.role if my_membership else None)
    # Written only when it changes: a session write on every visit would be
    # a database write (and a row lock on SQLite) on a read.
    if my_membership and request.session.get(SESSION_TEAM) != team.slug:
        request.session[SESSION_TEAM] = team.slug
    can_invite = permissions.can(request.user, "team.invite", team)
    invitations = selectors.team_pending_invitations(team=team) if can_invite else []
    context = {
        "team": team,
        "members": members,
        "my_membership": my_membership,
        "can_invite": can_invite,
        "can_edit": permissions.can(request.user, "team.edit", team),
        "can_join": permissions.can(request.user, "team.join", team),
        "invitations": invitations,
        "last_event_id": team.last_event_id,
        "people_html": _people_html(request, team, members, can_invite),
        "invite_html": _invite_html(request, team, invitations) if can_invite else "",
    }
    # Other features' panels (the jar, reflections, ...): see teams/panels.py.
    context.update(team_page_context(request, team))
    return render(request, "teams/detail.html", context)


@login_required
@require_GET
def team_people(request: HttpRequest, slug: str) -> HttpResponse:
    """The team page's People list alone, for its live reload.

    Someone removed from the team while its page is open is told so in place
    of the list (the same words for any team they cannot see, so nothing leaks).
    """
    try:
        team = selectors.team_get(user=request.user, slug=slug)
    except Http404:
        if not request.htmx:
            raise
        return render(request, "teams/detail.html#people_gone")
    context = {
        "team": team,
        "members": _with_urls(team, selectors.team_people(team=team)),
        "can_invite": permissions.can(request.user, "team.invite", team),
    }
    return render(request, "teams/detail.html#people", context)


@login_required
@require_GET
def team_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """The team page's "Waiting to join" list alone, for its live reload."""
    try:
        team = selectors.team_get(user=request.user, slug=slug, action="team.invite")
    except (Http404, PermissionDenied):
        if not request.htmx:
            raise
        # No longer a lead (or in the team): the list goes, and stops reloading.
        return HttpResponse('<div id="pending-invitations"></div>')
    context = {"team": team, "invitations": selectors.team_pending_invitations(team=team)}
    return render(request, "teams/detail.html#pending", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.team_get(user=request.user, slug=slug, action="team.edit")
    form = TeamForm(
        request.POST or None, initial={"name": team.name, "description": team.description}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("teams:detail", slug=team.slug)
    return render(
        request,
        "teams/edit.html",
        {
            "team": team,
            "form": form,
            "can_delete": permissions.can(request.user, "team.delete", team),
        },
    )


@login_required
@require_POST
def team_delete(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.team_get(user=request.user, slug=slug, action="team.delete")
    if request.POST.get("confirm_name", "").strip() != team.name:
        messages.error(request, _("Type the team's name exactly to delete it."))
        return redirect("teams:edit", slug=team.slug)
    services.team_delete(actor=request.user, team=team)
    messages.success(request, _("The team %s is deleted.") % team.name)
    return redirect("teams:list")


@login_required
@require_POST
def team_join(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.team_get(user=request.user, slug=slug, action="team.join")
    services.team_join(actor=request.user, team=team)
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.team_get(user=request.user, slug=slug, action="team.invite")
    form = InvitationForm(request.POST)
    link = status = None
    if form.is_valid():
        try:
            invitation, raw = services.invitation_create(
                actor=request.user, team=team, **form.cleaned_data
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            form = InvitationForm()
            if invitation.email and invitation.email_sent is not False:
                status = _("Invitation sent to %s.") % invitation.email
            else:
                link = services.invitation_url(raw)
                if invitation.email:
                    status = (
                        _(
                            "The e-mail to %s could not be sent. The invitation is ready: "
                            "share the link below with them yourself."
                        )
                        % invitation.email
                    )
    context = {
        "team": team,
        "invite_form": form,
        "invite_status": status,
        "invitation_link": link,
        "invitations": selectors.team_pending_invitations(team=team),
    }
    if request.htmx:
        return render(request, "teams/detail.html#invite", context)
    return render(request, "teams/invite.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    team = selectors.team_get(user=request.user, slug=slug, action="team.invite")
    invitation = selectors.invitation_get(user=request.user, invitation_id=invitation_id)
    if invitation.team_id != team.pk:
        raise Http404
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    team = selectors.team_get(user=request.user, slug=slug)
    membership = selectors.membership_get(user=request.user, team=team, membership_id=membership_id)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("teams:detail", slug=team.slug)
    if leaving:
        messages.success(request, _("You left %s.") % team.name)
        request.session.pop(SESSION_TEAM, None)
        return redirect("home")
    messages.success(request, _("%s is no longer in this team.") % membership.user.display_name)
    return redirect("teams:detail", slug=team.slug)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    team = selectors.team_get(user=request.user, slug=slug)
    membership = selectors.membership_get(user=request.user, team=team, membership_id=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose lead or member."))
        return redirect("teams:detail", slug=team.slug)
    try:
        services.membership_set_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        label = Role(membership.role).label
        messages.success(
            request,
            _("%(name)s is now a %(role)s.")
            % {"name": membership.user.display_name, "role": label.lower()},
        )
    return redirect("teams:detail", slug=team.slug)


async def team_events(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The team's live event stream (server-sent events), for as long as the reader may read it."""
    user = await stream_user(request)

    def recheck(reader: User) -> Team:
        return selectors.team_get(user=reader, slug=slug, action="team.events")

    team = await sync_to_async(recheck)(user)
    return sse_response(request, user=user, streams=[selectors.team_stream(team)], recheck=recheck)


@login_required
@require_http_methods(["GET", "POST"])
def organization(request: HttpRequest) -> HttpResponse:
    org = request.user.organization
    permissions.require(request.user, "org.manage", org)
    form = OrganizationForm(
        request.POST or None,
        initial={
            "name": org.name,
            "open_signup_domain": org.open_signup_domain,
            "two_factor_required": org.two_factor_required,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_services.organization_update(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            # Switching the requirement on applies to the admin's own session at once.
            two_factor.session_recheck(request)
            messages.success(request, _("Organization settings saved."))
            return redirect("teams:organization")
    # Guests of a review are no people of the organization.
    people = User.objects.filter(organization=org, is_guest=False).order_by("display_name")
    teams = Team.objects.filter(organization=org).order_by("name")
    return render(
        request,
        "teams/organization.html",
        {
            "form": form,
            "people": people,
            "teams": teams,
            "team_create_url": reverse("teams:create"),
        },
    )
