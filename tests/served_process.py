"""``reconcile registry serve`` in a process of its own, for tests that stop or kill
it (SIGSTOP, SIGKILL) while a client or the CLI is using it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    """A loopback port nothing listens on (at the moment it is asked)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    """The registry on ``db`` served on ``port``, once it accepts connections."""
    command = ["registry", "serve", "--port", str(port), "--data", str(db)]
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process
