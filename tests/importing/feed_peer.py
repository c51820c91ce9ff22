"""A hostile peer for ``passports harvest``: a tiny ``http.server`` in a thread on loopback that
serves crafted feed pages (``pages``: path -> answer), made of real example passports so that only
the crafted fault is wrong."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

import pyoxigraph as ox

from registry.model.documents import read_bytes
from tests.conftest import BASE, passport_ttl

TREE, LDES, PROV = "https://w3id.org/tree#", "https://w3id.org/ldes#", "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/n-quads"
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds to wait before answering (a peer that never answers)
    cut: bool = False  # declare a longer Content-Length than sent, then close


class Peer:
    def __init__(self) -> None:
        self.pages: dict[str, Answer | Callable[[], Answer]] = {}
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                answer = peer.pages.get(self.path)
                answer = answer() if callable(answer) else answer
                if answer is None:
                    self.send_error(404)
                    return
                if answer.stall:
                    time.sleep(answer.stall)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                length = len(answer.body) + (1000 if answer.cut else 0)
                self.send_header("Content-Length", str(length))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)
                self.wfile.flush()
                if answer.cut:
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.base = self.url + "/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- crafting ----------------------------------------------------------------------------
    def root(self) -> None:
        stream, view = _n(self.base + "feed/passports"), _n(self.base + "feed/passports/1")
        quads = [ox.Quad(stream, _n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), _n(LDES + "EventStream")),
                 ox.Quad(stream, _n(TREE + "view"), view)]
        self.pages["/feed/passports"] = Answer(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))

    def passport_iri(self, key: str) -> str:
        return f"{self.base}id/passport/GM0153/{key}"

    def page(self, number: int, members: list[tuple], next_page: int | None = None) -> bytes:
        """N-Quads of page ``number``: ``members`` as (key, version, time) or (key, version, time,
        amount); a relation to ``next_page``."""
        stream, node = _n(self.base + "feed/passports"), _n(f"{self.base}feed/passports/{number}")
        quads: list[ox.Quad] = []
        for key, version, moment, *amount in members:
            passport = self.passport_iri(key)
            member = _n(f"{passport}/v/{version}")
            quads += [ox.Quad(stream, _n(TREE + "member"), member),
                      ox.Quad(member, _n(DCTERMS + "isVersionOf"), _n(passport)),
                      ox.Quad(member, _n(PROV + "generatedAtTime"),
                              ox.Literal(moment, datatype=_n("http://www.w3.org/2001/XMLSchema#dateTime")))]
            text = passport_ttl(key, amount=amount[0] if amount else str(100 + version)).replace(BASE, self.base)
            doc = read_bytes(text.encode(), self.base, ox.RdfFormat.TURTLE)[0]
            quads += [ox.Quad(t.subject, t.predicate, t.object, member) for t in doc.triples]
        if next_page is not None:
            relation = ox.BlankNode("r")
            quads += [ox.Quad(node, _n(TREE + "relation"), relation),
                      ox.Quad(relation, _n(TREE + "node"), _n(f"{self.base}feed/passports/{next_page}"))]
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
