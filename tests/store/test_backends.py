"""The store-level suite on every backend: the embedded pyoxigraph store and the SPARQL-server
backend (``PASSPORTS_BACKEND=sparql``, registry/store/remote.py) on Virtuoso and on Fuseki (or
Jena ARQ/TDB2 where the Fuseki jar cannot be had: tests/external_servers.py).

The core tests of ``test_store.py`` are collected here again with ``settings`` parametrised over
the three backends (one server per session, every graph dropped before each test); the tests
below them check what only a server shows (exact literals, named queries, the query workers)."""

from __future__ import annotations

import dataclasses
import time
from contextlib import ExitStack

import pyoxigraph as ox
import pytest
from conftest import BASE, docs_from, passport_ttl
from test_store import (  # noqa: F401 - collected here, on every backend
    REF,
    test_a_municipality_writes_only_its_own_passports,
    test_export_round_trips_through_nquads,
    test_new_content_is_a_new_version_and_history_stays_out_of_the_union,
    test_provenance_records_agent_time_source_and_previous_version,
    test_re_adding_a_retired_passport_revives_it_as_a_new_version,
    test_rejected_write_changes_nothing,
    test_retire_keeps_history_resolvable_and_leaves_the_count,
    test_round_trip_is_isomorphic,
    test_same_content_is_unchanged_and_makes_no_version,
    test_valid_passports_of_a_batch_are_stored_and_invalid_ones_are_not,
)

from registry.store import named_queries
from tests import external_servers

BACKENDS = ["embedded", "virtuoso", "fuseki"]
# the same with the superseded versions on a second server of the same kind (PASSPORTS_SPARQL_HISTORY_*)
WITH_HISTORY = ["virtuoso+history", "fuseki+history"]


class Servers:
    """The external servers of this session, started when first asked for."""

    def __init__(self, workdir) -> None:
        self.workdir, self.running, self.stack = workdir, {}, ExitStack()

    def get(self, name: str, role: str = "") -> external_servers.Endpoint:
        key = f"{name}-{role}" if role else name
        if key not in self.running:
            start = getattr(external_servers, name)
            self.running[key] = self.stack.enter_context(start(self.workdir / key))
        return self.running[key]


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    running = Servers(tmp_path_factory.mktemp("sparql-servers"))
    with running.stack:
        yield running


def backend_settings(backend: str, tmp_path, servers: Servers):
    """Settings of a registry in ``tmp_path`` on ``backend`` (a name of BACKENDS or WITH_HISTORY),
    its servers emptied."""
    from registry.core.settings import Settings

    plain = Settings(data_dir=tmp_path / "data", base_iri=BASE)
    if backend == "embedded":
        return plain
    name, _, history = backend.partition("+")
    external_servers.require(name)
    server = servers.get(name)
    server.clear()
    chosen = dataclasses.replace(plain, backend="sparql", sparql_query_url=server.query_url,
                                 sparql_update_url=server.update_url, sparql_graph_store_url=server.gsp_url)
    if not history:
        return chosen
    second = servers.get(name, "history")
    second.clear()
    return dataclasses.replace(chosen, sparql_history_query_url=second.query_url,
                               sparql_history_update_url=second.update_url,
                               sparql_history_graph_store_url=second.gsp_url)


@pytest.fixture(params=BACKENDS + WITH_HISTORY)
def settings(request, tmp_path, servers):
    return backend_settings(request.param, tmp_path, servers)


def test_the_backend_is_the_one_asked_for(registry, settings):
    from registry.store.remote import SparqlStore

    assert isinstance(registry.store, SparqlStore) == (settings.backend == "sparql")
    assert not settings.main_store_path.exists() or settings.backend == "embedded"
    on_server = bool(settings.sparql_history_query_url)
    assert isinstance(registry.history_store, SparqlStore) == on_server
    assert settings.history_store_path.exists() != on_server


def test_literals_come_back_exactly(registry):
    """Datatypes, language tags, WKT with a CRS IRI, booleans and escapes as written."""
    graph = ox.NamedNode(f"{BASE}graph/literal-check")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = [ox.Literal("brug", language="nl"), ox.Literal("a \"b\"\nc é"), ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")),
               ox.Literal("2026-01-31", datatype=ox.NamedNode(xsd + "date")),
               ox.Literal("2026-01-31T10:00:00Z", datatype=ox.NamedNode(xsd + "dateTime")),
               ox.Literal("120.5", datatype=ox.NamedNode(xsd + "decimal")),
               ox.Literal("7", datatype=ox.NamedNode(xsd + "integer")),
               ox.Literal("<http://www.opengis.net/def/crs/EPSG/0/28992> POINT(257000 471000)",
                          datatype=ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")),
               ox.Literal("x", datatype=ox.NamedNode("https://example.org/own-type"))]
    subject, predicate = ox.NamedNode(f"{BASE}id/x"), ox.NamedNode(f"{BASE}def/p")
    registry.store.extend([ox.Quad(subject, predicate, o, graph) for o in objects])
    back = {q.object for q in registry.store.quads_for_pattern(subject, None, None, graph)}
    assert back == set(objects)
    assert all(ox.Quad(subject, predicate, o, graph) in registry.store for o in objects)
    registry.store.remove_graph(graph)
    assert not registry.store.contains_named_graph(graph)


def test_named_queries_bind_their_values(registry):
    registry.add(docs_from(passport_ttl("brug-1") + passport_ttl("brug-2", municipality="GM0164")))
    assert named_queries.select_plain(registry.store, "count-passports", {}) == [{"n": "2"}]
    assert registry.count_passports() == 2
    rows = registry.query("SELECT ?p ?m WHERE { ?p <https://w3id.org/materiaalpaspoort/def#municipality> ?m }",
                          substitutions={ox.Variable("p"): ox.NamedNode(REF.iri.replace("brug-0042", "brug-1"))})
    assert [r["m"].value for r in rows] == ["https://w3id.org/materiaalpaspoort/id/municipality/GM0153"]


def test_a_bound_value_reaches_an_aggregate_subquery(registry):
    """A parameter filters inside a subquery on every backend, as pyoxigraph's substitutions do
    (a VALUES of the outer query alone would count both municipalities under the one asked for)."""
    registry.add(docs_from(passport_ttl("brug-1") + passport_ttl("brug-2", municipality="GM0164")))
    query = ("SELECT ?m ?n WHERE { { SELECT ?m (COUNT(?p) AS ?n) WHERE { "
             "?p <https://w3id.org/materiaalpaspoort/def#municipality> ?pm FILTER(?pm = COALESCE(?m, ?pm)) } GROUP BY ?m } }")
    gm = ox.NamedNode("https://w3id.org/materiaalpaspoort/id/municipality/GM0153")
    assert [(r["m"], r["n"].value) for r in registry.query(query, substitutions={ox.Variable("m"): gm})] == [(gm, "1")]
    assert [(r["m"], r["n"].value) for r in registry.query(query)] == [(None, "2")]


ONE_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }"


def test_the_public_endpoint_and_a_page_answer_from_the_backend(app_client):
    """/sparql goes through the query workers (to the server, with the same caps); a passport's
    page and its Turtle document are read from the backend too."""
    app_client.app.state.registry.add(docs_from(passport_ttl()))
    query = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/materiaalpaspoort/def#Passport> }"
    answer = app_client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == "1"
    too_many = app_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o . ?x ?y ?z } LIMIT 10001"},
                              headers={"Accept": "application/sparql-results+json"})
    assert too_many.status_code != 200 and "PASSPORTS_RESULT_CAP" in too_many.text
    page = app_client.get("/id/passport/GM0153/brug-0042", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Brug Twentekanaal" in page.text
    kept, deadline = app_client.app.state.document_store, time.monotonic() + 60
    while kept.key(REF.iri, "turtle") is None:  # the server's walk keeps the document, on every backend
        assert time.monotonic() < deadline, app_client.app.state.document_filler.progress()
        time.sleep(0.05)
    hits = kept.hits
    turtle = app_client.get("/id/passport/GM0153/brug-0042", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "Brug Twentekanaal" in turtle.text
    graph = app_client.get("/sparql", params={"query": ONE_GRAPH % REF.iri}, headers={"Accept": "text/turtle"})
    assert graph.status_code == 200 and graph.content == turtle.content and kept.hits == hits + 2


def test_values_are_bound_in_the_group_pattern_not_in_comments_templates_or_iris():
    from registry.store.remote_terms import bind, query_form

    values = {ox.Variable("p"): ox.NamedNode("http://example.org/p")}
    text = ('# a comment with { a brace\nPREFIX ex: <http://example.org/x>\n'
            'CONSTRUCT { ?p ex:q "}" } WHERE { ?p ex:q ?o }')
    assert bind(text, values).endswith('WHERE { VALUES (?p) { (<http://example.org/p>) } ?p ex:q ?o }')
    assert bind("SELECT * { ?p ?q ?o }", values) == "SELECT * { VALUES (?p) { (<http://example.org/p>) } ?p ?q ?o }"
    assert bind("ASK { ?p ?q ?o }", {}) == "ASK { ?p ?q ?o }"
    block = "VALUES (?p) { (<http://example.org/p>) }"  # in every subquery too, as pyoxigraph's substitutions
    assert bind("SELECT ?n WHERE { { SELECT ?p (COUNT(*) AS ?n) WHERE { ?p ?q ?o } GROUP BY ?p } }", values) == \
        f"SELECT ?n WHERE {{ {block} {{ SELECT ?p (COUNT(*) AS ?n) WHERE {{ {block} ?p ?q ?o }} GROUP BY ?p }} }}"
    service = "SELECT ?where WHERE { SERVICE <http://peer/sparql> { SELECT ?where { ?p ?q ?where } } ?p ?q ?o }"
    assert bind(service, values) == service.replace("WHERE {", f"WHERE {{ {block}", 1)  # the peer's part as written
    assert query_form(text) == "CONSTRUCT" and query_form("# SELECT\nDESCRIBE <x>") == "DESCRIBE"


def test_the_pages_counts_come_from_the_sidecars_on_every_backend(registry):
    """The writer keeps the sidecar indexes in the data directory whatever the backend; the pages'
    counts read from them (and the latest versions' times read from the backend by IRI) equal
    the saved queries' answers from the backend."""
    from datetime import datetime

    from registry.model.vocab import MP
    from registry.views.pages import stats

    registry.add(docs_from(passport_ttl("brug-1") + passport_ttl("brug-2", municipality="GM0164")))
    registry.add(docs_from(passport_ttl("brug-1", label="Brug 1 vernieuwd")))
    got, want = stats.sidecar_stats(registry), stats.compute_stats(registry.store)
    assert got is not None and got.total == want.total == 2
    assert (got.by_municipality, got.by_municipality_kind, got.material_counts) == \
        (want.by_municipality, want.by_municipality_kind, want.material_counts)
    def versions(rows):  # a batch's versions have one time; Jena's SELECT writes its zone as +00:00
        return sorted((r["version"], datetime.fromisoformat(r["generated"]), r["agent"]) for r in rows)
    assert versions(got.recent) == versions(want.recent)
    assert stats.value_counts(registry, MP + "material") == stats.sparql_value_counts(registry.store, MP + "material")


@pytest.mark.parametrize("settings", WITH_HISTORY, indirect=True)
def test_superseded_versions_live_on_the_history_server_and_are_served_from_there(app_client, settings):
    """With ``PASSPORTS_SPARQL_HISTORY_*`` a new version moves the old one to the second dataset:
    not in the current dataset (so not in any query's union), not in ``DATA/history``, and its
    archived document ``/v/1`` and the version list are read from there."""
    from registry.store.remote import SparqlStore

    registry = app_client.app.state.registry
    registry.add(docs_from(passport_ttl()))
    registry.add(docs_from(passport_ttl(amount="99")))
    old = ox.NamedNode(f"{REF.iri}/v/1")
    history = SparqlStore(settings.sparql_history_query_url, settings.sparql_history_update_url)
    assert history.contains_named_graph(old) and not registry.store.contains_named_graph(old)
    assert not settings.history_store_path.exists()
    document = app_client.get(f"/{REF.iri.removeprefix(BASE)}/v/1", headers={"Accept": "text/turtle"})
    assert document.status_code == 200, document.text
    current = app_client.get(f"/{REF.iri.removeprefix(BASE)}", headers={"Accept": "text/turtle"})
    assert document.text != current.text and "99" in current.text
    assert sorted(v.number for v in registry.history(REF)) == [1, 2]


@pytest.mark.parametrize("name", ["virtuoso", "fuseki"])
def test_a_history_dataset_that_is_the_current_one_is_refused(tmp_path, servers, name):
    """The history must be a dataset of its own: the same URLs, or other URLs of the same dataset
    (found by the reference data it shows), are refused before anything is written, in both
    languages; so is a history on a server with the current versions embedded."""
    from registry.core.settings import Settings
    from registry.store.registry import Registry
    from registry.store.remote import RemoteStoreError

    settings = backend_settings(name, tmp_path, servers)
    Registry.open(settings).close()  # the current dataset holds the reference data now
    graphs = set(servers.get(name).graphs())
    same = dataclasses.replace(settings, sparql_history_query_url=settings.sparql_query_url,
                               sparql_history_update_url=settings.sparql_update_url)
    # another name of the same dataset: Fuseki's /ds/sparql beside /ds/query, Virtuoso by "localhost"
    alias = (settings.sparql_query_url.replace("/ds/query", "/ds/sparql") if name == "fuseki"
             else settings.sparql_query_url.replace("127.0.0.1", "localhost"))
    aliased = dataclasses.replace(settings, sparql_history_query_url=alias, sparql_history_update_url=alias + "?",
                                  sparql_history_graph_store_url="")
    for wrong in (same, aliased):
        for read_only in (False, True):
            with pytest.raises(RemoteStoreError) as refused:
                Registry.open(wrong, read_only=read_only)
            assert "dataset of their own" in refused.value.message_en
            assert "eigen dataset" in refused.value.message_nl
    assert set(servers.get(name).graphs()) == graphs
    embedded = Settings(data_dir=tmp_path / "embedded", base_iri=BASE, sparql_history_query_url=alias)
    with pytest.raises(RemoteStoreError, match="PASSPORTS_BACKEND is not 'sparql'"):
        Registry.open(embedded)
    assert not embedded.data_dir.exists()
    no_update = dataclasses.replace(settings, sparql_history_query_url=alias, sparql_history_update_url="")
    with pytest.raises(RemoteStoreError, match="PASSPORTS_SPARQL_HISTORY_UPDATE_URL"):
        Registry.open(no_update)
    silent = f"http://127.0.0.1:{external_servers.free_port()}/history"  # nothing listens there
    away = dataclasses.replace(settings, sparql_history_query_url=silent, sparql_history_update_url=silent)
    with pytest.raises(RemoteStoreError) as unreachable:
        Registry.open(away)
    assert "does not answer" in unreachable.value.message_en
    assert "PASSPORTS_SPARQL_HISTORY_QUERY_URL" in unreachable.value.message_en
    assert "antwoordt niet" in unreachable.value.message_nl
    assert set(servers.get(name).graphs()) == graphs


def test_backup_on_a_server_backend_says_to_use_the_servers_tools(tmp_path, servers):
    from registry.store.backup import BackupError, backup
    from registry.store.registry import Registry

    settings = backend_settings("fuseki", tmp_path, servers)
    Registry.open(settings).close()
    with pytest.raises(BackupError, match="server's own tools"):
        backup(settings, tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
