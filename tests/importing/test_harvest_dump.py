"""``passports harvest URL --from-dump`` between two registries on loopback: the replica starts from
the peer's dumps (made, then written after), follows the feed from the dumps' position and ends
equal to a full harvest (blank nodes canonicalised); dumps that lie (checksum, size, position,
epoch) stop it with exit code 2, an error naming the URL, and nothing stored."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.core.settings import Settings
from registry.model.uris import owning_passport
from registry.static_site.downloads import write_all_dumps
from registry.store.registry import Registry
from tests.conftest import ROOT, dump, passport_ttl, run_cli
from tests.importing.test_harvest import SERVER, _docs, _fill, passports
from tests.importing.test_harvest_atomic import _events
from tests.servers import serve_at_own_address


class StaticSite:
    """A folder served over HTTP on loopback (a static site with the dumps)."""

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    """A peer with dumps made in ``site`` and served there, and writes after them."""
    folder = tmp_path_factory.mktemp("dump-peer")
    with serve_at_own_address(folder / "data", feed_page_size=3, **SERVER) as server:
        _fill(server.registry, server.base, 10)
        server.site = folder / "site"
        write_all_dumps(server.registry, server.site, "made-before")
        server.registry.add(_docs(server.base, passport_ttl("p1", amount="55") + passport_ttl("p11")
                                  + passport_ttl("p4", amount="44")))
        server.registry.retire(owning_passport(server.base, f"{server.base}id/passport/GM0153/p5"), "demolished")
        server.registry.add(_docs(server.base, passport_ttl("p4", amount="43")))
        site = StaticSite(server.site)
        server.site_url = site.url
        yield server
        site.close()


def _harvest(data: Path, peer, *extra: str):
    return run_cli("harvest", peer.url + "/feed/passports", "--data", str(data), *extra)


def test_a_replica_started_from_a_dump_equals_a_full_harvest(tmp_path, peer):
    position = json.loads((peer.site / "dumps/manifest.json").read_text())["feed"]
    assert position["sequence"] == 13 and position["page"].endswith("/feed/passports/5") and position["members"] == 1
    started = _harvest(tmp_path / "dump", peer, "--from-dump", "--manifest", peer.site_url + "dumps/manifest.json")
    assert started.returncode == 0, started.stderr
    assert "10 passports taken in from the dumps" in started.stderr
    assert "/feed/passports/1:" not in started.stderr  # the pages the dump held are not read
    full = _harvest(tmp_path / "full", peer)
    assert full.returncode == 0, full.stderr
    with (Registry.open(Settings(data_dir=tmp_path / "dump"), read_only=True) as replica,
          Registry.open(Settings(data_dir=tmp_path / "full"), read_only=True) as harvested):
        assert passports(replica, peer.base) == passports(harvested, peer.base) == passports(peer.registry, peer.base)
        assert _events(replica, peer.base) == _events(harvested, peer.base) == _events(peer.registry, peer.base)
        before = dump(replica)
    again = _harvest(tmp_path / "dump", peer)
    assert again.returncode == 0 and "0 new, 0 updated" in again.stderr, again.stderr
    with Registry.open(Settings(data_dir=tmp_path / "dump"), read_only=True) as replica:
        assert dump(replica) == before


def test_the_live_servers_manifest_gives_the_same_replica(tmp_path, peer):
    started = _harvest(tmp_path / "live", peer, "--from-dump")
    assert started.returncode == 0, started.stderr
    assert "11 passports taken in from the dumps" in started.stderr  # with the retired ones
    with Registry.open(Settings(data_dir=tmp_path / "live"), read_only=True) as replica:
        assert passports(replica, peer.base) == passports(peer.registry, peer.base)
        assert _events(replica, peer.base) == _events(peer.registry, peer.base)
    twice = _harvest(tmp_path / "live", peer, "--from-dump")
    assert twice.returncode == 2 and "harvested already" in twice.stderr, twice.stderr


def _lying(tmp_path: Path, peer, change) -> str:
    """A copy of the peer's dumps whose manifest ``change`` altered, served; its manifest's URL."""
    folder = tmp_path / "lying"
    shutil.copytree(peer.site, folder)
    manifest_path = folder / "dumps/manifest.json"
    manifest = json.loads(manifest_path.read_text())
    change(manifest, {f["kind"]: f for f in manifest["files"]})
    manifest_path.write_text(json.dumps(manifest))
    return str(folder)


@pytest.mark.parametrize(("change", "en", "nl", "named"), [
    (lambda m, f: f["registry"].update(sha256="0" * 64), "its SHA-256 is", "de SHA-256 is", "registry.nq.gz"),
    (lambda m, f: f["history"].update(size=f["history"]["size"] - 7), "larger than the", "groter dan de",
     "history.nq.gz"),
    (lambda m, f: m.pop("feed"), "no feed position", "geen positie in de feed", "manifest.json"),
    (lambda m, f: m["feed"].update(sequence=9000, page=m["feed"]["stream"] + "/3001"),
     "beyond the end of the feed", "voorbij het einde van de feed", "/feed/passports/3001"),
    (lambda m, f: m["feed"].update(page=m["feed"]["stream"] + "/7", members=1), "beyond the end of the feed",
     "voorbij het einde", "/feed/passports/7"),
    (lambda m, f: m["feed"].update(epoch="an-earlier-one"), "the feed was rebuilt", "opnieuw opgebouwd",
     "/feed/passports"),
], ids=["checksum", "larger-than-declared", "no-position", "page-beyond", "members-beyond", "epoch"])
def test_dumps_that_lie_are_refused_and_nothing_is_stored(tmp_path, peer, change, en, nl, named):
    site = StaticSite(Path(_lying(tmp_path, peer, change)))
    try:
        for lang, text in (("en", en), ("nl", nl)):
            data = tmp_path / f"local-{lang}"
            done = _harvest(data, peer, "--from-dump", "--manifest", site.url + "dumps/manifest.json", "--lang", lang)
            assert done.returncode == 2, done.stderr
            assert text in done.stderr and named in done.stderr, done.stderr
            assert not list((data / "harvest").glob("*.json")) if (data / "harvest").exists() else True
            assert not list((data / "harvest").glob("dump-*")) if (data / "harvest").exists() else True
            with Registry.open(Settings(data_dir=data), read_only=True) as local:
                assert passports(local, peer.base) == {"retired": []}
    finally:
        site.close()


def test_a_dump_start_killed_anywhere_leaves_all_or_nothing_and_resumes(tmp_path, peer):
    """SIGKILL at moments spread over a ``--from-dump`` run, each round in a new data directory:
    after the kill the registry (opened again) holds none of the dump's passports or all of them,
    and the next run (from the dump again, or on from the recorded position) ends as the peer."""
    manifest = peer.site_url + "dumps/manifest.json"
    body = gzip.decompress((peer.site / "dumps/registry.nq.gz").read_bytes())
    dumped = {q.graph_name.value for q in ox.parse(body, format=ox.RdfFormat.N_QUADS)
              if q.graph_name.value.startswith(peer.base + "id/passport/")}
    # the moments are spread over the length of a whole run on this machine
    started_at = time.monotonic()
    assert _start(peer, tmp_path / "whole", "--from-dump", "--manifest", manifest).wait(120) == 0
    whole = time.monotonic() - started_at
    kills = 0
    for n, delay in enumerate(whole * f for f in (0.2, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)):
        data = tmp_path / f"killed-{n}"
        process = _start(peer, data, "--from-dump", "--manifest", manifest)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(60)
        with Registry.open(Settings(data_dir=data)) as local:  # the next opening removes a half load
            held = {g.value for g in local.store.named_graphs() if g.value.startswith(peer.base + "id/passport/")}
        assert not held or held >= dumped, f"part of the dump: {len(held)} of {len(dumped)}"
        states = list((data / "harvest").glob("*.json")) if (data / "harvest").exists() else []
        started = bool(states) and bool(json.loads(states[0].read_text())["page"])
        again = _start(peer, data, *([] if started else ["--from-dump", "--manifest", manifest]))
        assert again.wait(120) == 0
        assert not list((data / "harvest").glob("dump-*"))  # a killed start's temporary files are gone
        with Registry.open(Settings(data_dir=data), read_only=True) as local:
            assert passports(local, peer.base) == passports(peer.registry, peer.base)
            assert _events(local, peer.base) == _events(peer.registry, peer.base)
    assert kills >= 3, kills


def test_the_temporary_files_of_a_killed_start_go_at_the_next_run(tmp_path, peer):
    """What a ``--from-dump`` start killed with SIGKILL leaves in ``DATA/harvest/dump-*`` (its
    download, the files to load) is removed by the next harvest of that data directory."""
    left = tmp_path / "data" / "harvest" / "dump-0123456789ab"
    left.mkdir(parents=True)
    (left / "registry.nq.gz").write_bytes(b"\x1f\x8b half a download")
    (left / "current.nq").write_text("<urn:a> <urn:b> <urn:c> <urn:g> .\n")
    done = _harvest(tmp_path / "data", peer)
    assert done.returncode == 0, done.stderr
    assert not left.exists() and not list((tmp_path / "data" / "harvest").glob("dump-*"))


def _start(peer, data: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "registry.cli", "harvest", peer.url + "/feed/passports",
                             "--data", str(data), *extra], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_dump_over_the_size_limit_is_not_downloaded(tmp_path, peer):
    data = tmp_path / "small"
    done = run_cli("harvest", peer.url + "/feed/passports", "--data", str(data), "--from-dump", "--manifest",
                   peer.site_url + "dumps/manifest.json", env={"PASSPORTS_HARVEST_MAX_DUMP_BYTES": "100"})
    assert done.returncode == 2 and "more than 100 (PASSPORTS_HARVEST_MAX_DUMP_BYTES)" in done.stderr, done.stderr
    assert "registry.nq.gz" in done.stderr
    with Registry.open(Settings(data_dir=data), read_only=True) as local:
        assert passports(local, peer.base) == {"retired": []}


def _rewritten(tmp_path: Path, peer, change) -> StaticSite:
    """A copy of the peer's dumps whose registry dump (N-Quads) ``change`` rewrote, with its size
    and SHA-256 in the manifest, served."""
    folder = tmp_path / "rewritten"
    shutil.copytree(peer.site, folder)
    dump_path = folder / "dumps/registry.nq.gz"
    dump_path.write_bytes(gzip.compress(change(gzip.decompress(dump_path.read_bytes()))))
    manifest = json.loads((folder / "dumps/manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["kind"] == "registry")
    entry.update(size=dump_path.stat().st_size, sha256=hashlib.sha256(dump_path.read_bytes()).hexdigest())
    (folder / "dumps/manifest.json").write_text(json.dumps(manifest))
    return StaticSite(folder)


def test_provenance_records_about_other_resources_are_not_taken_in(tmp_path, peer):
    """A dump whose provenance graph also speaks of a passport of another registry (here: one of
    the replica's own): the dump is taken in, that record is not."""
    other = "http://other.example/id/passport/GM0153/mine/v/1"
    forged = (f"<{other}> <http://www.w3.org/ns/prov#invalidatedAtTime> "
              f'"2020-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> <{peer.base}graph/provenance> .\n')
    site = _rewritten(tmp_path, peer, lambda body: body + forged.encode())
    try:
        done = _harvest(tmp_path / "local", peer, "--from-dump", "--manifest", site.url + "dumps/manifest.json")
    finally:
        site.close()
    assert done.returncode == 0, done.stderr
    with Registry.open(Settings(data_dir=tmp_path / "local"), read_only=True) as local:
        assert passports(local, peer.base) == passports(peer.registry, peer.base)
        assert not list(local.store.quads_for_pattern(ox.NamedNode(other), None, None, None))


def test_a_passport_scattered_over_the_dump_refuses_it(tmp_path, peer):
    """The dump is read as a stream, a passport at a time: a passport whose statements are not
    together (a registry writes its dumps graph by graph) refuses the dump, in both languages."""
    def scatter(body: bytes) -> bytes:
        lines = body.splitlines(keepends=True)
        first = next(n for n, line in enumerate(lines) if f"<{peer.base}id/passport/GM0153/p2> .".encode() in line)
        return b"".join(lines[:first] + lines[first + 1:] + lines[first:first + 1])
    site = _rewritten(tmp_path, peer, scatter)
    try:
        for lang, text in (("en", "are not together in the dump"), ("nl", "staan niet bij elkaar in de dump")):
            data = tmp_path / f"local-{lang}"
            done = _harvest(data, peer, "--from-dump", "--manifest", site.url + "dumps/manifest.json", "--lang", lang)
            assert done.returncode == 2 and text in done.stderr and "/p2" in done.stderr, done.stderr
            assert not list((data / "harvest").glob("dump-*"))
            with Registry.open(Settings(data_dir=data), read_only=True) as local:
                assert passports(local, peer.base) == {"retired": []}
    finally:
        site.close()
