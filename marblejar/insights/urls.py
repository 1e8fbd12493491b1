from django.urls import path

from marblejar.insights import views

app_name = "insights"

urlpatterns = [
    path("t/<slug:slug>/insights/", views.team_insights, name="team"),
    path(
        "t/<slug:slug>/insights/summary.md",
        views.team_insights_markdown,
        name="team_markdown",
    ),
    path("organization/insights/", views.organization_insights, name="organization"),
]
