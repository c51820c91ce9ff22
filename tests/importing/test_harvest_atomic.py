"""A harvested page is stored whole or not at all (``registry.store.staging``): the harvest, in its
own process, is killed with SIGKILL at random moments, again and again; after each kill the
registry (opened again) holds the members of the first k pages of the peer's feed for some k, no
more and no less, and the history holds exactly the superseded versions of those; the last run
reaches the same end result as the peer."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from registry.core.settings import Settings
from registry.model.uris import owning_passport
from registry.store.feed_index import FeedReader, provenance_events
from registry.store.provenance import INVALIDATED_AT
from registry.store.registry import Registry
from tests.conftest import ROOT, passport_ttl
from tests.importing.test_harvest import SERVER, _docs, _fill, passports
from tests.servers import serve_at_own_address

PAGE = 4


def _events(registry: Registry, base: str) -> set[tuple[str, int, str]]:
    """(passport, version, kind) of every version and retirement the registry records (its
    provenance graph: what ``history`` and its own feed show)."""
    return {(passport, version, kind) for _, _, passport, version, kind
            in provenance_events(registry.store, registry.provenance_graph) if passport.startswith(base)}


def _whole_pages(data, base: str, feed: list[tuple[str, int, str]]) -> int:
    """The number of whole pages the registry in ``data`` holds; fails on a part of a page."""
    with Registry.open(Settings(data_dir=data)) as local:  # the next opening (it cleans up)
        held = _events(local, base)
        superseded = {q.subject.value for q in local.store.quads_for_pattern(None, INVALIDATED_AT, None,
                                                                              local.provenance_graph)}
        copies = {g.value for g in local.history_store.named_graphs() if g.value.startswith(base)}
    pages = [k for k in range(len(feed) // PAGE + 2) if held == set(feed[:k * PAGE])]
    assert pages, f"part of a page stored: {sorted(held - set(feed))} / {len(held)} of {len(feed)}"
    assert copies == {v for v in superseded if v.startswith(base)}, "history copies of versions not superseded"
    return pages[0]


def _state(data) -> bytes:
    states = list((data / "harvest").glob("*.json")) if (data / "harvest").exists() else []
    return states[0].read_bytes() if states else b""


def _progressed(process: subprocess.Popen, data) -> bool:
    """Wait until the harvest has taken in a page (its position moved); False when it ended."""
    before = _state(data)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if _state(data) != before:
            return True
        time.sleep(0.005)
    return False


def test_a_page_is_stored_whole_when_the_harvest_is_killed_anywhere(tmp_path):
    with serve_at_own_address(tmp_path / "peer", feed_page_size=PAGE, **SERVER) as peer:
        _fill(peer.registry, peer.base, 36)
        # pages of several writes: versions and retirements alternate, a passport gets two versions in
        # a page, one is written again after its retirement
        for i in range(12):
            peer.registry.add(_docs(peer.base, passport_ttl(f"p{i + 4}", amount=f"{60 + i}")
                                    + passport_ttl(f"p{i + 16}", amount=f"{60 + i}")))
            if i % 2 == 0:
                peer.registry.retire(owning_passport(peer.base, f"{peer.base}id/passport/GM0153/p{i + 24}"), "gone")
        peer.registry.add(_docs(peer.base, passport_ttl("p24", amount="5") + passport_ttl("p4", amount="5")))
        feed = [(e.passport, e.version, e.kind) for e in FeedReader(peer.settings.data_dir).events(1, 10_000)]
        url, data = peer.url + "/feed/passports", tmp_path / "local"
        rng, reached, kills = random.Random(14), set(), 0
        for _ in range(40):
            process = subprocess.Popen([sys.executable, "-m", "registry.cli", "harvest", url, "--data", str(data)],
                                       cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            if not _progressed(process, data):
                break
            time.sleep(rng.uniform(0, 0.25))  # a page takes about 0.1 to 0.3 s
            if process.poll() is not None:
                break
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
            kills += 1
            reached.add(_whole_pages(data, peer.base, feed))
        else:
            raise AssertionError("the harvest never finished")
        assert process.returncode == 0
        assert kills >= 3 and len(reached - {0}) >= 2, (kills, reached)  # killed in the middle, more than once
        assert _whole_pages(data, peer.base, feed) * PAGE >= len(feed)
        with Registry.open(Settings(data_dir=data), read_only=True) as local:
            assert passports(local, peer.base) == passports(peer.registry, peer.base)
