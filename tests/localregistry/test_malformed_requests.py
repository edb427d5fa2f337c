"""Any request, however malformed, gets a Confluent-shaped answer: never a 5xx.

A property test over every route with odd path parameters, query values and
bodies: each error is ``{"error_code", "message"}``, its code agrees with the
HTTP status (``40401`` with 404, rest-utils' ``400`` with 400), and the codes
Confluent words with a fixed template (``Errors``, ``RestInvalid*Exception``)
carry that template's text.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.localregistry._routes import ROUTES

from .helpers import avro_record, register

# Confluent's message for each code with a fixed template (Errors.java, rest/exceptions).
TEMPLATES = {
    40401: r"Subject '.*' not found\.",
    40402: r"Version .* not found\.",
    40403: r"Schema (.* )?not found",
    40404: r"Subject '.*' was soft deleted\.Set permanent=true to delete permanently",
    40405: r"Subject '.*' was not deleted first before being permanently deleted",
    40406: r"Subject '.*' Version .* was soft deleted\.Set permanent=true to delete permanently",
    40407: r"Subject '.*' Version .* was not deleted first before being permanently deleted",
    40408: r"Subject '.*' does not have subject-level compatibility configured",
    40409: r"Subject '.*' does not have subject-level mode configured",
    40901: r"Schema being registered is incompatible with an earlier schema for subject .*",
    42202: r"The specified version '.*' is not a valid version id\. Allowed values are "
    r'between \[1, 2\^31-1\] and the string "latest"',
    42203: r"Invalid compatibility level\. Valid values are none, backward, forward, full, "
    r"backward_transitive, forward_transitive, and full_transitive",
    42208: r"The specified subject '.*' is not a valid\.",
    404: r"HTTP 404 Not Found",
    405: r"HTTP 405 Method Not Allowed",
}
SCHEMA = avro_record("User", ("name", "string"))

_odd_text = st.sampled_from(
    ["users-value", "", " ", "a%07b", ":.ctx:", ":.ctx:s", ":*:", ":.__GLOBAL:", "x" * 300,
     "é", "../x", "a/b", "latest", "-1", "0", "1", "2147483648", "1.5", "null", "true"]
)  # fmt: skip
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_field_values = st.one_of(_json, st.just(SCHEMA), st.sampled_from(["AVRO", "PROTOBUF", "XML"]))
_bodies = st.one_of(
    st.binary(max_size=20),
    _json.map(lambda doc: json.dumps(doc).encode()),
    st.dictionaries(
        st.sampled_from(
            ["schema", "schemaType", "references", "id", "version", "metadata", "ruleSet",
             "compatibility", "normalize", "mode"]
        ),
        _field_values,
        max_size=4,
    ).map(lambda doc: json.dumps(doc).encode()),
)  # fmt: skip
_queries = st.dictionaries(
    st.sampled_from(
        ["deleted", "permanent", "normalize", "verbose", "defaultToGlobal", "recursive",
         "force", "offset", "limit", "subjectPrefix", "format", "subject", "fetchMaxId"]
    ),
    _odd_text,
    max_size=3,
)  # fmt: skip


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    route=st.sampled_from(ROUTES),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    params=st.fixed_dictionaries({"subject": _odd_text, "version": _odd_text, "id": _odd_text}),
    query=_queries,
    body=_bodies,
)
def test_a_malformed_request_gets_a_confluent_shaped_error(
    sr: httpx.Client,
    route: tuple[str, str, object],
    method: str,
    params: dict[str, str],
    query: dict[str, str],
    body: bytes,
) -> None:
    if not sr.get("/subjects").json():
        register(sr, "users-value", SCHEMA)  # something to find, once per test
    _route_method, template, _handler = route
    path = "/" + re.sub(r"\{(\w+)\}", lambda m: quote(params[m[1]], safe=""), template)
    answer = sr.request(
        method,
        path,
        params=query,
        content=body,
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )
    assert answer.status_code < 500, (method, path, query, body, answer.text)
    if answer.status_code < 400:
        return
    error = answer.json()
    assert set(error) == {"error_code", "message"}, error
    code, message = error["error_code"], error["message"]
    assert isinstance(message, str) and message, error
    assert (code // 100 if code >= 10000 else code) == answer.status_code, error
    if code in TEMPLATES:
        assert re.fullmatch(TEMPLATES[code], message, re.DOTALL), error
