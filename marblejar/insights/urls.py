from django.urls import path

from marblejar.insights import views

app_name = "insights"

urlpatterns = [
    path("t/<slug:slug>/insights/", views.team_insights, name="team"),
    path("organization/insights/", views.organization_insights, name="organization"),
]
