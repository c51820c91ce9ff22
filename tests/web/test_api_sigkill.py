"""SIGKILL of a real ``passports serve`` under four writing clients: after a restart every write the
API acknowledged (2xx) is there, whole, and no passport is half written (issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pyoxigraph as ox
import pytest
from conftest import ROOT, passport_ttl
from servers import free_port

from registry.core.settings import Settings
from registry.model.documents import read_bytes
from registry.model.uris import passport_ref
from registry.model.vocab import CONTENT_HASH, MANAGED_QUANTITY_PREDICATES
from registry.store.registry import Registry
from registry.store.tokens import TokenStore

CLIENTS = 4


def _start(data, port: int) -> subprocess.Popen:
    env = {**os.environ, "PASSPORTS_QUERY_WORKERS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--data", str(data), "--port",
                             str(port), "--page-workers", "0", "--no-access-log"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"passports serve exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=2,
                         headers={"Accept": "application/sparql-results+json"}).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("passports serve did not answer")


class Writer(threading.Thread):
    """One client: creates passports and rewrites earlier ones, remembering what was acknowledged."""

    def __init__(self, n: int, url: str, base: str, token: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.n, self.url, self.base, self.token, self.stop = n, url, base, token, stop
        self.acked: dict[str, str] = {}  # key -> Turtle of the last acknowledged write
        self.in_flight: dict[str, str] = {}  # key -> Turtle sent when the server died

    def body(self, key: str, round_: int) -> str:
        return passport_ttl(key, label=f"Brug {key} ronde {round_}").replace("http://localhost:8000/", self.base)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "text/turtle"}
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for i in range(10_000):
                if self.stop.is_set():
                    return
                # two new passports, then a new version of an earlier one
                key = f"c{self.n}-{i // 3}" if i % 3 == 2 else f"c{self.n}-{i}"
                text = self.body(key, i)
                self.in_flight[key] = text
                try:
                    answer = client.put(f"/api/v1/passports/GM0153/{key}", content=text, headers=headers)
                except httpx.HTTPError:
                    return  # the server is gone; this write may or may not have been stored
                if answer.status_code // 100 == 2:
                    self.acked[key] = text
                    del self.in_flight[key]
                else:
                    raise AssertionError(f"{key}: {answer.status_code} {answer.text}")


@pytest.mark.slow
def test_every_acknowledged_api_write_survives_sigkill(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    base = f"http://localhost:{port}/"
    settings = Settings(data_dir=data, base_iri=base)
    with Registry.open(settings):
        pass
    token = TokenStore(settings.tokens_path).create("GM0153", "kill test")[1]
    server = _start(data, port)
    stop = threading.Event()
    writers = [Writer(n, f"http://127.0.0.1:{port}", base, token, stop) for n in range(CLIENTS)]
    try:
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while sum(len(w.acked) for w in writers) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(w.is_alive() for w in writers), "a client failed before the kill"
        os.kill(server.pid, signal.SIGKILL)  # mid-way: every client has a request on the wire
        server.wait()
    finally:
        stop.set()
        if server.poll() is None:
            server.kill()
        for writer in writers:
            writer.join(60)
    acked = {key: text for w in writers for key, text in w.acked.items()}
    in_flight = {key: text for w in writers for key, text in w.in_flight.items()}
    assert len(acked) >= 40
    print(f"acknowledged {len(acked)} passports ({sum(len(w.acked) for w in writers)}), in flight {len(in_flight)}")

    restarted = _start(data, port)  # the server comes back on the same store
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, follow_redirects=True) as client:
            for key in acked:
                answer = client.get(f"/id/passport/GM0153/{key}", headers={"Accept": "application/n-triples"})
                assert answer.status_code == 200, key
    finally:
        restarted.terminate()
        restarted.wait(60)

    def doc(text: str):
        return read_bytes(text.encode(), base, ox.RdfFormat.TURTLE)[0]

    def content(triples):  # without the masses the registry derives for each quantity (registry.model.mass)
        return [t for t in triples if t.predicate not in MANAGED_QUANTITY_PREDICATES]

    with Registry.open(settings) as registry:
        stored = set()
        for key, text in acked.items():
            ref = passport_ref(base, "GM0153", key)
            triples = registry.get(ref)
            assert triples, f"acknowledged {key} is missing"
            stored_hash = next(t.object.value for t in triples if t.predicate == CONTENT_HASH)
            candidates = [doc(text)] + ([doc(in_flight[key])] if key in in_flight else [])
            match = next((d for d in candidates if d.content_hash() == stored_hash), None)
            assert match is not None, f"{key} holds neither its acknowledged nor its in-flight content"
            assert len(content(triples)) == len(match.triples) + 5, f"{key} is not whole"  # + 5 registry-managed
            stored.add(ref.iri)
        for iri in (q.subject.value for q in registry.store.quads_for_pattern(
                None, CONTENT_HASH, None, None)):
            key = iri.rsplit("/", 1)[1]
            if iri not in stored:  # an unacknowledged write that made it: it must be whole too
                triples = registry.get(passport_ref(base, "GM0153", key))
                assert len(content(triples)) == len(doc(in_flight[key]).triples) + 5, f"{key} is not whole"
