"""The live server's dumps after a write: made in the background, one build at a time; a request
waits a bounded time for them and otherwise gets the last complete set (whose manifest names the
generation it holds), so no request pays for a pass over the whole store."""

from __future__ import annotations

import threading

import pytest
from pages_support import BASE, build_registry

from registry.core.settings import Settings
from registry.core.workers import bump_generation
from registry.model.uris import owning_passport
from registry.static_site.downloads import LiveDumps
from registry.store.registry import Registry
from registry.views.opendata.dumpinfo import read_manifest


@pytest.fixture
def opened(tmp_path):
    fixture = build_registry(tmp_path / "data", size=6, seed=5)
    registry = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE))
    yield fixture, registry
    registry.close()


def manifest_generation(dumps: LiveDumps) -> str:
    return read_manifest(dumps.folder)[0]


def test_the_first_request_waits_for_the_first_dumps(opened):
    _, registry = opened
    dumps = LiveDumps(registry, registry.settings.data_dir / "cache" / "downloads", wait=0)
    assert dumps.built() == ""
    files = dumps.files()  # no set yet: waits whatever ``wait`` says
    assert {f.name for f in files} >= {"registry.nq.gz", "history.nq.gz"}
    assert manifest_generation(dumps) == dumps.generation() and dumps.built()
    assert dumps.path("registry.nq.gz").exists() and dumps.path("nothing.nq.gz") is None


def test_after_a_write_the_last_dumps_are_served_while_the_new_ones_are_made(opened):
    fixture, registry = opened
    dumps = LiveDumps(registry, registry.settings.data_dir / "cache" / "downloads", wait=0)
    dumps.files()
    first, first_generation = dumps.folder, dumps.generation()
    registry.retire(owning_passport(BASE, fixture.iris[-1]), "test: removed")
    assert dumps.generation() != first_generation

    dumps.files()  # wait=0: the last complete set at once, the new one under way
    dumps._thread.join(60)
    assert dumps.folder != first and manifest_generation(dumps) == dumps.generation()
    sets = sorted(p.name for p in (dumps.root / "sets").iterdir())
    assert first.name in sets and len(sets) == 2  # the set before stays for a download under way

    registry.retire(owning_passport(BASE, fixture.iris[-2]), "test: removed too")
    dumps.files()
    dumps._thread.join(60)
    sets = {p.name for p in (dumps.root / "sets").iterdir()}
    assert first.name not in sets and len(sets) == 2  # older ones are removed


def test_a_request_sees_its_own_write_when_the_dumps_are_ready_in_time(opened):
    fixture, registry = opened
    dumps = LiveDumps(registry, registry.settings.data_dir / "cache" / "downloads", wait=60)
    dumps.files()
    registry.retire(owning_passport(BASE, fixture.iris[-1]), "test: removed")
    dumps.files()
    assert manifest_generation(dumps) == dumps.generation()


def test_requests_at_once_start_one_build(opened):
    _, registry = opened
    dumps = LiveDumps(registry, registry.settings.data_dir / "cache" / "downloads", wait=0)
    dumps.files()
    bump_generation(registry.settings.data_dir)  # as a write does
    seen: list[threading.Thread | None] = []

    def ask() -> None:
        dumps.files()
        seen.append(dumps._thread)

    askers = [threading.Thread(target=ask) for _ in range(6)]
    for t in askers:
        t.start()
    for t in askers:
        t.join(60)
    assert len(seen) == 6 and len({id(t) for t in seen}) == 1
    seen[0].join(60)
    assert manifest_generation(dumps) == dumps.generation()
