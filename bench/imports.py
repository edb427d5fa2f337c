"""What a command spends importing before it does anything, against the libraries it needs.

Each command runs in a fresh process under ``python -X importtime``; its import
time is the sum of the top-level imports' cumulative times (what the process
spent importing, whenever the import happened: a plan's lazy imports count),
in wall seconds, so a loaded machine inflates it; the process's CPU seconds
(user + system) are printed beside it, steadier under load, and on these small
projects mostly imports too. The **floor** is a process that imports only the
libraries a plan cannot do without: click (the command line), asyncio and uvloop
(its event loop), httptools (the registry client's HTTP/1.1 parser), orjson (the
registry's JSON) and lazy_loader (the packages' doors); every ratio is to the
floor's median in the same run. Not in it since session 10 (a warm second plan
printed into a pipe imports none of them, tests/cli/test_imports.py): httpx
(imported by a request that fails), PyYAML and pydantic (a project cache's
miss), rich (a terminal, or a plan with rich-only text), nor avro (the
quickstart's plan compares Avro texts, a plan of unchanged subjects does not).
The commands:

- ``reconcile --help``;
- ``reconcile validate`` and ``reconcile plan`` (no changes; also ``-o json``) of the
  quickstart project, applied to a registry served over HTTP (``reconcile registry
  serve``, another process, as in production);
- ``reconcile export`` of that registry into a new directory.

Rounds alternate the commands, so that a load change hits them alike. Byte
code is cached (``PYTHONPYCACHEPREFIX`` under the work directory) as in an
installed package, whatever ``PYTHONDONTWRITEBYTECODE`` says: compiling the
sources would be most of the time otherwise.

Run: ``.venv/bin/python bench/imports.py [--rounds 5] [--python PYTHON]``;
``--python`` times another checkout's interpreter (another venv) the same way.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "import asyncio, click, httptools, lazy_loader, orjson, uvloop"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def import_seconds(
    python: str, args: list[str], cwd: Path, env: dict[str, str]
) -> tuple[float, float]:
    """The import seconds and the CPU seconds of ``python -X importtime ARGS`` (exit
    status not checked: a plan with changes exits 2)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [python, "-X", "importtime", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    total = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            _, cumulative, name = line.split("|")
            if not name.startswith("  "):  # a top-level import: its cumulative holds the rest
                total += int(cumulative)
    return total / 1e6, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"PYTHONPYCACHEPREFIX": str(work / "pycache"), "NO_COLOR": "1"}
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    serve = ["registry", "serve", "--port", str(port), "--data", str(work / "registry.db")]
    server = subprocess.Popen(
        [options.python, "-m", "reconciler", *serve],
        cwd=work,  # not a checkout: -m would import the package of the working directory
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # 30 s: its first start compiles every module it imports
            try:
                urllib.request.urlopen(url + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the registry did not start")
        project = work / "project"
        shutil.copytree(ROOT / "examples" / "quickstart", project)
        text = (project / "reconcile.yaml").read_text()
        (project / "reconcile.yaml").write_text(f"{text}registries:\n  dev: {{url: '{url}'}}\n")
        apply = [options.python, "-m", "reconciler", "apply", ".", "--auto-approve"]
        applied = subprocess.run(apply, cwd=project, env=env, capture_output=True, text=True)
        if applied.returncode != 0:
            raise RuntimeError(f"apply failed: {applied.stdout}{applied.stderr}")
        commands = {
            "floor (libraries)": ["-c", FLOOR],
            "reconcile --help": ["-m", "reconciler", "--help"],
            "reconcile validate": ["-m", "reconciler", "validate", "."],
            "reconcile plan": ["-m", "reconciler", "plan", "."],
            "reconcile plan -o json": ["-m", "reconciler", "plan", ".", "-o", "json"],
            "reconcile export": ["-m", "reconciler", "export", "--url", url, "exported"],
        }
        for args in commands.values():  # writes the byte code
            import_seconds(options.python, args, project, env)
        seconds: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(options.rounds):
            for name, args in commands.items():
                shutil.rmtree(project / "exported", ignore_errors=True)
                seconds[name].append(import_seconds(options.python, args, project, env))
        print(f"{options.python}, {options.rounds} rounds, load {os.getloadavg()[0]:.1f}")
        print(f"{'':20s} {'imports, median (min-max)':>30s} {'process CPU, median':>28s}")
        floor = [statistics.median(v) for v in zip(*seconds["floor (libraries)"], strict=True)]
        for name, runs in seconds.items():
            imports, cpu = zip(*runs, strict=True)
            cells = [
                f"{statistics.median(imports):.3f} s ({min(imports):.3f}-{max(imports):.3f})",
                f"{statistics.median(cpu):.3f} s",
            ]
            ratios = [statistics.median(v) / f for v, f in zip((imports, cpu), floor, strict=True)]
            print(f"{name:20s} {cells[0]:>22s} {ratios[0]:5.2f}x {cells[1]:>20s} {ratios[1]:5.2f}x")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
