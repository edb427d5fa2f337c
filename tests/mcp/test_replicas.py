"""Many replicas: a plan made through one server process is applied through another, or
after a restart, and belongs to the principal that made it (docs/operations.md, Scale).

Two ``reconcile mcp --transport http --stateless`` processes serve one project
(its embedded registry is one SQLite file): nothing is shared between them but
the project and the registries.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp_testkit import (
    AUDIENCE,
    ISSUER,
    HttpServer,
    Project,
    make_project,
    run_http,
    structured,
    text_of,
)

from reconciler.engine import Plan, PlanOptions
from reconciler.mcp.state import MAX_PLANS, ServerState, StoredPlan


def auth_options(tmp: Path, key: rsa.RSAPrivateKey) -> list[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "test", "alg": "RS256"}]}))
    return ["--issuer", ISSUER, "--jwks", str(jwks), "--audience", AUDIENCE, "--stateless"]


@contextmanager
def replica(project: Project, tmp: Path, name: str, key: rsa.RSAPrivateKey) -> Iterator[HttpServer]:
    log = tmp / f"{name}.log"
    with run_http(project, log, *auth_options(tmp, key)) as base:
        yield HttpServer(base + "/mcp", key, log, project)


async def test_a_plan_made_on_one_replica_is_applied_on_another_and_after_a_restart(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with ExitStack() as stack:
        one = stack.enter_context(replica(project, tmp_path, "one", key))
        two = stack.enter_context(replica(project, tmp_path, "two", key))
        async with one.client(one.token("read write", subject="alice")) as client:
            plan = structured(await client.call_tool("plan", {}))
        plan_id = plan["plan_id"]
        async with two.client(two.token("read write", subject="bob")) as client:
            foreign = await client.call_tool("apply", {"plan_id": plan_id, "confirm": True})
        assert foreign.is_error and "no plan" in text_of(foreign)  # alice's, not bob's
        async with two.client(two.token("read write", subject="alice")) as client:
            applied = structured(
                await client.call_tool("apply", {"plan_id": plan_id, "confirm": True})
            )
            again = await client.call_tool("apply", {"plan_id": plan_id, "confirm": True})
        assert applied["status"] == "applied" and applied["replan_empty"]
        assert again.is_error and "no plan" in text_of(again)  # it ran already

        # A plan survives the restart of the replica that made it.
        project.edit("specs/payments.yaml", "compatibility: FULL", "compatibility: FULL_TRANSITIVE")
        async with one.client(one.token("read write", subject="alice")) as client:
            plan_id = structured(await client.call_tool("plan", {}))["plan_id"]
    with replica(project, tmp_path, "one-restarted", key) as restarted:
        async with restarted.client(restarted.token("read write", subject="alice")) as client:
            applied = structured(
                await client.call_tool("apply", {"plan_id": plan_id, "confirm": True})
            )
    assert applied["status"] == "applied" and applied["steps_done"] == 1


async def test_a_plan_whose_registry_moved_is_refused_on_another_replica(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with (
        replica(project, tmp_path, "one", key) as one,
        replica(project, tmp_path, "two", key) as two,
    ):
        async with one.client(one.token("read write")) as client:
            stale_id = structured(await client.call_tool("plan", {}))["plan_id"]
            project.edit("specs/payments.yaml", "compatibility: FULL", "compatibility: NONE")
            fresh_id = structured(await client.call_tool("plan", {}))["plan_id"]
            assert (
                structured(await client.call_tool("apply", {"plan_id": fresh_id, "confirm": True}))[
                    "status"
                ]
                == "applied"
            )
        async with two.client(two.token("read write")) as client:
            refused = await client.call_tool("apply", {"plan_id": stale_id, "confirm": True})
        assert refused.is_error and "changed since it was made" in text_of(refused)


def test_a_principal_cannot_evict_another_principals_plans(tmp_path: Path) -> None:
    state = ServerState(tmp_path)
    alice = ("client", ISSUER, "alice")

    def stored(n: int, owner: tuple[str, str, str]) -> StoredPlan:
        return StoredPlan(f"{owner[2]}-{n}", Plan(), (), PlanOptions(), str(time.time()), owner)

    state.keep(stored(0, alice))
    for n in range(MAX_PLANS + 10):
        state.keep(stored(n, ("client", ISSUER, "mallory")))
    assert "alice-0" in state.plans
    assert sum(p.owner[2] == "mallory" for p in state.plans.values()) == MAX_PLANS  # type: ignore[index]
    assert "mallory-0" not in state.plans and f"mallory-{MAX_PLANS + 9}" in state.plans
