"""Hostile RDF files given to `passports validate` and `passports add` (issue 11, items 1-3, 12):
refused with exit code 2 and a message that names the limit, never a crash (the command runs in a
subprocess: a crash there would show as exit code -11 or 139), the store unchanged."""

from __future__ import annotations

import gzip

import hostile_rdf as h
import pyoxigraph as ox
import pytest
from conftest import BASE, docs_from, dump, passport_ttl, run_cli


@pytest.fixture
def data(tmp_path):
    """A registry with one passport, closed again (the command opens it)."""
    from registry.core.settings import Settings
    from registry.store.registry import Registry

    settings = Settings(data_dir=tmp_path / "data", base_iri=BASE)
    registry = Registry.open(settings)
    registry.add(docs_from(passport_ttl()))
    before = dump(registry)
    registry.close()
    return settings, before


def unchanged(settings, before: bytes) -> None:
    from registry.store.registry import Registry

    registry = Registry.open(settings, read_only=True)
    try:
        assert dump(registry) == before
    finally:
        registry.close(compact=False)


def refused(result, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("fmt", [ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML, ox.RdfFormat.TURTLE],
                         ids=lambda f: f.name)
def test_validate_refuses_deep_nesting(tmp_path, fmt):
    path = tmp_path / f"deep{h.SUFFIX[fmt]}"
    path.write_bytes(h.deep(fmt, 20_000))
    refused(run_cli("validate", str(path), "--base", BASE), "PASSPORTS_RDF_MAX_DEPTH=64", f"deep{h.SUFFIX[fmt]}:1")


def test_add_refuses_a_crashing_file_and_stores_nothing(tmp_path, data):
    settings, before = data
    path = tmp_path / "mixed.jsonld.gz"
    with gzip.open(path, "wb") as out:  # deep nesting after 3 MB of harmless whitespace: past the first blocks
        out.write(b" " * (3 * 2**20) + h.jsonld_lists(20_000))
    result = run_cli("add", str(path), "--data", str(settings.data_dir), "--base", BASE)
    refused(result, "PASSPORTS_RDF_MAX_DEPTH=64", "Nothing after the last complete batch was stored")
    unchanged(settings, before)


def test_add_refuses_billion_laughs(tmp_path, data):
    settings, before = data
    path = tmp_path / "laughs.rdf"
    path.write_bytes(h.rdfxml_laughs(9))
    refused(run_cli("add", str(path), "--data", str(settings.data_dir), "--base", BASE),
            "no DOCTYPE or ENTITY declarations", "laughs.rdf:2")
    unchanged(settings, before)


def test_literal_limit_from_the_environment(tmp_path, data):
    settings, before = data
    path = tmp_path / "long.nt"
    path.write_bytes(h.big_literal(ox.RdfFormat.N_TRIPLES, 5000))
    result = run_cli("add", str(path), "--data", str(settings.data_dir), "--base", BASE,
                     env={"PASSPORTS_RDF_MAX_LITERAL": "1000"})
    refused(result, "PASSPORTS_RDF_MAX_LITERAL=1000")
    unchanged(settings, before)
    depth = tmp_path / "deep.ttl"
    depth.write_bytes(h.deep(ox.RdfFormat.TURTLE, 20))
    refused(run_cli("validate", str(depth), env={"PASSPORTS_RDF_MAX_DEPTH": "10"}), "PASSPORTS_RDF_MAX_DEPTH=10")
