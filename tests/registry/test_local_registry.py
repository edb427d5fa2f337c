"""The client end to end against the embedded registry: in-process (``local:``) and over HTTP.

The same scenarios run on both: ``from_config`` with a ``local:`` URL (ASGI
transport) and a real uvicorn server on 127.0.0.1 (``serve_in_thread``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import create_app, serve_in_thread
from reconciler.registry import (
    IncompatibleSchemaError,
    NotFoundError,
    ReadOnlyRegistryError,
    Reference,
    RegistryClient,
    SchemaRejectedError,
    SchemaVersion,
    SubjectVersion,
)
from reconciler.spec.model import RegistryConfig


def record(name: str, *fields: tuple[str, str]) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": "com.acme",
            "fields": [{"name": n, "type": t} for n, t in fields],
        }
    )


ORDER_V1 = record("Order", ("id", "string"))
ORDER_V2 = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "namespace": "com.acme",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "note", "type": ["null", "string"], "default": None},
        ],
    }
)
# A new field without a default: old data cannot be read with it (not BACKWARD).
ORDER_BREAKING = record("Order", ("id", "string"), ("amount", "long"))


@pytest.fixture(params=["local", "http"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RegistryClient]:
    if request.param == "local":
        cfg = RegistryConfig(name="local", url="local:data/registry.db")
        async with RegistryClient.from_config(cfg, tmp_path) as local:
            yield local
        assert (tmp_path / "data" / "registry.db").exists()
    else:
        with serve_in_thread(tmp_path / "registry.db") as url:
            async with RegistryClient(url, name="http") as remote:
                yield remote


async def test_register_read_and_lookup(client: RegistryClient) -> None:
    assert await client.get_subjects() == []
    first = await client.register("orders-value", ORDER_V1)
    assert await client.register("orders-value", ORDER_V1) == first  # a repeat: same id
    assert await client.register("orders-copy-value", ORDER_V1) == first  # same schema: same id
    second = await client.register("orders-value", ORDER_V2)
    assert second != first

    assert await client.get_subjects() == ["orders-copy-value", "orders-value"]
    assert await client.get_versions("orders-value") == [1, 2]
    latest = await client.get_version("orders-value", "latest")
    assert latest == SchemaVersion(
        subject="orders-value", version=2, id=second, schema=latest.schema, schema_type="AVRO"
    )
    assert json.loads(latest.schema)["fields"][1]["name"] == "note"

    found = await client.lookup("orders-value", ORDER_V1)
    assert found is not None and (found.version, found.id) == (1, first)
    assert await client.lookup("orders-value", record("Other", ("x", "int"))) is None
    assert await client.lookup("no-such-subject", ORDER_V1) is None

    by_id = await client.get_schema_by_id(first)
    assert by_id.id == first and by_id.schema_type == "AVRO"
    assert sorted(await client.get_subjects_for_id(first)) == ["orders-copy-value", "orders-value"]
    assert SubjectVersion("orders-value", 1) in await client.get_versions_for_id(first)

    with pytest.raises(NotFoundError) as info:
        await client.get_version("orders-value", 9)
    assert info.value.error_code == 40402


async def test_compatibility_errors_and_verdicts(client: RegistryClient) -> None:
    await client.set_config("BACKWARD")
    await client.register("orders-value", ORDER_V1)
    verdict = await client.check_compatibility("orders-value", ORDER_BREAKING)
    assert verdict.compatible is False and verdict.messages
    assert (await client.check_compatibility("orders-value", ORDER_V2)).compatible
    with pytest.raises(IncompatibleSchemaError) as incompatible:
        await client.register("orders-value", ORDER_BREAKING)
    assert incompatible.value.status == 409
    with pytest.raises(SchemaRejectedError):
        await client.register("orders-value", '{"type": "record"')


async def test_config_and_mode(client: RegistryClient) -> None:
    assert await client.set_config("FULL") == "FULL"
    assert await client.get_config() == "FULL"
    await client.register("orders-value", ORDER_V1)
    assert await client.get_config("orders-value") is None
    assert await client.get_config("orders-value", default_to_global=True) == "FULL"
    assert await client.set_config("NONE", "orders-value") == "NONE"
    assert await client.get_config("orders-value") == "NONE"
    assert await client.delete_config("orders-value") == "NONE"
    assert await client.get_config("orders-value") is None

    assert await client.get_mode() == "READWRITE"
    assert await client.get_mode("orders-value") is None
    assert await client.set_mode("READONLY", "orders-value") == "READONLY"
    assert await client.get_mode("orders-value") == "READONLY"
    assert await client.delete_mode("orders-value") == "READONLY"
    assert await client.get_mode("orders-value", default_to_global=True) == "READWRITE"


async def test_import_mode_with_pinned_id_and_version(client: RegistryClient) -> None:
    await client.set_mode("IMPORT", "payments-value", force=True)
    assert await client.register("payments-value", ORDER_V1, id=101, version=3) == 101
    pinned = await client.get_version("payments-value", 3)
    assert (pinned.id, pinned.version) == (101, 3)
    # A repeat of the same pinned registration is answered with the same id.
    assert await client.register("payments-value", ORDER_V1, id=101, version=3) == 101
    await client.set_mode("READWRITE", "payments-value")


async def test_references_and_contexts(client: RegistryClient) -> None:
    address = record("Address", ("street", "string"))
    await client.register("address-value", address)
    customer = json.dumps(
        {
            "type": "record",
            "name": "Customer",
            "namespace": "com.acme",
            "fields": [{"name": "address", "type": "com.acme.Address"}],
        }
    )
    ref = Reference(name="com.acme.Address", subject="address-value", version=1)
    customer_id = await client.register("customer-value", customer, references=[ref])
    assert (await client.get_version("customer-value", 1)).references == (ref,)
    assert await client.referenced_by("address-value", 1) == [customer_id]

    await client.register(":.sales:orders-value", ORDER_V1)
    assert ".sales" in await client.get_contexts()
    in_context = await client.list_schemas(subject_prefix=":.sales:")
    assert [(s.subject, s.version) for s in in_context] == [(":.sales:orders-value", 1)]


async def test_deletes(client: RegistryClient) -> None:
    await client.register("orders-value", ORDER_V1)
    await client.register("orders-value", ORDER_V2)
    assert await client.delete_version("orders-value", 2) == 2
    assert await client.get_versions("orders-value") == [1]
    assert await client.get_versions("orders-value", deleted=True) == [1, 2]
    assert await client.delete_version("orders-value", 2, permanent=True) == 2

    assert await client.delete_subject("orders-value") == [1]
    assert await client.get_subjects() == []
    assert await client.get_subjects(deleted=True) == ["orders-value"]
    with pytest.raises(NotFoundError) as again:
        await client.delete_subject("orders-value")  # not a retry: a real error
    assert again.value.error_code == 40404
    assert await client.delete_subject("orders-value", permanent=True) == [1]
    assert await client.get_subjects(deleted=True) == []


@pytest.mark.parametrize(("count", "page_size", "listing_requests"), [(25, 10, 3), (30, 10, 4)])
async def test_list_schemas_pages(
    client: RegistryClient, count: int, page_size: int, listing_requests: int
) -> None:
    """ceil((N + 1) / page) listing requests for N versions: a short page ends the listing."""
    for i in range(count):
        await client.register(f"s{i:03d}-value", record("R", ("f", "string"), (f"g{i}", "int")))
    before = client.requests_made
    schemas = await client.list_schemas(page_size=page_size)
    assert client.requests_made - before == listing_requests
    assert sorted(s.subject for s in schemas) == [f"s{i:03d}-value" for i in range(count)]
    assert len({s.id for s in schemas}) == count


async def test_list_schemas_latest_only_and_deleted(client: RegistryClient) -> None:
    await client.register("orders-value", ORDER_V1)
    await client.register("orders-value", ORDER_V2)
    await client.delete_version("orders-value", 1)
    assert [s.version for s in await client.list_schemas()] == [2]
    everything = await client.list_schemas(deleted=True)
    assert [s.version for s in everything] == [1, 2]
    await client.set_config("NONE", "orders-value")
    await client.register("orders-value", ORDER_BREAKING)
    assert [s.version for s in await client.list_schemas(latest_only=True)] == [3]


# -- lost responses: the registry applied the request, the client never heard -------


class LoseResponses(httpx.AsyncBaseTransport):
    """Forwards each request, then replaces the first ``count`` answers with a 503.

    The registry did the work; the client sees a failure and retries, as after
    a proxy timeout.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, count: int = 1) -> None:
        self.inner = inner
        self.count = count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if self.count > 0:
            self.count -= 1
            return httpx.Response(503, json={"error_code": 50003, "message": "lost"})
        return response


@pytest.fixture
def lossy(tmp_path: Path) -> Iterator[LoseResponses]:
    yield LoseResponses(httpx.ASGITransport(app=create_app(tmp_path / "registry.db")), count=0)


async def no_sleep(seconds: float) -> None:
    """Retries without waiting."""


async def test_lost_soft_delete_is_not_repeated(lossy: LoseResponses) -> None:
    async with RegistryClient("local:unused", transport=lossy, sleep=no_sleep) as client:
        await client.register("orders-value", ORDER_V1)
        await client.register("orders-value", ORDER_V2)
        lossy.count = 1
        assert await client.delete_subject("orders-value") == [1, 2]
        assert await client.get_subjects(deleted=True) == ["orders-value"]
        assert await client.get_versions("orders-value", deleted=True) == [1, 2]


async def test_lost_registration_returns_the_same_id(lossy: LoseResponses) -> None:
    async with RegistryClient("local:unused", transport=lossy, sleep=no_sleep) as client:
        lossy.count = 2
        schema_id = await client.register("orders-value", ORDER_V1)
        assert client.requests_made == 3
        assert await client.get_versions("orders-value") == [1]
        assert (await client.get_version("orders-value", 1)).id == schema_id


async def test_lost_delete_of_latest_is_not_retried(lossy: LoseResponses) -> None:
    async with RegistryClient("local:unused", transport=lossy, sleep=no_sleep) as client:
        await client.register("orders-value", ORDER_V1)
        await client.register("orders-value", ORDER_V2)
        lossy.count = 1
        with pytest.raises(Exception, match="lost"):
            await client.delete_version("orders-value", "latest")
        # The registry deleted version 2 once; a retry would have deleted version 1 too.
        assert await client.get_versions("orders-value") == [1]


async def test_readonly_registry_never_receives_a_write(tmp_path: Path) -> None:
    db, log = tmp_path / "registry.db", tmp_path / "requests.jsonl"
    async with RegistryClient("local:unused", transport=httpx.ASGITransport(create_app(db))) as rw:
        await rw.register("orders-value", ORDER_V1)
    cfg = RegistryConfig(name="prod", url="local:registry.db", readonly=True)
    app = create_app(db, request_log=log)
    async with RegistryClient.from_config(cfg, tmp_path, httpx.ASGITransport(app)) as client:
        assert await client.get_subjects() == ["orders-value"]
        assert await client.lookup("orders-value", ORDER_V1) is not None
        assert (await client.check_compatibility("orders-value", ORDER_V2)).compatible
        reads = client.requests_made
        writes = [
            client.register("orders-value", ORDER_V2),
            client.set_config("NONE"),
            client.delete_config("orders-value"),
            client.set_mode("IMPORT", force=True),
            client.delete_mode("orders-value"),
            client.delete_version("orders-value", 1),
            client.delete_subject("orders-value"),
        ]
        for write in writes:
            with pytest.raises(
                ReadOnlyRegistryError, match=r"^registry prod \(local:registry.db\): .* readonly"
            ):
                await write
        assert client.requests_made == reads
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["method"], r["path"]) for r in logged] == [
        ("GET", "/subjects"),
        ("POST", "/subjects/orders-value"),
        ("POST", "/compatibility/subjects/orders-value/versions/latest"),
    ]


async def test_ping_and_server_info(client: RegistryClient) -> None:
    await client.ping()
    assert isinstance(await client.server_info(), dict)
    assert client.requests_made == 2
