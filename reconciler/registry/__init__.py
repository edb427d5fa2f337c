"""Async client for the Confluent Schema Registry REST API.

``RegistryClient`` speaks to Confluent Platform/Cloud, Karapace, Redpanda,
Apicurio (ccompat) and the embedded local registry (``local:PATH``). Results
are typed (``SchemaVersion``, ...), failures are ``RegistryError`` subclasses
that name the registry and never contain credentials, and requests are
retried only where repeating them is safe. See docs/registry-client.md.
"""

# The door is lazy (lazy_loader): the names of __init__.pyi, beside this file, are
# imported from their modules when first read, so that a command loads only the
# modules it uses (docs/architecture.md, docs/performance.md "Session 6: what a plan
# imports"). Type checkers read the same stub.
import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
