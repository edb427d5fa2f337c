"""Open one registry client per registry a command touches, and close them all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from reconciler.registry import RegistryClient
from reconciler.spec.model import Project, RegistryConfig

if TYPE_CHECKING:
    import httpx

# Tests and benchmarks inject transports (fault injection, request counting).
TransportFactory = Callable[[RegistryConfig], "httpx.AsyncBaseTransport | None"]


@asynccontextmanager
async def open_clients(
    project: Project,
    names: Iterable[str],
    transport_factory: TransportFactory | None = None,
    made: Mapping[str, RegistryClient] | None = None,
) -> AsyncIterator[dict[str, RegistryClient]]:
    """``made``: clients built already from the project's configs (the plan command's,
    reading ahead while the specs loaded), used for their registries."""
    async with AsyncExitStack() as stack:
        clients: dict[str, RegistryClient] = {}
        for name in names:
            config = project.registries[name]
            client = (made or {}).get(name)
            if client is None:
                transport = transport_factory(config) if transport_factory else None
                client = RegistryClient.from_config(
                    config, base_dir=project.root, transport=transport
                )
            clients[name] = await stack.enter_async_context(client)
        yield clients
