"""Rows counted in what pyoxigraph's serialisers write (registry.query.results): exact in every
format, on values full of the separators the counts look for, and refused at the caps."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.query import results

# Values that contain what each count looks for: line breaks, quotes, <result>, "},{", " , ",
# " ;\n", " .\n", "]},{", "\n\t\t<", tabs and commas.
NASTY = ['a\\nb\\tc},{\\"d<result>', 'x,y\\r\\nz', ' , ; .\\n\\t\\t<p> ]},{ [{ ,{', '\\"\\"\\"', "plain"]


def _store() -> ox.Store:
    store = ox.Store()
    ex = "http://example.org/"
    for i, text in enumerate(NASTY):
        s = ox.NamedNode(f"{ex}s{i % 2}")
        store.add(ox.Quad(s, ox.NamedNode(f"{ex}p{i % 3}"), ox.Literal(text.replace("\\n", "\n")
                          .replace("\\t", "\t").replace("\\r", "\r").replace('\\"', '"')), ox.DefaultGraph()))
        store.add(ox.Quad(s, ox.NamedNode(f"{ex}q"), ox.Literal(str(i), language="nl"), ox.DefaultGraph()))
        store.add(ox.Quad(s, ox.NamedNode(f"{ex}r"), ox.BlankNode(f"b{i}"), ox.DefaultGraph()))
        store.add(ox.Quad(ox.BlankNode(f"b{i}"), ox.NamedNode(ox_type := f"{ex}t"), ox.Literal(i), ox.DefaultGraph()))
        store.add(ox.Quad(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(ox_type + str(i)), ox.DefaultGraph()))
    return store


SELECT = "SELECT ?s ?p ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?none } }"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("fmt", [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                 ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV])
def test_rows_of_solutions_are_counted_exactly(fmt):
    store = _store()
    expected = len(list(store.query(SELECT)))
    body, rows = results.write(store.query(SELECT), fmt, 1000, 2**20)
    assert rows == expected == len(store) and body == store.query(SELECT).serialize(format=fmt)
    body, rows = results.write(store.query(SELECT + " LIMIT 0"), fmt, 1000, 2**20)
    assert rows == 0


@pytest.mark.parametrize("fmt", [ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD,
                                 ox.RdfFormat.RDF_XML])
def test_triples_of_a_graph_are_counted_exactly(fmt):
    store = _store()
    body, rows = results.write(store.query(CONSTRUCT), fmt, 1000, 2**20)
    assert rows == len(store) == len(list(ox.parse(body, format=fmt)))
    body, rows = results.write(store.query(CONSTRUCT + " LIMIT 0"), fmt, 1000, 2**20)
    assert rows == 0


@pytest.mark.parametrize("fmt", [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.CSV, ox.RdfFormat.TURTLE,
                                 ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML, ox.QueryResultsFormat.XML])
def test_a_beginning_of_an_answer_counts_the_rows_begun_so_far(fmt):
    store = _store()
    body = store.query(CONSTRUCT if isinstance(fmt, ox.RdfFormat) else SELECT).serialize(format=fmt)
    counts = [results.count_rows(fmt, body[:n]) for n in range(len(body) + 1)]
    assert counts == sorted(counts), "a longer beginning never counts fewer rows"
    assert counts[-1] == len(store)


def test_answers_over_a_cap_are_refused_while_written():
    store = ox.Store()
    for i in range(5000):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                          ox.Literal(i), ox.DefaultGraph()))
    with pytest.raises(results.TooLarge) as refused:
        results.write(store.query("SELECT * WHERE { ?s ?p ?o }"), ox.QueryResultsFormat.JSON, 4999, 2**30)
    assert refused.value.what == "rows" and refused.value.rows == 5000
    with pytest.raises(results.TooLarge) as refused:
        results.write(store.query("SELECT * WHERE { ?s ?p ?o }"), ox.QueryResultsFormat.TSV, 10**6, 10_000)
    assert refused.value.what == "bytes" and 0 < refused.value.rows < 5000
    body, rows = results.write(store.query("SELECT * WHERE { ?s ?p ?o }"), ox.QueryResultsFormat.TSV, 5000, 2**30)
    assert rows == 5000 and body.count(b"\n") == 5001
