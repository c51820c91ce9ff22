"""The harness of the external SPARQL servers (tests/external_servers.py): each starts on loopback,
takes a SPARQL Update, answers a query and the Graph Store protocol, is cleared, and stops."""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest

from tests import external_servers


@pytest.mark.parametrize("name", ["virtuoso", "fuseki"])
def test_server_starts_answers_and_stops(tmp_path, name):
    external_servers.require(name)
    start = getattr(external_servers, name)
    with start(tmp_path / name) as server:
        update = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> "é"@nl } }'
        httpx.post(server.update_url, data={"update": update}, timeout=60).raise_for_status()
        assert "http://example.org/g" in server.graphs() - server.own_graphs
        answer = httpx.get(server.gsp_url, params={"graph": "http://example.org/g"},
                           headers={"Accept": "application/n-triples"}, timeout=60)
        assert answer.status_code == 200
        triples = list(ox.parse(answer.content, ox.RdfFormat.N_TRIPLES))  # Virtuoso writes \u00E9
        assert [t.object for t in triples] == [ox.Literal("é", language="nl")]
        server.clear()
        assert not server.graphs() - server.own_graphs
    assert server.process.poll() is not None


@pytest.mark.parametrize("name", ["virtuoso", "fuseki"])
def test_a_query_past_the_servers_time_limit_is_a_clear_error_not_a_short_answer(tmp_path, name):
    """Each server stops a query at its own limit (``query_seconds``: Virtuoso's
    ``MaxQueryExecutionTime``, Fuseki's ``--timeout``); the registry's store reports the server's
    words, and never takes what came back as a complete answer."""
    from registry.store.remote import RemoteStoreError, SparqlStore

    external_servers.require(name)
    with getattr(external_servers, name)(tmp_path / name, query_seconds=1) as server:
        store = SparqlStore(server.query_url, server.update_url)
        store.extend(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(i), ox.NamedNode("urn:g"))
                     for i in range(3000))
        cubic = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:g> { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }"
        with pytest.raises(RemoteStoreError) as stopped:
            list(store.query(cubic))
        assert "HTTP 5" in str(stopped.value) and ("timed out" in str(stopped.value).lower())
        assert next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:g> { ?s ?p ?o } }")))["n"].value == "3000"
