"""Queries of one quad pattern in one graph run on a thread of the server process
(registry/query/inline.py): which shapes qualify, and that they answer as a worker does, see
writes at once, and stay within the result caps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sparql_fixtures import BASE, PASSPORTS, make_data_dir, passport_turtle

from registry.core.settings import Settings
from registry.query.inline import bounded
from registry.query.pool import QueryPool, QuerySyntaxError, ResultTooLarge

G = f"<{PASSPORTS[0].iri}>"

BOUNDED = [
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }}",
    "construct { ?s ?p ?o . } where { graph " + G + " { ?s ?p ?o . } }",
    (f"PREFIX mp: <https://w3id.org/materiaalpaspoort/def#>\nCONSTRUCT {{ ?s a mp:Passport }} "
    f"WHERE {{ GRAPH {G} {{ ?s a mp:Passport }} }}"),
    f"# a comment\nBASE <{BASE}>\nSELECT * {{ GRAPH {G} {{ ?s ?p ?o }} }} LIMIT 5",
    "SELECT ?g ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/materiaalpaspoort/def#Passport> } }",
    "SELECT $s WHERE { GRAPH $g { $s ?p ?o } }",
    "ASK {}",
    "ask where { ?s a <https://w3id.org/materiaalpaspoort/def#Passport> }",
    f"ASK {{ GRAPH {G} {{ ?s ?p ?o }} }}",
]
UNBOUNDED = [
    "SELECT * WHERE { ?s ?p ?o }",  # the union default graph: one triple in many graphs
    f"SELECT * WHERE {{ GRAPH {G} {{ ?x ?x ?x }} }}",  # a repeated variable reads the graph for few rows
    "SELECT * WHERE { GRAPH ?s { ?s ?p ?o } }",
    "SELECT * WHERE { GRAPH $g { ?g ?p ?o } }",  # ?g and $g are the same variable
    f"SELECT DISTINCT ?p WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }} OFFSET 100000",
    f"SELECT * WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }} ORDER BY ?o",
    f"SELECT * WHERE {{ GRAPH {G} {{ ?s ?p ?o FILTER(?o = 1) }} }}",
    f"SELECT * WHERE {{ GRAPH {G} {{ ?s ?p ?o . ?o ?q ?r }} }}",
    f"SELECT * WHERE {{ GRAPH {G} {{ ?s ?p \"x\" }} }}",
    f"SELECT * WHERE {{ GRAPH {G} {{ _:b ?p ?o }} }}",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }}",
    f"SELECT ?x WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }}",  # not in the pattern
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",  # one triple in many graphs
    f"CONSTRUCT {{ ?o ?p ?s }} WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} FROM {G} WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ GRAPH {G} {{ ?s ?p ?o }} SERVICE <http://evil.example/> {{ ?a ?b ?c }} }}",
    "ASK { ?s ?s ?o }",
    "ASK { GRAPH ?g { ?g ?p ?o } }",
    "ASK { ?s ?p ?o . ?o ?q ?r }",
    "ASK { ?s ?p ?o FILTER(?o = 1) }",
    "ASK {} LIMIT 1",
    f"DESCRIBE {G}",
    f"SELECT * WHERE {{ GRAPH {G} {{ ?s ?p ?o }} }} LIMIT",
    "SELECT * WHERE { GRAPH <x> { ?s ?p \"unterminated }",
]


@pytest.mark.parametrize("query", BOUNDED)
def test_one_quad_pattern_in_one_graph_runs_in_the_server(query):
    assert bounded(query)


@pytest.mark.parametrize("query", UNBOUNDED)
def test_anything_else_goes_to_a_worker(query):
    assert not bounded(query)


def plain_variants(count: int = 20000) -> list[str]:
    """Queries near the shapes the shortcut of :func:`bounded` reads (terms, spacing, case, dots,
    comments, prefixed names, templates that differ from the pattern, extra tokens)."""
    import random

    rnd = random.Random(15)
    terms = ["?s", "$s", "?p", "?o", "?o2", "a", G, "<x y>", "mp:P", "\"x\"", "_:b", "?s.", "?", "aa"]
    spaces = ["", " ", "  ", "\n", "\t", " # note\n", "\u00a0"]
    found = []
    for _ in range(count):
        def sp() -> str:
            return rnd.choice(spaces)

        def triple() -> str:
            return (sp() + rnd.choice(terms) + rnd.choice(spaces[1:]) + rnd.choice(terms) + rnd.choice(spaces[1:])
                    + rnd.choice(terms) + sp() + rnd.choice(["", ".", " .", ";"]))

        pattern = triple()
        template = pattern if rnd.random() < 0.7 else triple()
        graph = rnd.choice([G, G, "?g", "<>", "mp:g"])
        kind = rnd.random()
        if kind < 0.8:
            found.append(f"{sp()}{rnd.choice(['CONSTRUCT', 'construct', 'Construct', 'CONSTRUCTX'])}{sp()}{{"
                         f"{template}}}{sp()}{rnd.choice(['WHERE', 'where', ''])}{sp()}{{{sp()}"
                         f"{rnd.choice(['GRAPH', 'graph', 'GRAPHS'])}{sp()}{graph}{sp()}{{{pattern}}}{sp()}}}"
                         f"{rnd.choice(['', '', ' LIMIT 5', ' .', '}'])}{sp()}")
        else:
            found.append(f"{sp()}{rnd.choice(['ASK', 'ask', 'ASKS'])}{sp()}{rnd.choice(['', 'WHERE', 'where'])}"
                         f"{sp()}{{{rnd.choice(['', ' ', pattern])}}}{rnd.choice(['', '', ' LIMIT 1', '}'])}{sp()}")
    return found


def test_the_shortcut_for_plain_queries_answers_as_the_tokens_do():
    queries = BOUNDED + UNBOUNDED + plain_variants()
    differ = [q for q in queries if bounded(q) != bounded(q, lexed=True)]
    assert not differ, differ[:5]
    accepted = sum(bounded(q) for q in queries)
    assert 500 < accepted < len(queries) - 500  # both answers are well represented


def pool_for(data_dir: Path, **overrides) -> QueryPool:
    values = {"data_dir": data_dir, "base_iri": BASE, "query_timeout": 3.0, "result_cap": 1000,
              "query_workers": 1, "service_allowlist": (), "result_max_bytes": 2**20,
              "query_fast_lane": 0, "query_memory_mib": 512, "query_inline": 2}
    values.update(overrides)
    pool = QueryPool(Settings(**values))
    assert pool.wait_ready(60)
    return pool


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inline") / "data"
    make_data_dir(d, passports=PASSPORTS[:3])
    return d


def graph_of(body: bytes) -> set:
    import pyoxigraph as ox

    return {str(t) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}


def test_an_inline_answer_is_the_answer_a_worker_gives(data_dir):
    inline, workers_only = pool_for(data_dir), pool_for(data_dir, query_inline=0)
    try:
        assert workers_only.inline is None
        for passport in PASSPORTS[:3]:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{passport.iri}> {{ ?s ?p ?o }} }}"
            here, there = inline.run(query, format="nt"), workers_only.run(query, format="nt")
            assert here.count == there.count > 10 and graph_of(here.body) == graph_of(there.body)
            assert here.media_type == there.media_type
        select = "SELECT ?g ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/materiaalpaspoort/def#Passport> } }"
        assert inline.run(select, format="tsv").body == workers_only.run(select, format="tsv").body
        assert inline.inline.ran == 4
        with pytest.raises(QuerySyntaxError):  # pyoxigraph's own check, answered as a worker would
            inline.run(f"SELECT * WHERE {{ GRAPH <{PASSPORTS[0].iri}> {{ ?s ?p ?o }} }} LIMIT 1.5")
        before = inline.inline.ran
        inline.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # not bounded: a worker
        assert inline.inline.ran == before
    finally:
        inline.close()
        workers_only.close()


def test_an_answer_over_a_cap_inline_is_left_to_a_worker(data_dir, monkeypatch):
    from registry.query import inline

    small = pool_for(data_dir, result_cap=50)
    try:
        started = time.monotonic()
        with pytest.raises(ResultTooLarge) as refused:  # the worker's refusal
            small.run("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", format="tsv")
        assert "more than 50 rows" in str(refused.value) and time.monotonic() - started < 2
        assert small.inline.ran == 0
        assert small.run("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 50", format="tsv").count == 50
        assert small.inline.ran == 1
    finally:
        small.close()
    # past the inline byte cap (not the endpoint's): the worker answers it whole
    monkeypatch.setattr(inline, "MAX_BYTES", 2000)
    pool = pool_for(data_dir)
    try:
        assert pool.inline.max_bytes == 2000
        answer = pool.run("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", format="tsv")
        assert len(answer.body) > 2000 and answer.count > 50 and pool.inline.ran == 0
    finally:
        small.close()


def test_a_write_is_seen_by_the_next_inline_query(tmp_path):
    import pyoxigraph as ox

    from registry.core.workers import bump_generation

    data = tmp_path / "data"
    make_data_dir(data, passports=PASSPORTS[:1])
    pool = pool_for(data)
    query = f"SELECT ?s WHERE {{ GRAPH <{PASSPORTS[1].iri}> {{ ?s ?p ?o }} }} LIMIT 1"
    try:
        assert pool.run(query, format="tsv").count == 0
        writer = ox.Store(str(data / "main"))
        writer.load(passport_turtle(PASSPORTS[1]), format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode(PASSPORTS[1].iri))
        writer.flush()
        bump_generation(data)
        assert pool.run(query, format="tsv").count == 1
        assert pool.inline.ran == 2
        del writer
    finally:
        pool.close()


def test_a_refused_inline_query_leaves_nothing_to_free_on_another_thread(data_dir, monkeypatch):
    # pyoxigraph's results may only be freed on the thread that made them: a refusal must not
    # leave them in a reference cycle that the garbage collector frees later on the event loop.
    import gc
    import sys

    from registry.query import inline

    monkeypatch.setattr(inline, "IDLE_SECONDS", 1e9)  # never idle: every query on the runner's thread
    small = pool_for(data_dir, result_cap=5, result_max_bytes=2000)
    unraisable = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        gc.collect()
        for query in ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5"):
            for fmt in ("tsv", "json", "xml"):
                with pytest.raises(ResultTooLarge):
                    small.run(query.replace("LIMIT 5", "LIMIT 40"), format=fmt)
        gc.collect()
        assert small.inline.ran == 0
    finally:
        sys.unraisablehook = hook
        small.close()
    assert not unraisable, [str(u.exc_value) for u in unraisable]


def test_an_idle_server_answers_on_the_event_loop_a_busy_one_on_the_thread(data_dir, monkeypatch):
    import asyncio
    import threading

    from registry.query import inline

    # "idle" after half a second here (10 ms in the server), so that a loaded machine's pauses
    # between the requests below do not make a busy server look idle
    monkeypatch.setattr(inline, "IDLE_SECONDS", 0.5)
    pool = pool_for(data_dir)
    seen = []
    answer = pool.inline._answer
    pool.inline._answer = lambda task: seen.append(threading.current_thread().name) or answer(task)
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PASSPORTS[0].iri}> {{ ?s ?p ?o }} }}"

    async def requests():
        await pool.arun(query)  # the store is opened on the thread (not current yet)
        await asyncio.sleep(0.6)
        await pool.arun(query)  # idle, store current: on the loop
        await pool.arun(query)  # right after another: on the thread
        await asyncio.gather(*(pool.arun(query) for _ in range(2)))  # together: both on the thread

    try:
        asyncio.run(requests())
        loop_thread = threading.current_thread().name
        assert [name == loop_thread for name in seen] == [False, True, False, False, False], seen
        assert pool.inline.ran == 5
    finally:
        pool.close()


def test_queries_wait_for_a_busy_thread_up_to_its_queue_then_go_to_a_worker(data_dir):
    import asyncio

    from registry.query.inline import QUEUED_PER_THREAD

    pool = pool_for(data_dir, query_inline=1)
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PASSPORTS[0].iri}> {{ ?s ?p ?o }} }}"
    burst = 1 + QUEUED_PER_THREAD + 3  # the thread's query, its queue, and three more

    async def requests():
        await pool.arun(query)  # opens the store
        return await asyncio.gather(*(pool.arun(query, format="nt") for _ in range(burst)))

    try:
        answers = asyncio.run(requests())
        assert len({a.body for a in answers}) == 1 and answers[0].count > 10
        assert pool.inline.ran == 1 + 1 + QUEUED_PER_THREAD  # the first, then the thread and its queue
    finally:
        pool.close()
