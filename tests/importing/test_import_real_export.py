"""An asset-register export as municipalities have it, imported in the management phase.

``imbor-beheer-zonder-waarde-cp1252.csv``: Windows-1252, semicolons, decimal commas, RD New
coordinates, no value columns (nobody has valued the objects yet), six valid objects (two of them
over two rows) and five bad rows, one problem each. Every valid row is stored with the warning
"not yet valued"; every bad row is reported with its row, column, value and reason; the SHACL
findings name the column and the mapping key, not an RDF term. Through the library, the CLI
(``passports import ... --report``) and the API (``POST /api/v1/imports``).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import BASE, DATA, run_cli

from importers.pipeline import import_file
from registry.model.uris import passport_ref

EXPORT = DATA / "import" / "imbor-beheer-zonder-waarde-cp1252.csv"
IMBOR = "imbor-openbare-ruimte"
VALID = ("or-BNK-0101", "or-BRG-0112", "or-MST-0203", "or-VRH-0300", "or-RIO-3101", "or-HEK-0400")
VALID_ROWS = {"2-3", "4-5", "6", "7", "8", "14"}
# row -> (column, value as in the file, problem)
BAD = {
    "9": ("Materiaal", "betonn", "unknown material"),
    "10": ("Hoeveelheid", "-0,3", "not positive"),
    "11": ("Eenheid", "", "no unit"),
    "12": ("Aanlegjaar", "2190", "year in the future"),
    "13": ("X, Y", "121400,00, 487300,00", "outside municipality"),
}
NOT_YET_VALUED = "https://w3id.org/materiaalpaspoort/shapes#PhysicalObject-notYetValued"


def test_the_file_is_made_like_a_real_export():
    raw = EXPORT.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    header = text.splitlines()[0].split(";")
    assert "\r\n" in text and "café" in text and "m²" in text and "m³" in text
    assert "Vervangingswaarde" not in header and "Peildatum" not in header  # no values
    assert {"X", "Y", "Conditiescore", "Eenheid"} <= set(header)


def check_report(rows: list[dict]) -> None:
    bad = {r["row"]: r for r in rows if r["severity"] == "Violation"}
    assert {row: (r["column"], r["value"], r["problem"]) for row, r in bad.items()} == BAD
    for r in bad.values():
        assert r["message_nl"] and r["message_en"] and r["message_nl"] != r["message_en"]
    assert "2190" in bad["12"]["message_en"] and "toekomst" in bad["12"]["message_nl"]
    valued = [r for r in rows if r["shape"] == NOT_YET_VALUED]
    assert {r["row"] for r in valued} == VALID_ROWS and {r["severity"] for r in valued} == {"Warning"}
    assert {r["problem"] for r in valued} == {"not yet valued"}
    for r in valued:
        assert r["mapping_key"] == "valuation.amount" and r["path"].endswith("#valuation")
        # the mapping reads valuation.amount from Vervangingswaarde, which this export does not have
        assert r["message_en"].startswith("valuation (mapping key valuation.amount; column 'Vervangingswaarde' "
                                          "is not in the file): Not yet valued")
        assert r["message_nl"].startswith("waardering (mapping-sleutel valuation.amount; kolom "
                                          "'Vervangingswaarde' staat niet in het bestand): Nog niet gewaardeerd")
    no_release = [r for r in rows if r["mapping_key"] == "release.date"]
    assert no_release and all("(mapping key release.date, not in this mapping)" in r["message_en"]
                                  for r in no_release)
    # what a data officer reads names columns and mapping keys, never an RDF term
    for r in rows:
        if r["shape"]:
            for text in (r["message_en"], r["message_nl"]):
                assert "mp:" not in text and "mpv:" not in text and "geo:" not in text, text


def stored(registry) -> set[str]:
    return {key for key in VALID if registry.status(passport_ref(BASE, "GM0153", key)) == "current"}


def test_management_export_without_values_is_stored_with_warnings(registry, tmp_path):
    report = tmp_path / "report.csv"
    result = import_file(registry, EXPORT, "GM0153", IMBOR, report_path=report)
    assert (result.rows_read, result.created, result.rejected, result.rows_rejected) == (13, 6, 5, 5)
    assert result.with_warnings == 6 and not result.stored_nothing
    assert result.problem_counts["Warning: not yet valued"] == 6  # the summary on screen
    assert stored(registry) == set(VALID)
    with open(report, encoding="utf-8") as fh:
        check_report(list(csv.DictReader(fh)))


def test_cli_import_with_report(tmp_path):
    report = tmp_path / "report.csv"
    done = run_cli("import", str(EXPORT), "--municipality", "GM0153", "--mapping", IMBOR,
                   "--data", str(tmp_path / "data"), "--report", str(report), "--json")
    result = json.loads(done.stdout)
    assert (result["created"], result["rejected"], result["with_warnings"]) == (6, 5, 6), done.stderr
    with open(report, encoding="utf-8") as fh:
        check_report(list(csv.DictReader(fh)))


@pytest.fixture
def client(app_client, settings):
    from registry.store.tokens import TokenStore

    _, token = TokenStore(settings.tokens_path).create("GM0153", "real export test")
    app_client.headers["Authorization"] = f"Bearer {token}"
    return app_client


def test_api_import_answers_with_the_report(client):
    done = client.post("/api/v1/imports", params={"mapping": IMBOR}, content=EXPORT.read_bytes(),
                       headers={"Content-Type": "text/csv", "Accept": "text/csv"})
    assert done.status_code == 200, done.text
    check_report(list(csv.DictReader(io.StringIO(done.text))))
    assert stored(client.app.state.registry) == set(VALID)
    again = client.post("/api/v1/imports", params={"mapping": IMBOR, "dry_run": "true"},
                        content=EXPORT.read_bytes(), headers={"Content-Type": "text/csv"})
    body = again.json()
    assert (body["unchanged"], body["rejected"]) == (6, 5)
    issues = {(i["row"], i["problem"]) for i in body["issues"] if i["severity"] == "Violation"}
    assert issues == {(row, problem) for row, (_, _, problem) in BAD.items()}
