"""Locates Confluent's conformance data, shared next to the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _find_conformance() -> Path | None:
    for parent in REPO.parents:
        candidate = parent / "shared" / "conformance" / "confluent"
        if candidate.is_dir():
            return candidate
    return None


CONFLUENT = _find_conformance()


@pytest.fixture(scope="session")
def confluent() -> Path:
    if CONFLUENT is None:
        pytest.skip("../shared/conformance/confluent (Confluent's conformance data) is absent")
    return CONFLUENT
