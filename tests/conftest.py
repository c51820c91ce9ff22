"""Shared fixtures: real stores in temp dirs, passports from the model's example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
BASE = "http://localhost:8000/"
EXAMPLE = (DATA / "brug-0042.ttl").read_text(encoding="utf-8")


def passport_ttl(key: str = "brug-0042", municipality: str = "GM0153", label: str = "Brug Twentekanaal",
                 amount: str = "120.5") -> str:
    """The example passport of docs/model.md under another key, label or amount."""
    text = EXAMPLE.replace('mp:predecessor <http://localhost:8000/id/passport/GM0153/brug-0007> .',
                           '.')
    text = text.replace("GM0153/brug-0042", f"{municipality}/{key}").replace('"brug-0042"', f'"{key}"')
    text = text.replace("gm:GM0153", f"gm:{municipality}")
    text = text.replace('"Brug Twentekanaal"@nl', f'"{label}"@nl')
    return text.replace("qudt:numericValue 120.5", f"qudt:numericValue {amount}")


@pytest.fixture
def settings(tmp_path):
    from registry.core.settings import Settings

    return Settings(data_dir=tmp_path / "data", base_iri=BASE)


@pytest.fixture
def registry(settings):
    from registry.store.registry import Registry

    reg = Registry.open(settings)
    yield reg
    if reg.store is not None:
        reg.close()


@pytest.fixture
def app_client(settings):
    """The whole app in-process (no socket, no thread): ``app_client.get("/sparql?...")``. Its
    registry is ``app_client.app.state.registry``. Queries run in one worker process, request
    bodies are parsed in another; pages are rendered in this process."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from registry.web.app import create_app

    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=1))
    with TestClient(app) as client:
        yield client


def docs_from(text: str, fmt=ox.RdfFormat.TURTLE):
    from registry.model.documents import read_bytes

    return read_bytes(text.encode("utf-8"), BASE, fmt)


def dump(registry) -> bytes:
    """The whole live store and history as sorted N-Quads, to compare before and after; blank node
    labels left out (a SPARQL server names a blank node anew in each answer)."""
    lines = []
    for store in (registry.store, registry.history_store):
        lines += sorted(re.sub(r"_:\S+", "_:", str(q)) for q in store)
    return "\n".join(lines).encode()


def run_cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "registry.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=full_env, timeout=timeout, check=False)  # callers check the code


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started and that still run (its workers), from ``/proc``."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # a thread that ended meanwhile
            pass
    return found
