"""The write API's refusals in the client's language: Dutch for ``Accept-Language: nl`` (or
``?lang=nl``), English otherwise; the same refusal, word for word, in both."""

from __future__ import annotations

import pytest

from registry.store.tokens import TokenStore

PUT = "/api/v1/passports/GM0153/bridge-1"


@pytest.fixture
def token(settings):
    return TokenStore(settings.tokens_path).create("GM0153", "language test")[1]


def refusal(app_client, token, method: str, url: str, lang: str | None, **kwargs):
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    if lang:
        headers["Accept-Language"] = lang
    answer = app_client.request(method, url, headers=headers, **kwargs)
    return answer.status_code, answer.json()["detail"]


@pytest.mark.parametrize(("lang", "expected"), [
    ("nl", "Content-Type 'application/pdf' wordt niet aangenomen; stuur een van "),
    ("nl-NL,nl;q=0.9,en;q=0.5", "Content-Type 'application/pdf' wordt niet aangenomen; stuur een van "),
    ("en", "Content-Type 'application/pdf' is not accepted; send one of "),
    (None, "Content-Type 'application/pdf' is not accepted; send one of ")])
def test_415_in_the_clients_language(app_client, token, lang, expected):
    status, detail = refusal(app_client, token, "PUT", PUT, lang, content=b"%PDF",
                             headers={"Content-Type": "application/pdf"})
    assert status == 415 and detail.startswith(expected), detail


def test_400s_in_dutch(app_client, token):
    status, detail = refusal(app_client, token, "PUT", PUT, "nl", content=b"# nothing\n",
                             headers={"Content-Type": "text/turtle"})
    assert status == 400 and detail.startswith("de inhoud bevat geen paspoort"), detail
    status, detail = refusal(app_client, token, "PUT", PUT, "nl", content=b"<urn:a> <urn:b> <urn:c> .",
                             headers={"Content-Type": "text/turtle"})
    assert status == 400 and "1 tripel hoort bij geen paspoort" in detail, detail
    status, detail = refusal(app_client, token, "PUT", PUT, "nl", content=b"<urn:a> <urn:b> .",
                             headers={"Content-Type": "text/turtle"})
    assert status == 400 and "fout in de RDF-syntax" in detail and "Verbeter het bestand" in detail, detail
    status, detail = refusal(app_client, token, "DELETE", PUT, "nl")
    assert (status, detail) == (400, "geef een reden: DELETE ...?reason=gesloopt%20in%202026")
    status, detail = refusal(app_client, token, "DELETE", "/api/v1/passports/GM0153/-bad", "nl")
    assert status == 400 and detail.startswith("paspoortsleutel '-bad' is niet toegestaan"), detail
    status, detail = refusal(app_client, token, "DELETE", "/api/v1/passports/GM0141/a?reason=x", "nl")
    assert (status, detail) == (403, "dit token schrijft alleen voor GM0153, niet voor GM0141")


def test_query_parameter_wins_over_the_header(app_client, token):
    status, detail = refusal(app_client, token, "DELETE", PUT + "?lang=en", "nl")
    assert (status, detail) == (400, "give a reason: DELETE ...?reason=gesloopt%20in%202026")


def test_401_in_dutch_with_an_ascii_challenge(app_client):
    answer = app_client.put(PUT, content=b"x", headers={"Authorization": "Bearer nope", "Accept-Language": "nl",
                                                        "Content-Type": "text/turtle"})
    assert answer.status_code == 401
    assert answer.json()["detail"] == "het token is onbekend of ingetrokken; vraag uw beheerder om een nieuw"
    assert 'error_description="the token is unknown or revoked' in answer.headers["www-authenticate"]


def test_sparql_protocol_refusals_in_dutch(app_client):
    answer = app_client.post("/sparql", content=b"x", headers={"Content-Type": "text/plain", "Accept-Language": "nl"})
    assert answer.status_code == 415
    assert answer.text.startswith("Content-Type text/plain wordt hier niet aangenomen"), answer.text
    answer = app_client.get("/sparql?query=%20&lang=nl")
    assert (answer.status_code, answer.text.strip()) == (400, "de zoekvraag is leeg; stuur een SPARQL-zoekvraag")
    answer = app_client.get("/sparql?query=%20")
    assert (answer.status_code, answer.text.strip()) == (400, "the query is empty; send a SPARQL query")
