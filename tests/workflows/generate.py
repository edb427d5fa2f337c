"""A generated registry for workflow tests: many subjects, references, several contexts."""

from __future__ import annotations

import asyncio
import json

from reconciler.registry import Reference, RegistryClient

CONTEXTS = (".", ".sales", ".billing")
PROTO = 'syntax = "proto3";\npackage acme.p{n};\nmessage Event{n} {{\n  string id = 1;\n}}\n'


def _common(context: str) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "Address",
            "namespace": f"com.acme{context.replace('.', '_')}",
            "fields": [{"name": "street", "type": "string"}],
        }
    )


def avro(n: int, version: int, context: str) -> str:
    fields = [{"name": "id", "type": "string"}]
    fields += [
        {"name": f"f{i}", "type": ["null", "long"], "default": None} for i in range(1, version)
    ]
    if n % 10 == 0:
        ns = f"com.acme{context.replace('.', '_')}"
        fields.append({"name": "address", "type": f"{ns}.Address"})
    return json.dumps(
        {"type": "record", "name": f"Rec{n}", "namespace": "com.acme", "fields": fields}
    )


def qualify(context: str, subject: str) -> str:
    return subject if context == "." else f":{context}:{subject}"


async def populate(url: str, subjects: int = 500, contexts: tuple[str, ...] = CONTEXTS) -> int:
    """Register ``subjects`` subjects spread over ``contexts``; return the versions made.

    Every tenth Avro subject references its context's ``address-value``; every
    seventh subject is PROTOBUF, every eleventh JSON; subjects get 1 or 2
    versions; some subjects and the non-default contexts get their own config
    and mode.
    """
    made = 0
    async with RegistryClient(url, max_concurrency=16) as client:
        for context in contexts:
            await client.register(qualify(context, "address-value"), _common(context))
            made += 1
            if context != ".":
                await client.set_config("FULL", subject=f":{context}:")

        async def one(n: int) -> int:
            context = contexts[n % len(contexts)]
            subject = qualify(context, f"topic{n}-value")
            versions = 1 + n % 2
            for version in range(1, versions + 1):
                if n % 7 == 0:
                    await client.register(
                        subject, PROTO.format(n=f"{n}v{version}"), schema_type="PROTOBUF"
                    )
                    break
                if n % 11 == 0:
                    schema = {"type": "object", "properties": {f"p{version}": {"type": "string"}}}
                    await client.register(subject, json.dumps(schema), schema_type="JSON")
                    break
                refs = []
                if n % 10 == 0:
                    ns = f"com.acme{context.replace('.', '_')}"
                    refs = [Reference(f"{ns}.Address", "address-value", 1)]
                await client.register(subject, avro(n, version, context), references=refs)
            if n % 5 == 0:
                await client.set_config("NONE", subject=subject)
            if n % 13 == 0:
                await client.set_mode("READONLY", subject=subject)
            return versions if n % 7 and n % 11 else 1

        counts = await asyncio.gather(*(one(n) for n in range(1, subjects - len(contexts) + 1)))
    return made + sum(counts)
