"""The `passports` command as a user runs it: exit codes, messages, malformed and hostile files."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest
from conftest import BASE, passport_ttl, run_cli

IRI = f"{BASE}id/passport/GM0153/brug-0042"


@pytest.fixture
def env(tmp_path):
    return {"PASSPORTS_DATA": str(tmp_path / "data"), "PASSPORTS_BASE": BASE}


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "brug.ttl"
    path.write_text(passport_ttl(), encoding="utf-8")
    return path


def write(tmp_path, name, content) -> str:
    path = tmp_path / name
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return str(path)


def test_validate_exit_codes_and_formats(tmp_path, good):
    assert run_cli("validate", str(good)).returncode == 0
    bad = write(tmp_path, "bad.ttl", passport_ttl(amount="-3"))
    result = run_cli("validate", bad)
    assert result.returncode == 1
    assert "deck-concrete" in result.stderr and "numericValue" in result.stderr
    assert "field: quantity\n" in result.stderr  # the field as a person knows it, in the language asked
    assert "1 passport, 1 does not conform" in result.stdout
    result = run_cli("validate", bad, "--format", "json")
    report = json.loads(result.stdout)
    assert report["conforms"] is False and report["passports"][0]["results"][0]["message_nl"]
    assert "quantity / hoeveelheid" in {r["field"] for r in report["passports"][0]["results"]}
    result = run_cli("validate", bad, "--format", "ttl")
    graph = ox.Store()
    graph.load(result.stdout.encode(), ox.RdfFormat.TURTLE)
    assert bool(graph.query("ASK { ?r a <http://www.w3.org/ns/shacl#ValidationReport> ; "
                            "<http://www.w3.org/ns/shacl#conforms> false }"))
    nl = run_cli("validate", bad, "--lang", "nl")
    assert nl.returncode == 1 and "veld: hoeveelheid\n" in nl.stderr and "Overtreding" in nl.stderr
    assert "1 paspoort, 1 voldoet niet" in nl.stdout
    assert run_cli("validate", str(tmp_path / "missing.ttl")).returncode == 2


def test_syntax_error_names_file_line_and_column(tmp_path):
    text = passport_ttl().replace('rdfs:label "Brugdek"@nl ;', 'rdfs:label "Brugdek"@nl ;;; ]]')
    path = write(tmp_path, "broken.ttl", text)
    result = run_cli("validate", path)
    assert result.returncode == 2
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "]]" in row)
    assert f"broken.ttl:{line}" in result.stderr, result.stderr
    assert "syntax error" in result.stderr


def test_wrong_encoding_is_named(tmp_path):
    path = write(tmp_path, "latin1.ttl", passport_ttl(label="Brug Café").encode("latin-1"))
    result = run_cli("validate", path)
    assert result.returncode == 2
    assert "UTF-8" in result.stderr or "utf-8" in result.stderr.lower(), result.stderr


def test_unknown_format_and_unknown_terms(tmp_path, env):
    result = run_cli("validate", write(tmp_path, "x.csv", "a,b\n"))
    assert result.returncode == 2 and "format" in result.stderr
    path = write(tmp_path, "typo.ttl", passport_ttl().replace("mp:material ", "mp:materiaal "))
    result = run_cli("add", path, env=env)
    assert result.returncode == 1 and "materiaal" in result.stderr


@pytest.mark.slow
def test_add_show_history_query_retire_export(tmp_path, good, env):
    assert run_cli("init", env=env).returncode == 0
    first = run_cli("add", str(good), env=env)
    assert first.returncode == 0 and "created 1" in first.stderr, first.stderr
    again = run_cli("add", str(good), env=env)
    assert "unchanged 1" in again.stderr
    changed = write(tmp_path, "brug2.ttl", passport_ttl(amount="140"))
    assert "updated 1" in run_cli("add", changed, env=env).stderr
    shown = run_cli("show", IRI, env=env)
    assert shown.returncode == 0 and "140" in shown.stdout
    old = run_cli("show", IRI + "/v/1", env=env)
    assert old.returncode == 0 and "120.5" in old.stdout
    history = run_cli("history", IRI, env=env)
    assert history.returncode == 0 and "brug.ttl" in history.stdout and "brug2.ttl" in history.stdout
    count = run_cli("query", "--name", "count-passports", "--format", "json", env=env)
    assert json.loads(count.stdout) == [{"n": "1"}]
    query = write(tmp_path, "q.rq", "SELECT ?o WHERE { ?o a <https://w3id.org/materiaalpaspoort/def#Bridge> }")
    csv_out = run_cli("query", query, "--format", "csv", env=env)
    assert csv_out.stdout.splitlines() == ["o", f"{BASE}id/object/GM0153/brug-0042"]
    assert run_cli("retire", IRI, env=env).returncode != 0  # the reason is required
    retired = run_cli("retire", IRI, "--reason", "gesloopt", env=env)
    assert retired.returncode == 0
    assert "gesloopt" in run_cli("history", IRI, env=env).stdout
    dump = tmp_path / "dump.nq.gz"
    assert run_cli("export", "--output", str(dump), env=env).returncode == 0
    with gzip.open(dump) as stream:
        assert len(list(ox.parse(stream, ox.RdfFormat.N_QUADS))) > 40
    assert run_cli("show", f"{BASE}id/passport/GM0153/nope", env=env).returncode == 1
    assert run_cli("show", "http://elsewhere.example/x", env=env).returncode == 2


def test_bad_query_and_bad_iri(tmp_path, env, good):
    run_cli("add", str(good), env=env)
    result = run_cli("query", write(tmp_path, "bad.rq", "SELECT ?x WHERE { ?x "), env=env)
    assert result.returncode == 2 and "SPARQL" in result.stderr
    assert run_cli("query", "--name", "../../etc/passwd", env=env).returncode == 2


def test_another_municipalitys_namespace_is_refused(tmp_path, env):
    text = passport_ttl() + (
        f'<{BASE}id/passport/GM0153/brug-0042> <https://w3id.org/materiaalpaspoort/def#describes> '
        f'<{BASE}id/object/GM0164/brug-1> .\n'
        f'<{BASE}id/object/GM0164/brug-1> a <https://w3id.org/materiaalpaspoort/def#Bridge> .\n')
    result = run_cli("add", write(tmp_path, "foreign.ttl", text), env=env)
    assert result.returncode == 2 and "GM0164/brug-1" in result.stderr
    result = run_cli("add", str(tmp_path / "nope.ttl"), env=env)
    assert result.returncode == 2


def test_an_only_municipality_flag_refuses_other_passports(tmp_path, env):
    path = write(tmp_path, "hengelo.ttl", passport_ttl(municipality="GM0164"))
    result = run_cli("add", path, "--municipality", "GM0153", env=env)
    assert result.returncode == 1 and "GM0164" in result.stderr


def peak_rss_mb(args: list[str], env: dict) -> tuple[int, float, str]:
    """Run the CLI in a child process; its exit code, peak resident memory (MB) and stderr."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stderr=subprocess.PIPE, text=True); "
            "sys.stderr.write(r.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
            "sys.exit(r.returncode)")
    result = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "registry.cli", *args],
                            capture_output=True, check=False, text=True, cwd=ROOT, env={**os.environ, **env}, timeout=1800)
    return result.returncode, int(result.stdout.strip().splitlines()[-1]) / 1024, result.stderr


@pytest.mark.slow
def test_huge_file_is_streamed_with_bounded_memory(tmp_path, env):
    """Adding 4x more passports must not take much more memory: the file is streamed in batches,
    the batches in flight between reader, validation worker and writer are bounded, and RocksDB's
    memory tables are flushed as they fill (without that, memory grows to about 2 GB).

    The bulk loads are of PASSPORTS_ADD_LOAD MiB (the loader holds about 3.7 bytes per byte):
    40 MiB here, two batches of these demo passports, so both runs load as much at a time (with
    the default 64, 2,000 passports are one smaller load than the loads of 8,000)."""
    from registry.demo import write as write_demo

    env = {**env, "PASSPORTS_ADD_LOAD": "40"}
    peaks = {}
    for size in (2_000, 8_000):
        path = tmp_path / f"demo-{size}.nq"
        write_demo(path, size=size, seed=3, base=BASE, fmt="nq")
        code, peaks[size], stderr = peak_rss_mb(["add", str(path)], {**env, "PASSPORTS_DATA": str(tmp_path / f"d{size}")})
        assert code == 0, stderr[-2000:]
        assert f"created {size}" in stderr
    assert peaks[8_000] < 1.5 * peaks[2_000], peaks


def test_demo_stores_passports_or_writes_them_to_a_file(tmp_path, env):
    from registry.demo import write, write_csv

    result = run_cli("demo", "--size", "12", "--seed", "5", env=env)
    assert result.returncode == 0, result.stderr
    assert "created 12" in result.stderr
    nt = tmp_path / "demo.nt"
    result = run_cli("demo", "--size", "30", "--seed", "5", "--output", str(nt), "--municipality", "GM0153",
                     env=env)
    assert result.returncode == 0, result.stderr
    assert "30 passports, " in result.stderr and f"triples -> {nt}" in result.stderr
    write(tmp_path / "expected.nt", 30, seed=5, base=BASE, municipalities=["GM0153"])
    assert nt.read_bytes() == (tmp_path / "expected.nt").read_bytes()
    csv_gz = tmp_path / "register.csv.gz"
    result = run_cli("demo", "--size", "30", "--output", str(csv_gz), env=env)
    assert result.returncode == 0, result.stderr
    assert "rows ->" in result.stderr
    write_csv(tmp_path / "expected.csv", 30, seed=42)
    assert gzip.decompress(csv_gz.read_bytes()) == (tmp_path / "expected.csv").read_bytes()


def test_demo_names_an_unknown_municipality(tmp_path, env):
    result = run_cli("demo", "--size", "3", "--output", str(tmp_path / "x.nq"), "--municipality", "GM9999",
                     env=env)
    assert result.returncode == 2
    assert "GM9999" in result.stderr and "Traceback" not in result.stderr
