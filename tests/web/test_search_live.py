"""The search page of a running server follows writes through the API at once, also when pages
are rendered by page worker processes (they read the index file the server's writer updates)."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import passport_ttl
from servers import serve_at_own_address

from registry.store.tokens import TokenStore

TTL = "text/turtle"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve_at_own_address(tmp_path_factory.mktemp("search-live") / "data", page_workers=1) as srv:
        srv.token = TokenStore(srv.settings.tokens_path).create("GM0153", "search test")[1]
        yield srv


def keys_found(client, text: str, lang: str = "nl") -> list[str]:
    r = client.get("/search", params={"q": text, "lang": lang})
    assert r.status_code == 200
    return re.findall(r'href="/doc/passport/GM0153/([^"]+)"', r.text)


def test_search_follows_add_new_version_and_retire_without_a_restart(server):
    auth = {"Authorization": f"Bearer {server.token}", "Content-Type": TTL}
    url = "/api/v1/passports/GM0153/brug-7001"
    with httpx.Client(base_url=server.base, timeout=60) as client:
        assert keys_found(client, "Zoekproefbrug") == []
        body = passport_ttl("brug-7001", label="Zoekproefbrug Oude Markt").replace("http://localhost:8000/", server.base)
        r = client.put(url, content=body, headers=auth)
        assert r.status_code in (200, 201), r.text
        assert keys_found(client, "zoekproefbrug") == ["brug-7001"]
        assert keys_found(client, "Zoekproefbrüg", "en") == ["brug-7001"]  # accents folded
        assert "brug-7001" in keys_found(client, "Enschede")
        renamed = body.replace("Zoekproefbrug Oude Markt", "Vindbaarbrug Oude Markt")
        assert client.put(url, content=renamed, headers=auth).status_code == 200
        assert keys_found(client, "zoekproefbrug") == [] and keys_found(client, "vindbaar") == ["brug-7001"]
        csv_text = client.get("/search.csv", params={"q": "vindbaar"}).text
        assert csv_text.count("\n") == 2 and f"{server.base}id/passport/GM0153/brug-7001" in csv_text
        r = client.delete(url, params={"reason": "gesloopt"}, headers=auth)
        assert r.status_code == 200, r.text
        assert keys_found(client, "vindbaar") == []
