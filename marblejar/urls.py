from django.conf import settings
from django.contrib import admin
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern

from marblejar import views
from marblejar.lib.metrics import metrics_view
from marblejar.teams import views as team_views


class LateResolver(URLResolver):
    """URLs under a prefix whose module is imported when first asked for.

    Django imports every included module when it reads the URL configuration
    and fills in every nested resolver's names when the first URL is reversed.
    This one is imported when a request path falls under its prefix or one
    of its own names is reversed.
    """

    def _populate(self) -> None:
        if "urlconf_module" in self.__dict__:  # imported already
            super()._populate()

    def _reverse_with_prefix(self, *args, **kwargs) -> str:
        self.urlconf_module  # noqa: B018  (imports it)
        return super()._reverse_with_prefix(*args, **kwargs)


# The API's schemas (django-ninja and pydantic build them at import) took
# most of a process's start: they are built on the first request under
# /api/v1/ (or the first reverse of an "api:" name), not before the first page.
api_urls = LateResolver(
    RoutePattern("api/v1/", is_endpoint=False),
    "marblejar.api.urls",
    app_name="ninja",
    namespace="api",
)

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
    api_urls,
    path("admin/", admin.site.urls),
]

handler403 = "marblejar.views.forbidden"
handler404 = "marblejar.views.not_found"
handler500 = "marblejar.views.server_error"

if settings.DEBUG:
    urlpatterns += [
        path("_errors/<int:code>", views.error_preview),
    ]
