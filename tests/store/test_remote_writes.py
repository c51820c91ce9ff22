"""A write of the SPARQL-server backend is whole or not at all (registry/store/remote_writes.py),
on Virtuoso and on Fuseki (or its Jena ARQ/TDB2 stand-in): what each server does with a request
that fails in the middle, and that the registry undoes a write that the server left half done,
so that the store is as before, term for term."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pyoxigraph as ox
import pytest
from conftest import docs_from, passport_ttl
from test_backends import servers  # noqa: F401 - the backend matrix's servers

from registry.store import remote_writes
from registry.store.remote import RemoteStoreError, SparqlStore
from tests import external_servers

XSD = "http://www.w3.org/2001/XMLSchema#"
P = ox.NamedNode("urn:x-test:p")


@pytest.fixture(params=["virtuoso", "fuseki"])
def server(request, servers):  # noqa: F811
    external_servers.require(request.param)
    endpoint = servers.get(request.param)
    endpoint.clear()
    return endpoint


def everything(store: SparqlStore) -> list[str]:
    return sorted(str(q) for q in store)


def update(server, text: str) -> httpx.Response:
    return httpx.post(server.update_url, content=text.encode(), timeout=60,
                      headers={"Content-Type": "application/sparql-update"})


def test_a_request_failing_in_its_second_operation(server):
    """The servers differ: Jena applies a request in one transaction (nothing is left), Virtuoso
    operation by operation (the first operation stays). A LOAD of an address that does not answer
    fails when it runs, on both."""
    answer = update(server, "INSERT DATA { GRAPH <urn:x-test:g> { <urn:x-test:s> <urn:x-test:p> 1 } } ;\n"
                            "LOAD <http://127.0.0.1:9/nothing.ttl> INTO GRAPH <urn:x-test:load>")
    assert answer.status_code >= 400
    left = "urn:x-test:g" in server.graphs()
    assert left == (server.name == "virtuoso")


def test_a_refused_literal_in_the_last_graph_leaves_the_store_as_it_was(server):
    """Virtuoso refuses an xsd:duration when it runs the operation (SR553): the graphs dropped and
    inserted before it in the same write are put back as they were. Jena takes the literal."""
    store = SparqlStore(server.query_url, server.update_url)
    prov, old = ox.NamedNode("urn:x-test:prov"), ox.NamedNode("urn:x-test:old")
    decimal = ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal"))
    store.extend([ox.Quad(ox.NamedNode("urn:x-test:act"), P, decimal, prov),
                  ox.Quad(ox.NamedNode("urn:x-test:s"), P, ox.Literal("old", language="nl"), old)])
    before = everything(store)
    quads = [ox.Quad(ox.NamedNode(f"urn:x-test:s{i}"), P, ox.Literal(str(i)), ox.NamedNode(f"urn:x-test:g{i % 3}"))
             for i in range(2500)]
    quads += [ox.Quad(ox.NamedNode("urn:x-test:act"), P, decimal, prov),  # there already: stays
              ox.Quad(ox.NamedNode("urn:x-test:new"), P, ox.Literal("n"), prov),
              ox.Quad(ox.NamedNode("urn:x-test:z"), P, ox.Literal("P1Y", datatype=ox.NamedNode(XSD + "duration")),
                      ox.NamedNode("urn:x-test:last"))]
    if server.name == "virtuoso":
        with pytest.raises(RemoteStoreError, match="undone") as refused:
            store.write([old], quads)
        assert "SR553" in str(refused.value) and "teruggedraaid" in refused.value.message("nl")
        assert everything(store) == before
    else:
        store.write([old], quads)
        assert len(everything(store)) == len(before) - 1 + len(quads) - 1


class FailingProxy:
    """A loopback HTTP proxy in front of a server's update endpoint that answers 503 to the
    ``fail``-th update request (a server that gives up in the middle of a write) and passes the
    others on."""

    def __init__(self, target: str, fail: int) -> None:
        proxy = self
        self.seen = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # the http.server interface
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.seen += 1
                if proxy.seen == fail:
                    status, content = 503, b"given up"
                else:
                    answer = httpx.post(target, content=body, timeout=120, headers={
                        k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")})
                    status, content = answer.status_code, answer.content
                self.send_response(status)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/update"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def test_a_write_cut_off_after_its_first_request_is_undone(server):
    """Virtuoso: a write of more than one request (here: 250 graphs replaced, more operations than
    one request takes there) whose second request fails: the graphs the first request dropped are
    put back, the new ones are gone, the provenance is as before. Jena: the same write is one
    request (one transaction), so a failure leaves nothing to undo."""
    store = SparqlStore(server.query_url, server.update_url)
    graphs = [ox.NamedNode(f"urn:x-test:passport/{i}") for i in range(remote_writes.REQUEST_OPERATIONS + 50)]
    prov = ox.NamedNode("urn:x-test:prov")
    store.extend([ox.Quad(g, P, ox.Literal(f"v1 {i}"), g) for i, g in enumerate(graphs) if i % 2 == 0]
                 + [ox.Quad(ox.NamedNode("urn:x-test:activity"), P, ox.Literal("a"), prov)])
    before = everything(store)
    new = [ox.Quad(g, P, ox.Literal(f"v2 {i}"), g) for i, g in enumerate(graphs)]
    new += [ox.Quad(ox.NamedNode("urn:x-test:activity"), P, ox.Literal("a"), prov),
            ox.Quad(ox.NamedNode("urn:x-test:version"), P, ox.Literal("2"), prov)]
    virtuoso = server.name == "virtuoso"
    proxy = FailingProxy(server.update_url, fail=2 if virtuoso else 1)
    try:
        cut = SparqlStore(server.query_url, proxy.url)
        with pytest.raises(RemoteStoreError, match="undone" if virtuoso else "given up"):
            cut.write(graphs, new)
        assert proxy.seen > 2 if virtuoso else proxy.seen == 1  # Virtuoso: the undo went through the proxy too
        assert everything(store) == before
        cut.write(graphs, new)  # the same write, when the server answers, is whole
        assert proxy.seen > 3 if virtuoso else proxy.seen == 2
    finally:
        proxy.close()
    assert everything(store) == sorted(str(q) for q in new)


def test_a_batch_of_new_passports_with_the_graph_store_protocol(server, tmp_path):
    """With a Graph Store endpoint (Fuseki), a batch of new passports is one POST of N-Quads;
    Virtuoso's is not used (one graph a request there). The passports read back the same."""
    import dataclasses

    from registry.core.settings import Settings
    from registry.store.registry import Registry

    settings = Settings(data_dir=tmp_path / "data", base_iri="http://localhost:8000/", backend="sparql",
                        sparql_query_url=server.query_url, sparql_update_url=server.update_url)
    registry = Registry.open(dataclasses.replace(settings, sparql_graph_store_url=server.gsp_url))
    try:
        assert bool(registry.store.graph_store_url) == (server.name != "virtuoso")
        report = registry.add(docs_from(passport_ttl("brug-1") + passport_ttl("brug-2", municipality="GM0164")))
        assert len(report.created) == 2 and registry.count_passports() == 2
        assert registry.add(docs_from(passport_ttl("brug-1"))).unchanged
    finally:
        registry.close()
