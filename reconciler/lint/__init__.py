"""Lint the desired state: schema and spec conventions that plan and apply do not enforce.

``lint(project, only=..., skip=...)`` returns a ``Report`` of ``Finding``s,
each naming its ``Rule`` (an ID, a category, a default severity and a
documented meaning; all rules are in ``RULES`` and in docs/lint.md). It is
offline: no registry is contacted. The CLI (`reconcile lint`) and the MCP
server (`lint` tool) call it; ``Report.to_json()`` is the versioned JSON form,
``render_text``/``render_markdown``/``render_github`` the other views.
"""

# The door is lazy (lazy_loader): the names of __init__.pyi, beside this file, are
# imported from their modules when first read, so that a command loads only the
# modules it uses (docs/architecture.md, docs/performance.md "Session 6: what a plan
# imports"). Type checkers read the same stub.
import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
