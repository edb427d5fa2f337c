"""The published JSON Schemas of the format, generated from the pydantic models.

``python -m reconciler.spec.json_schema [DIR]`` rewrites ``specs/reconcile.schema.json``
and ``specs/spec.schema.json``; a test fails when the committed files differ
from what the models generate, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ._raw import ProjectRaw, SpecRaw

DRAFT = "https://json-schema.org/draft/2020-12/schema"

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "reconcile.schema.json": (ProjectRaw, "reconcile project file (reconcile.yaml), version 1"),
    "spec.schema.json": (SpecRaw, "reconcile spec file: one context of one or more registries"),
}


def generate(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": DRAFT, **schema, "title": title}


def render(model: type[BaseModel], title: str) -> str:
    return json.dumps(generate(model, title), indent=2) + "\n"


def main(argv: list[str]) -> None:
    directory = Path(argv[0]) if argv else Path("specs")
    directory.mkdir(parents=True, exist_ok=True)
    for name, (model, title) in SCHEMAS.items():
        (directory / name).write_text(render(model, title))
        print(directory / name)


if __name__ == "__main__":
    main(sys.argv[1:])
