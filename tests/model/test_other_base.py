"""Passports named under another registry's base IRI: a clear refusal naming the expected IRIs, in
the reader and in the write API (it was a 500 from deep inside the splitter)."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest
from conftest import passport_ttl

from registry.model.documents import DocumentError, read_bytes
from registry.store.tokens import TokenStore

OTHER_BASE = "http://localhost:8157/"


def test_the_reader_names_the_base_it_expects():
    with pytest.raises(DocumentError) as caught:
        list(read_bytes(passport_ttl("brug-9").encode(), OTHER_BASE, ox.RdfFormat.TURTLE))
    message = str(caught.value)
    assert "http://localhost:8000/id/passport/GM0153/brug-9" in message
    assert f"{OTHER_BASE}id/passport/GMxxxx/key" in message


@pytest.fixture
def settings(settings):
    return replace(settings, base_iri=OTHER_BASE)


@pytest.mark.parametrize("method,path", [("POST", "/api/v1/passports"), ("POST", "/api/v1/validate"),
                                         ("PUT", "/api/v1/passports/GM0153/brug-9")])
def test_the_write_api_refuses_with_400(app_client, settings, method, path):
    _, token = TokenStore(settings.tokens_path).create("GM0153", "test")
    answer = app_client.request(method, path, content=passport_ttl("brug-9").encode(),
                                headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"})
    assert answer.status_code == 400, answer.text
    assert f"{OTHER_BASE}id/passport/GMxxxx/key" in answer.json()["detail"]
    assert app_client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
