"""``POST /api/v1/valuations/{GMxxxx}``: a municipality's write token values its own passports only."""

from __future__ import annotations

import pytest
from conftest import BASE, docs_from, passport_ttl

INDICATIVE = "https://w3id.org/materiaalpaspoort/id/pricelist/indicative/2026"


@pytest.fixture
def client(app_client, settings):
    from registry.store.tokens import TokenStore

    _, own = TokenStore(settings.tokens_path).create("GM0153", "valuation test")
    _, other = TokenStore(settings.tokens_path).create("GM0150", "another municipality")
    registry = app_client.app.state.registry
    registry.add(docs_from(passport_ttl()))
    registry.add(docs_from(passport_ttl(key="brug-1", municipality="GM0150")))
    return app_client, {"Authorization": f"Bearer {own}"}, {"Authorization": f"Bearer {other}"}


def test_token_values_its_own_municipality_only(client):
    app, own, other = client
    answer = app.post("/api/v1/valuations/GM0153?date=2026-12-31", headers=own)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["created"] == 1 and body["unchanged"] == 0
    assert [r["passport"] for r in body["records"]] == [BASE + "id/passport/GM0153/brug-0042"]
    again = app.post("/api/v1/valuations/GM0153?date=2026-12-31", headers=own).json()
    assert (again["created"], again["unchanged"]) == (0, 1)
    assert app.post("/api/v1/valuations/GM0150?date=2026-12-31", headers=own).status_code == 403
    assert app.post("/api/v1/valuations/GM0153?date=2026-12-31").status_code == 401
    theirs = app.post("/api/v1/valuations/GM0150?date=2026-12-31", headers=other).json()
    assert [r["passport"] for r in theirs["records"]] == [BASE + "id/passport/GM0150/brug-1"]


def test_bad_date_and_unknown_price_list_are_422_with_the_field(client):
    app, own, _ = client
    bad = app.post("/api/v1/valuations/GM0153?date=31-12-2026", headers=own)
    assert bad.status_code == 422 and bad.json()["field"] == "date"
    unknown = app.post("/api/v1/valuations/GM0153?date=2026-12-31&price_list=http://example.org/x", headers=own)
    assert unknown.status_code == 422 and unknown.json()["field"] == "price_list"
    dry = app.post(f"/api/v1/valuations/GM0153?date=2026-12-31&dry_run=true&price_list={INDICATIVE}", headers=own)
    assert dry.status_code == 200 and dry.json()["dry_run"] and dry.json()["activity"] is None


def test_passport_page_shows_the_valuation_records(client):
    app, own, _ = client
    page = "/doc/passport/GM0153/brug-0042"
    before = app.get(page + "?lang=en", headers={"Accept": "text/html"}).text
    assert "Valuation records" not in before
    app.post(f"/api/v1/valuations/GM0153?date=2026-12-31&price_list={INDICATIVE}", headers=own)
    en = app.get(page + "?lang=en", headers={"Accept": "text/html"}).text
    assert "Valuation records" in en and "2026-12-31" in en and "€ 312" in en
    assert BASE + "id/valuationrecord/GM0153/brug-0042/2026-12-31/" in en
    nl = app.get(page + "?lang=nl", headers={"Accept": "text/html"}).text
    assert "Waarderingen door het register" in nl


def test_a_valuation_record_resolves_as_linked_data(client):
    import pyoxigraph as ox

    app, own, _ = client
    body = app.post(f"/api/v1/valuations/GM0153?date=2026-12-31&price_list={INDICATIVE}", headers=own).json()
    record = body["records"][0]["record"]
    path = record[len(BASE):]  # id/valuationrecord/GM0153/brug-0042/2026-12-31/<digest>
    seen = app.get("/" + path, headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert seen.status_code == 303
    doc = app.get(seen.headers["location"], headers={"Accept": "text/turtle"})
    assert doc.status_code == 200
    triples = list(ox.parse(doc.content, format=ox.RdfFormat.TURTLE))
    predicates = {t.predicate.value.rsplit("#", 1)[-1] for t in triples}
    assert {"valuedVersion", "amount", "priceList", "netValue", "conditionFactor"} <= predicates  # record + inputs
    html = app.get("/" + path.replace("id/", "doc/", 1), headers={"Accept": "text/html"})
    assert html.status_code == 200 and "312" in html.text
    assert app.get("/" + path[:-3] + "zzz", headers={"Accept": "text/turtle"}).status_code == 404
