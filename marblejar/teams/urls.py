from django.urls import path

from marblejar.teams import views

app_name = "teams"

urlpatterns = [
    path("teams/", views.team_list, name="list"),
    path("teams/new/", views.team_create, name="create"),
    path("organization/", views.organization, name="organization"),
    path("t/<slug:slug>/", views.team_detail, name="detail"),
    path("t/<slug:slug>/edit/", views.team_edit, name="edit"),
    path("t/<slug:slug>/delete/", views.team_delete, name="delete"),
    path("t/<slug:slug>/join/", views.team_join, name="join"),
    path("t/<slug:slug>/invite/", views.invite, name="invite"),
    path(
        "t/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "t/<slug:slug>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "t/<slug:slug>/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path("t/<slug:slug>/people/", views.team_people, name="people"),
    path("t/<slug:slug>/invitations/", views.team_invitations, name="invitations"),
    path("t/<slug:slug>/events/", views.team_events, name="events"),
]
