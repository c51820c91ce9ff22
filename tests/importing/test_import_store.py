"""Importing into a real store: upsert by source ID, versions, retirement, dry run, all or nothing,
derived masses, and the store left untouched by every failure."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, DATA, dump

from importers.pipeline import ImportFailed, import_file
from registry.model.uris import passport_ref
from registry.model.vocab import MP, MPV

IMPORT = DATA / "import"
CP1252 = IMPORT / "imbor-enschede-cp1252.csv"
HOSTILE = IMPORT / "imbor-hostile.csv"
IMBOR = "imbor-openbare-ruimte"


def values(registry, key: str, predicate: str) -> list[str]:
    ref = passport_ref(BASE, "GM0153", key)
    return sorted(q.object.value for q in registry.store.quads_for_pattern(
        None, ox.NamedNode(predicate), None, ox.NamedNode(ref.iri)))


def test_cp1252_semicolon_decimal_comma_import(registry, tmp_path):
    result = import_file(registry, CP1252, "GM0153", IMBOR, report_path=tmp_path / "r.csv")
    assert result.created == 6 and result.rejected == 0 and result.rows_rejected == 0, result.issues[:3]
    assert any("Windows-1252" in n for n in result.notes) and any("decimal comma" in n for n in result.notes)
    # the Windows-1252 letters arrive intact
    labels = values(registry, "or-BNK-0001", "http://www.w3.org/2000/01/rdf-schema#label")
    assert "Bank bij café De Pôrt Oude Markt" in labels
    # "185.000" with a decimal comma is one hundred and eighty-five thousand euros
    assert values(registry, "or-BRG-0012", MP + "amount") == ["185000"]
    assert values(registry, "or-BRG-0012", "http://purl.org/dc/terms/date") == ["2026-01-01"]
    # IMBOR type and material names to concepts
    assert values(registry, "or-RIO-3001", MP + "material") == [MPV + "material/pvc"]
    assert MP + "SewerPipe" in values(registry, "or-RIO-3001", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    # RD coordinates kept as GeoSPARQL WKT with the CRS IRI
    wkt = values(registry, "or-BRG-0012", "http://www.opengis.net/ont/geosparql#asWKT")
    assert wkt == ["<http://www.opengis.net/def/crs/EPSG/0/28992> POINT(255660.93 470122.5)"]


def test_the_recorded_amount_stays_and_the_registry_derives_the_mass(registry):
    import_file(registry, CP1252, "GM0153", IMBOR)
    # 120 m2 of betonklinkers, 80 mm thick: stored as 120 m2 with its own thickness 0.08 m; the
    # registry's mass is 120 m2 x 0.08 m x 2,400 kg/m3 = 23,040 kg (the density a default)
    graph = ox.NamedNode(passport_ref(BASE, "GM0153", "or-VRH-0100").iri)
    quantity = ox.NamedNode(f"{BASE}id/quantity/GM0153/or-VRH-0100/main-concrete")
    props = {q.predicate.value: q.object.value for q in registry.store.quads_for_pattern(quantity, None, None, graph)
             if not (isinstance(q.object, ox.Literal) and q.object.language == "nl")}
    assert props["http://qudt.org/schema/qudt/unit"].endswith("/M2")
    assert float(props["http://qudt.org/schema/qudt/numericValue"]) == 120
    assert float(props[MP + "thickness"]) == 0.08
    assert float(props[MP + "massKg"]) == pytest.approx(23040)
    assert props[MP + "massMethod"].endswith("/massmethod/area-thickness-density")
    assert props[MP + "massQuality"] == MPV + "dataquality/default"
    assert props[MP + "massDerivation"].startswith("120 m² × 0.08 m × 2,400 kg/m³ = 23,040 kg (given in the passport: "
                                                   "thickness; default density of concrete")
    # a mass given in the export stays measured
    steel = ox.NamedNode(f"{BASE}id/quantity/GM0153/or-LM-0007/main-steel")
    props = {q.predicate.value: q.object.value for q in registry.store.quads_for_pattern(steel, None, None, None)}
    assert props[MP + "dataQuality"] == MPV + "dataquality/measured" and MP + "derivedFrom" not in props


def test_same_file_twice_changes_nothing_and_a_changed_row_makes_one_new_version(registry, tmp_path):
    first = import_file(registry, CP1252, "GM0153", IMBOR)
    assert first.created == 6
    before = dump(registry)
    again = import_file(registry, CP1252, "GM0153", IMBOR)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert again.activity is None
    assert dump(registry) == before  # no new version, no new activity
    text = CP1252.read_bytes().decode("cp1252").replace("180;kg;2;257400", "185;kg;2;257400")
    changed = tmp_path / "changed.csv"
    changed.write_bytes(text.encode("cp1252"))
    third = import_file(registry, changed, "GM0153", IMBOR)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 5)
    lamp = passport_ref(BASE, "GM0153", "or-LM-0007")
    assert registry.current_version(lamp) == 2
    assert registry.current_version(passport_ref(BASE, "GM0153", "or-BNK-0001")) == 1
    assert len(registry.history(lamp)) == 2


def test_retire_missing_only_touches_this_source(registry, tmp_path):
    import_file(registry, CP1252, "GM0153", IMBOR)
    import_file(registry, IMPORT / "duspot-enschede.csv", "GM0153", "duspot-vrijkomende-materialen")
    lines = CP1252.read_bytes().decode("cp1252").splitlines(keepends=True)
    shorter = tmp_path / "without-lamp.csv"
    shorter.write_bytes("".join(line for line in lines if not line.startswith("LM-0007")).encode("cp1252"))
    dry = import_file(registry, shorter, "GM0153", IMBOR, retire_missing=True, dry_run=True,
                      export_date="2026-03-01")
    lamp = passport_ref(BASE, "GM0153", "or-LM-0007")
    assert dry.retired == [lamp.iri] and registry.status(lamp) == "current"
    result = import_file(registry, shorter, "GM0153", IMBOR, retire_missing=True, export_date="2026-03-01")
    assert result.retired == [lamp.iri] and result.unchanged == 5
    assert registry.status(lamp) == "retired"
    assert registry.retirement(lamp)["reason"] == "absent from export of 2026-03-01"
    # the Duspot passports are not from this source: untouched
    assert registry.status(passport_ref(BASE, "GM0153", "dus-DS-2026-001")) == "current"
    # the lamp post comes back in the next export: a new version of the same passport
    back = import_file(registry, CP1252, "GM0153", IMBOR, retire_missing=True)
    assert back.updated == 1 and back.retired == [] and registry.status(lamp) == "current"


def test_a_passport_of_another_source_is_not_overwritten(registry, tmp_path):
    import_file(registry, CP1252, "GM0153", IMBOR)
    other = tmp_path / "other.yaml"
    other.write_text(Path("importers/mappings/imbor-openbare-ruimte.yaml").read_text(encoding="utf-8")
                     .replace("name: imbor-openbare-ruimte", "name: other-system"), encoding="utf-8")
    before = dump(registry)
    result = import_file(registry, CP1252, "GM0153", other)
    assert result.created == 0 and result.rejected == 6
    assert {i.problem for i in result.issues if i.severity == "Violation"} == {"passport of another source"}
    assert dump(registry) == before


def test_hostile_rows_are_reported_and_the_valid_ones_stored(registry, tmp_path):
    report = tmp_path / "report.csv"
    result = import_file(registry, HOSTILE, "GM0153", IMBOR, report_path=report)
    assert (result.created, result.rejected, result.rows_empty) == (2, 8, 2)
    assert registry.status(passport_ref(BASE, "GM0153", "or-A-1")) == "current"
    assert registry.status(passport_ref(BASE, "GM0153", "or-G-1")) == "current"
    # A-1 has one quantity: the exact duplicate row 5 is ignored, the later A-1 row (10) is refused
    assert values(registry, "or-A-1", MP + "material") == [MPV + "material/hardwood"]
    with open(report, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    problems = {(r["row"], r["problem"]): r for r in rows if r["severity"] in ("Violation", "Warning")
                and not r["shape"]}
    expected = {("5", "duplicate row"), ("6", "unknown material"), ("7", "not a number"),
                ("8", "outside municipality"), ("9", "mixed separators"), ("10", "duplicate ID"),
                ("12", "rows of one object disagree"), ("15", "unknown object kind"),
                ("16", "unknown condition score"), ("17", "not positive")}
    assert set(problems) == expected
    assert problems[("7", "not a number")]["column"] == "Hoeveelheid"
    assert problems[("7", "not a number")]["value"] == "twaalf"
    assert "beton" in problems[("6", "unknown material")]["message_en"]  # the suggestion
    assert "buiten Enschede" in problems[("8", "outside municipality")]["message_nl"]
    assert problems[("12", "rows of one object disagree")]["column"] == "Aanlegjaar"
    assert "row 2" in problems[("10", "duplicate ID")]["message_en"]
    for row in rows:
        assert row["message_nl"] and row["message_en"]


def test_all_or_nothing_stores_nothing_when_one_row_is_bad(registry):
    import_file(registry, CP1252, "GM0153", IMBOR)
    before = dump(registry)
    result = import_file(registry, HOSTILE, "GM0153", IMBOR, all_or_nothing=True)
    assert result.stored_nothing and not result.ok
    assert dump(registry) == before
    clean = import_file(registry, IMPORT / "imbor-utf8-bom-title.csv", "GM0153", IMBOR, all_or_nothing=True)
    assert clean.created == 2 and not clean.stored_nothing


def test_dry_run_writes_nothing_and_says_what_would_happen(registry):
    before = dump(registry)
    result = import_file(registry, CP1252, "GM0153", IMBOR, dry_run=True)
    assert result.created == 6 and result.rejected == 0
    assert dump(registry) == before
    import_file(registry, CP1252, "GM0153", IMBOR)
    again = import_file(registry, CP1252, "GM0153", IMBOR, dry_run=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


@pytest.mark.parametrize("name, words", [
    ("not-text.csv", "neither UTF-8 nor Windows-1252"),
    ("unclosed-quote.csv", "never closed"),
])
def test_malformed_files_leave_the_store_unchanged(registry, name, words):
    import_file(registry, CP1252, "GM0153", IMBOR)
    before = dump(registry)
    with pytest.raises(ImportFailed, match=words):
        import_file(registry, IMPORT / name, "GM0153", IMBOR)
    assert dump(registry) == before


def test_unknown_municipality_and_unfit_mapping_are_refused_before_writing(registry, tmp_path):
    before = dump(registry)
    with pytest.raises(ImportFailed, match="GM0080 is not a municipality of this registry"):
        import_file(registry, CP1252, "GM0080", IMBOR)
    with pytest.raises(ImportFailed, match="line 18, key key.source_id: the file has no column 'ELEMENTNR'"):
        import_file(registry, CP1252, "GM0153", "leeuwarden-bomen")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(Path("importers/mappings/imbor-openbare-ruimte.yaml").read_text(encoding="utf-8")
                       .replace("material: Materiaal", "material: Materiaalsoort"), encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"line \d+, key quantity.material: the file has no column 'Materiaalsoort'"):
        import_file(registry, CP1252, "GM0153", mapping)
    assert dump(registry) == before


def test_large_imports_are_stored_in_parts_with_rows_reported(registry, tmp_path, monkeypatch):
    from importers import pipeline as importing

    monkeypatch.setattr(importing, "PART", 4)
    report = tmp_path / "r.csv"
    result = import_file(registry, CP1252, "GM0153", IMBOR, report_path=report)
    assert result.created == 6 and len(result.activities) == 2
    with open(report, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["row"] and r["source_id"] for r in rows)  # SHACL warnings know their rows
    assert {r["row"] for r in rows if r["source_id"] == "VRH-0100"} == {"6-7"}
