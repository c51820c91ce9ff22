"""History and provenance come only from the registry's provenance graph (issue 11, item 6).

The write rules (``tests/model/test_integrity.py``) keep forged version records out of passport
graphs; this checks the other end: a forged record that is in a passport graph anyway (written
before the rules, or by hand into the store) never shows in ``passports history``, the saved
query ``passport-history``, the passport page's version list, the home page's recent changes or
the version's linked-data document.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import BASE, docs_from, passport_ttl, run_cli

from registry.core.workers import bump_generation
from registry.model.uris import passport_ref
from registry.model.vocab import MP, PROV, RDF_TYPE

VICTIM = passport_ref(BASE, "GM0150", "brug-000297")
FORGER = passport_ref(BASE, "GM0153", "x")
FAKE = f"{FORGER.iri}/v/9"


def _forge(registry) -> None:
    """Write what the attack of the issue wrote, straight into the forger's passport graph."""
    graph, fake = ox.NamedNode(FORGER.iri), ox.NamedNode(FAKE)
    when = ox.Literal("2099-01-01T00:00:00.000+00:00",
                      datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
    registry.store.extend([
        ox.Quad(fake, RDF_TYPE, ox.NamedNode(MP + "PassportVersion"), graph),
        ox.Quad(fake, ox.NamedNode(PROV + "specializationOf"), ox.NamedNode(VICTIM.iri), graph),
        ox.Quad(fake, ox.NamedNode(MP + "versionNumber"),
                ox.Literal("9", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), graph),
        ox.Quad(fake, ox.NamedNode(PROV + "generatedAtTime"), when, graph),
    ])
    bump_generation(registry.settings.data_dir)  # query workers reopen and see the forged triples


@pytest.fixture
def forged(app_client):
    registry = app_client.app.state.registry
    registry.add(docs_from(passport_ttl(VICTIM.key, VICTIM.municipality)))
    registry.add(docs_from(passport_ttl(FORGER.key, FORGER.municipality)))
    _forge(registry)
    return app_client


def test_history_lists_only_the_registrys_versions(forged):
    versions = forged.app.state.registry.history(VICTIM)
    assert [v.number for v in versions] == [1]
    assert all(FAKE not in v.iri for v in versions)


def test_the_saved_query_reads_only_the_provenance_graph(forged):
    answer = forged.get("/query/passport-history", params={"passport": VICTIM.iri, "format": "json"})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["results"]["bindings"]
    assert [row["number"]["value"] for row in rows] == ["1"]
    assert FAKE not in answer.text


def test_the_pages_show_no_forged_version(forged):
    page = forged.get(f"/doc/passport/{VICTIM.municipality}/{VICTIM.key}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert FAKE not in page.text and "/v/9" not in page.text
    home = forged.get("/", headers={"Accept": "text/html"})  # recent changes: version, number, date
    assert home.status_code == 200 and "2099" not in home.text


def test_the_forged_version_has_no_linked_data_document(forged):
    answer = forged.get(f"/id/passport/{FORGER.municipality}/{FORGER.key}/v/9",
                        headers={"Accept": "text/turtle"})
    assert answer.status_code == 404
    real = forged.get(f"/id/passport/{VICTIM.municipality}/{VICTIM.key}/v/1", headers={"Accept": "text/turtle"})
    assert real.status_code in (200, 303) and FAKE not in real.text


def test_the_cli_history_lists_only_the_registrys_versions(tmp_path):
    from registry.core.settings import Settings
    from registry.store.registry import Registry

    data = tmp_path / "data"
    with Registry.open(Settings(data_dir=data, base_iri=BASE)) as registry:
        registry.add(docs_from(passport_ttl(VICTIM.key, VICTIM.municipality)))
        registry.add(docs_from(passport_ttl(FORGER.key, FORGER.municipality)))
        _forge(registry)
    shown = run_cli("history", VICTIM.iri, "--data", str(data))
    assert shown.returncode == 0, shown.stderr
    assert "2099" not in shown.stdout and FAKE not in shown.stdout
