"""Peer registries as real server processes (`passports serve`) on loopback ports, each with its own
data directory of demo passports: for the federation tests and bench/bench_federation.py."""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from registry.core.settings import Settings
from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.store.registry import Registry

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_peer_data(data_dir: Path, port: int, code: str, size: int, seed: int) -> str:
    """A data directory with ``size`` demo passports of municipality ``code``, whose base IRI is the
    loopback URL of ``port``; returns the base."""
    base = f"http://127.0.0.1:{port}/"
    registry = Registry.open(Settings(data_dir=data_dir, base_iri=base))
    try:
        docs = (PassportDoc(owning_passport(base, iri), triples, "demo")
                for iri, triples in generate(size, seed=seed, base=base, municipalities=[code]))
        assert registry.add(docs).written == size
    finally:
        registry.close()
    return base


@contextlib.contextmanager
def peer_server(data_dir: Path, port: int, *, env: dict | None = None, timeout: float = 90):
    """``passports serve`` on ``data_dir`` at 127.0.0.1:``port`` as a child process, until the block ends."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PASSPORTS_QUERY_WORKERS": "1",
                   "PASSPORTS_QUERY_FAST_LANE": "0", "PASSPORTS_RATE_LIMIT": "1000000", **(env or {})}
    log_path = data_dir.parent / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--data", str(data_dir), "--port", str(port),
             "--no-access-log", "--page-workers", "0"], env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"peer on port {port} ended: {log_path.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"peer on port {port} did not start")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/sparql"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def silent_peer():
    """An endpoint that accepts connections and never answers: a peer that hangs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(sock.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        sock.close()


@contextlib.contextmanager
def garbage_peer():
    """An endpoint that answers every request at once with 200 and something that is not SPARQL results."""

    class Garbage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html><body>not SPARQL {{{</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
