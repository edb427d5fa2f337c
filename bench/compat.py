"""Compatibility checks per second for each schema type, and peak memory.

Each check compares a new version of a 50-field record (with a nested record /
message and an enum) against the previous version under BACKWARD, the way the
planner and the local registry call ``check``. Two figures per type:

- cold: every check parses a schema text it has never seen (a new field name),
  so parsing (protoc for Protobuf, metaschema validation for JSON) is included;
- warm: the same pair again, as when a plan is re-run; parses come from cache.

Run: ``.venv/bin/python bench/compat.py [--seconds 1] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable

from reconciler.compatibility import check

FIELDS = 50


def avro(serial: int) -> str:
    scalar = ["int", "long", "string", "double", "boolean"]
    fields: list[dict[str, object]] = [
        {"name": f"f{i}", "type": scalar[i % 5], "doc": f"field {i}"} for i in range(FIELDS)
    ]
    fields.append(
        {
            "name": "status",
            "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]},
        }
    )
    address = {
        "type": "record",
        "name": "Address",
        "fields": [{"name": n, "type": "string"} for n in ("street", "city", "zip", "country")],
    }
    fields.append({"name": "ship_to", "type": ["null", address], "default": None})
    fields.append({"name": f"added_{serial}", "type": "string", "default": ""})
    return json.dumps({"type": "record", "name": "Order", "namespace": "acme", "fields": fields})


def jsonschema(serial: int) -> str:
    kinds = [
        {"type": "string", "maxLength": 64},
        {"type": "integer", "minimum": 0},
        {"type": "number"},
        {"type": "boolean"},
        {"enum": ["a", "b", "c"]},
    ]
    properties: dict[str, object] = {f"f{i}": kinds[i % 5] for i in range(FIELDS)}
    properties["ship_to"] = {
        "type": "object",
        "properties": {n: {"type": "string"} for n in ("street", "city", "zip", "country")},
        "required": ["street"],
    }
    properties["lines"] = {"type": "array", "items": {"$ref": "#/definitions/line"}}
    properties[f"added_{serial}"] = {"type": "string"}
    return json.dumps(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": properties,
            "required": ["f0", "f1"],
            "additionalProperties": False,
            "definitions": {
                "line": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                }
            },
        }
    )


def protobuf(serial: int) -> str:
    scalar = ["int32", "int64", "string", "double", "bool"]
    fields = "\n".join(f"  {scalar[i % 5]} f{i} = {i + 1};" for i in range(FIELDS))
    return f"""syntax = "proto3";
package acme;
import "google/protobuf/timestamp.proto";
message Order {{
{fields}
  Address ship_to = 60;
  repeated Line lines = 61;
  Status status = 62;
  google.protobuf.Timestamp at = 63;
  map<string, string> labels = 64;
  string added_{serial} = 65;
  message Line {{ string sku = 1; int32 qty = 2; }}
}}
message Address {{ string street = 1; string city = 2; string zip = 3; string country = 4; }}
enum Status {{ NEW = 0; PAID = 1; SHIPPED = 2; }}
"""


def rate(make: Callable[[int], str], schema_type: str, seconds: float, cold: bool) -> float:
    """Checks per CPU-second of a new version against the previous one, on this thread."""
    previous = make(0)
    check(schema_type, make(1), [previous], "BACKWARD")  # warm the imports and caches
    # CPU time of this process (protoc runs in it) spent in check(): what one
    # core delivers, whatever else the machine is doing. Writing the schema
    # text is the benchmark's work, not the check's, and is left out.
    done, elapsed = 0, 0.0
    serial = time.perf_counter_ns()  # never-seen field names on every run
    while elapsed < seconds:
        new = make(serial if cold else 1)
        start = time.process_time()
        result = check(schema_type, new, [previous], "BACKWARD")
        elapsed += time.process_time() - start
        assert result.compatible or schema_type != "AVRO", result.messages
        done, serial = done + 1, serial + 1
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurements per figure; the best is shown"
    )
    args = parser.parse_args()
    print("checks per CPU-second of one thread")
    print(f"{'type':<10}{'cold':>10}{'warm':>10}")
    for schema_type, make in (("AVRO", avro), ("JSON", jsonschema), ("PROTOBUF", protobuf)):
        # Best of several runs: other processes on the machine only ever slow a run down.
        cold = max(rate(make, schema_type, args.seconds, True) for _ in range(args.repeat))
        warm = max(rate(make, schema_type, args.seconds, False) for _ in range(args.repeat))
        print(f"{schema_type:<10}{cold:>10,.0f}{warm:>10,.0f}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
