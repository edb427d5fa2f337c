"""reconciler: GitOps for Kafka schema registries.

The pipeline shows in the sub-packages: ``spec`` (desired state) ->
``registry`` (live state over the Confluent REST API) -> ``engine``
(snapshot, diff, plan, apply) -> ``render`` (text, markdown, JSON views).
``compatibility`` holds the per-format schema rules and ``localregistry`` the
embedded Confluent-compatible registry. ``cli`` is a thin front door.
"""

__version__ = "0.1.0"
