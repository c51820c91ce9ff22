"""``/query/`` of the per-object lists (``registry.web.object_lists``): the whole list streamed
equals the saved query's answer from the store and the pages together; pages chain by their
``next`` links; a bad position or limit is a 400 in the client's language."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from conftest import BASE

from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.query import saved
from registry.store import monitor_lists

MPV = "https://w3id.org/materiaalpaspoort/id/"
PARAMS = {monitor_lists.RELEASE: {"year": "2026"}, monitor_lists.MCI: {}}


@pytest.fixture
def client(app_client):
    docs = (PassportDoc(owning_passport(BASE, iri), triples, "demo") for iri, triples in generate(120, seed=5, base=BASE))
    assert app_client.app.state.registry.add(docs).written == 120
    return app_client


def store_answer(client, name: str, params: dict, fmt) -> bytes:
    query = saved.get(name)
    result = client.app.state.registry.query(query.body, substitutions=query.bindings(params))
    return result.serialize(format=fmt)


def url(name: str, **params: str) -> str:
    from urllib.parse import urlencode

    return f"/query/{name}?{urlencode({**PARAMS[name], **params})}"


@pytest.mark.parametrize("name", monitor_lists.PAGED)
def test_the_streamed_download_is_the_saved_query_answer(client, name):
    response = client.get(url(name, format="csv"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "content-length" not in response.headers  # streamed
    want = store_answer(client, name, PARAMS[name], ox.QueryResultsFormat.CSV)
    assert want.count(b"\r\n") > 10
    assert response.content == want
    got = json.loads(client.get(url(name, format="json")).content)
    expected = json.loads(store_answer(client, name, PARAMS[name], ox.QueryResultsFormat.JSON))
    assert got["head"] == expected["head"]
    assert [{k: v["value"] for k, v in b.items()} for b in got["results"]["bindings"]] == \
           [{k: v["value"] for k, v in b.items()} for b in expected["results"]["bindings"]]
    assert [{k: v["type"] for k, v in b.items()} for b in got["results"]["bindings"]] == \
           [{k: v["type"] for k, v in b.items()} for b in expected["results"]["bindings"]]


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_the_streamed_download_equals_the_whole_list_unstreamed(client, fmt):
    from registry.query.row_results import document
    from registry.store.monitor_answers import figure, open_figures
    from registry.web.object_lists import columns_of

    name = monitor_lists.MCI
    conn = open_figures(client.app.state.settings.data_dir)
    try:
        whole = figure(conn, name, None)
    finally:
        conn.close()
    assert client.get(url(name, format=fmt)).content == document(fmt, columns_of(name), whole)


@pytest.mark.parametrize("name", monitor_lists.PAGED)
@pytest.mark.parametrize("scope", [{}, {"municipality": "mpv:municipality/GM0153"}])
def test_pages_chain_by_their_next_links_to_the_whole_list(client, name, scope):
    whole = json.loads(client.get(url(name, format="json", **scope)).content)["results"]["bindings"]
    assert len(whole) >= 2
    limit = 3 if len(whole) > 5 else 1
    rows, link, pages = [], url(name, format="json", limit=str(limit), **scope), 0
    while link:
        response = client.get(link)
        assert response.status_code == 200
        body = json.loads(response.content)
        rows += body["results"]["bindings"]
        pages += 1
        link = body.get("next")
        if link:
            assert response.headers["link"].endswith('; rel="next"')
            assert link.endswith(response.headers["link"][1:].split(">")[0])
    assert rows == whole
    assert pages == -(-len(whole) // limit)


def test_csv_pages_carry_the_next_position_in_the_link_header(client):
    name = monitor_lists.RELEASE
    whole = client.get(url(name, format="csv")).text.splitlines()
    first = client.get(url(name, format="csv", limit="4"))
    link = first.headers["link"][1:].split(">")[0]
    second = client.get(link)
    assert first.text.splitlines() == whole[:5]
    assert second.text.splitlines() == whole[:1] + whole[5:9]


def test_the_html_page_shows_one_page_and_links_the_next(client):
    name = monitor_lists.MCI
    page = client.get(url(name, limit="4", lang="en"), headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.text.count("<tr>") == 5  # the header and four rows
    assert 'rel="next"' in page.text and "Next 4 rows" in page.text
    assert f"/query/{name}?format=csv" in page.text  # the download is the whole list
    dutch = client.get(url(name, limit="4", lang="nl"), headers={"Accept": "text/html"})
    assert "Volgende 4 rijen" in dutch.text


@pytest.mark.parametrize("params, en, nl", [
    ({"after": "nonsense"}, "is not a position in this list", "is geen positie in deze lijst"),
    ({"after": "WzFd"}, "is not a position in this list", "is geen positie in deze lijst"),
    ({"limit": "0"}, "is not a whole number from 1 to 10000", "is geen geheel getal van 1 tot en met 10000"),
    ({"limit": "many"}, "is not a whole number", "is geen geheel getal"),
])
def test_a_bad_position_or_limit_is_a_400_in_both_languages(client, params, en, nl):
    for name in monitor_lists.PAGED:
        english = client.get(url(name, format="json", **params))
        assert english.status_code == 400 and en in english.text
        dutch = client.get(url(name, format="csv", lang="nl", **params))
        assert dutch.status_code == 400 and nl in dutch.text
        page = client.get(url(name, lang="en", **params), headers={"Accept": "text/html"})
        assert page.status_code == 400 and en in page.text
