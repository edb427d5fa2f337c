"""The Action's ``.reconcile/cache`` kept between runs by ``actions/cache``.

Run as ``python -m reconciler.action.cache_key`` in the project directory (the
Action's step ``cache``), before ``actions/cache/restore``. It:

- removes the ``.reconcile/cache`` a checkout brought, if any: the only cache
  files a run uses are those the Actions cache restores, that is those the
  Action's own runs saved in a scope GitHub lets this run read;
- names the entry (``key``): the runner's OS, a digest of the installed
  reconciler (its version and sources, Python's version and every installed
  distribution's version: what the caches' own keys cover, and more) and a
  digest of every file of the project (``.reconcile/`` and ``.git/`` left
  out). An unchanged project with unchanged code hits exactly, and its entry
  is not saved again; ``restore-key`` (the key less the files' digest) reuses
  the newest entry of an earlier commit, whose stale parts are misses only,
  since both caches check every entry by content;
- names the folder the Action gives reconcile as ``XDG_CACHE_HOME``
  (``home``, under ``RUNNER_TEMP``): the caches are authenticated with a key
  kept there (``reconciler.spec._cache``), created by the first run and kept
  with the cache files, or a restored cache would be foreign to every new
  runner. It is the Action's own folder, so no other step of the job signs
  or accepts cache files with that key.

Writes ``key``, ``restore-key`` and ``home`` to ``$GITHUB_OUTPUT`` (stdout
without it). docs/workflows.md says why this is safe.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import reconciler

PREFIX = "reconciler-cache-v1"
LOCAL_STATE = ".reconcile"
CACHE_DIR = Path(LOCAL_STATE) / "cache"
_SKIPPED = {LOCAL_STATE, ".git"}


def code_digest() -> str:
    """What the installed reconciler makes of a project: its sources, its version,
    Python's and every installed distribution's version."""
    digest = hashlib.sha256(f"{reconciler.__version__}\0{sys.version}\0".encode())
    package = Path(reconciler.__file__).parent
    for source in sorted(package.rglob("*.py")):
        name = source.relative_to(package).as_posix().encode()
        digest.update(b"%d\0%s" % (len(name), name) + source.read_bytes())
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\0".join(installed).encode())
    return digest.hexdigest()[:20]


def files_digest(root: Path) -> str:
    """Every file under ``root`` (its path and bytes), ``.reconcile/`` and ``.git/`` left out."""
    digest = hashlib.sha256()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(s for s in subfolders if s not in _SKIPPED)
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix().encode()
            data = path.read_bytes()
            digest.update(b"%d\0%s%d\0" % (len(relative), relative, len(data)) + data)
    return digest.hexdigest()[:20]


def main() -> int:
    """Exit 0 always: a project that cannot be named (an unreadable file) is planned
    without the cache, never failed for it (no ``key``: the cache steps are skipped)."""
    root = Path.cwd()
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    try:
        restore_key = f"{PREFIX}-{os.environ.get('RUNNER_OS', sys.platform)}-{code_digest()}-"
        key = restore_key + files_digest(root)
    except OSError as exc:
        print(f"::warning::reconcile's parse cache is not kept: {exc}")
        return 0
    home = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "reconciler-cache-home"
    lines = [f"key={key}", f"restore-key={restore_key}", f"home={home}"]
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
    else:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
