"""The Prometheus metrics of a server process (``GET /metrics``), with ``prometheus-client``.

Metrics live in the client's default registry, beside its process collector
(CPU, memory, open files). Labels are tool, registry, route, method, status
and outcome names: never a subject, a URL or anything from a token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from reconciler.registry import add_request_observer


class Metrics:
    """The process's counters and histograms, registered when made (once: ``METRICS``)."""

    def __init__(self) -> None:
        self.tool_calls = Counter(
            "reconciler_mcp_tool_calls",
            "MCP tool calls by tool, registry and outcome (ok, error).",
            ["tool", "registry", "outcome"],
        )
        self.tool_errors = Counter(
            "reconciler_mcp_tool_errors", "MCP tool calls that failed.", ["tool", "registry"]
        )
        self.tool_duration = Histogram(
            "reconciler_mcp_tool_duration_seconds", "MCP tool call duration.", ["tool", "registry"]
        )
        self.applies = Counter(
            "reconciler_applies",
            "Applies by outcome (applied, still_differs, failed, no_changes, refused).",
            ["outcome"],
        )
        self.apply_steps = Counter(
            "reconciler_apply_steps", "Apply steps by outcome (ok, failed).", ["outcome"]
        )
        self.registry_requests = Counter(
            "reconciler_registry_requests",
            "HTTP requests sent to schema registries (retries included) by registry, "
            "method and status ('error': no response).",
            ["registry", "method", "status"],
        )
        self.registry_retries = Counter(
            "reconciler_registry_retries", "Retried registry requests.", ["registry"]
        )
        self.http_requests = Counter(
            "reconciler_http_requests",
            "HTTP requests served by route, method and status.",
            ["route", "method", "status"],
        )
        self.http_duration = Histogram(
            "reconciler_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["route", "method"],
        )

    def observe_registry_request(
        self, registry: str, method: str, status: int | None, attempt: int
    ) -> None:
        self.registry_requests.labels(registry, method, "error" if status is None else status).inc()
        if attempt > 1:
            self.registry_retries.labels(registry).inc()


METRICS = Metrics()
add_request_observer(METRICS.observe_registry_request)


class GaugesCollector(Collector):
    """Gauges read at scrape time from ``read`` (e.g. the local registry's counts)."""

    def __init__(self, prefix: str, read: Callable[[], Mapping[str, int]], help: str) -> None:
        self.prefix = prefix
        self.read = read
        self.help = help

    def describe(self) -> list[GaugeMetricFamily]:
        return []  # nothing read at registration: the store may not exist yet

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            values = self.read()
        except Exception:  # a scrape still answers; /readyz reports the store
            return
        for name, value in values.items():
            yield GaugeMetricFamily(f"{self.prefix}_{name}", f"{self.help} ({name}).", value=value)


def add_gauges(prefix: str, read: Callable[[], Mapping[str, int]], help: str) -> None:
    """Publish ``read()``'s counts as gauges named ``{prefix}_{key}``."""
    REGISTRY.register(GaugesCollector(prefix, read, help))
