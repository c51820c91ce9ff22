"""The versioned store: round trips, versions, retirement, provenance, refusals, kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE, ROOT, child_pids, docs_from, dump, passport_ttl, run_cli
from rdflib.compare import isomorphic

from registry.model.uris import passport_ref
from registry.model.vocab import MANAGED_PREDICATES, MANAGED_QUANTITY_PREDICATES
from registry.store.registry import Registry

REF = passport_ref(BASE, "GM0153", "brug-0042")


def as_rdflib(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    return graph


def without_managed(triples):
    return [t for t in triples if t.predicate not in MANAGED_PREDICATES | MANAGED_QUANTITY_PREDICATES]


def test_round_trip_is_isomorphic(registry):
    docs = docs_from(passport_ttl())
    report = registry.add(docs, source="brug.ttl")
    assert report.created == [REF.iri], report.rejected
    stored = registry.get(REF)
    assert isomorphic(as_rdflib(without_managed(stored)), as_rdflib(docs[0].triples))
    # the blank node (detachability assessment) survived with its triples
    assert any(isinstance(t.subject, ox.BlankNode) for t in stored)


def test_same_content_is_unchanged_and_makes_no_version(registry):
    registry.add(docs_from(passport_ttl()))
    before = dump(registry)
    report = registry.add(docs_from(passport_ttl()))
    assert report.unchanged == [REF.iri] and not report.created and not report.updated
    assert dump(registry) == before
    assert registry.current_version(REF) == 1


def test_new_content_is_a_new_version_and_history_stays_out_of_the_union(registry):
    registry.add(docs_from(passport_ttl(amount="120.5")))
    report = registry.add(docs_from(passport_ttl(amount="130")))
    assert report.updated == [REF.iri]
    assert registry.current_version(REF) == 2
    assert registry.count_passports() == 1
    v1 = registry.get(REF.at(1))
    v2 = registry.get(REF.at(2))
    assert any(t.object == ox.Literal("120.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
               for t in v1)
    assert not any("120.5" == getattr(t.object, "value", None) for t in v2)
    # the union default graph sees one quantity value, the current one
    values = [r["v"].value for r in registry.query(
        "SELECT ?v WHERE { ?q <http://qudt.org/schema/qudt/numericValue> ?v }")]
    assert sorted(values) == ["130", "2.4"]
    assert registry.get(REF.at(3)) is None


def test_provenance_records_agent_time_source_and_previous_version(registry):
    registry.add(docs_from(passport_ttl()), agent=f"{BASE}id/agent/cli/tester", source="file:///tmp/a.ttl")
    registry.add(docs_from(passport_ttl(amount="99")), agent=f"{BASE}id/agent/cli/tester",
                 source="file:///tmp/b.ttl")
    versions = registry.history(REF)
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].invalidated and not versions[1].invalidated
    assert versions[0].source == "file:///tmp/a.ttl" and versions[1].source == "file:///tmp/b.ttl"
    assert versions[1].agent == f"{BASE}id/agent/cli/tester"
    ask = registry.query(
        "ASK { ?v2 <http://www.w3.org/ns/prov#wasRevisionOf> ?v1 ; "
        "<http://www.w3.org/ns/prov#wasGeneratedBy> ?a . ?a a <http://www.w3.org/ns/prov#Activity> ; "
        "<http://www.w3.org/ns/prov#startedAtTime> ?t }")
    assert bool(ask)


def test_retire_keeps_history_resolvable_and_leaves_the_count(registry):
    registry.add(docs_from(passport_ttl()))
    registry.add(docs_from(passport_ttl(amount="7")))
    assert registry.retire(REF, "gesloopt bij de renovatie van 2026") == 2
    assert registry.status(REF) == "retired"
    assert registry.count_passports() == 0
    info = registry.retirement(REF)
    assert info["reason"] == "gesloopt bij de renovatie van 2026" and info["last_version"] == 2
    assert registry.get(REF.at(1)) and registry.get(REF.at(2))
    assert registry.status(REF.at(2)) == "version"
    with pytest.raises(ValueError):
        registry.retire(REF, "again")
    with pytest.raises(ValueError):
        registry.retire(passport_ref(BASE, "GM0153", "bestaat-niet"), "x")


def test_re_adding_a_retired_passport_revives_it_as_a_new_version(registry):
    registry.add(docs_from(passport_ttl()))
    registry.retire(REF, "weg")
    report = registry.add(docs_from(passport_ttl()))
    assert report.updated == [REF.iri]
    assert registry.status(REF) == "current" and registry.current_version(REF) == 2


def test_rejected_write_changes_nothing(registry):
    registry.add(docs_from(passport_ttl()))
    before = dump(registry)
    bad = passport_ttl(amount="-5")
    report = registry.add(docs_from(bad))
    assert report.rejected and not report.written
    issue = next(i for i in report.rejected[0].issues if i.severity == "Violation")
    assert issue.focus.endswith("deck-concrete") and "numericValue" in issue.path
    assert issue.text("nl") and issue.text("en") and issue.text("nl") != issue.text("en")
    assert dump(registry) == before


def test_valid_passports_of_a_batch_are_stored_and_invalid_ones_are_not(registry):
    text = passport_ttl("brug-1") + passport_ttl("brug-2", amount="-1") + passport_ttl("brug-3")
    report = registry.add(docs_from(text))
    assert sorted(report.created) == [passport_ref(BASE, "GM0153", k).iri for k in ("brug-1", "brug-3")]
    assert [v.iri for v in report.rejected] == [passport_ref(BASE, "GM0153", "brug-2").iri]
    assert registry.count_passports() == 2


def test_a_municipality_writes_only_its_own_passports(registry):
    before = dump(registry)
    report = registry.add(docs_from(passport_ttl(municipality="GM0164")), municipality="GM0153")
    assert report.rejected and "GM0164" in report.rejected[0].issues[0].text()
    assert dump(registry) == before


def test_resources_in_another_municipalitys_namespace_are_refused(registry):
    text = passport_ttl() + (
        f'<{BASE}id/object/GM0164/brug-9> <http://www.w3.org/2000/01/rdf-schema#label> "gekaapt"@nl .\n'
        f'<{BASE}id/passport/GM0153/brug-0042> <https://w3id.org/materiaalpaspoort/def#describes> '
        f'<{BASE}id/object/GM0164/brug-9> .\n')
    with pytest.raises(Exception) as info:
        registry.add(docs_from(text))
    assert "GM0164/brug-9" in str(info.value)
    assert registry.count_passports() == 0


def test_unknown_terms_are_named(registry):
    text = passport_ttl().replace("mp:condition", "mp:conditoin")
    report = registry.add(docs_from(text))
    assert report.rejected
    assert any("conditoin" in i.text() and i.constraint == "unknown-term" for i in report.rejected[0].issues)


def test_registry_managed_predicates_are_refused(registry):
    text = passport_ttl() + f'<{REF.iri}> <https://w3id.org/materiaalpaspoort/def#versionNumber> 7 .\n'
    report = registry.add(docs_from(text))
    assert report.rejected and "written by the registry" in report.rejected[0].issues[0].text()


def test_duplicate_passport_in_one_input_is_refused_once(registry):
    from registry.model.documents import read_bytes

    doc = read_bytes(passport_ttl().encode(), BASE, ox.RdfFormat.TURTLE)
    report = registry.add(doc + doc)
    assert report.created == [REF.iri]
    assert report.rejected and report.rejected[0].issues[0].constraint == "duplicate"


def test_export_round_trips_through_nquads(registry, tmp_path, settings):
    registry.add(docs_from(passport_ttl("a") + passport_ttl("b")))
    target = tmp_path / "dump.nq"
    with open(target, "wb") as stream:
        registry.export(stream)
    copy = ox.Store()
    copy.load(path=str(target))
    assert len(copy) == len(registry.store)
    assert set(copy.named_graphs()) == set(registry.store.named_graphs())
    for graph in registry.store.named_graphs():
        def triples(store, graph=graph):
            return [ox.Triple(q.subject, q.predicate, q.object)
                    for q in store.quads_for_pattern(None, None, None, graph)]
        assert isomorphic(as_rdflib(triples(copy)), as_rdflib(triples(registry.store)))


def _demo_nquads(path, size):
    from registry.demo import write

    write(path, size=size, seed=7, base=BASE, fmt="nq")


@pytest.mark.slow
def test_sigkill_during_bulk_add_leaves_only_whole_passports(tmp_path):
    """Kill `passports add` mid-way; every stored passport is complete; a re-run finishes the job."""
    source = tmp_path / "demo.nq"
    _demo_nquads(source, 3000)
    from registry.model.documents import read_file
    from registry.model.geometry import geometry_triples
    from registry.model.mass import mass_triples

    # each passport's quads plus the mass triples and CRS84 geometry copy the registry derives
    expected = {doc.iri: len(doc.quads()) + len(mass_triples(doc.triples)) + len(geometry_triples(doc.triples))
                for doc in read_file(source, BASE)}
    data = tmp_path / "data"
    # every batch its own bulk load (PASSPORTS_ADD_LOAD of 1 MiB), so there are loads to fall between
    env = {**os.environ, "PASSPORTS_DATA": str(data), "PASSPORTS_BASE": BASE, "PASSPORTS_ADD_LOAD": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "add", str(source)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    generation = data / "generation"
    deadline = time.time() + 240
    workers: set[int] = set()  # every child seen: on a fast machine the pool may be gone before the kill
    # Wait for the validation worker, then for a batch written after it started (the generation file
    # changes with every commit), so the kill falls between two batches of a running add.
    seen_at = None
    while time.time() < deadline and proc.poll() is None:
        workers.update(child_pids(proc.pid))
        current = generation.read_bytes() if generation.exists() else None
        if workers and seen_at is None:
            seen_at = current
        elif workers and current != seen_at:
            break
        time.sleep(0.02)
    time.sleep(0.2)
    assert proc.poll() is None, "add finished before it could be killed; make the input larger"
    workers.update(child_pids(proc.pid))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert workers, "the add ran no validation worker"
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")], "a validation worker outlived add"
    from registry.core.settings import Settings

    settings = Settings(data_dir=data, base_iri=BASE)
    with Registry.open(settings) as registry:
        assert not (data / "bulk-load.nq").exists()  # the spool of batches not loaded yet is removed
        stored = {}
        for quad in registry.store.quads_for_pattern(None, None, None, None):
            g = quad.graph_name
            if isinstance(g, ox.NamedNode) and "/id/passport/" in g.value:
                stored[g.value] = stored.get(g.value, 0) + 1
        assert 0 < len(stored) < len(expected)
        for iri, count in stored.items():
            assert count == expected[iri] + 5, f"{iri} is incomplete"  # + 5 registry-managed triples
        assert registry.count_passports() == len(stored)
    rerun = subprocess.run([sys.executable, "-m", "registry.cli", "add", str(source)], cwd=ROOT, env=env,
                           capture_output=True, check=False, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"unchanged {len(stored)}" in rerun.stderr
    with Registry.open(settings) as registry:
        assert registry.count_passports() == len(expected)


def test_an_interrupted_bulk_batch_is_removed_on_the_next_opening(settings):
    """Simulates a kill inside the bulk loader: the journal names a half-written passport."""
    from registry.core.settings import Settings

    with Registry.open(settings) as registry:
        registry.add(docs_from(passport_ttl("heel")))
        half = docs_from(passport_ttl("half"))[0]
        graph = ox.NamedNode(half.iri)
        registry.store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in half.triples[:10])
        (settings.data_dir / "journal").write_text(half.iri + "\n")
    with Registry.open(Settings(data_dir=settings.data_dir, base_iri=BASE)) as registry:
        assert not registry.store.contains_named_graph(ox.NamedNode(half.iri))
        assert registry.count_passports() == 1
        assert not (settings.data_dir / "journal").exists()
        report = registry.add(docs_from(passport_ttl("half")))
        assert report.created == [half.iri] and registry.count_passports() == 2


COLUMN_FAMILIES = 11  # pyoxigraph's RocksDB store: id2str, spog, posg, ospg, gspo, gpos, gosp, dspo, dpos, dosp, graphs


def _store_files(settings) -> int:
    return sum(1 for path in settings.main_store_path.iterdir() if path.suffix == ".sst")


def test_a_large_import_is_compacted_when_the_registry_closes(settings):
    """Every bulk load adds store files that each later read consults: after an import of many
    batches that makes up a quarter of the store or more, closing the registry compacts it (the
    content stays the same); a small import into a larger store does not rewrite it."""
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport

    docs = [PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generate(160, 3, BASE)]
    registry = Registry.open(settings)
    # ten bulk loads: the whole store but its reference graphs (about 1 MB on disk, with their
    # write-ahead log 2.4 MB: 150 passports outweigh them)
    registry.add(docs[:150], batch_size=15)
    assert registry.needs_compaction()
    before, files_before = dump(registry), _store_files(settings)
    registry.close()
    # fewer files than before, or (when RocksDB's own background compaction has merged the loads
    # already) no more than one file per column family of the store: compacted either way
    after = _store_files(settings)
    assert after < files_before or after <= COLUMN_FAMILIES, (after, files_before)
    registry = Registry.open(settings)
    assert dump(registry) == before
    assert not registry.needs_compaction()
    registry.add(docs[150:153], batch_size=3)  # one more bulk load: too few to be worth it
    assert not registry.needs_compaction()
    registry.close()


def test_compact_command_keeps_the_content(settings, tmp_path):
    source = tmp_path / "demo.nq"
    _demo_nquads(source, 12)
    data = str(settings.data_dir)
    assert run_cli("add", str(source), "--data", data, "--base", BASE).returncode == 0
    registry = Registry.open(settings)
    before = dump(registry)
    registry.close()
    done = run_cli("compact", "--data", data, "--base", BASE)
    assert done.returncode == 0, done.stderr
    assert "compacted" in done.stdout
    registry = Registry.open(settings)
    assert dump(registry) == before
    registry.close()
