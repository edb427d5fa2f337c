"""``python -m reconciler`` is the ``reconcile`` command (``main``: its console script)."""

from reconciler._gc import gc_paused


def main() -> None:
    """Import the CLI with the collector paused, then run it.

    Importing a command builds tens of thousands of objects that live as long as
    the process (modules, classes, functions): the collector's passes over them
    during the imports (~60 collections, ~10 ms of a plan's start) find nothing
    to free. ``Commands`` imports the command's own module likewise.
    """
    with gc_paused():
        from reconciler.cli import entry
    entry()


if __name__ == "__main__":
    main()
