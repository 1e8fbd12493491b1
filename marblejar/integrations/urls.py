from django.urls import path

from marblejar.integrations import views

app_name = "integrations"

urlpatterns = [
    path("t/<slug:slug>/integrations/", views.integration_list, name="list"),
    path(
        "t/<slug:slug>/integrations/<int:integration_id>/",
        views.integration_detail,
        name="detail",
    ),
    path(
        "t/<slug:slug>/integrations/<int:integration_id>/pause/",
        views.integration_pause,
        name="pause",
    ),
    path(
        "t/<slug:slug>/integrations/<int:integration_id>/resume/",
        views.integration_resume,
        name="resume",
    ),
    path(
        "t/<slug:slug>/integrations/<int:integration_id>/test/",
        views.integration_test,
        name="test",
    ),
    path(
        "t/<slug:slug>/integrations/<int:integration_id>/delete/",
        views.integration_delete,
        name="delete",
    ),
]
