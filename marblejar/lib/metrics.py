"""What an operator watches, in Prometheus's text format at ``/metrics``.

Requests and their latency per route name (never per URL: a URL names teams
and people), live streams open now, the task queue's depth and the age of its
oldest waiting task, failed tasks by name (e-mail deliveries among them),
and accounts locked out by the login throttle.

Counters live in each process; with several app processes
(``marblejar serve --workers N``) they are written to the folder named by
``PROMETHEUS_MULTIPROC_DIR``, which ``serve`` sets, and ``/metrics`` adds
them up, as prometheus-client documents. The queue and lock-out figures are
read from the database when scraped, so every process gives the same answer.

``/metrics`` answers only with ``MARBLEJAR_METRICS_TOKEN`` set, and only to a
request that carries it (``Authorization: Bearer …``).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "marblejar_requests",
    "HTTP requests answered, by route name, method and status class.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "marblejar_request_seconds",
    "Time to the response's headers, by route name.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
STREAMS = Gauge(
    "marblejar_live_streams",
    "Live event streams open now.",
    multiprocess_mode="livesum",
)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith(settings.STATIC_URL) else "unmatched"
    return match.view_name or "unnamed"


def _observe(request: HttpRequest, response: HttpResponse, started: float) -> None:
    route = route_of(request)
    if route == "metrics":
        return
    REQUESTS.labels(route, request.method, f"{response.status_code // 100}xx").inc()
    LATENCY.labels(route).observe(time.perf_counter() - started)


class MetricsMiddleware:
    """Counts each request and times it to its headers, in sync and async stacks alike."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[..., Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        _observe(request, response, started)
        return response

    async def __acall__(self, request: HttpRequest) -> Any:
        started = time.perf_counter()
        response = await self.get_response(request)
        _observe(request, response, started)
        return response


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time: the same from every process."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from axes.models import AccessAttempt
        from django.db.models import Count, Min
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        now = timezone.now()
        waiting = DBTaskResult.objects.ready()  # the queue's own "due to run"
        row = waiting.aggregate(n=Count("id"), oldest=Min("enqueued_at"))
        depth = GaugeMetricFamily(
            "marblejar_task_queue_depth", "Tasks due to run and not yet started."
        )
        depth.add_metric([], row["n"])
        yield depth
        age = GaugeMetricFamily(
            "marblejar_task_queue_oldest_seconds",
            "How long the oldest due task has waited (0 when none waits).",
        )
        age.add_metric([], (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0)
        yield age
        failed = GaugeMetricFamily(
            "marblejar_tasks_failed",
            "Tasks that failed and are kept in the queue's table, by task.",
            labels=["task"],
        )
        for task_path, n in (
            DBTaskResult.objects.filter(status="FAILED")
            .values_list("task_path")
            .annotate(n=Count("id"))
            .order_by("task_path")
        ):
            failed.add_metric([task_path.rsplit(".", 1)[-1]], n)
        yield failed
        locked = GaugeMetricFamily(
            "marblejar_login_lockouts",
            "Log-in identities (account and address) locked out by the throttle now.",
        )
        cutoff = now - timedelta(hours=settings.AXES_COOLOFF_TIME)
        locked.add_metric(
            [],
            AccessAttempt.objects.filter(
                failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=cutoff
            ).count(),
        )
        yield locked


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY, STREAMS):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404  # not offered at all
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse(
            "A metrics token is needed: Authorization: Bearer <MARBLEJAR_METRICS_TOKEN>.\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


__all__ = ["LATENCY", "REQUESTS", "STREAMS", "MetricsMiddleware", "metrics_view"]
