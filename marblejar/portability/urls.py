from django.urls import path

from marblejar.portability import views

app_name = "portability"

urlpatterns = [
    path("what-we-store/", views.what_we_store, name="what_we_store"),
    path("organization/retention/", views.retention, name="retention"),
    path("organization/export/", views.organization_export, name="organization_export"),
    path("t/<slug:slug>/export/", views.team_export, name="team_export"),
]
