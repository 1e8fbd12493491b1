from django.urls import path

from marblejar.jar import views

app_name = "jar"

urlpatterns = [
    path("t/<slug:slug>/jar/", views.history, name="history"),
    path("t/<slug:slug>/jar/drop/", views.drop, name="drop"),
    path("t/<slug:slug>/jar/<int:marble_id>/remove/", views.marble_remove, name="marble_remove"),
    path("t/<slug:slug>/jar/<int:marble_id>/keep/", views.marble_keep, name="marble_keep"),
    path("t/<slug:slug>/cracks/", views.cracks, name="cracks"),
    path(
        "t/<slug:slug>/cracks/<uuid:crack_id>/acknowledge/",
        views.crack_acknowledge,
        name="crack_acknowledge",
    ),
    path("organization/cracks/", views.organization_cracks, name="organization_cracks"),
    path(
        "organization/cracks/<uuid:crack_id>/acknowledge/",
        views.organization_crack_acknowledge,
        name="organization_crack_acknowledge",
    ),
]
