"""``migrate`` over MCP: a dry run, the user's confirmation, progress, the verification
table, and a readonly target refused, with the engine session `reconcile migrate` runs."""

from __future__ import annotations

from mcp.client import Client, ClientRequestContext
from mcp_testkit import Project, add_stage, structured, text_of
from mcp_types import ElicitRequestParams, ElicitResult

from reconciler.mcp import build_server


async def test_migrate_plans_asks_applies_with_progress_and_verifies(project: Project) -> None:
    add_stage(project)
    asked: list[str] = []
    progress: list[tuple[float, float | None, str | None]] = []

    async def accept(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"apply": True})

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with Client(build_server(project.root), elicitation_callback=accept) as client:
        plan = structured(await client.call_tool("plan", {"registries": ["dev"]}))
        await client.call_tool("apply", {"plan_id": plan["plan_id"]})
        asked.clear()

        migration = {"source": "dev", "target": "stage", "preserve_ids": True}
        dry = structured(await client.call_tool("migrate", {**migration, "dry_run": True}))
        assert dry["status"] == "dry_run" and not asked
        assert (dry["source_subjects"], dry["source_versions"]) == (6, 10)
        assert dry["summary"]["register"] == 10
        stage = structured(await client.call_tool("list_subjects", {"registry": "stage"}))
        assert stage["subjects"] == []

        done = structured(
            await client.call_tool("migrate", migration, progress_callback=on_progress)
        )
        assert done["status"] == "applied", done
        assert done["verified"] and done["verification_rows"] == 10
        assert done["verification_failed"] == 0 and done["steps"] == []
        assert {r["status"] for r in done["verification"]} == {"ok"}
        assert all(r["source_id"] == r["target_id"] for r in done["verification"])
        assert len(asked) == 1 and asked[0].startswith("Migrate dev into stage?")
        assert len(progress) == done["steps_done"] > 0
        assert done["journal"] and ".reconcile/journal" in done["journal"]

        again = structured(await client.call_tool("migrate", migration))
        assert again["status"] == "no_changes" and again["verified"]
        compared = structured(
            await client.call_tool(
                "compare_registries", {"left": "dev", "right": "stage", "ids": True}
            )
        )
        assert compared["differences"] == 0


async def test_migrate_needs_confirmation_and_refuses_a_readonly_target(
    project: Project,
) -> None:
    add_stage(project)
    async with Client(build_server(project.root)) as client:  # it cannot ask the user
        plan = structured(await client.call_tool("plan", {"registries": ["dev"]}))
        await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        ask = await client.call_tool("migrate", {"source": "dev", "target": "stage"})
        assert ask.is_error and "confirm: true" in text_of(ask)
        unknown = await client.call_tool("migrate", {"source": "dev", "target": "nope"})
        assert unknown.is_error and "unknown registry nope" in text_of(unknown)
        project.edit(
            "reconcile.yaml",
            "url: local:.reconcile/stage.db",
            "url: local:.reconcile/stage.db\n    readonly: true",
        )
        for dry_run in (True, False):
            refused = await client.call_tool(
                "migrate",
                {"source": "dev", "target": "stage", "dry_run": dry_run, "confirm": True},
            )
            assert refused.is_error and "registry stage is readonly" in text_of(refused)
        stage = structured(await client.call_tool("list_subjects", {"registry": "stage"}))
        assert stage["subjects"] == []
