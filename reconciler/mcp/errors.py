"""Engine failures as tool errors: one clear message, never a traceback or a secret.

Every ``ReconcilerError`` is one: registry errors are already redacted by the
registry client (they name the registry by its display form, without
credentials); spec errors name files and lines. Anything else is left to the
SDK, which reports an unexpected failure without its text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.mcpserver.exceptions import ToolError

from reconciler._words import plural
from reconciler.errors import ReconcilerError
from reconciler.spec import SpecErrors


def spec_failure(exc: SpecErrors) -> ToolError:
    lines = [str(error) for error in exc.errors]
    return ToolError(
        f"the specs do not load ({plural(len(lines), 'error')}; nothing was contacted):\n"
        + "\n".join(lines)
    )


@asynccontextmanager
async def engine_errors() -> AsyncIterator[None]:
    """Turn the failures a user can act on (``ReconcilerError``) into tool errors with
    their message: the server's one handler of them."""
    try:
        yield
    except SpecErrors as exc:
        raise spec_failure(exc) from None
    except ReconcilerError as exc:
        raise ToolError(str(exc)) from None
