from django.urls import path

from marblejar.accounts import sso_views, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", two_factor_views.login_code, name="login_code"),
    path("login/sso/", sso_views.sso_start, name="sso_start"),
    path("login/sso/callback/", sso_views.sso_callback, name="sso_callback"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("join/<str:token>/", views.join, name="join"),
    path("account/", views.profile, name="profile"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/two-factor/", two_factor_views.two_factor_page, name="two_factor"),
    path("account/two-factor/start/", two_factor_views.two_factor_start, name="two_factor_start"),
    path(
        "account/two-factor/confirm/",
        two_factor_views.two_factor_confirm,
        name="two_factor_confirm",
    ),
    path("account/two-factor/off/", two_factor_views.two_factor_disable, name="two_factor_disable"),
    path(
        "account/two-factor/recovery-codes/",
        two_factor_views.recovery_codes,
        name="recovery_codes",
    ),
    path(
        "account/two-factor/recovery-codes.txt",
        two_factor_views.recovery_codes_download,
        name="recovery_codes_download",
    ),
    path(
        "account/two-factor/recovery-codes/done/",
        two_factor_views.recovery_codes_done,
        name="recovery_codes_done",
    ),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/export/", views.export, name="export"),
    path("account/delete/", views.delete_account, name="delete"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
