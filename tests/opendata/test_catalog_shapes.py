"""The DCAT catalog validates against the official DCAT-AP 3.0.1 shapes (SEMIC) and the DCAT-AP-NL
3.0 shapes (Geonovum), read from ``../shared/external`` (see their SOURCE.md) and run with
pySHACL, the project's reference validator: no violation. Warnings (recommended properties) are
allowed. Without a mandatory property the same shapes report a violation.

Shapes run: DCAT-AP ``html-shacl/shapes.ttl`` (mandatory properties and cardinalities),
``range.ttl`` (classes of the values), ``shapes_recommended.ttl``, ``deprecateduris.ttl``;
DCAT-AP-NL ``dcat-ap-nl-SHACL.ttl``, ``-klassebereik.ttl``, ``-klassebereik-codelijsten.ttl``,
``-aanbevolen.ttl``. Not run: DCAT-AP ``mdr-vocabularies.shape.ttl`` and ``imports.ttl`` (they
need the EU vocabularies, which are not in the folder) and the all-in-one ``shacl/dcat-ap-SHACL.ttl``
(it names property shapes it does not define, which pySHACL refuses; its content is the modular
files above)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from pages_support import BASE, build_registry

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external"
DCAT_AP = EXTERNAL / "dcat-ap" / "3.0.1" / "html-shacl"
DCAT_AP_NL = EXTERNAL / "dcat-ap-nl" / "shapes"
SHAPES = {
    "DCAT-AP 3.0.1": [DCAT_AP / name for name in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl",
                                                  "deprecateduris.ttl")],
    "DCAT-AP-NL 3.0": [DCAT_AP_NL / name for name in (
        "dcat-ap-nl-SHACL.ttl", "dcat-ap-nl-SHACL-klassebereik.ttl",
        "dcat-ap-nl-SHACL-klassebereik-codelijsten.ttl", "dcat-ap-nl-SHACL-aanbevolen.ttl")],
}
SH = "http://www.w3.org/ns/shacl#"
DCT, DCAT = "http://purl.org/dc/terms/", "http://www.w3.org/ns/dcat#"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    from registry.core.settings import Settings
    from registry.static_site.downloads import LiveDumps
    from registry.store.registry import Registry
    from registry.views.opendata.catalog import catalog_triples
    from registry.views.opendata.facts import compute_facts

    fixture = build_registry(tmp_path_factory.mktemp("catalog") / "data", size=12, seed=8)
    settings = Settings(data_dir=fixture.data_dir, base_iri=BASE, contact_email="open@example.nl")
    registry = Registry.open(settings)
    try:
        files = LiveDumps(registry, fixture.data_dir / "cache" / "downloads").files()
        return catalog_triples(settings, BASE, compute_facts(registry), files)
    finally:
        registry.close()


def shapes_graph(files: list[Path]):
    import rdflib

    missing = [f for f in files if not f.is_file()]
    if missing:
        pytest.skip(f"DCAT-AP shapes not available: {missing[0]}")
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def violations(triples: list[ox.Triple], profile: str) -> list[tuple[str, str, str]]:
    """(focus node, path, message) of every sh:Violation of ``profile``'s shapes."""
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph(SHAPES[profile]), inference="none",
                                    allow_warnings=True)
    sh = rdflib.Namespace(SH)
    return [(str(report.value(r, sh.focusNode)), str(report.value(r, sh.resultPath)),
             str(report.value(r, sh.resultMessage)))
            for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)
            if report.value(r, sh.resultSeverity) == sh.Violation]


@pytest.mark.parametrize("profile", sorted(SHAPES))
def test_catalog_conforms_to_the_official_shapes(catalog, profile):
    classes = {t.object.value for t in catalog if t.predicate.value.endswith("#type")}
    assert {DCAT + "Catalog", DCAT + "Dataset", DCAT + "Distribution", DCAT + "DataService"} <= classes
    assert violations(catalog, profile) == []


@pytest.mark.parametrize(("profile", "predicate", "subject_end"), [
    ("DCAT-AP 3.0.1", DCT + "title", "#region"),            # dataset: title is mandatory
    ("DCAT-AP 3.0.1", DCAT + "accessURL", "-sparql"),       # distribution: access URL is mandatory
    ("DCAT-AP-NL 3.0", DCT + "license", ".ttl.gz"),         # NL: every distribution has a licence
    ("DCAT-AP-NL 3.0", DCAT + "contactPoint", "catalog"),   # NL: the catalog has a contact point
])
def test_a_missing_mandatory_property_is_a_violation(catalog, profile, predicate, subject_end):
    cut = [t for t in catalog if t.predicate.value == predicate and t.subject.value.endswith(subject_end)]
    assert cut, (predicate, subject_end)
    found = violations([t for t in catalog if t not in cut], profile)
    assert any(path == predicate for _, path, _ in found), found
