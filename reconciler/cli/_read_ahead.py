"""``reconcile plan``'s read-ahead: the last plan's GETs, sent while the specs load.

As soon as the project is known to load without errors (``load_project``'s
``on_settings``: on a warm load, once its files are proven to be those of the last
load, before the kept specs are rebuilt; a project with errors contacts no
registry), a client is made for each registry and starts sending the GETs the last
plan sent it (``RememberedReads``) from a thread (``registry.ReadAhead``); the plan
then uses these very clients (``open_clients``'s ``made``). Once the plan is made,
what each client sent is remembered for the next plan. Clients the plan does not
use are closed unused.

Not for ``--against`` (no registry is contacted), ``--target`` (a partial
snapshot: what it sends is not what a whole plan reads), the embedded registry,
a proxy, OAuth or a URL with query parameters (``RegistryClient.read_ahead``).
``RECONCILE_READ_AHEAD=0`` turns it off (then nothing is remembered either).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from reconciler.registry import OAuthClientCredentials, ReadAhead, RegistryClient
from reconciler.spec import RememberedReads
from reconciler.spec.model import RegistryConfig

SWITCH = "RECONCILE_READ_AHEAD"
# Seconds ``start`` waits, at most, for the registries to have the first requests sent
# ahead (``ReadAhead.begun``: ~5-10 ms to a local registry).
BEGIN_WAIT = 0.05


def wanted(targets: tuple[str, ...]) -> bool:
    """Whether a plan reads ahead: not with ``--target``, nor when the variable says 0."""
    return not targets and os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "no")


class ReadsAhead:
    """The plan command's clients, made early, reading ahead what the last plan read."""

    def __init__(self, root: Path, only: tuple[str, ...]) -> None:
        self._remembered = RememberedReads(root)
        self._root = root
        self._only = only  # --registry: only these
        self.clients: dict[str, RegistryClient] = {}
        self._aheads: dict[str, ReadAhead] = {}
        self._started = False

    def start(self, registries: Mapping[str, RegistryConfig]) -> None:
        """Make the clients and start their reads (``load_project``'s ``on_settings``).

        Any failure only means no read-ahead: the plan makes that client itself, and
        reports a configuration problem then, as it would have.
        """
        if self._started:
            return
        self._started = True
        last = self._remembered.load()
        for name, config in registries.items():
            if (self._only and name not in self._only) or not _eligible(config):
                continue
            try:
                client = RegistryClient.from_config(config, self._root)
                ahead = client.read_ahead()
            except Exception:
                continue
            if ahead is None:
                continue
            self.clients[name] = client
            self._aheads[name] = ahead
            ahead.start(last.get(name, ()))
        # The registries have their first requests before this thread goes on (rebuilding
        # the kept specs, it would hold the interpreter while the reads' threads start).
        deadline = time.monotonic() + BEGIN_WAIT
        for ahead in self._aheads.values():
            ahead.begun(max(0.0, deadline - time.monotonic()))

    def remember(self) -> None:
        """Keep what each client sent for the next plan, where it differs from what the
        client was started with (a client the plan did not use sent nothing: its
        registry's entry stays as it was).

        A client that failed over (another of its ``urls`` answered) sent its first URL
        only the reads before it failed: nothing is sent ahead for it next time (its
        first URL likely fails again; its entry is dropped), until a plan is answered by
        that URL alone."""
        sent: dict[str, list[str] | None] = {
            name: [] if self._failed_over(name) else ahead.recorded()
            for name, ahead in self._aheads.items()
        }
        changed = {name: paths for name, paths in sent.items() if paths is not None}
        if changed:
            self._remembered.save(changed)

    def _failed_over(self, name: str) -> bool:
        client = self.clients[name]
        return any(url != client.urls[0] for url in client.answered)

    def close(self) -> None:
        """Stop every read-ahead thread (those of clients the plan closed are stopped)."""
        for ahead in self._aheads.values():
            ahead.close()


def _eligible(config: RegistryConfig) -> bool:
    return not (
        config.is_local
        or config.unresolved
        or config.proxy
        or isinstance(config.auth, OAuthClientCredentials)
    )
