from django.urls import path

from marblejar.trackers import views

app_name = "trackers"

urlpatterns = [
    path("t/<slug:slug>/trackers/", views.tracker_list, name="list"),
    path("t/<slug:slug>/trackers/connect/<slug:kind>/", views.tracker_connect, name="connect"),
    path("t/<slug:slug>/trackers/<int:tracker_id>/token/", views.tracker_token, name="token"),
    path("t/<slug:slug>/trackers/<int:tracker_id>/secret/", views.tracker_secret, name="secret"),
    path(
        "t/<slug:slug>/trackers/<int:tracker_id>/disconnect/",
        views.tracker_disconnect,
        name="disconnect",
    ),
    path("actions/<int:action_id>/issue/", views.issue_create, name="issue_create"),
    path("hooks/trackers/<str:hook_id>/", views.webhook, name="webhook"),
]
