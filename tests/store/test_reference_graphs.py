"""The reference graphs in the main store (registry.store.reference_graphs): loaded when the
registry opens for writing, reloaded when the files change, never counted or listed as passports."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from registry.core.resources import ONTOLOGY_DIR
from registry.model.reference import (
    MANIFEST_GRAPH,
    REFERENCE_FOLDERS,
    is_reference_graph,
    reference_digest,
    reference_files,
)
from registry.store import named_queries, reference_graphs
from registry.store.registry import Registry
from registry.views.pages import lists, stats
from tests.conftest import docs_from, passport_ttl

VERSION = "https://w3id.org/materiaalpaspoort/def/0.1.0"


def reference_names(store: ox.Store) -> set[str]:
    return {g.value for g in store.named_graphs() if is_reference_graph(g.value)}


def test_open_loads_one_graph_per_file_under_the_version_iri(registry):
    names = reference_names(registry.store)
    assert names == {f"{VERSION}/graph/{ref.name}" for ref in reference_files()} | {MANIFEST_GRAPH}
    assert reference_graphs.loaded_digest(registry.store) == reference_digest()
    materials = ox.NamedNode(f"{VERSION}/graph/materials")
    density = ox.NamedNode("https://w3id.org/materiaalpaspoort/def#defaultDensity")
    assert next(registry.store.quads_for_pattern(None, density, None, materials), None) is not None
    assert len(registry.history_store) == 0  # the history store is not affected


def test_reopening_with_the_same_files_changes_nothing(settings):
    with Registry.open(settings) as reg:
        size = len(reg.store)
    with Registry.open(settings) as reg:
        assert not reference_graphs.sync(reg.store)
        assert len(reg.store) == size


def test_changed_added_and_removed_files_are_reloaded(registry, tmp_path):
    folders = tuple(tmp_path / source.name for source in REFERENCE_FOLDERS)  # ontology/, pricelists/
    for source, copy in zip(REFERENCE_FOLDERS, folders, strict=True):
        shutil.copytree(source, copy)
    folder = folders[0]
    store = registry.store
    assert reference_graphs.sync(store, folders) is False  # same bytes, same digest
    materials = folder / "materials.ttl"
    materials.write_text(materials.read_text(encoding="utf-8").replace(
        '"2400"^^xsd:decimal', '"2450"^^xsd:decimal', 1), encoding="utf-8")
    (folder / "themes.ttl").unlink()
    (folder / "extra.ttl").write_text(
        '<https://example.org/a> <https://example.org/b> "c" .\n', encoding="utf-8")
    assert reference_graphs.sync(store, folders) is True
    names = reference_names(store)
    assert f"{VERSION}/graph/extra" in names and f"{VERSION}/graph/themes" not in names
    rows = store.query("SELECT ?d WHERE { <https://w3id.org/materiaalpaspoort/id/material/concrete> "
                       "<https://w3id.org/materiaalpaspoort/def#defaultDensity> ?d }",
                       use_default_graph_as_union=True)
    assert [r["d"].value for r in rows] == ["2450"]  # the old graph is gone, not added to
    assert reference_graphs.sync(store, folders) is False


def test_a_broken_file_leaves_the_loaded_graphs(registry, tmp_path):
    folder = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY_DIR, folder)
    (folder / "themes.ttl").write_text("this is not turtle", encoding="utf-8")
    before = len(registry.store)
    with pytest.raises(ValueError, match="themes.ttl"):
        reference_graphs.sync(registry.store, (folder,))
    assert len(registry.store) == before


def drop_reference_graphs(registry) -> None:
    for name in reference_names(registry.store):
        registry.store.remove_graph(ox.NamedNode(name))
    registry._bump_generation()


def figures(registry) -> dict:
    """Every whole-store count and list the pages use."""
    store = registry.store
    s = stats.compute_stats(store)
    mp = "https://w3id.org/materiaalpaspoort/def#"
    mpv = "https://w3id.org/materiaalpaspoort/id/"
    out = {"stats": (s.by_municipality_kind, s.by_municipality, s.recent),
           "municipality": list(lists.iter_municipality(store, mpv + "municipality/GM0153")),
           "kind": list(lists.iter_kind(store, mp + "Bridge")),
           "material": list(lists.iter_material(store, mpv + "material/concrete")),
           "concept": list(lists.iter_concept(store, mpv + "rstrategy/R3"))}
    for predicate in ("plannedRStrategy", "material", "origin", "projectPhase", "condition", "rank",
                      "rGroup", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                      "http://www.w3.org/2004/02/skos/core#broader"):
        iri = predicate if ":" in predicate else mp + predicate
        out[predicate] = sorted(map(str, named_queries.select_plain(store, "page-counts-by-value",
                                                                    {"predicate": ox.NamedNode(iri)})))
    for name in ("count-passports", "count-passports-per-municipality", "passports-per-object-kind",
                 "page-counts-by-municipality", "page-counts-by-municipality-kind",
                 "page-counts-by-municipality-material", "page-counts-passports-by-material"):
        out[name] = [{k: v for k, v in row.items() if k != "label"}
                     for row in named_queries.select_plain(store, name)]
    return out


def fill(registry) -> None:
    for key, gm in (("brug-0042", "GM0153"), ("brug-0100", "GM0153"), ("brug-0200", "GM0164")):
        assert registry.add(docs_from(passport_ttl(key, municipality=gm))).written == 1


def test_counts_and_lists_ignore_the_reference_graphs(registry):
    fill(registry)
    loaded = figures(registry)
    assert loaded["count-passports"] == [{"n": "3"}]
    assert len(loaded["municipality"]) == 2 and loaded["rank"] == loaded["rGroup"] == []
    assert "Concept" not in str(loaded["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"])
    assert "Bridge" in str(loaded["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"])
    drop_reference_graphs(registry)
    assert figures(registry) == loaded


COUNT_QUERY = ("/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%3Fp%20a%20"
               "%3Chttps%3A%2F%2Fw3id.org%2Fmateriaalpaspoort%2Fdef%23Passport%3E%7D")
PAGES = ("/", "/municipality/", "/material/", "/concepts/", "/concepts/rstrategy", "/concepts/material",
         "/doc/municipality/GM0153", "/doc/material/concrete", "/doc/rstrategy/R3", "/search?q=brug",
         "/doc/passport/GM0153/brug-0042", COUNT_QUERY)


def pages_of(settings) -> dict[str, str]:
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from registry.web.app import create_app

    out = {}
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=1))
    with TestClient(app) as client:
        for path in PAGES:
            r = client.get(path, headers={"Accept": "text/csv" if "sparql" in path else "text/html"})
            assert r.status_code == 200, (path, r.status_code)
            out[path] = r.text
    return out


def test_pages_are_the_same_with_and_without_the_reference_graphs(settings, tmp_path, monkeypatch):
    """The same passports in two copies of one store, one without the reference graphs (and not
    reloading them): every page and the count over /sparql are the same."""
    from dataclasses import replace

    with Registry.open(settings) as reg:
        fill(reg)
    bare = replace(settings, data_dir=tmp_path / "bare")
    shutil.copytree(settings.data_dir, bare.data_dir)
    store = ox.Store(str(bare.main_store_path))
    for name in reference_names(store):
        store.remove_graph(ox.NamedNode(name))
    store.flush()
    del store
    loaded = pages_of(settings)
    assert loaded[PAGES[-1]].split() == ["n", "3"]
    monkeypatch.setattr(reference_graphs, "sync", lambda store, folders=(): False)
    assert pages_of(bare) == loaded


def test_an_interrupted_reload_is_finished_on_the_next_open(settings):
    """A kill after the manifest was removed but before the new graphs were written: the next
    open finds no manifest, removes what is left under the prefix and loads everything."""
    with Registry.open(settings) as reg:
        fill(reg)
        expected = len(reg.store)
        reg.store.remove_graph(ox.NamedNode(MANIFEST_GRAPH))
        reg.store.add(ox.Quad(ox.NamedNode("https://example.org/left"), ox.NamedNode("https://example.org/p"),
                              ox.Literal("x"), ox.NamedNode(f"{VERSION}/graph/old")))
    with Registry.open(settings) as reg:
        assert len(reg.store) == expected
        assert f"{VERSION}/graph/old" not in reference_names(reg.store)
        assert reference_graphs.loaded_digest(reg.store) == reference_digest()
