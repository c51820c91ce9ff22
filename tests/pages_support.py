"""Shared by the page, site build and browser tests: a real registry on disk with demo passports
(one of them in a second version, one retired), and a real uvicorn server on a loopback port.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from servers import LiveServer, serve

BASE = "http://localhost:8000/"
DC_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")


@dataclass
class Fixture:
    data_dir: Path
    iris: list[str]  # current passports
    updated: str  # a passport with two versions
    retired: str  # a retired passport
    old_title: str
    new_title: str


def build_registry(data_dir: Path, size: int = 40, seed: int = 11) -> Fixture:
    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.store.registry import Registry
    from registry.store.versions import iter_passport_iris

    settings = Settings(data_dir=data_dir, base_iri=BASE)
    registry = Registry.open(settings)
    generated = list(generate(size, seed, BASE))
    docs = [PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generated]
    report = registry.add(docs, source="urn:test:demo", comment="demo for page tests")
    assert not report.rejected, report.rejected[0]
    # A second version of the first passport: a new Dutch title.
    iri, triples = generated[0]
    node = ox.NamedNode(iri)
    old_title = next(t.object.value for t in triples
                     if t.subject == node and t.predicate == DC_TITLE and t.object.language == "nl")
    new_title = old_title + " (herzien)"
    changed = [t for t in triples if not (t.subject == node and t.predicate == DC_TITLE
                                          and t.object.language == "nl")]
    changed.append(ox.Triple(node, DC_TITLE, ox.Literal(new_title, language="nl")))
    report = registry.add([PassportDoc(owning_passport(BASE, iri), changed)], source="urn:test:update",
                          comment="title revised")
    assert report.updated == [iri], report
    retired = generated[1][0]
    registry.retire(owning_passport(BASE, retired), "Gesloopt in 2026 voor nieuwbouw")
    current = sorted(iter_passport_iris(registry))
    registry.close()
    return Fixture(data_dir, current, iri, retired, old_title, new_title)


def Server(data_dir: Path, **settings) -> LiveServer:
    """The registry app on ``data_dir`` (base IRI ``BASE``) served on loopback."""
    from registry.core.settings import Settings

    return serve(Settings(data_dir=data_dir, base_iri=BASE, **settings))


def served(tmp_path_factory, name: str, size: int, seed: int, **settings):
    """For a module-scoped fixture (``yield from served(...)``): a live server on a fresh demo
    registry of ``size`` passports; that registry's :class:`Fixture` is ``server.fixture``."""
    fixture = build_registry(tmp_path_factory.mktemp(name) / "data", size=size, seed=seed)
    with Server(fixture.data_dir, **settings) as srv:
        srv.fixture = fixture
        yield srv


def doc_path(iri: str) -> str:
    """``/doc/passport/GM0153/key`` for a passport IRI of the test base."""
    return "/doc/" + iri[len(BASE) + 3:]
