from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from marblejar import views
from marblejar.api.api import api
from marblejar.lib.metrics import metrics_view
from marblejar.teams import views as team_views

urlpatterns = [
    path("", team_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("marblejar.accounts.urls")),
    path("", include("marblejar.teams.urls")),
    path("", include("marblejar.coaching.urls")),
    path("", include("marblejar.pulse.urls")),
    path("", include("marblejar.reflections.urls")),
    path("", include("marblejar.jar.urls")),
    path("", include("marblejar.reviews.urls")),
    path("", include("marblejar.notifications.urls")),
    path("", include("marblejar.insights.urls")),
    path("", include("marblejar.portability.urls")),
    path("", include("marblejar.integrations.urls")),
    path("", include("marblejar.trackers.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "marblejar.views.forbidden"
handler404 = "marblejar.views.not_found"
handler500 = "marblejar.views.server_error"

if settings.DEBUG:
    urlpatterns += [
        path("_errors/<int:code>", views.error_preview),
    ]
