"""What a plan made of each live listing, remembered for the next by the pages' digests
(engine/remembered_listings.py): taken where the registry answers the same bytes, and
the same live state as a plan that remembers nothing; with it, what comparing the
listed versions with the same specs found."""

from __future__ import annotations

import pytest

import reconciler.engine.planner as planner
from reconciler.engine import Plan, PlanOptions
from reconciler.engine import schemas as schemas_module
from reconciler.engine import snapshot as snapshot_module
from reconciler.engine.remembered_listings import LISTINGS_FILE
from reconciler.engine.schemas import SchemaCache
from reconciler.engine.snapshot import LiveVersion
from reconciler.spec import SubjectSpec
from reconciler.spec._remembered import CACHE_DIR

from .conftest import Workspace, avro_record

REMEMBER = PlanOptions(remember_results=True)
pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: the user's cache folder


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The contexts whose versions a plan grouped and hashed itself."""
    contexts: list[str] = []
    hash_versions = snapshot_module.ContextState.hash_versions

    async def counted(self: snapshot_module.ContextState) -> None:
        contexts.append(self.context)
        await hash_versions(self)

    monkeypatch.setattr(snapshot_module.ContextState, "hash_versions", counted)
    return contexts


def _registered(ws: Workspace, names: list[str]) -> None:
    """Subjects registered in the order given (the local registry lists them so), two
    versions each, and a spec that wants each one's latest."""
    a = '{"name": "a", "type": "string"}'
    b = '{"name": "b", "type": ["null", "string"], "default": null}'
    for name in names:
        for fields in ([a], [a, b]):
            text = avro_record(name.upper(), *fields)
            assert ws.registry.post(f"/subjects/{name}-value/versions", {"schema": text}).is_success
        ws.write(f"schemas/{name}.avsc", text)
    ws.write(
        "specs/main.yaml",
        "subjects:\n" + "".join(f"  {n}-value: {{schema: ../schemas/{n}.avsc}}\n" for n in names),
    )


def _same(a: Plan, b: Plan) -> bool:
    return a.to_json() == b.to_json()


def test_a_second_plan_of_the_same_listing_groups_and_hashes_nothing(
    ws: Workspace, hashed: list[str]
) -> None:
    _registered(ws, ["zeta", "alpha", "mid"])  # listed out of the subjects' order
    first = ws.plan(REMEMBER)
    assert not first.actions
    assert hashed == ["."]
    assert (ws.root / CACHE_DIR / LISTINGS_FILE).is_file()
    second = ws.plan(REMEMBER)
    assert hashed == ["."]  # the second took the remembered grouping and digest
    assert _same(first, second)
    assert _same(second, ws.plan())  # and a plan that remembers nothing agrees


def test_a_changed_registry_is_listed_anew(ws: Workspace, hashed: list[str]) -> None:
    _registered(ws, ["zeta", "alpha"])
    before = ws.plan(REMEMBER)
    assert not before.actions
    c = '{"name": "c", "type": "int", "default": 0}'
    text = avro_record("ALPHA", '{"name": "a", "type": "string"}', c)
    assert ws.registry.post("/subjects/alpha-value/versions", {"schema": text}).is_success
    after = ws.plan(REMEMBER)
    assert hashed == [".", "."]
    assert before.registries[0].fingerprint != after.registries[0].fingerprint
    assert _same(after, ws.plan())


def test_a_listing_holding_another_contexts_subjects_is_remembered_as_grouped(
    ws: Workspace, hashed: list[str]
) -> None:
    """The default context's listing holds every context's subjects: grouped, it keeps
    its own only, which is what is remembered and taken."""
    _registered(ws, ["alpha"])
    ws.registry.post("/subjects/:.team:t-value/versions", {"schema": avro_record("T")})
    _registered(ws, ["beta", "alpha"])
    first = ws.plan(REMEMBER)
    second = ws.plan(REMEMBER)
    assert hashed == ["."]
    assert _same(first, second)
    assert _same(second, ws.plan())


def test_a_plan_that_remembers_nothing_writes_nothing(ws: Workspace) -> None:
    _registered(ws, ["alpha"])
    ws.plan()
    assert not (ws.root / CACHE_DIR / LISTINGS_FILE).exists()


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The subjects whose latest listed version a plan compared with their spec itself."""
    subjects: list[str] = []
    compare = planner._compared

    def counted(cache: SchemaCache, subject: SubjectSpec, latest: LiveVersion) -> int:
        subjects.append(latest.subject)
        return compare(cache, subject, latest)

    monkeypatch.setattr(planner, "_compared", counted)
    return subjects


def test_the_same_specs_against_the_same_listing_are_not_compared_again(
    ws: Workspace, compared: list[str]
) -> None:
    _registered(ws, ["zeta", "alpha"])
    first = ws.plan(REMEMBER)
    assert sorted(compared) == ["alpha-value", "zeta-value"]
    second = ws.plan(REMEMBER)
    assert len(compared) == 2
    assert _same(first, second)
    assert not second.actions


def test_a_changed_spec_alone_is_compared_again(ws: Workspace, compared: list[str]) -> None:
    _registered(ws, ["zeta", "alpha"])
    ws.plan(REMEMBER)
    b = '{"name": "b", "type": ["null", "string"], "default": null}'
    c = '{"name": "c", "type": ["null", "int"], "default": null}'
    ws.write("schemas/alpha.avsc", avro_record("ALPHA", '{"name": "a", "type": "string"}', b, c))
    after = ws.plan(REMEMBER)
    assert compared[2:] == ["alpha-value"]
    assert [a.target for a in after.actions] == ["alpha-value"]
    assert _same(after, ws.plan())


def test_a_referrer_found_the_same_document_is_not_decoded_again_by_the_diff(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subject that references another is compared by the diff after the last answer;
    against the remembered listing, the remembered outcome (the same document) answers
    its first question without decoding either text."""
    ws.write("schemas/a.avsc", avro_record("A", '{"name": "a", "type": "string"}'))
    ws.write("schemas/uses.avsc", avro_record("UsesA", '{"name": "a", "type": "com.acme.A"}'))
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          a-value: {schema: ../schemas/a.avsc}
          uses-a-value:
            schema: ../schemas/uses.avsc
            references: [{name: com.acme.A, subject: a-value, version: latest}]
        """,
    )
    _, results, _ = ws.apply()
    assert all(r.ok for r in results), results
    live = ws.registry.get("/subjects/uses-a-value/versions/latest").json()["schema"]
    ws.write("schemas/uses.avsc", live)  # the registry's own text: the same document
    before = ws.plan(REMEMBER)
    assert not before.actions and not before.errors
    decoded: list[str] = []
    same_document = schemas_module.same_document

    def counted(schema_type: str, a: str, b: str) -> bool:
        decoded.append(a)

        return same_document(schema_type, a, b)

    monkeypatch.setattr(schemas_module, "same_document", counted)
    after = ws.plan(REMEMBER)
    assert decoded == []
    assert _same(before, after)
    assert _same(after, ws.plan())  # a plan that remembers nothing agrees
