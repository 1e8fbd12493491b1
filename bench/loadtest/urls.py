"""Marblejar's addresses plus ``/bench/minimal/``: a logged-in greeting, nothing else."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def minimal(request):
    return HttpResponse(f"Hello {request.user.display_name}")


urlpatterns = [path("bench/minimal/", minimal), path("", include("marblejar.urls"))]
handler403 = "marblejar.views.forbidden"
handler404 = "marblejar.views.not_found"
handler500 = "marblejar.views.server_error"
