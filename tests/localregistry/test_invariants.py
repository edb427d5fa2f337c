"""Random sequences of writes keep the registry consistent and never answer 5xx.

A hypothesis state machine registers (also in IMPORT mode with explicit IDs
and versions), deletes (soft and permanent), switches compatibility and modes
and references schemas, and after every step checks that each listed version
and ID is readable and that versions only grow.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from reconciler.localregistry import create_app

SUBJECTS = ("a", "b", "c")


def _schema(n: int) -> str:
    """0-4: a chain of backward compatible versions of R; 5: an incompatible R."""
    if n == 5:
        return json.dumps(
            {"type": "record", "name": "R", "fields": [{"name": "f0", "type": "string"}]}
        )
    fields = [{"name": f"f{i}", "type": "int", "default": 0} for i in range(n)]
    return json.dumps({"type": "record", "name": "R", "fields": fields})


ORDER = json.dumps({"type": "record", "name": "O", "fields": [{"name": "r", "type": "R"}]})


def test_random_operations_keep_the_registry_consistent(
    _shared_server: tuple[str, object], tmp_path: Path
) -> None:
    url, current = _shared_server
    numbers = itertools.count()

    class Registry(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            current.app = create_app(tmp_path / f"registry-{next(numbers)}.db")  # type: ignore[attr-defined]
            self.client = httpx.Client(base_url=url, timeout=30)

        def call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
            response = self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
            assert response.status_code < 500, (method, path, response.text)
            return response

        @rule(subject=st.sampled_from(SUBJECTS), n=st.integers(0, 5))
        def register(self, subject: str, n: int) -> None:
            response = self.call(
                "POST", f"/subjects/{subject}/versions", json={"schema": _schema(n)}
            )
            assert response.status_code in (200, 409, 422), response.text

        @rule(target_version=st.sampled_from(["1", "latest"]))
        def register_with_reference(self, target_version: str) -> None:
            version = -1 if target_version == "latest" else 1
            body = {
                "schema": ORDER,
                "references": [{"name": "R", "subject": "a", "version": version}],
            }
            response = self.call("POST", "/subjects/order/versions", json=body)
            assert response.status_code in (200, 409, 422), response.text

        @rule(subject=st.sampled_from((*SUBJECTS, "order")), permanent=st.booleans())
        def delete_subject(self, subject: str, permanent: bool) -> None:
            response = self.call("DELETE", f"/subjects/{subject}", params={"permanent": permanent})
            assert response.status_code in (200, 404, 422), response.text

        @rule(
            subject=st.sampled_from(SUBJECTS),
            version=st.sampled_from(["1", "2", "3", "latest"]),
            permanent=st.booleans(),
        )
        def delete_version(self, subject: str, version: str, permanent: bool) -> None:
            response = self.call(
                "DELETE", f"/subjects/{subject}/versions/{version}", params={"permanent": permanent}
            )
            assert response.status_code in (200, 404, 422), response.text

        @rule(level=st.sampled_from(["NONE", "BACKWARD", "FULL_TRANSITIVE"]))
        def set_level(self, level: str) -> None:
            response = self.call("PUT", "/config", json={"compatibility": level})
            assert response.status_code in (200, 422), response.text  # 422: READONLY

        @rule(mode=st.sampled_from(["READWRITE", "IMPORT", "READONLY"]))
        def set_mode(self, mode: str) -> None:
            response = self.call("PUT", "/mode", params={"force": "true"}, json={"mode": mode})
            assert response.status_code == 200

        @rule(
            subject=st.sampled_from(SUBJECTS),
            n=st.integers(0, 5),
            schema_id=st.integers(1, 8),
            version=st.integers(1, 4),
        )
        def import_version(self, subject: str, n: int, schema_id: int, version: int) -> None:
            body = {"schema": _schema(n), "id": schema_id, "version": version}
            response = self.call("POST", f"/subjects/{subject}/versions", json=body)
            assert response.status_code in (200, 422), response.text

        @invariant()
        def everything_listed_is_readable(self) -> None:
            listing = self.call("GET", "/schemas", params={"deleted": "true"}).json()
            for entry in listing:
                assert self.call("GET", f"/schemas/ids/{entry['id']}").status_code == 200
            subjects = self.call("GET", "/subjects", params={"deleted": "true"}).json()
            assert sorted({e["subject"] for e in listing}) == subjects
            for subject in subjects:
                versions = self.call(
                    "GET", f"/subjects/{subject}/versions", params={"deleted": "true"}
                ).json()
                assert versions == sorted(set(versions))
                for version in versions:
                    found = self.call(
                        "GET", f"/subjects/{subject}/versions/{version}", params={"deleted": "true"}
                    )
                    assert found.status_code == 200

        def teardown(self) -> None:
            self.client.close()

    run_state_machine_as_test(
        Registry,
        settings=settings(max_examples=25, stateful_step_count=12, deadline=None, derandomize=True),
    )
