"""The edit round trip: a passport downloaded in any RDF format, changed and sent back with PUT.

Registry-managed fields (version number, current version, content hash, created, modified) that
come back unchanged are ignored; changed ones are refused, every one of them in one answer, in
the language asked for, without false findings.
"""

from __future__ import annotations

import re

import pytest
from conftest import passport_ttl

from registry.store.tokens import TokenStore

PATH = "/api/v1/passports/GM0153/brug-0042"
DOC = "/id/passport/GM0153/brug-0042"
FORMATS = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]


@pytest.fixture
def editor(app_client, settings):
    """The in-process app with the example passport stored (version 1) and a GM0153 token."""
    token = TokenStore(settings.tokens_path).create("GM0153", "round trip")[1]
    app_client.headers["Authorization"] = f"Bearer {token}"
    r = app_client.put(PATH, content=passport_ttl(), headers={"Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    return app_client


def download(client, media_type: str) -> str:
    r = client.get(DOC, headers={"Accept": media_type}, follow_redirects=True)
    assert r.status_code == 200 and r.headers["content-type"].startswith(media_type), r.headers
    return r.text


def put(client, body: str, media_type: str, **headers):
    return client.put(PATH, content=body.encode("utf-8"), headers={"Content-Type": media_type, **headers})


@pytest.mark.parametrize("media_type", FORMATS)
def test_a_download_sent_back_is_unchanged_and_an_edited_one_a_new_version(editor, media_type):
    body = download(editor, media_type)
    assert "contentHash" in body and "120.5" in body  # the managed fields are in the download
    same = put(editor, body, media_type)
    assert same.status_code == 200, same.text
    assert [u["passport"] for u in same.json()["unchanged"]] == [f"http://localhost:8000{DOC}"]
    edited = put(editor, body.replace("120.5", "130.5"), media_type)  # the quantity (and its mass text)
    assert edited.status_code == 200, edited.text
    assert edited.json()["updated"] == [{"passport": f"http://localhost:8000{DOC}",
                                         "version": f"http://localhost:8000{DOC}/v/2"}]
    again = download(editor, "text/turtle")
    assert "130.5" in again and "120.5" not in again and "mp:versionNumber 2" in again
    # the new download goes back again: the managed fields of version 2 are the stored ones now
    assert put(editor, download(editor, media_type), media_type).json()["unchanged"]


def test_a_changed_managed_field_is_refused_and_named(editor):
    body = download(editor, "text/turtle").replace("mp:versionNumber 1", "mp:versionNumber 7")
    r = put(editor, body, "text/turtle")
    assert r.status_code == 422, r.text
    results = r.json()["results"]
    assert [(x["field_en"], x["value"]) for x in results] == [("version number", "7")], results
    assert "not the stored one" in results[0]["message"]


def test_every_refused_field_in_one_answer_in_dutch_without_false_findings(editor):
    body = download(editor, "text/turtle")
    body = body.replace("mp:versionNumber 1", "mp:versionNumber 7")
    body = re.sub(r'mp:contentHash "[0-9a-f]+"', 'mp:contentHash "abc"', body)
    for headers, query in (({"Accept-Language": "nl"}, ""), ({}, "?lang=nl")):
        r = editor.put(PATH + query, content=body.encode(), headers={"Content-Type": "text/turtle", **headers})
        assert r.status_code == 422, r.text
        answer = r.json()
        assert answer["detail"] == "1 van 1 paspoort voldoet niet aan de regels; er is niets opgeslagen"
        fields = sorted((x["field_nl"], x["value"]) for x in answer["results"])
        assert fields == [("inhoudshash", "abc"), ("versienummer", "7")], answer["results"]
        assert all("schrijft het register zelf" in x["message_nl"] for x in answer["results"])
        assert all("written by the registry" in x["message"] for x in answer["results"])
    english = put(editor, body, "text/turtle").json()
    assert english["detail"] == "1 of 1 passport does not conform to the shapes; nothing was stored"


def test_managed_fields_on_a_new_passport_are_refused(editor):
    body = download(editor, "text/turtle").replace("brug-0042", "brug-0043")
    r = editor.put("/api/v1/passports/GM0153/brug-0043", content=body.encode(),
                   headers={"Content-Type": "text/turtle"})
    assert r.status_code == 422, r.text
    names = {x["field_en"] for x in r.json()["results"]}
    assert {"version number", "content hash", "created", "last modified", "current version"} <= names
    assert not any("typed" in x["message"] for x in r.json()["results"])


def test_a_stale_download_is_refused_and_says_to_download_again(editor):
    stale = download(editor, "text/turtle")
    assert put(editor, stale.replace("120.5", "130.5"), "text/turtle").status_code == 200  # version 2
    r = put(editor, stale.replace("120.5", "140.5"), "text/turtle")
    assert r.status_code == 422, r.text
    results = r.json()["results"]
    assert {"version number", "current version", "content hash"} <= {x["field_en"] for x in results}
    assert all("download the passport again" in x["message"] for x in results)


def test_the_flat_json_ld_download_sent_back_is_unchanged(editor):
    """The framed JSON-LD is the default download (in FORMATS above); the flattened one goes back too."""
    flat = 'application/ld+json;profile="http://www.w3.org/ns/json-ld#flattened"'
    r = editor.get(DOC, headers={"Accept": flat}, follow_redirects=True)
    assert r.status_code == 200 and "json-ld#flattened" in r.headers["content-type"], r.headers
    assert '"@graph"' in r.text and '"numericValue":"120.5"' in r.text
    same = put(editor, r.text, flat)
    assert same.status_code == 200 and same.json()["unchanged"], same.text
