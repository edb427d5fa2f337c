"""The plan's saved forms do not move: the example project's plans, byte for byte.

The JSON form is a contract (``format_version``): plans saved by one release are
applied by the next. The goldens were written by the code before the actions
became one type per kind; a refactoring of the engine or of the renderers must
leave every byte of them as it is. Two plans of ``examples/quickstart``: against
an empty registry, and after an apply and edits that ask for every kind of
action (levels, modes, a pinned id under IMPORT, soft and hard deletes).

Regenerate (only for an intended change of a form): ``GOLDEN_WRITE=1 pytest
tests/engine/test_plan_golden.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.engine import Plan
from reconciler.render import render_json

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "quickstart"
GOLDEN = Path(__file__).parent / "golden"
FORMS = ("json", "text", "markdown")


def _reconcile(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from reconciler.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1", "COLUMNS": "100"},
        timeout=120,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _every_kind(project: Path) -> None:
    """Edits of the applied example that plan one action of every kind."""
    orders = project / "specs" / "orders.yaml"
    payments = project / "specs" / "payments.yaml"
    _edit(orders, "compatibility: BACKWARD\n", "compatibility: NONE\nmode: READWRITE\n")
    _edit(
        orders,
        "      - schema: ../schemas/customer.v2.avsc\n",
        "      - schema: ../schemas/customer.v2.avsc\n"
        "      - {schema: ../schemas/customer.v2.avsc, version: 3, id: 900}\n",
    )
    _edit(
        orders,
        "      - schema: ../schemas/order.v1.avsc\n",
        "      - schema: ../schemas/order.v1.avsc\n        delete: soft\n",
    )
    _edit(
        orders,
        "    schema: ../schemas/order-key.avsc\n",
        "    schema: ../schemas/order-key.avsc\n    mode: READONLY\n",
    )
    text = payments.read_text()
    payments.write_text(
        text[: text.index("  refunds-value:")] + "  refunds-value: {delete: hard}\n"
    )
    _edit(payments, "    compatibility: FULL\n", "    compatibility: FORWARD\n")


def _plans(tmp_path: Path) -> dict[str, str]:
    project = tmp_path / "quickstart"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".reconcile"))
    out = {}
    for form in FORMS:
        out[f"empty.{form}"] = _reconcile(project, "plan", "-o", form).stdout
    applied = _reconcile(project, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    _every_kind(project)
    for form in FORMS:
        done = _reconcile(project, "plan", "-o", form, "--force-import", "--detailed-exitcode")
        assert done.returncode == 2, done.stdout + done.stderr
        out[f"every_kind.{form}"] = done.stdout
    return out


def test_example_plans_are_byte_identical(tmp_path: Path) -> None:
    plans = _plans(tmp_path)
    kinds = {a["kind"] for a in json.loads(plans["every_kind.json"])["actions"]}
    assert kinds == {
        "register",
        "set_compatibility",
        "set_mode",
        "delete_mode",
        "delete_subject",
        "delete_version",
    }
    if os.environ.get("GOLDEN_WRITE"):
        GOLDEN.mkdir(exist_ok=True)
        for name, text in plans.items():
            (GOLDEN / name).write_text(text)
        pytest.fail("goldens written; run again without GOLDEN_WRITE")
    for name, text in plans.items():
        assert text == (GOLDEN / name).read_text(), name


def test_the_saved_plans_read_back_to_the_same_bytes() -> None:
    """``apply PLAN_FILE`` reads a saved plan into typed actions: nothing is lost."""
    for name in ("empty.json", "every_kind.json"):
        saved = (GOLDEN / name).read_text()
        again = render_json(Plan.from_json(json.loads(saved)))
        assert again + "\n" == saved, name
