"""``passports harvest`` between two registries on loopback: the peer is a live server
(``tests/servers.py``), the harvest is the command line in its own process. The harvested passports
are the peer's (same IRIs, same versions, same retirements); a second run stores nothing; a run
killed with SIGKILL in the middle resumes to the same end result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.core.settings import Settings
from registry.model.documents import read_bytes
from registry.model.uris import owning_passport
from registry.model.vocab import CREATED, MODIFIED
from registry.store.registry import Registry
from tests.conftest import BASE, ROOT, dump, passport_ttl, run_cli
from tests.servers import serve_at_own_address

SERVER = {"query_workers": 1, "page_workers": 0, "parse_workers": 1, "rate_limit_per_minute": 0}
LOCAL_DATES = (CREATED, MODIFIED)  # written by the registry that takes a version in


def _docs(base: str, text: str):
    return read_bytes(text.replace(BASE, base).encode(), base, ox.RdfFormat.TURTLE)


def _fill(registry, base: str, count: int) -> None:
    """``count`` passports, two of them updated, one retired."""
    registry.add(_docs(base, "".join(passport_ttl(f"p{i}") for i in range(count))))
    registry.add(_docs(base, passport_ttl("p1", amount="99") + passport_ttl("p2", amount="98")))
    registry.retire(owning_passport(base, f"{base}id/passport/GM0153/p3"), "demolished")


def passports(registry, base: str) -> dict:
    """What a registry holds of the passports under ``base``: each current passport's triples and
    every stored version's, without the dates the taking-in registry writes; the retired ones."""
    prefix = base + "id/passport/"
    held: dict = {"retired": sorted(q.subject.value for q in registry.store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None, None)
        if q.object.value.endswith("RetiredPassport") and q.subject.value.startswith(prefix))}
    for name, store in (("current", registry.store), ("versions", registry.history_store)):
        for graph in store.named_graphs():
            if not graph.value.startswith(prefix) or graph.value in held["retired"]:
                continue
            held[graph.value] = (name, _canonical(q.triple for q in store.quads_for_pattern(None, None, None, graph)
                                                  if q.predicate not in LOCAL_DATES))
    return held


def _canonical(triples) -> list[str]:
    """The triples with their blank nodes named by RDFC-1.0, sorted: equal graphs, equal lists."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(q) for q in dataset)


def _harvest(data: Path, url: str) -> subprocess.CompletedProcess:
    return run_cli("harvest", url, "--data", str(data))


def _local(data: Path) -> Registry:
    return Registry.open(Settings(data_dir=data), read_only=True)


@pytest.fixture
def peer(tmp_path):
    with serve_at_own_address(tmp_path / "peer", feed_page_size=3, **SERVER) as server:
        _fill(server.registry, server.base, 8)
        yield server


def test_harvest_takes_in_the_peers_passports_and_a_second_run_stores_nothing(tmp_path, peer):
    data = tmp_path / "local"
    done = _harvest(data, peer.url + "/feed/passports")
    assert done.returncode == 0, done.stderr
    assert "4 pages read, 11 members" in done.stderr
    with _local(data) as local:
        assert passports(local, peer.base) == passports(peer.registry, peer.base)
        assert len(passports(local, peer.base)) == 1 + 7 + 3  # retired list, current, old versions
        before = dump(local)
        history = local.history(owning_passport(peer.base, f"{peer.base}id/passport/GM0153/p1"))
        assert [v.source for v in history] == [f"{peer.base}feed/passports/1", f"{peer.base}feed/passports/3"]
    state = json.loads(next((data / "harvest").glob("*.json")).read_text())
    assert state["page"] == f"{peer.base}feed/passports/4" and state["members"] == 2

    again = _harvest(data, peer.url + "/feed/passports")
    assert again.returncode == 0, again.stderr
    assert "0 new, 0 updated" in again.stderr
    with _local(data) as local:
        assert dump(local) == before

    # what the peer writes next is taken in by the next run
    peer.registry.add(_docs(peer.base, passport_ttl("p9") + passport_ttl("p4", amount="77")))
    third = _harvest(data, peer.url + "/feed/passports")
    assert third.returncode == 0 and "1 new, 1 updated" in third.stderr, third.stderr
    with _local(data) as local:
        assert passports(local, peer.base) == passports(peer.registry, peer.base)


def test_a_registry_that_harvested_builds_its_site_linking_the_harvested_to_their_own_pages(tmp_path, peer):
    """The harvested passports keep the peer's IRIs: the static site makes pages for its own
    passports only and links the harvested ones to the peer, where they are published; it says so."""
    data = tmp_path / "local"
    assert _harvest(data, peer.url + "/feed/passports").returncode == 0
    demo = run_cli("demo", "--data", str(data), "--size", "5")
    assert demo.returncode == 0, demo.stderr
    built = run_cli("site", "build", str(tmp_path / "site"), "--data", str(data), "--no-progress", "--workers", "1")
    assert built.returncode == 0, built.stderr
    assert "passports 5 built" in built.stderr and "7 passports of other registries" in built.stderr, built.stderr
    municipality = (tmp_path / "site" / "doc" / "municipality" / "GM0153.html").read_text()
    assert f'href="{peer.base}id/passport/GM0153/p1"' in municipality
    assert not (tmp_path / "site" / "doc" / "passport" / "GM0153" / "p1.html").exists()
    dutch = run_cli("site", "build", str(tmp_path / "site"), "--data", str(data), "--no-progress", "--lang", "nl")
    assert "7 paspoorten van andere registers" in dutch.stderr, dutch.stderr


def test_a_harvest_killed_with_sigkill_resumes_to_the_same_end_result(tmp_path):
    with serve_at_own_address(tmp_path / "peer", feed_page_size=1, **SERVER) as peer:
        _fill(peer.registry, peer.base, 30)
        url = peer.url + "/feed/passports"
        data = tmp_path / "killed"
        process = subprocess.Popen([sys.executable, "-m", "registry.cli", "harvest", url, "--data", str(data)],
                                   cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            states = list((data / "harvest").glob("*.json")) if (data / "harvest").exists() else []
            if states and len(json.loads(states[0].read_text()).get("seen", [])) >= 3:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the harvest ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        with _local(data) as local:
            partial = passports(local, peer.base)
        assert 0 < len(partial) < len(passports(peer.registry, peer.base))

        done = _harvest(data, url)
        assert done.returncode == 0, done.stderr
        with _local(data) as local:
            assert passports(local, peer.base) == passports(peer.registry, peer.base)

