"""``POST /api/v1/imports`` on a real uvicorn server on loopback, with real tokens and a real store."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from conftest import BASE, DATA, dump

from registry.model.uris import passport_ref

CP1252 = DATA / "import" / "imbor-enschede-cp1252.csv"
HOSTILE = DATA / "import" / "imbor-hostile.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def server(app_client, settings):
    """The in-process app with a token of Enschede and one of Deventer."""
    from registry.store.tokens import TokenStore

    _, token = TokenStore(settings.tokens_path).create("GM0153", "import test")
    _, other = TokenStore(settings.tokens_path).create("GM0150", "another municipality")
    return app_client, token, other


@pytest.fixture
def registry(app_client):
    """The app's own registry (the store is open once, in the app)."""
    return app_client.app.state.registry


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_raw_csv_upload_imports_and_reimport_is_unchanged(server, registry):
    client, token, _ = server
    body = CP1252.read_bytes()
    first = client.post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte"}, content=body,
                       headers={**auth(token), "Content-Type": "text/csv"}, timeout=120)
    assert first.status_code == 200, first.text
    data = first.json()
    assert data["created"] == 6 and data["ok"] and data["file"] == "upload"
    assert registry.status(passport_ref(BASE, "GM0153", "or-BRG-0012")) == "current"
    history = registry.history(passport_ref(BASE, "GM0153", "or-BRG-0012"))
    assert history[0].agent.endswith("/municipality/GM0153") and history[0].source.startswith("urn:upload:")
    again = client.post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte"}, content=body,
                       headers={**auth(token), "Content-Type": "text/csv"}, timeout=120)
    assert again.json()["unchanged"] == 6 and again.json()["created"] == 0


def test_multipart_upload_and_csv_report(server, registry):
    client, token, _ = server
    files = {"file": ("export.csv", HOSTILE.read_bytes(), "text/csv")}
    answer = client.post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte"}, files=files,
                        headers={**auth(token), "Accept": "text/csv"}, timeout=120)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {("7", "not a number"), ("8", "outside municipality")} <= {(r["row"], r["problem"]) for r in rows}
    assert registry.status(passport_ref(BASE, "GM0153", "or-A-1")) == "current"


def test_all_or_nothing_refusal_is_422_and_stores_nothing(server, registry):
    client, token, _ = server
    before = dump(registry)
    answer = client.post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte",
                                                         "all_or_nothing": "true"},
                        content=HOSTILE.read_bytes(), headers={**auth(token), "Content-Type": "text/csv"},
                        timeout=120)
    assert answer.status_code == 422
    assert answer.json()["stored_nothing"] is True
    assert any(i["problem"] == "unknown material" for i in answer.json()["issues"])
    assert dump(registry) == before


def test_refusals(server, registry):
    client, token, other = server
    before = dump(registry)
    post = client.post
    no_token = post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte"},
                    content=CP1252.read_bytes(), headers={"Content-Type": "text/csv"})
    assert no_token.status_code == 401
    unknown = post("/api/v1/imports", params={"mapping": "../../etc/passwd"}, content=b"x",
                   headers={**auth(token), "Content-Type": "text/csv"})
    assert unknown.status_code == 404 and "imbor-openbare-ruimte" in unknown.json()["detail"]
    broken = post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte"},
                  content=(DATA / "import" / "unclosed-quote.csv").read_bytes(),
                  headers={**auth(token), "Content-Type": "text/csv"})
    assert broken.status_code == 400 and "never closed" in broken.json()["detail"]
    assert "/tmp" not in broken.json()["detail"]  # the server's temp paths are not shown
    truncated = post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte", "filename": "x.xlsx"},
                     content=b"PK\x03\x04" + b"\x00" * 100, headers={**auth(token), "Content-Type": XLSX})
    assert truncated.status_code == 400 and "truncated or damaged" in truncated.json()["detail"]
    # a Deventer token imports for Deventer: Enschede coordinates are outside it
    deventer = post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte"},
                    content=CP1252.read_bytes(), headers={**auth(other), "Content-Type": "text/csv"}, timeout=60)
    assert deventer.status_code == 200 and deventer.json()["created"] == 0
    assert {i["problem"] for i in deventer.json()["issues"]} == {"outside municipality"}
    assert dump(registry) == before


def test_upload_limit(server, registry, monkeypatch):
    client, token, _ = server
    monkeypatch.setattr(client.app.state, "settings", replace(client.app.state.settings, max_import_bytes=1000))
    big = client.post("/api/v1/imports", params={"mapping": "imbor-openbare-ruimte"},
                     content=CP1252.read_bytes() * 2, headers={**auth(token), "Content-Type": "text/csv"})
    assert big.status_code == 413
