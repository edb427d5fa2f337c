"""The Action's ``.reconcile/cache`` kept between runs by ``actions/cache``.

Run twice in the project directory, as the Action's steps:

- ``python -m reconciler.action.cache_key`` (step ``cache``, before
  ``actions/cache/restore``) removes the ``.reconcile/cache`` a checkout
  brought, if any (the only cache files a run uses are those the Actions cache
  restores, that is those the Action's own runs saved in a scope GitHub lets
  this run read), and names:

  - the entries this run may restore (``restore-key``): the runner's OS and a
    digest of the installed reconciler (its version and sources, Python's
    version and every installed distribution's version: what the caches' own
    keys cover, and more). The newest such entry is restored; its stale parts
    are misses only, since both caches check every entry by content;
  - the folder the Action gives reconcile as ``XDG_CACHE_HOME`` (``home``,
    under ``RUNNER_TEMP``): the caches are authenticated with a key kept there
    (``reconciler.spec._cache``), created by the first run and kept with the
    cache files, or a restored cache would be foreign to every new runner. It
    is the Action's own folder, so no other step of the job signs or accepts
    cache files with that key.

- ``python -m reconciler.action.cache_key --kept`` (step ``cache-kept``, after
  the command) names the entry to save (``key``): the restore key and a digest
  of the files kept. The Action saves it unless it is the entry restored: a
  plan that learned nothing new saves nothing. Naming the entry by what it
  holds, not by the project's files, reads a few files, never the whole
  directory (a project at a large repository's root), and a file the plan does
  not read (a dangling link, a pipe) can neither turn the cache off nor make a
  new entry of the same cache files.

Writes its names to ``$GITHUB_OUTPUT`` (stdout without it).
docs/workflows.md says why this is safe.
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
# Not settings.bin: its key digests the registries' credentials (docs/workflows.md).
KEPT = ("schemas.json", "project.bin", "results.json", "reads.json", "listings")


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


def kept_files(project: Path, home: Path) -> list[Path]:
    """What the Action keeps, as its ``actions/cache`` steps' ``path`` name them."""
    return [*(project / CACHE_DIR / name for name in KEPT), home / "reconciler" / "cache.key"]


def kept_digest(files: list[Path]) -> str | None:
    """The kept files' names and bytes; ``None`` when the plan kept none of the project's
    (it stopped before loading the specs): nothing to save."""
    if not any(path.is_file() for path in files[: len(KEPT)]):
        return None
    digest = hashlib.sha256()
    for path in files:
        name = path.name.encode()
        data = path.read_bytes() if path.is_file() else b""
        digest.update(b"%d\0%s%d\0%d\0" % (len(name), name, path.is_file(), len(data)) + data)
    return digest.hexdigest()[:20]


def _write(lines: list[str]) -> None:
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
    else:
        print("\n".join(lines))


def main(argv: list[str]) -> int:
    """Exit 0 always: a cache that cannot be named is not kept (no name: the Action's
    cache steps are skipped), the plan is never failed for it."""
    root = Path.cwd()
    if argv == ["--kept"]:
        restore_key, home = os.environ.get("RESTORE_KEY", ""), os.environ.get("CACHE_HOME", "")
        try:
            digest = kept_digest(kept_files(root, Path(home))) if restore_key and home else None
        except OSError as exc:
            print(f"::warning::reconcile's parse cache is not kept: {exc}")
            return 0
        _write([f"key={restore_key}{digest}"] if digest else [])
        return 0
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    try:
        restore_key = f"{PREFIX}-{os.environ.get('RUNNER_OS', sys.platform)}-{code_digest()}-"
    except OSError as exc:
        print(f"::warning::reconcile's parse cache is not kept: {exc}")
        return 0
    home = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "reconciler-cache-home"
    _write([f"restore-key={restore_key}", f"home={home}"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
