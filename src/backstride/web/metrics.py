"""Prometheus metrics at ``/metrics``: off by default; when on, only for a bearer token or a
listed client address (``METRICS_ENABLED``, ``METRICS_TOKEN``, ``METRICS_ALLOWED_IPS``).

Request counts and latency are recorded per view by :class:`MetricsMiddleware`. Under
gunicorn each worker process keeps its own numbers, so ``backstride serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a shared folder and a scrape adds them all up. The state of
the site (task queue depth, worker heartbeat, import and newsletter backlogs) is read from the
database at scrape time, so it is the same whichever process answers.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

# In one process these live in their own registry; with PROMETHEUS_MULTIPROC_DIR set they
# are also written to that folder for the scrape to add up.
_HTTP = CollectorRegistry()
REQUESTS = Counter(
    "backstride_http_requests",
    "HTTP requests answered, by view name, method and status code.",
    ["view", "method", "status"],
    registry=_HTTP,
)
LATENCY = Histogram(
    "backstride_http_request_duration_seconds",
    "Time to produce the response (streamed bodies not included), by view name.",
    ["view"],
    registry=_HTTP,
)


class MetricsMiddleware:
    """Count every request and time it, labelled by the view's URL name (static files and
    unmatched URLs as ``<none>``, so the number of series stays bounded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.METRICS_ENABLED:
            return self.get_response(request)
        start = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        view = (match.view_name if match else "") or "<none>"
        method = request.method if request.method in _METHODS else "other"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        LATENCY.labels(view).observe(time.perf_counter() - start)
        return response


class SiteStateCollector(Collector):
    """Gauges read from the database when scraped: queue depth, workers, backlogs."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from backstride.activities.models import ImportItem
        from backstride.newsletter.models import OutboxMessage

        from . import health

        queue = health.check_queue()
        yield GaugeMetricFamily(
            "backstride_task_queue_up", "1 when the task queue answers.", value=int(queue["ok"])
        )
        if queue["ok"]:
            yield GaugeMetricFamily(
                "backstride_task_queue_depth",
                "Tasks waiting for a worker.",
                value=queue.get("pending", 0),
            )
            if queue.get("oldest_pending_age_s") is not None:
                yield GaugeMetricFamily(
                    "backstride_task_oldest_pending_age_seconds",
                    "How long the oldest due task has waited.",
                    value=queue["oldest_pending_age_s"],
                )
        worker = health.check_worker()
        yield GaugeMetricFamily(
            "backstride_workers_alive",
            "Workers whose heartbeat is younger than WORKER_HEARTBEAT_MAX_AGE.",
            value=worker.alive,
        )
        if worker.age_s is not None:
            yield GaugeMetricFamily(
                "backstride_worker_heartbeat_age_seconds",
                "Age of the freshest worker heartbeat.",
                value=worker.age_s,
            )
        yield GaugeMetricFamily(
            "backstride_activity_imports_waiting",
            "Uploaded activity files not imported yet (waiting or importing).",
            value=ImportItem.objects.filter(
                status__in=[ImportItem.Status.PENDING, ImportItem.Status.PROCESSING]
            ).count(),
        )
        yield GaugeMetricFamily(
            "backstride_newsletter_outbox_waiting",
            "Subscriber emails not handed to the mail server yet (pending or sending).",
            value=OutboxMessage.objects.filter(
                status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
            ).count(),
        )


def scrape_registry() -> CollectorRegistry:
    """Everything one scrape reports: every process's request numbers plus the site state."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_HTTP)
    registry.register(SiteStateCollector())
    return registry


def client_allowed(request: HttpRequest) -> bool:
    """The bearer token matches ``METRICS_TOKEN``, or the peer address is in
    ``METRICS_ALLOWED_IPS`` (addresses or networks)."""
    token = settings.METRICS_TOKEN
    auth = request.headers.get("Authorization", "")
    given = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        peer in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS
    )


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics`` in the Prometheus text format; 404 when metrics are off, 401 without the
    token or an allowed address."""
    if not settings.METRICS_ENABLED:
        raise Http404("Metrics are turned off.")
    if not client_allowed(request):
        response = HttpResponse(
            "Metrics need the bearer token (METRICS_TOKEN) or a client address listed in "
            "METRICS_ALLOWED_IPS.\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


@register()
def metrics_protected(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """Metrics settings that cannot work: an address list entry that is not an address or
    network; metrics on with neither a token nor an address, so nobody could read them."""
    messages: list[CheckMessage] = []
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            messages.append(
                Error(
                    f"METRICS_ALLOWED_IPS has {entry!r}, which is not an IP address or network.",
                    hint="Separate addresses or networks with commas: 10.0.0.5,10.1.0.0/16.",
                    id="backstride.E001",
                )
            )
    if settings.METRICS_ENABLED and not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS):
        messages.append(
            Warning(
                "METRICS_ENABLED is on but neither METRICS_TOKEN nor METRICS_ALLOWED_IPS is set, "
                "so /metrics refuses everyone.",
                hint="Set METRICS_TOKEN to a long random string and give it to Prometheus.",
                id="backstride.W001",
            )
        )
    return messages
