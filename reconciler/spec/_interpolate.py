"""``${VAR}`` interpolation of string values from the environment.

``${VAR}`` is replaced by the variable's value, ``${VAR:-fallback}`` by the
fallback when the variable is unset or empty, and ``$${`` is an escaped
literal ``${``. Anything else containing ``$`` is left alone so that schema
text and URLs with a dollar sign need no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


Problem = tuple[str, str, bool]  # the token, the message, whether a variable is unset


def interpolate(text: str, environ: Mapping[str, str]) -> tuple[str, list[Problem]]:
    """Return the interpolated text and the problems found.

    An unset variable is a problem of the environment (the project file may
    defer it to where the value is used); a malformed reference is one of the file.
    """
    problems: list[Problem] = []

    def substitute(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "${"
        name, has_fallback, fallback = match.group(1).partition(":-")
        if not _NAME.match(name):
            problems.append((match.group(0), f"invalid variable reference {match.group(0)}", False))
            return ""
        value = environ.get(name)
        if has_fallback and not value:
            return fallback
        if value is None:
            problems.append((match.group(0), f"environment variable {name} is not set", True))
            return ""
        return value

    return _TOKEN.sub(substitute, text), problems
