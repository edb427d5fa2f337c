"""``plan --against git:REF | DIR``: plan without any registry or secret.

The base state is what the specs at ``REF`` (or in ``DIR``) describe. It is
built in in-memory local registries, one per registry name of the project,
through the engine itself: the base project is planned against the empty
registries and applied, in two passes so that any history a real registry
accepted is rebuilt:

1. content: every version of every subject (pinned ids and versions kept
   through IMPORT registrations, as ``migrate --preserve-ids`` does), with
   every compatibility level left out and the registry's global level at
   NONE, so that a history registered under an older, looser level (or
   forced through IMPORT) loads as it stands; versions the base deletes are
   registered too, to be deleted by the second pass;
2. settings: the base project as written: compatibility levels, modes and
   deletes.

The working tree's project is then planned against those registries by the
same ``make_plan`` as a live plan: the same actions in the same order, each
registration with its compatibility verdict against every version its level
demands (as far as the base describes history: a ``schema:`` spec describes
one version). The plan's registries say that it was made against the base,
not a live registry, and carry a fingerprint no live registry has, so
``apply`` refuses a plan saved from here.

No ``${VAR}`` is read: a project loaded for ``--against`` sees each one as a
placeholder (``OFFLINE_ENVIRON``), since no registry is contacted.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path

from reconciler.engine import (
    AGAINST,
    Plan,
    PlanOptions,
    apply_plan,
    make_plan,
    targeted_registries,
)
from reconciler.errors import ReconcilerError
from reconciler.registry import RegistryClient
from reconciler.spec import SpecErrors, load_project
from reconciler.spec.model import ContextSpec, Project, SubjectSpec

GIT_PREFIX = "git:"
PLACEHOLDER = "http://unresolved.invalid"  # a valid URL, a non-empty credential
_NO_BUDGET = PlanOptions(max_deletes=1_000_000_000, allow_force_import=True)


class AgainstError(ReconcilerError):
    """The base state cannot be built: an unknown ref, no git, or base specs that fail."""


class _Placeholders(Mapping[str, str]):
    """An environment in which every variable is set to ``PLACEHOLDER`` and none is read."""

    def __getitem__(self, name: str) -> str:
        return PLACEHOLDER

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


OFFLINE_ENVIRON: Mapping[str, str] = _Placeholders()


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise AgainstError("--against git:REF needs git, which is not installed") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise AgainstError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout


@contextmanager
def checkout(against: str, root: Path) -> Iterator[Path]:
    """The project directory as the base has it: ``git:REF``'s version of it extracted
    in a temporary directory (empty when it did not exist at REF), or ``DIR`` itself."""
    if not against.startswith(GIT_PREFIX):
        directory = Path(against)
        if not directory.is_dir():
            raise AgainstError(f"--against {against}: not a directory (or write git:REF)")
        yield directory.resolve()
        return
    ref = against[len(GIT_PREFIX) :]
    try:
        _git(root, "rev-parse", "--git-dir")
    except AgainstError:
        raise AgainstError(f"--against {against}: {root} is not in a git repository") from None
    try:
        commit = _git(root, "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    except AgainstError:
        raise AgainstError(f"--against {against}: no such commit in {root}") from None
    commit = commit.strip()
    with tempfile.TemporaryDirectory(prefix="reconcile-against-") as tmp:
        # Run in the project directory, git lists and archives that directory only,
        # with paths relative to it.
        if _git(root, "ls-tree", "--name-only", commit, "--", ".").strip():
            with subprocess.Popen(
                ["git", "-C", str(root), "archive", "--format=tar", commit, "--", "."],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            ) as archive:
                assert archive.stdout is not None
                with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
                    tar.extractall(tmp, filter="data")
            if archive.returncode != 0:
                raise AgainstError(f"git archive {ref}: failed (exit {archive.returncode})")
        yield Path(tmp)


def load_offline(root: Path) -> Project:
    """Load a project without reading any environment variable."""
    return load_project(root, environ=OFFLINE_ENVIRON)


def _load_base(root: Path, against: str) -> Project | None:
    """The base project; None when the base has no project file (every registry empty)."""
    if not (root / "reconcile.yaml").is_file():
        return None
    try:
        return load_offline(root)
    except SpecErrors as exc:
        details = "\n".join(f"  {error}" for error in exc.errors)
        raise AgainstError(f"the specs at {against} do not load:\n{details}") from None


def _writable(project: Project) -> Project:
    """The project's registries as the in-memory ones: never readonly."""
    registries = {n: replace(r, readonly=False) for n, r in project.registries.items()}
    return replace(project, registries=registries)


def _content_only(project: Project) -> Project:
    """Every version to register, without the levels, modes and deletes (pass 1)."""

    def subject(spec: SubjectSpec) -> SubjectSpec:
        versions = spec.versions
        if versions is not None:
            versions = tuple(replace(v, delete=None) for v in versions)
        return replace(spec, compatibility=None, mode=None, versions=versions)

    def context(spec: ContextSpec) -> ContextSpec:
        subjects = {n: subject(s) for n, s in spec.subjects.items() if not s.delete}
        return replace(spec, compatibility=None, mode=None, prune=False, subjects=subjects)

    registries = {
        n: replace(r, compatibility=None, mode=None) for n, r in project.registries.items()
    }
    return replace(project, registries=registries, specs=tuple(context(s) for s in project.specs))


async def _apply(project: Project, clients: dict[str, RegistryClient], against: str) -> None:
    plan = await make_plan(project, clients, _NO_BUDGET)
    if plan.errors:
        details = "\n".join(
            f"  {p.source + ': ' if p.source else ''}{p.target + ': ' if p.target else ''}"
            f"{p.message}"
            for p in plan.errors
        )
        raise AgainstError(
            f"the specs at {against} cannot be loaded into an in-memory registry:\n{details}"
        )
    failed = [r for r in await apply_plan(plan, clients) if not r.ok]
    if failed:
        step = failed[0]
        raise AgainstError(
            f"the specs at {against} cannot be loaded into an in-memory registry: "
            f"{step.action.kind.value} {step.action.label}: {step.detail}"
        )


async def build_base(base: Project, clients: dict[str, RegistryClient], against: str) -> None:
    """Make the in-memory registries hold what the base project describes."""
    base = _writable(base)
    names = targeted_registries(base)
    targets = {n: clients[n] for n in names}
    for client in targets.values():
        await client.set_config("NONE")
    await _apply(_content_only(base), targets, against)
    for client in targets.values():
        await client.delete_config()
    await _apply(base, targets, against)


@asynccontextmanager
async def memory_registries(
    names: list[str], store: Path
) -> AsyncIterator[dict[str, RegistryClient]]:
    """One in-process local registry per name, each on its own file under ``store``."""
    async with AsyncExitStack() as stack:
        clients: dict[str, RegistryClient] = {}
        for index, name in enumerate(names):
            client = RegistryClient(f"local:{store / f'{index}.db'}", name=name)
            clients[name] = await stack.enter_async_context(client)
        yield clients


def _labelled(plan: Plan, against: str) -> Plan:
    """Say where the plan was made, with a fingerprint no live registry has."""
    plan.registries = [
        replace(
            state,
            display=f"{state.name} (against {against}: the state its specs describe, "
            "not the live registry)",
            fingerprint=f"{AGAINST}{against}",
        )
        for state in plan.registries
    ]
    return plan


async def plan_against(
    project: Project,
    against: str,
    registries: tuple[str, ...] = (),
    options: PlanOptions | None = None,
) -> Plan:
    """Plan ``project`` against the state the specs at ``against`` describe."""
    names = targeted_registries(project, registries)
    with (
        checkout(against, project.root) as base_root,
        tempfile.TemporaryDirectory(prefix="reconcile-against-store-") as store,
    ):
        base = _load_base(base_root, against)
        everything = sorted({*project.registries, *(base.registries if base else ())})
        async with memory_registries(everything, Path(store)) as clients:
            if base is not None:
                await build_base(base, clients, against)
            plan = await make_plan(project, {n: clients[n] for n in names}, options)
    return _labelled(plan, against)
