"""Views for the handler's tests (marblejar/lib/tests/test_handler.py)."""

import threading

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path


def page(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse(f"{threading.current_thread().name} {id(connection.connection)}")


def parts(request):
    def written():
        for n in range(3):
            yield f"part {n} on {threading.current_thread().name}\n"

    return StreamingHttpResponse(written(), content_type="text/plain")


async def stream(request):
    async def events():
        for n in range(3):
            yield f"data: {n} on {threading.current_thread().name}\n\n"

    return StreamingHttpResponse(events(), content_type="text/event-stream")


async def stream_checked(request):
    """A stream that reads the database first, as the live streams check access."""

    def check():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return threading.current_thread().name

    checked_on = await sync_to_async(check)()

    async def events():
        yield f"data: checked on {checked_on}\n\n"

    return StreamingHttpResponse(events(), content_type="text/event-stream")


def broken(request):
    raise RuntimeError("a page that fails")


urlpatterns = [
    path("page/", page),
    path("parts/", parts),
    path("stream/", stream),
    path("stream-checked/", stream_checked),
    path("broken/", broken),
]
