"""The root of the errors a user can act on.

Every failure that the project raises on purpose (a spec that does not load, a
registry that refused or did not answer, a schema that does not parse, a plan
that must not be applied...) is a ``ReconcilerError``. Its message is meant
for people and holds no secret, so each front door catches this one class in
one place: the CLI prints the message and exits 1, the MCP server returns it as
a tool error. Anything else is a bug, and is left to surface as one.

This module imports nothing, so every package may import it.
"""

from __future__ import annotations


class ReconcilerError(Exception):
    """A failure a user can act on; ``str()`` is its message."""
