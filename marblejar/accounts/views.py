from __future__ import annotations

import json
from urllib.parse import urlsplit

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marblejar.accounts import services, sso, two_factor
from marblejar.accounts.forms import (
    DeleteAccountForm,
    LoginForm,
    ProfileForm,
    SignupForm,
    TokenForm,
)
from marblejar.accounts.models import ApiToken
from marblejar.accounts.throttling import device_remember
from marblejar.lib.forms import add_service_errors
from marblejar.teams import services as team_services

BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_two_factor(user):
            # The right password alone does not log in: the code step does.
            two_factor.pending_begin(self.request, user=user, next_url=self.get_success_url())
            return redirect("accounts:login_code")
        response = super().form_valid(form)
        device_remember(self.request, response, form.cleaned_data["username"])
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if sso.is_configured():
            context["sso_provider"] = sso.provider_name()
        return context


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    mode = services.signup_mode()
    joins_by_domain = mode == "new" and services.domain_signup_open()
    form = SignupForm(request.POST or None, mode=mode, joins_by_domain=joins_by_domain)
    if mode != "closed" and request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password"],
                organization_name=form.cleaned_data.get("organization_name", ""),
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            login(request, user, backend=BACKEND)
            return redirect("home")
    context = {
        "form": form,
        "mode": mode,
        "joins_by_domain": joins_by_domain,
        # What to do when sign-up is closed: the demo's log-in, while the demo is here.
        "demo_login": services.demo_login() if mode == "closed" else None,
    }
    return render(request, "accounts/signup.html", context)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Where an invitation link lands: sign up, or accept when logged in."""
    invitation = team_services.invitation_lookup(token)
    problem = team_services.invitation_problem(invitation)
    if problem:
        return render(
            request,
            "accounts/join_problem.html",
            {"problem": problem, "invitation": invitation},
            status=410 if invitation else 404,
        )
    assert invitation is not None
    context = {"invitation": invitation, "token": token}
    if request.user.is_authenticated and request.user.organization_id != invitation.organization_id:
        problem = _(
            "This invitation is for %(org)s, and you are logged in to another organization. "
            "Log out, then open the link again to create an account there."
        ) % {"org": invitation.organization.name}
        return render(
            request,
            "accounts/join_problem.html",
            {"problem": problem, "invitation": invitation},
            status=409,
        )
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                team_services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as e:
                context["errors"] = e.messages
            else:
                if invitation.team:
                    messages.success(request, _("Welcome to %s.") % invitation.team.name)
                    return redirect("teams:detail", slug=invitation.team.slug)
                return redirect("home")
        return render(request, "accounts/join_accept.html", context)

    form = SignupForm(request.POST or None, mode="invited", fixed_email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(
                email=invitation.email or form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password"],
                invitation=invitation,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            login(request, user, backend=BACKEND)
            if invitation.team:
                return redirect("teams:detail", slug=invitation.team.slug)
            return redirect("home")
    context["form"] = form
    return render(request, "accounts/join_signup.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"display_name": request.user.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                user=request.user, display_name=form.cleaned_data["display_name"]
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            form = TokenForm()
    token_list = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": token_list, "new_token": new_token},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("The token is revoked. Scripts using it will stop working."))
    return redirect("accounts:tokens")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    data = services.user_export_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="marblejar-my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_delete(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            logout(request)
            messages.info(request, _("Your account and your data are deleted."))
            return redirect("accounts:login")
    return render(request, "accounts/delete.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # The link is built from SITE_URL, never from the request's Host header:
        # with a forged Host, a stranger could have the victim's reset token
        # e-mailed as a link to their own server.
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {"protocol": site.scheme, "domain": site.netloc}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # Whoever can read the account's e-mail may log in again at once: a
        # lock-out someone else caused must not outlast a reset.
        axes_reset(username=form.user.email)
        return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)
