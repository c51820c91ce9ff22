"""``pip install .`` (not editable) into a fresh virtual environment, then the registry works from
any directory: the ontology, shapes, queries, templates and mappings ship inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from servers import free_port

pytestmark = pytest.mark.slow


def _run(*args, cwd, timeout=300, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A venv with the project's wheel installed (its dependencies come from this interpreter's
    site-packages, so no network is needed for them)."""
    home = tmp_path_factory.mktemp("wheel")
    clean = _env(home)  # a PYTHONPATH naming the checkout would make pip take the wheel as installed
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", home / "dist", ROOT, cwd=home,
                 env=clean)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((home / "dist").glob("*.whl"))
    made = _run(sys.executable, "-m", "venv", "--system-site-packages", home / "venv", cwd=home)
    assert made.returncode == 0, made.stderr
    installed = _run(home / "venv" / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", wheel, cwd=home,
                     env=clean)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return home / "venv"


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PASSPORTS_", "PYTHONPATH"))}
    return {**env, "PASSPORTS_DATA": str(tmp_path / "data")}


def test_the_installed_package_is_not_the_checkout(venv, tmp_path):
    found = _run(venv / "bin" / "python", "-c",
                 "import registry, importers; from registry.core import resources; "
                 "print(registry.__file__); print(importers.__file__); print(resources.SPARQL_DIR)",
                 cwd=tmp_path, env=_env(tmp_path))
    assert found.returncode == 0, found.stderr
    for line in found.stdout.split():
        assert line.startswith(str(venv)), found.stdout
    assert "_data" in found.stdout.split()[2]


def test_validate_demo_and_serve_from_another_directory(venv, tmp_path):
    passports = venv / "bin" / "passports"
    env = _env(tmp_path)
    example = tmp_path / "example.ttl"
    example.write_bytes((ROOT / "tests" / "data" / "brug-0042.ttl").read_bytes())
    valid = _run(passports, "validate", example, cwd=tmp_path, env=env)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    invalid = tmp_path / "invalid.ttl"
    invalid.write_bytes((ROOT / "shapes" / "examples" / "invalid" / "quantity--negative-amount.ttl").read_bytes())
    assert _run(passports, "validate", invalid, cwd=tmp_path, env=env).returncode == 1

    demo = _run(passports, "demo", "--size", "30", cwd=tmp_path, env=env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    count = _run(passports, "query", "--name", "count-passports", "--format", "csv", cwd=tmp_path, env=env)
    assert count.returncode == 0 and "30" in count.stdout, count.stdout + count.stderr

    port = free_port()
    server = subprocess.Popen([str(passports), "serve", "--port", str(port), "--page-workers", "0",
                               "--no-access-log"], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(url + "/", timeout=5)
                break
            except httpx.HTTPError:
                assert server.poll() is None, server.stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert home.status_code == 200 and "<html" in home.text
        assert httpx.get(url + "/static/css/site.css", timeout=5).status_code == 200
        answer = httpx.get(url + "/query/count-passports", params={"format": "csv"}, timeout=30)
        assert answer.status_code == 200 and "30" in answer.text, answer.text
    finally:
        server.terminate()
        server.wait(30)
