"""The server as a client sees it over stdio: `python -m reconciler mcp DIR`, one session."""

from __future__ import annotations

from mcp.client import Client
from mcp_testkit import Project, assert_no_secret, stdio_params, structured, text_of

TOOLS = {
    "list_registries",
    "list_subjects",
    "get_schema",
    "check_compatibility",
    "list_versions",
    "get_schema_by_id",
    "subjects_for_id",
    "get_settings",
    "get_contexts",
    "referenced_by",
    "statistics",
    "compare_registries",
    "evolve",
    "validate_specs",
    "plan",
    "plan_details",
    "apply",
    "migrate",
    "drift",
    "export",
    "lint",
}


async def test_tools_resources_prompts_and_read_tools(project: Project) -> None:
    async with Client(stdio_params(project)) as client:
        listed = await client.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        assert set(tools) == TOOLS
        for tool in tools.values():
            assert tool.description, tool.name
            assert tool.input_schema["type"] == "object"
            assert tool.output_schema is not None, tool.name
            hints = tool.annotations
            assert hints is not None and (
                hints.read_only_hint or hints.destructive_hint is not None
            ), tool.name
        assert tools["plan"].output_schema is not None
        assert "plan_id" in tools["apply"].input_schema["properties"]
        assert "confirmation" not in tools["apply"].input_schema["properties"]

        registries = structured(await client.call_tool("list_registries", {}))
        assert registries["registries"] == [
            {
                "name": "dev",
                "url": "local:.reconcile/registry.db",
                "readonly": False,
                "targeted": True,
            }
        ]
        valid = structured(await client.call_tool("validate_specs", {}))
        assert valid["ok"] and valid["spec_files"] == 2
        subjects = structured(await client.call_tool("list_subjects", {"registry": "dev"}))
        assert subjects["subjects"] == []
        compat = structured(
            await client.call_tool(
                "check_compatibility",
                {
                    "schema_type": "AVRO",
                    "previous_schemas": ['{"type":"record","name":"A","fields":[]}'],
                    "new_schema": '{"type":"record","name":"A","fields":'
                    '[{"name":"x","type":"int"}]}',
                },
            )
        )
        assert not compat["compatible"]
        assert compat["messages"][0]["against"] == "previous_schemas[0]"
        assert compat["messages"][0]["fix"]
        unknown = await client.call_tool("list_subjects", {"registry": "nope"})
        assert unknown.is_error and "no registry 'nope'" in text_of(unknown)
        assert_no_secret(registries, valid, subjects, compat, unknown)
