"""XLSX and GeoJSON, and the real Leeuwarden tree register (CSV and GeoJSON) from ../shared/external."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, DATA, ROOT, dump, run_cli

from importers.geometry import to_wgs84
from importers.mapping import load_mapping, parse_mapping
from importers.passports import RowMapper
from importers.pipeline import ImportFailed, ImportResult, _Run, import_file
from importers.readers import open_source
from importers.report import RowReport
from importers.vocabulary import load_vocabulary, normalise
from registry.model.uris import passport_ref
from registry.model.vocab import MP, MPV

TREES = ROOT.parent / "shared" / "external" / "leeuwarden-bomen"
TREES_CSV = TREES / "monumentale_en_waardevolle_bomen.csv"
TREES_GEOJSON = TREES / "monumentale_en_waardevolle_bomen.wgs84.geojson"
needs_trees = pytest.mark.skipif(not TREES_CSV.exists(), reason="../shared/external/leeuwarden-bomen is absent")

HEADER = ["Identificatie", "Objecttype", "Omschrijving", "Straatnaam", "Materiaal", "Aanlegjaar", "Hoeveelheid",
          "Eenheid", "Conditiescore", "X", "Y", "Vervangingswaarde", "Peildatum"]


def imbor_workbook(path: Path) -> None:
    """A workbook as people make them: a notes sheet first, title rows, merged cells, real numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    notes = wb.active
    notes.title = "Toelichting"
    notes["A1"] = "Export uit het beheersysteem; zie het tabblad Objecten"
    ws = wb.create_sheet("Objecten")
    ws["A1"] = "Gemeente Enschede - objecten openbare ruimte"
    ws["A2"] = "Peildatum 1 januari 2026"
    ws.append([])
    ws.append(HEADER)  # row 4
    peil = datetime(2026, 1, 1)
    ws.append(["BNK-0100", "Zitbank", "Bank Volkspark", "Volkspark", "hardhout", 2016, 0.4, "m3", 2,
               257688.07, 471277.02, 1400.0, peil])  # row 5
    ws.append([None, None, None, None, "staal", None, 38.5, "kg", None, None, None, None, None])  # row 6
    for col in ("A", "B", "C", "D", "F", "I", "J", "K", "L", "M"):  # one object over rows 5-6
        ws.merge_cells(f"{col}5:{col}6")
    ws.append(["LM-0200", "Lichtmast", "Mast Volkspark", "Volkspark", "aluminium", 2011, 95, "kg", 3,
               257700, 471300, 700, peil])  # row 7
    ws.append(["LM-0200", None, "Mast Volkspark", "Volkspark", "beton", 2011, 0.12, "m3", 3,
               257700, 471300, 700, peil])  # row 8: Objecttype left empty -> format.fill_down
    wb.save(path)


def xlsx_mapping(tmp_path: Path, extra: str) -> Path:
    text = Path(ROOT / "importers/mappings/imbor-openbare-ruimte.yaml").read_text(encoding="utf-8")
    text = text.replace("format:\n  crs: EPSG:28992\n", "format:\n  crs: EPSG:28992\n" + extra)
    path = tmp_path / "xlsx-mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_xlsx_named_sheet_header_detection_and_merged_cells(registry, tmp_path):
    book = tmp_path / "objecten.xlsx"
    imbor_workbook(book)
    mapping = xlsx_mapping(tmp_path, "  sheet: Objecten\n  fill_down: [Objecttype]\n")
    result = import_file(registry, book, "GM0153", mapping)
    assert result.created == 2 and result.rejected == 0, result.issues[:3]
    assert any("header on row 4" in n for n in result.notes)
    assert any("merged cell range" in n for n in result.notes)
    bench = ox.NamedNode(passport_ref(BASE, "GM0153", "or-BNK-0100").iri)
    materials = sorted(q.object.value for q in registry.store.quads_for_pattern(
        None, ox.NamedNode(MP + "material"), None, bench))
    assert materials == [MPV + "material/hardwood", MPV + "material/steel"]  # both rows of the merged object
    years = [q.object.value for q in registry.store.quads_for_pattern(
        None, ox.NamedNode(MP + "constructionYear"), None, bench)]
    assert years == ["2016"]


def test_xlsx_without_fill_down_reports_the_disagreeing_rows(registry, tmp_path):
    book = tmp_path / "objecten.xlsx"
    imbor_workbook(book)
    result = import_file(registry, book, "GM0153", xlsx_mapping(tmp_path, "  sheet: 2\n"))
    assert result.created == 1 and result.rejected == 1
    issue = next(i for i in result.issues if i.severity == "Violation")
    assert (issue.row, issue.column, issue.problem) == ("8", "Objecttype", "rows of one object disagree")


def test_xlsx_first_sheet_has_no_header(registry, tmp_path):
    book = tmp_path / "objecten.xlsx"
    imbor_workbook(book)
    with pytest.raises(ImportFailed, match="no header row found"):
        import_file(registry, book, "GM0153", "imbor-openbare-ruimte")
    with pytest.raises(ImportFailed, match="no sheet 'Blad1'; the workbook has: Toelichting, Objecten"):
        import_file(registry, book, "GM0153", xlsx_mapping(tmp_path, "  sheet: Blad1\n"))


def test_truncated_xlsx_is_refused_and_the_store_unchanged(registry, tmp_path):
    book = tmp_path / "objecten.xlsx"
    imbor_workbook(book)
    mapping = xlsx_mapping(tmp_path, "  sheet: Objecten\n  fill_down: [Objecttype]\n")
    import_file(registry, DATA / "import" / "imbor-enschede-cp1252.csv", "GM0153", "imbor-openbare-ruimte")
    before = dump(registry)
    data = book.read_bytes()
    for cut in (len(data) // 2, len(data) - 30):
        broken = tmp_path / f"cut-{cut}.xlsx"
        broken.write_bytes(data[:cut])
        with pytest.raises(ImportFailed, match="truncated or damaged"):
            import_file(registry, broken, "GM0153", mapping)
    assert dump(registry) == before


def test_geojson_with_rd_crs_member(registry, tmp_path):
    """GDAL writes RD New GeoJSON with a legacy crs member; the importer honours it."""
    features = [{"type": "Feature", "properties": {"ID": "BNK-1", "Type": "Bank", "Materiaal": "hardhout",
                                                   "m3": "0,4", "Bouwjaar": 2015, "Conditie": 2},
                 "geometry": {"type": "Point", "coordinates": [257688.07, 471277.02]}},
                {"type": "Feature", "properties": {"ID": "HEK-1", "Type": "Hekwerk", "Materiaal": "staal",
                                                   "m3": "0,05", "Bouwjaar": 2015, "Conditie": 2},
                 "geometry": {"type": "LineString", "coordinates": [[257700, 471300], [257750.5, 471320]]}}]
    path = tmp_path / "objects.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                                "features": features}), encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("""\
name: geojson-test
key: {source_id: ID, prefix: gj-}
passport: {phase: {value: design}}
object: {kind: Type, construction_year: Bouwjaar, condition: Conditie}
location: {feature_geometry: true}
quantity: {material: Materiaal, value: m3, unit: {value: m3}, derive_mass: true}
""", encoding="utf-8")
    result = import_file(registry, path, "GM0153", mapping)
    assert result.created == 2, result.issues[:3]
    assert any("28992" in n for n in result.notes)
    fence = ox.NamedNode(passport_ref(BASE, "GM0153", "gj-HEK-1").iri)
    wkt = [q.object.value for q in registry.store.quads_for_pattern(
        None, ox.NamedNode("http://www.opengis.net/ont/geosparql#asWKT"), None, fence)]
    assert wkt == ["<http://www.opengis.net/def/crs/EPSG/0/28992> LINESTRING(257700 471300, 257750.5 471320)"]


def test_truncated_geojson_is_refused(registry, tmp_path):
    path = tmp_path / "cut.geojson"
    path.write_bytes(TREES_GEOJSON.read_bytes()[:5000] if TREES_GEOJSON.exists()
                     else b'{"type": "FeatureCollection", "features": [{"type": "Feature", "prop')
    before = dump(registry)
    with pytest.raises(ImportFailed, match="not valid JSON"):
        import_file(registry, path, "GM0153", "leeuwarden-bomen-geojson")
    assert dump(registry) == before


# -- the real tree register ------------------------------------------------------------------------

def mapped(registry, path: Path, mapping_name: str, check_bbox: bool = False):
    """The passport documents of a file, mapped but not validated (fast)."""
    mapping = parse_mapping(mapping_name) if "\n" in mapping_name else load_mapping(mapping_name)
    wanted = {normalise(c) for _, spec in mapping.fields() for c in spec.columns()}
    source = open_source(path, mapping.format, wanted)
    mapper = RowMapper(mapping, load_vocabulary(), base=BASE, municipality="GM0153", columns=source.columns,
                       check_bbox=check_bbox, source_crs=getattr(source, "crs", None),
                       decimal_hint=source.decimal_hint)
    report = RowReport(None)
    result = ImportResult(str(path), mapping.name, mapping.kind, "GM0153")
    docs = {doc.ref.key: doc for doc, _, _ in _Run(registry, mapper, source, report, result, None).docs()}
    return docs, report, result


@needs_trees
def test_tree_register_csv_and_geojson_give_the_same_passports(registry):
    from_csv, report_csv, result_csv = mapped(registry, TREES_CSV, "leeuwarden-bomen")
    from_json, report_json, _ = mapped(registry, TREES_GEOJSON, "leeuwarden-bomen-geojson")
    assert result_csv.rows_read == 2088 and len(from_csv) == 2088  # unique keys although ELEMENTNR repeats
    assert not report_csv.counts and not report_json.counts
    assert set(from_csv) == set(from_json)
    wkt = "http://www.opengis.net/ont/geosparql#asWKT"
    for key, doc in from_csv.items():
        a = {(t.subject, t.predicate, t.object) for t in doc.triples if t.predicate.value != wkt}
        b = {(t.subject, t.predicate, t.object) for t in from_json[key].triples if t.predicate.value != wkt}
        assert a == b, key
        rd = next(t.object.value for t in doc.triples if t.predicate.value == wkt)
        lonlat = next(t.object.value for t in from_json[key].triples if t.predicate.value == wkt)
        assert rd.startswith("<http://www.opengis.net/def/crs/EPSG/0/28992> POINT(")
        x, y = (float(v) for v in rd.split("POINT(")[1].rstrip(")").split())
        lon, lat = (float(v) for v in lonlat.removeprefix("POINT(").rstrip(")").split())
        glon, glat = to_wgs84(28992, x, y)
        assert abs(glon - lon) < 1e-6 and abs(glat - lat) < 1e-6  # the same place, to about 10 cm
    # quoted cultivar names (Fagus sylvatica "Atropunicea") survive the CSV quoting
    labels = {t.object.value for d in from_csv.values() for t in d.triples
              if t.predicate.value.endswith("#label") and "/object/" in t.subject.value}
    assert any('"' in label for label in labels)


@needs_trees
def test_tree_register_element_numbers_alone_are_not_an_identifier(registry):
    with open(TREES_CSV, encoding="utf-8") as fh:
        numbers = [row["ELEMENTNR"] for row in csv.DictReader(fh)]
    # adjacent rows with one number are one object; a number that comes back later is a duplicate ID
    seen, duplicate_rows, previous = set(), 0, None
    for n in numbers:
        if n != previous:
            repeat = n in seen
            seen.add(n)
        if repeat:
            duplicate_rows += 1
        previous = n
    text = (ROOT / "importers/mappings/leeuwarden-bomen.yaml").read_text(encoding="utf-8").replace(
        'source_id: {template: "{ELEMENTNR}-{X}-{Y}"}', "source_id: ELEMENTNR")
    docs, report, _ = mapped(registry, TREES_CSV, text)
    assert duplicate_rows > 300
    assert report.problems[("Violation", "duplicate ID")] == duplicate_rows
    assert len(docs) <= len(set(numbers)) < 2088


@needs_trees
def test_tree_register_is_refused_for_leeuwarden_itself():
    """Leeuwarden (GM0080) is not one of this registry's municipalities."""
    done = run_cli("import", str(TREES_CSV), "--municipality", "GM0080", "--mapping", "leeuwarden-bomen",
                   "--data", str(Path("/tmp") / "unused-passports-data"))
    assert done.returncode == 2
    assert "GM0080 is not a municipality of this registry" in done.stderr


@needs_trees
def test_tree_register_outside_enschede(tmp_path):
    report = tmp_path / "report.csv"
    done = run_cli("import", str(TREES_CSV), "--municipality", "GM0153", "--mapping", "leeuwarden-bomen",
                   "--data", str(tmp_path / "data"), "--report", str(report), "--json")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["rows_read"] == 2088 and result["created"] == 0 and result["rejected"] == 2088
    with open(report, encoding="utf-8") as fh:
        problems = Counter(row["problem"] for row in csv.DictReader(fh))
    assert problems == {"outside municipality": 2088}


@needs_trees
@pytest.mark.slow
def test_tree_register_dry_run_reports_what_the_shapes_require(tmp_path):
    """With the extent check off, the real register maps cleanly; the shapes then ask for a condition
    score, which the register does not have, and warn that the trees are not yet valued."""
    report = tmp_path / "report.csv"
    done = run_cli("import", str(TREES_GEOJSON), "--municipality", "GM0153", "--mapping",
                   "leeuwarden-bomen-geojson", "--dry-run", "--no-bbox-check", "--data", str(tmp_path / "data"),
                   "--report", str(report), "--json")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["dry_run"] and result["rows_read"] == 2088 and result["rejected"] == 2088
    assert not (tmp_path / "data" / "main").exists() or result["created"] == 0
    with open(report, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    violations = Counter(r["shape"].rsplit("#", 1)[-1] for r in rows if r["severity"] == "Violation")
    assert violations == {"PhysicalObject-managementCondition": 2088}
    warnings = Counter(r["shape"].rsplit("#", 1)[-1] for r in rows if r["severity"] == "Warning")
    assert warnings["PhysicalObject-notYetValued"] == 2088
    assert all(r["message_nl"] and r["message_en"] for r in rows)
    assert {r["problem"] for r in rows if not r["shape"]} == set()
