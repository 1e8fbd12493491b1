from django.urls import path

from marblejar.reflections import views

app_name = "reflections"

urlpatterns = [
    path("t/<slug:slug>/reflections/", views.team_list, name="team_list"),
    path("reflections/", views.organization_list, name="organization_list"),
    path("reflections/new/", views.create, name="create"),
    path("reflections/<int:pk>/", views.detail, name="detail"),
    path("reflections/<int:pk>/edit/", views.edit, name="edit"),
    path("reflections/<int:pk>/delete/", views.delete, name="delete"),
    path("reflections/<int:pk>/publish/", views.publish, name="publish"),
    path("reflections/<int:pk>/print/", views.print_view, name="print"),
    path("reflections/<int:pk>/send/", views.send, name="send"),
    path("reflections/<int:pk>/react/", views.react, name="react"),
    path("reflections/<int:pk>/events/", views.events, name="events"),
    path("reflections/<int:pk>/live/<str:part>/", views.part, name="part"),
    path("reflections/<int:pk>/comments/", views.comment, name="comment"),
    path(
        "reflections/<int:pk>/comments/<int:comment_id>/hide/",
        views.comment_hide,
        name="comment_hide",
    ),
    path(
        "reflections/<int:pk>/comments/<int:comment_id>/report/",
        views.comment_report,
        name="comment_report",
    ),
    path("reflections/<int:pk>/practice/", views.practice, name="practice"),
    path("reflections/<int:pk>/updates/", views.update, name="update"),
]
