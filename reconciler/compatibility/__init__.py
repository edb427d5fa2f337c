"""Schema parsing, canonical forms and compatibility rules for AVRO, JSON, PROTOBUF.

This is the single compatibility engine of the product: the planner, the local
registry, the CLI (`reconcile compat`) and the MCP server all call these
functions, so a verdict computed offline is the verdict the registry gives.

Public API:

- ``parse(schema_type, text, references)`` -> ``ParsedSchema`` or raises
  ``InvalidSchemaError``; ``validate`` (same arguments) only raises, as
  ``parse`` would, for callers that want the verdict alone (a spec load).
- ``ParsedSchema.canonical``: the form the registry stores and uses for
  identity (same canonical form -> same id); ``ParsedSchema.normalized``: the
  ``normalize=true`` form, used by the planner for equality by meaning;
  ``ParsedSchema.fingerprint``: sha256 of the normalized form.
- ``check(schema_type, new, previous, level, references)`` -> ``Result``.
- ``diff(schema_type, old, new, references)`` -> ``list[Difference]``: every
  change, compatible or not, named and located as Confluent's registry does.
- ``avro_named_types(doc)``: the records, enums and fixed a decoded Avro
  document defines, by full name.
- ``invalid_defaults(parsed)``: the Avro field defaults a registry refuses when
  registering (Java's rule); empty for other types.
- ``formatted(parsed, format)``: the text Confluent answers for a read with
  ``?format=`` (Avro ``resolved``, Protobuf ``serialized``/``ignore_extensions``).
- ``protobuf_file(parsed)``: protoc's ``FileDescriptorProto`` of a PROTOBUF
  schema, for tools that read its declarations (the linter);
  ``protobuf_leading_zeros(text)`` the numbers a schema writes as ``010``, which
  Confluent reads as 10 and protoc as 8.
- ``RULES`` / ``rule(rule_id)``: the catalogue of every rule ID the checks
  emit (``Rule``: the change it names, whether it is BACKWARD / FORWARD
  compatible, why, and the fix).
"""

# The door is lazy (lazy_loader): the names of __init__.pyi, beside this file, are
# imported from their modules when first read, so that a command loads only the
# modules it uses: a plan that parses no schema needs the types at most, not the
# rule catalogue (161 rules made at import) nor the Java number forms
# (docs/performance.md "Session 11: before the first request"). Type checkers read
# the same stub.
import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
