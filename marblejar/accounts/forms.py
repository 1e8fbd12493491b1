from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_username(self) -> str:
        # Addresses are stored in lower case (see UserManager.create_user), and
        # people type theirs as they like.
        return self.cleaned_data["username"].lower()


class SignupForm(forms.Form):
    organization_name = forms.CharField(
        label=_("Organization name"),
        max_length=120,
        required=False,
        help_text=_("Your company or group. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=_("What your teammates will see."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits and not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(
        self,
        *args,
        mode: str = "first",
        fixed_email: str = "",
        joins_by_domain: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if mode == "first":
            self.fields["organization_name"].required = True
        elif mode == "new":
            field = self.fields["organization_name"]
            if joins_by_domain:
                field.help_text = _(
                    "Name a new organization to create it, with you as its admin. Leave it empty "
                    "to join your organization with your work e-mail address."
                )
            else:
                field.required = True
                field.error_messages["required"] = _("Name your new organization.")
                field.help_text = _(
                    "A new organization, with you as its admin. You can rename it later."
                )
        else:
            del self.fields["organization_name"]
        if fixed_email:
            self.fields["email"].initial = fixed_email
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = _("The invitation was sent to this address.")


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=80)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CurrentPasswordForm(DeleteAccountForm):
    """Asked again before a change to how the account signs in."""


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, setup: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if setup:
            field = self.fields["code"]
            field.label = _("Code from the app")
            field.help_text = _("The 6 digits the app shows for Marblejar now.")
            field.widget.attrs.update({"inputmode": "numeric", "autofocus": False})


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("Name it after the script that will use it."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        help_text=_("A read-only token can look but not change anything."),
    )


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=120)
    open_signup_domain = forms.CharField(
        label=_("Open sign-up for e-mail domain"),
        max_length=253,
        required=False,
        help_text=_(
            "Anyone with an address at this domain (for example example.com) may sign up "
            "without an invitation. Leave empty to require invitations."
        ),
    )
    two_factor_required = forms.BooleanField(
        label=_("Require two-factor sign-in"),
        required=False,
        help_text=_(
            "Everyone who logs in with a password must set up an authenticator app before "
            "they can use anything else, from their next page on. People who sign in "
            "through single sign-on are not asked: their provider checks them."
        ),
    )
