"""Mapping files (validated with the key and the line named), value readers, passport keys."""

from __future__ import annotations

from datetime import datetime

import pytest

from importers.keys import make_key
from importers.mapping import MappingError, available, load_mapping, parse_mapping
from importers.units import UnitTable
from importers.values import ValueProblem, parse_date, parse_fraction, parse_number, parse_year
from importers.vocabulary import load_vocabulary

MINIMAL = """\
name: test-mapping
key:
  source_id: ID
passport:
  phase: {value: management}
object:
  kind: Type
quantity:
  material: Materiaal
  value: Hoeveelheid
  unit: Eenheid
"""


def test_shipped_mappings_load():
    names = available()
    for name in ("imbor-openbare-ruimte", "duspot-vrijkomende-materialen", "demo-csv", "leeuwarden-bomen",
                 "leeuwarden-bomen-geojson"):
        assert name in names
        mapping = load_mapping(name)
        assert mapping.name == name
    assert load_mapping("leeuwarden-bomen-geojson").kind == "leeuwarden-bomen"


def test_minimal_mapping_and_shorthands():
    mapping = parse_mapping(MINIMAL)
    assert mapping.kind == "test-mapping"
    assert mapping.object.kind.column == "Type"
    assert mapping.passport.phase.value == "management"
    assert mapping.quantity.data_quality.value == "measured"  # the default


@pytest.mark.parametrize("text, key, line, words, words_nl", [
    (MINIMAL.replace("  kind: Type", "  kind: Type\n  colour: Kleur"), "object.colour", 8, "unknown key 'colour'",
     "onbekende sleutel 'colour'"),
    (MINIMAL.replace("object:\n  kind: Type\n", ""), "object", None, "'object' is required",
     "'object' is hier verplicht"),
    (MINIMAL.replace("  source_id: ID", "  source_id: {column: ID, value: x}"), "key.source_id", 3,
     "only one of column, value or template", "maar een van column, value of template"),
    (MINIMAL.replace("  material: Materiaal", "  material: {column: M, pattern: '(['}"), "quantity.material", 9,
     "not a valid regular expression", "geen geldige reguliere expressie"),
    (MINIMAL.replace("name: test-mapping", "name: Test Mapping!"), "name", 1, "pattern", "past niet bij het patroon"),
    (MINIMAL + "format:\n  delimiter: ';;'\n", "format.delimiter", 13, "one character", "een teken zoals"),
    (MINIMAL + "units:\n  zak: {unit: BAG}\n", "units.zak.unit", 13, "KiloGM", "kies uit"),
    (MINIMAL + "format:\n  header_row: 0\n", "format.header_row", 13, "counts from 1", "telt vanaf 1"),
    (MINIMAL + "location:\n  x: X\n", "location", 12, "give both x and y", "geef zowel x als y"),
    (MINIMAL + "format:\n  fill_down: {a: b}\n", "format.fill_down", 13, "give a list here", "hier hoort een lijst"),
])
def test_mapping_errors_name_key_and_line(text, key, line, words, words_nl):
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "my-mapping.yaml")
    error = caught.value
    assert error.key == key
    if line is not None:
        assert error.line == line, str(error)
    assert "my-mapping.yaml" in str(error) and words in str(error)
    dutch = error.message("nl")
    assert "my-mapping.yaml" in dutch and f"sleutel {key}" in dutch and words_nl in dutch, dutch
    assert not any(marker in dutch for marker in (" key ", " line ", "give ", "Input should")), dutch


def test_bad_yaml_names_the_line():
    with pytest.raises(MappingError) as caught:
        parse_mapping("name: x\nkey: [unclosed\n", "bad.yaml")
    assert caught.value.line is not None and "not valid YAML" in str(caught.value)


def test_unknown_mapping_name_lists_the_shipped_ones():
    with pytest.raises(MappingError, match="imbor-openbare-ruimte"):
        load_mapping("no-such-mapping")


@pytest.mark.parametrize("text, decimal, expected", [
    ("12,5", "auto", 12.5), ("12.5", "auto", 12.5), ("1.234,5", "auto", 1234.5), ("1,234.5", "auto", 1234.5),
    ("185.000", "comma", 185000), ("12.5", "comma", 12.5), ("0,35", "comma", 0.35), ("1,250", "point", 1250),
    (" 7 ", "auto", 7), (3, "auto", 3), (2.25, "comma", 2.25), ("-4", "auto", -4), ("1e3", "auto", 1000),
])
def test_numbers_dutch_and_english(text, decimal, expected):
    assert parse_number(text, decimal) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["twaalf", "12,5,3", "", "1.2.3,4,5", "nan", "--1"])
def test_text_is_not_a_number(text):
    with pytest.raises(ValueProblem) as caught:
        parse_number(text)
    assert caught.value.problem == "not a number" and "geen getal" in caught.value.nl


def test_years_dates_fractions():
    assert parse_year("1978") == "1978" and parse_year(1978.0) == "1978" and parse_year("01-06-1978") == "1978"
    with pytest.raises(ValueProblem):
        parse_year("78")
    assert parse_date("1-6-2027") == ("2027-06-01", "date")
    assert parse_date("2027-06") == ("2027-06-01", "date")
    assert parse_date("2027") == ("2027", "gYear")
    assert parse_date(datetime(2027, 6, 15, 0, 0)) == ("2027-06-15", "date")
    with pytest.raises(ValueProblem):
        parse_date("31-02-2027")
    assert parse_fraction("35%") == pytest.approx(0.35)
    assert parse_fraction("35", percent=True) == pytest.approx(0.35)
    assert parse_fraction("0,5") == pytest.approx(0.5)
    with pytest.raises(ValueProblem):
        parse_fraction("1.5")


def test_units():
    units = UnitTable()
    assert units.get("m²").target == "M2" and units.get("M3").target == "M3"
    assert units.get("ton").target == "TON_Metric" and units.get("stuks").target == "NUM"
    assert units.get("mm").factor == pytest.approx(0.001)
    with pytest.raises(ValueProblem, match="unknown"):
        units.get("zak")


def test_passport_keys_are_deterministic_and_unique():
    assert make_key("or-", "BR-0042") == "or-BR-0042"
    spaced = make_key("or-", "Brug 12/a")
    assert spaced == make_key("or-", "Brug 12/a") and spaced.startswith("or-Brug-12-a-")
    assert make_key("or-", "Brug 12/a") != make_key("or-", "Brug-12-a") != make_key("or-", "Brug 12-a")
    assert make_key("", "ÉÉN") != make_key("", "EEN")
    long = make_key("x-", "A" * 300)
    assert len(long) <= 128
    assert make_key("", "!!!").startswith("id-")


def test_dutch_material_names_come_from_the_ontology():
    materials = load_vocabulary().scheme("material")
    expected = {"beton": "concrete", "gewapend beton": "concrete", "betonklinkers": "concrete",
                "asfalt": "asphalt", "hardhout": "hardwood", "PVC": "pvc", "Staal": "steel"}
    for name, concept in expected.items():
        assert materials.match(name).endswith("/material/" + concept), name
    assert materials.match("kunstgras-onbekend") is None
