"""A construction year after the current year is refused by the shapes (the validator adds the
bound of today's year when it loads them), so the importer and the write API both refuse it, each
naming the field: the mapping key and column in an import report, the property in the API."""

from __future__ import annotations

import csv
import datetime
from dataclasses import replace

from conftest import BASE, DATA, dump, passport_ttl
from fastapi.testclient import TestClient

from importers.pipeline import import_file
from registry.model.uris import passport_ref
from registry.store.tokens import TokenStore
from registry.web.app import create_app

CP1252 = DATA / "import" / "imbor-enschede-cp1252.csv"
NEXT_YEAR = str(datetime.date.today().year + 1)
THIS_YEAR = str(datetime.date.today().year)


def _export_with_years(tmp_path, years: dict[str, str]):
    """The cp1252 test export with the construction year (Aanlegjaar) of some objects changed."""
    lines = CP1252.read_text(encoding="cp1252").splitlines()
    header = lines[0].split(";")
    column = header.index("Aanlegjaar")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(";")
        if cells[0] in years:
            cells[column] = years[cells[0]]
        out.append(";".join(cells))
    path = tmp_path / "future.csv"
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("cp1252"))
    return path


def test_import_refuses_a_future_construction_year_naming_key_column_and_value(registry, tmp_path):
    path = _export_with_years(tmp_path, {"BRG-0012": "2190", "BNK-0001": THIS_YEAR})
    report = tmp_path / "report.csv"
    result = import_file(registry, path, "GM0153", "imbor-openbare-ruimte", report_path=report)
    assert result.rejected == 1 and result.created == 5, result.issues[:3]
    assert registry.status(passport_ref(BASE, "GM0153", "or-BRG-0012")) == "absent"
    assert registry.status(passport_ref(BASE, "GM0153", "or-BNK-0001")) == "current"  # this year is fine
    with open(report, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["severity"] == "Violation"]
    assert len(rows) == 1, rows  # the importer reads the year and refuses it on its row, before the shapes
    row = rows[0]
    assert row["row"] == "4" and row["source_id"] == "BRG-0012"
    assert row["column"] == "Aanlegjaar" and row["value"] == "2190", row
    assert row["problem"] == "year in the future"
    assert "toekomst" in row["message_nl"] and "future" in row["message_en"]


def test_write_api_refuses_a_future_construction_year(settings):
    settings = replace(settings, query_workers=1, page_workers=0, parse_workers=1)
    token = TokenStore(settings.tokens_path).create("GM0153", "future year")[1]
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
    body = passport_ttl()
    assert 'mp:constructionYear "1978"^^xsd:gYear' in body
    with TestClient(create_app(settings)) as client:
        before = dump(client.app.state.registry)
        r = client.put("/api/v1/passports/GM0153/brug-0042", headers=headers,
                       content=body.replace('"1978"^^xsd:gYear', f'"{NEXT_YEAR}"^^xsd:gYear'))
        assert r.status_code == 422, r.text
        assert "constructionYear" in r.text and "future" in r.text, r.text
        assert dump(client.app.state.registry) == before
        r = client.put("/api/v1/passports/GM0153/brug-0042", headers=headers,
                       content=body.replace('"1978"^^xsd:gYear', f'"{THIS_YEAR}"^^xsd:gYear'))
        assert r.status_code == 201, r.text
