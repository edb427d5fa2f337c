"""JSON view: the plan's versioned data form."""

from __future__ import annotations

import json

from reconciler.engine import Plan


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2)
