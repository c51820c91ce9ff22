"""The base IRI stored with the data, a busy port, the command line in Dutch and English, and an
export that holds the whole registry (past versions, a retired passport's last content)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, passport_ttl
from servers import free_port

OTHER = "http://localhost:8157/"
IRI = f"{OTHER}id/passport/GM0153/brug-0042"


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def env(data) -> dict:
    """No PASSPORTS_BASE: the base comes from the data."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PASSPORTS_BASE", "PASSPORTS_LANG")}
    return {**clean, "PASSPORTS_DATA": str(data)}


def passport_file(tmp_path, amount: str = "120.5") -> str:
    path = tmp_path / f"brug-{amount}.ttl"
    path.write_text(passport_ttl(amount=amount).replace("http://localhost:8000/", OTHER), encoding="utf-8")
    return str(path)


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "registry.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300, check=False)


def test_the_base_chosen_at_init_is_used_by_every_later_command(tmp_path, data, env):
    init = cli("init", "--base", OTHER, env=env)
    assert init.returncode == 0 and OTHER in init.stdout, init.stderr
    assert (data / "base-iri").read_text().strip() == OTHER
    added = cli("add", passport_file(tmp_path), env=env)  # no --base: the stored one
    assert added.returncode == 0 and "created 1" in added.stderr, added.stderr
    assert cli("show", IRI, env=env).returncode == 0
    other = cli("show", IRI, "--base", "http://localhost:8000/", env=env)
    assert other.returncode == 2
    assert f"has the base IRI {OTHER}" in other.stderr and "Leave out --base" in other.stderr
    dutch = cli("show", IRI, env={**env, "PASSPORTS_BASE": "http://localhost:8000/", "PASSPORTS_LANG": "nl"})
    assert dutch.returncode == 2 and f"hebben de basis-IRI {OTHER}" in dutch.stderr, dutch.stderr
    wrong = cli("history", "http://localhost:8000/id/passport/GM0153/brug-0042", "--lang", "nl", env=env)
    assert wrong.returncode == 2 and f"bedoelt u {IRI}?" in wrong.stderr, wrong.stderr


def test_a_busy_port_is_refused_before_anything_is_loaded(tmp_path, data, env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = cli("serve", "--port", str(port), "--demo", env=env)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Nothing was loaded" in result.stderr
    assert not data.exists() and time.monotonic() - started < 30


@pytest.mark.slow
def test_serve_demo_loads_the_demo_into_an_empty_registry_and_serves_it(data, env):
    """The README's first command (``make run`` is ``passports serve --demo``)."""
    import httpx

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--port", str(port), "--demo",
                                "--page-workers", "0"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        serving = next((line for line in process.stdout if line.startswith("serving")), None)
        assert serving is not None, process.stderr.read()
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/materiaalpaspoort/def#Passport> }"
        deadline, count = time.monotonic() + 60, None
        while count is None and time.monotonic() < deadline:  # "serving" is printed as uvicorn starts
            try:
                count = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": query}, timeout=60,
                                  headers={"Accept": "application/sparql-results+json"})
            except httpx.TransportError:
                time.sleep(0.2)
        assert count is not None and count.status_code == 200 and int(count.json()["results"]["bindings"][0]["n"]["value"]) >= 400
    finally:
        process.terminate()
        process.wait(timeout=60)


def _serving_line(port: int, env: dict) -> str:
    """Start ``serve``, return its "serving ..." line, stop it."""
    process = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--port", str(port),
                                "--page-workers", "0"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        for line in process.stdout:
            if line.startswith("serving"):
                return line
        raise AssertionError("serve ended without serving")
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.mark.slow
def test_serve_port_chooses_the_base_once_and_never_changes_it(data, env):
    first, second = free_port(), free_port()
    assert f"http://localhost:{first}/" in _serving_line(first, env)
    assert (data / "base-iri").read_text().strip() == f"http://localhost:{first}/"
    line = _serving_line(second, env)
    assert f"serving http://localhost:{first}/" in line and f":{second}" in line, line


def test_dutch_and_english_tables_counts_times_and_agent(tmp_path, env):
    cli("init", "--base", OTHER, env=env)
    cli("add", passport_file(tmp_path), env={**env, "PASSPORTS_AGENT_NAME": "J. Jansen"})
    nl = cli("history", IRI, "--lang", "nl", env=env)
    assert nl.returncode == 0, nl.stderr
    assert all(word in nl.stdout for word in ("versie", "geschreven", "door", "bron", "J. Jansen"))
    assert " UTC" in nl.stdout and "│ root " not in nl.stdout
    en = cli("history", IRI, env=env)
    assert all(word in en.stdout for word in ("version", "written", "by", "J. Jansen"))
    added = cli("add", passport_file(tmp_path, "130"), "--lang", "nl", env=env)
    assert "bijgewerkt 1" in added.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text(passport_ttl(amount="-3").replace("http://localhost:8000/", OTHER), encoding="utf-8")
    assert "1 paspoort, 1 voldoet niet" in cli("validate", str(bad), "--lang", "nl", env=env).stdout
    assert "1 passport, 1 does not conform" in cli("validate", str(bad), env=env).stdout
    good = cli("validate", passport_file(tmp_path), env=env)
    assert "1 passport, 0 do not conform" in good.stdout


def test_export_holds_past_versions_and_a_retired_passports_last_content(tmp_path, env):
    cli("init", "--base", OTHER, env=env)
    cli("add", passport_file(tmp_path), env=env)
    cli("add", passport_file(tmp_path, "130"), env=env)
    assert cli("retire", IRI, "--reason", "gesloopt", env=env).returncode == 0
    dump = tmp_path / "dump.nq"
    done = cli("export", "--output", str(dump), env=env)
    assert done.returncode == 0, done.stderr
    assert "2 versions from the history" in done.stderr and "retired passports" in done.stderr
    quads = list(ox.parse(dump.read_bytes(), ox.RdfFormat.N_QUADS))
    values = {(q.graph_name.value, q.object.value) for q in quads
              if q.predicate.value == "http://qudt.org/schema/qudt/numericValue"}
    assert (f"{IRI}/v/1", "120.5") in values and (f"{IRI}/v/2", "130") in values  # 130: the last content
    short = cli("export", "--no-history", "--lang", "nl", "--output", str(tmp_path / "kort.nq"), env=env)
    assert "zonder oude versies" in short.stderr


def test_tokens_in_dutch(env):
    made = cli("token", "create", "--municipality", "GM0153", "--label", "GBI", "--lang", "nl", env=env)
    assert made.returncode == 0 and "Bewaar het nu" in made.stderr, made.stderr
    listed = cli("token", "list", "--lang", "nl", env=env)
    assert all(word in listed.stdout for word in ("gemeente", "omschrijving", "gemaakt", " UTC")), listed.stdout


def test_data_made_before_the_base_was_stored_keeps_its_base(tmp_path, data, env):
    cli("init", "--base", OTHER, env=env)
    cli("add", passport_file(tmp_path), env=env)
    (data / "base-iri").unlink()  # as a data directory made before the base was stored
    shown = cli("show", IRI, env=env)  # no --base: the base is read from the data
    assert shown.returncode == 0, shown.stderr
    assert cli("init", env=env).stdout.count(OTHER) == 1
    assert (data / "base-iri").read_text().strip() == OTHER
