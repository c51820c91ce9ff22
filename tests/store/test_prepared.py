"""The validation worker of a long add derives the registry-managed triples and the sidecar rows
(``registry.store.prepared``): what it stores is what the main process stores when it derives them
itself (one batch, no worker), triple for triple and row for row."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import BASE

from registry.core.settings import Settings
from registry.demo import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.model.vocab import CREATED, MODIFIED
from registry.store.prepared import SIDECARS, Prepared, prepare
from registry.store.registry import Registry
from registry.store.writer import SPOOL
from registry.validation.worker import encode

IDS = {"id", "serial", "seq"}  # numbers that follow the order and grouping of the writes
TIMES = {"created", "created_key", "modified", "modified_key"}  # the times of the writes (as in ``_graphs``)


def _docs() -> list[PassportDoc]:
    return [PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generate(36, 11, BASE)]


def _graphs(registry: Registry, iris: list[str]) -> dict[str, list[str]]:
    import pyoxigraph as ox

    return {iri: sorted(str(q.triple) for q in registry.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))
                        if q.predicate not in (MODIFIED, CREATED))
            for iri in iris}


def _rows(data_dir, name: str) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(str(data_dir / name))
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table') "
                                         "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_text_%' AND name != 'meta'")]
    rows = {}
    for table in tables:
        cursor = conn.execute(f"SELECT * FROM {table}")  # the names from sqlite_master
        keep = [i for i, d in enumerate(cursor.description) if d[0] not in IDS | TIMES]
        rows[table] = sorted((tuple(row[i] for i in keep) for row in cursor), key=repr)
    conn.close()
    return rows


@pytest.mark.parametrize("load_mib", [0, 64])  # each batch its own bulk load; all in one, from the spool
def test_a_worker_prepared_add_stores_what_the_main_process_would(tmp_path, load_mib):
    reports = {}
    for name, batch in (("worker", 8), ("main", 1000)):
        with Registry.open(Settings(data_dir=tmp_path / name, base_iri=BASE, add_load_mib=load_mib)) as registry:
            reports[name] = registry.add(_docs(), batch_size=batch)
            graphs = _graphs(registry, reports[name].created)
            assert not (tmp_path / name / SPOOL).exists()
        reports[name] = (reports[name], graphs)
    (worker, worker_graphs), (main, main_graphs) = reports["worker"], reports["main"]
    assert len(worker.created) == 36 and sorted(worker.created) == sorted(main.created)
    assert worker_graphs == main_graphs
    assert any("massKg" in t for g in worker_graphs.values() for t in g)  # the derived triples are there
    for kind in SIDECARS:
        expected = _rows(tmp_path / "main", kind.FILE)
        assert expected and any(expected.values()), kind.FILE
        assert _rows(tmp_path / "worker", kind.FILE) == expected, kind.FILE


def test_prepare_derives_only_for_conforming_passports(monkeypatch):
    from registry.validation import worker
    from registry.validation.validator import Validator

    monkeypatch.setattr(worker, "_validator", Validator(engine="fast"))  # as the worker process holds it
    docs = _docs()[:3]
    hashes, verdicts, prepared = prepare(BASE, encode(docs), "GM9999")  # another municipality's token
    assert hashes == [doc.content_hash() for doc in docs]
    assert isinstance(prepared, Prepared) and not any(v.conforms for v in verdicts)
    assert prepared.derived == {} and all(not facts for facts in prepared.facts.values())
    hashes, verdicts, prepared = prepare(BASE, encode(docs), None)
    assert all(v.conforms for v in verdicts) and set(prepared.derived) == {doc.iri for doc in docs}
    assert prepared.rows(SIDECARS[0], [docs[0].iri])[0].iri == docs[0].iri
