"""The OWL 2 consistency check with HermiT (registry/validation/consistency.py), which must also be able
to fail, and ``passports ontology check`` that runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from registry.model.vocab import MP, OWL, RDFS
from registry.validation.consistency import CheckResult, check_consistency

OWN_FILES = ["mp.ttl", "alignments.ttl", "rladder.ttl", "phases.ttl", "policyangles.ttl", "themes.ttl",
             "materials.ttl", "codelists.ttl", "detachability.ttl", "regions.ttl"]


@pytest.fixture(scope="module")
def hermit_result() -> CheckResult:
    return check_consistency()


@pytest.mark.slow
def test_hermit_finds_the_ontology_consistent(hermit_result):
    assert hermit_result.error is None, hermit_result.error
    assert hermit_result.consistent, hermit_result.summary()
    assert hermit_result.unsatisfiable == (), hermit_result.summary()
    assert hermit_result.ok
    assert hermit_result.triples > 2000
    assert {p.name for p in hermit_result.files} >= set(OWN_FILES)
    assert "consistent" in hermit_result.summary()


@pytest.mark.slow
def test_hermit_reports_an_inconsistent_axiom():
    extra = f"""@prefix mp: <{MP}> . @prefix owl: <{OWL}> .
        mp:Passport owl:disjointWith mp:Component .
        <http://example.org/both> a mp:Passport , mp:Component ."""
    result = check_consistency(extra_turtle=extra)
    assert result.error is None, result.error
    assert not result.consistent and not result.ok
    assert "INCONSISTENT" in result.summary()


@pytest.mark.slow
def test_hermit_reports_an_unsatisfiable_class():
    extra = f"""@prefix mp: <{MP}> . @prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> .
        <http://example.org/PassportObject> a owl:Class ; rdfs:subClassOf mp:Passport , mp:PhysicalObject ."""
    result = check_consistency(extra_turtle=extra)
    assert result.error is None, result.error
    assert result.consistent
    assert result.unsatisfiable == ("http://example.org/PassportObject",)
    assert not result.ok
    assert "http://example.org/PassportObject" in result.summary()


@pytest.mark.slow
def test_command_line_exits_1_on_an_inconsistent_ontology(tmp_path: Path):
    extra = tmp_path / "clash.ttl"
    extra.write_text(f"""@prefix mp: <{MP}> .
        <http://example.org/x> a mp:MaterialQuantity , mp:Valuation .""", encoding="utf-8")
    done = run_cli("ontology", "check", str(extra))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "INCONSISTENT: the axioms contradict" in done.stdout and "consistent=" not in done.stdout
    assert "clash.ttl" in done.stdout


@pytest.mark.slow
def test_command_line_exits_0_on_the_ontology():
    done = run_cli("ontology", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "consistent; no unsatisfiable classes" in done.stdout and "CheckResult" not in done.stdout
    dutch = run_cli("ontology", "check", "--lang", "nl")
    assert "consistent; geen onvervulbare klassen" in dutch.stdout


def test_command_line_names_a_missing_extra_file(tmp_path: Path):
    done = run_cli("ontology", "check", str(tmp_path / "absent.ttl"))
    assert done.returncode == 2
    assert "absent.ttl" in done.stderr
