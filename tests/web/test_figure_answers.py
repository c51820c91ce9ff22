"""``/query/NAME`` of the indicators (``registry.web.figure_answers``): from the monitor aggregates
the same SPARQL results as the saved query run on the store (variables, rows, order, every term
with its datatype or language) in every format, for the region and one municipality, with and
without the parameters; the same 400 for a bad value; the saved query answers while the aggregates
are dirty, and the aggregates answer while they are clean (a change in them shows)."""

from __future__ import annotations

import sqlite3

import pyoxigraph as ox
import pytest
from conftest import BASE

from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.query import saved
from registry.store.monitor_answers import FIGURES, LISTS, today
from registry.store.monitor_index import MONITOR_FILE
from registry.store.valuations import valuate
from registry.web.figure_answers import ANSWERED

MPV = "https://w3id.org/materiaalpaspoort/id/"
GM0153 = MPV + "municipality/GM0153"
INDICATIVE = MPV + "pricelist/indicative/2026"
FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV,
           "csv": ox.QueryResultsFormat.CSV}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One demo store of 200 passports, those of GM0153 valued today (goal 3 not zero), served."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from registry.core.settings import Settings
    from registry.web.app import create_app

    settings = Settings(data_dir=tmp_path_factory.mktemp("figures") / "data", base_iri=BASE)
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=1, rate_limit_per_minute=100_000))
    with TestClient(app) as client:
        registry = client.app.state.registry
        docs = (PassportDoc(owning_passport(BASE, iri), triples, "demo") for iri, triples in generate(200, seed=7, base=BASE))
        assert registry.add(docs).written == 200
        valuate(registry, today(), price_list=INDICATIVE, municipality=GM0153)
        yield client


def store_answer(client, name: str, params: dict) -> list[dict]:
    query = saved.get(name)
    result = client.app.state.registry.query(query.body, substitutions=query.bindings(params))
    return rows_of(result.serialize(format=ox.QueryResultsFormat.JSON), "json")


def rows_of(body: bytes, fmt: str) -> tuple[list[str], list[dict]]:
    result = ox.parse_query_results(body, format=FORMATS[fmt])
    names = [v.value for v in result.variables]
    return names, [{n: row[n] for n in names if row[n] is not None} for row in result]


def served(client, name: str, params: dict, fmt: str):
    response = client.get(f"/query/{name}", params={**params, "format": fmt})
    assert response.status_code == 200, response.text
    return response


def scopes(name: str) -> list[dict]:
    declared = {p.name for p in saved.get(name).parameters}
    day = {"date": "2026-12-31"} if "date" in declared else {"year": "2027"} if "year" in declared else {}
    return [{}, {"municipality": GM0153}, {"municipality": "mpv:municipality/GM0153", **day}, day]


def test_every_indicator_is_answered_from_the_aggregates():
    assert set(FIGURES + LISTS) - ANSWERED == {"indicator-release-forecast-objects", "indicator-mci-per-object"}


@pytest.mark.parametrize("name", sorted(FIGURES + LISTS))  # the paged lists streamed whole
def test_the_answer_is_the_saved_query_answer_term_for_term(client, name):
    compared = 0
    for params in scopes(name):
        want = store_answer(client, name, params)
        got = rows_of(served(client, name, params, "json").content, "json")
        assert got == want, (name, params)
        for fmt in ("xml", "tsv"):
            assert rows_of(served(client, name, params, fmt).content, fmt) == want, (name, params, fmt)
        query = saved.get(name)
        csv = client.app.state.registry.query(query.body, substitutions=query.bindings(params)).serialize(
            format=ox.QueryResultsFormat.CSV)
        assert served(client, name, params, "csv").content == csv
        compared += len(want[1])
    assert compared >= 4


def test_zero_masses_are_integers_as_the_queries_sum_them(client):
    """A mass sum over quantities without a mass is the integer 0 of the query (COALESCE(..., 0))."""
    _, rows = rows_of(served(client, "indicator-embodied-carbon", {}, "json").content, "json")
    zeros = [row["massWithoutFactorKg"] for row in rows if row["massWithoutFactorKg"].value == "0"]
    assert zeros and all(z.datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer") for z in zeros)


def test_the_html_page_shows_the_rows(client):
    response = client.get("/query/indicator-stock-by-material", params={"municipality": GM0153, "lang": "en"},
                          headers={"Accept": "text/html"})
    assert response.status_code == 200
    _, want = store_answer(client, "indicator-stock-by-material", {"municipality": GM0153})
    assert f"{len(want)} rows in" in response.text
    assert want[0]["labelEn"].value in response.text


@pytest.mark.parametrize(("name", "params"), [
    ("indicator-goal3-valued-share", {"municipality": "not an iri"}),
    ("indicator-goal3-valued-share", {"date": "31-12-2026"}),
    ("indicator-release-forecast", {"year": "next"}),
])
def test_a_bad_value_is_the_same_400(client, name, params):
    response = client.get(f"/query/{name}", params={**params, "format": "json"}, headers={"Accept-Language": "nl"})
    assert response.status_code == 400
    key, value = next(iter(params.items()))
    assert f"{key}: {value!r}" in response.text


def test_a_value_the_aggregates_do_not_echo_exactly_goes_to_the_saved_query(client):
    """2027-02-30 is not a date: the query's xsd:date() of it is an error, its default today."""
    params = {"date": "2027-02-30"}
    got = rows_of(served(client, "indicator-goal3-valued-share", params, "json").content, "json")
    assert got == store_answer(client, "indicator-goal3-valued-share", params)


def test_dirty_aggregates_are_not_read_and_clean_ones_are(client):
    name = "indicator-goal3-valued-share"
    path = client.app.state.settings.data_dir / MONITOR_FILE
    want = store_answer(client, name, {})
    conn = sqlite3.connect(path)
    try:
        groups = conn.execute("SELECT COUNT(*) FROM t_passport").fetchone()[0]
        with conn:  # wrong figures, marked dirty: the saved query answers, right
            conn.execute("UPDATE t_passport SET passports = passports + 1000")
            conn.execute("UPDATE meta SET value = 'dirty' WHERE key = 'state'")
        assert rows_of(served(client, name, {}, "json").content, "json") == want
        with conn:  # the same wrong figures, marked clean: read (so the route does use them)
            conn.execute("UPDATE meta SET value = 'clean' WHERE key = 'state'")
        _, rows = rows_of(served(client, name, {}, "json").content, "json")
        assert int(rows[0]["objects"].value) == int(want[1][0]["objects"].value) + 1000 * groups
        with conn:
            conn.execute("UPDATE t_passport SET passports = passports - 1000")
        assert rows_of(served(client, name, {}, "json").content, "json") == want
    finally:
        conn.close()
