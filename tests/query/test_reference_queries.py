"""The saved queries that need the reference data (labels, ranks, the material hierarchy and
densities) on a small fixed dataset, with rows computed by hand: through the named-query runner and
through ``/query/NAME?format=csv`` of the in-process app."""

from __future__ import annotations

import csv
import io
import re

import pytest

from registry.store import named_queries
from tests.conftest import docs_from, passport_ttl

MPV = "https://w3id.org/materiaalpaspoort/id/"
GM0153, GM0164 = MPV + "municipality/GM0153", MPV + "municipality/GM0164"
CONCRETE, RECYCLED, STEEL = (MPV + "material/" + m for m in ("concrete", "recycled-concrete", "steel"))


def dataset() -> list[str]:
    """Three passports. P1 is the model's example (GM0153: concrete 120.5 t, steel 2.4 t, R3, released
    2045, valued 14,460 EUR). P2 (GM0153): 10 m3 recycled-aggregate concrete (2,350 kg/m3 in
    materials.ttl: 23.5 t), the object R1, released in the year 2030 (an xsd:gYear), valued 1,000 EUR.
    P3 (GM0164): concrete 50 t, steel 2.4 t, R3, released 2045, valued 500 EUR."""
    p1 = passport_ttl()
    p2 = passport_ttl("brug-0100", amount="10")
    p2 = re.sub(r"material/concrete> ;(\s+qudt:numericValue 10 ;[^\n]*\s+qudt:unit) unit:TON_Metric",
                r"material/recycled-concrete> ;\1 unit:M3", p2)
    p2 = p2.replace("mp:plannedRStrategy rstrategy:R3 ;\n    geo:hasGeometry",
                    "mp:plannedRStrategy rstrategy:R1 ;\n    geo:hasGeometry")
    p2 = p2.replace('"2045-01-01"^^xsd:date', '"2030"^^xsd:gYear').replace("14460.00", "1000.00")
    p3 = passport_ttl("brug-0200", municipality="GM0164", amount="50").replace("14460.00", "500.00")
    assert "recycled-concrete" in p2 and "R1 ;" in p2 and '"2030"' in p2, "the example changed"
    return [p1, p2, p3]


EXPECTED = {
    "count-passports-per-municipality": [
        {"municipality": GM0153, "label": "Enschede", "passports": 2},
        {"municipality": GM0164, "label": "Hengelo", "passports": 1}],
    "value-per-municipality": [
        {"municipality": GM0153, "label": "Enschede", "valueEUR": 15460, "objects": 2},
        {"municipality": GM0164, "label": "Hengelo", "valueEUR": 500, "objects": 1}],
    "r-ladder-distribution": [  # in rank order: R1 before R3 (and not by IRI text)
        {"strategy": MPV + "rstrategy/R1", "label": "Heroverwegen", "rank": 1, "objects": 1, "components": 0},
        {"strategy": MPV + "rstrategy/R3", "label": "Hergebruiken", "rank": 3, "objects": 2, "components": 6}],
    "materials-stock-by-material": [  # tonnes from mp:massKg: the 10 m3 of P2 are 10 x 2,350 kg = 23.5 t
        {"municipality": GM0153, "material": CONCRETE, "label": "Beton", "tonnes": 120.5, "passports": 1,
         "withoutMass": 0},
        {"municipality": GM0153, "material": RECYCLED, "label": "Beton met gerecycled granulaat", "tonnes": 23.5,
         "passports": 1, "withoutMass": 0},
        {"municipality": GM0153, "material": STEEL, "label": "Staal", "tonnes": 4.8, "passports": 2, "withoutMass": 0},
        {"municipality": GM0164, "material": CONCRETE, "label": "Beton", "tonnes": 50, "passports": 1, "withoutMass": 0},
        {"municipality": GM0164, "material": STEEL, "label": "Staal", "tonnes": 2.4, "passports": 1, "withoutMass": 0}],
    "released-concrete-by-year": [  # the m3 of recycled-aggregate concrete count (23.5 t in 2030)
        {"year": 2030, "tonnesConcrete": 23.5, "passports": 1},
        {"year": 2045, "tonnesConcrete": 170.5, "passports": 2}],
}


def same(rows: list[dict[str, str]], expected: list[dict]) -> bool:
    if len(rows) != len(expected):
        return False
    for row, want in zip(rows, expected, strict=True):
        for key, value in want.items():
            got = row.get(key)
            if isinstance(value, (int, float)):
                if got is None or abs(float(got) - value) > 1e-9:
                    return False
            elif got != value:
                return False
    return True


@pytest.fixture
def filled(registry):
    for text in dataset():
        report = registry.add(docs_from(text))
        assert report.written == 1, report.rejected
    return registry


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_query_rows(filled, name):
    rows = named_queries.select_plain(filled.store, name)
    assert same(rows, EXPECTED[name]), rows


def test_labels_need_the_reference_graphs(filled):
    """The labels come from the reference graphs in the store, not from the passports."""
    rows = named_queries.select_plain(filled.store, "count-passports-per-municipality")
    assert all(row.get("label") for row in rows)


def test_query_endpoint_csv(app_client):
    registry = app_client.app.state.registry
    for text in dataset():
        assert registry.add(docs_from(text)).written == 1
    for name, expected in EXPECTED.items():
        response = app_client.get(f"/query/{name}?format=csv")
        assert response.status_code == 200, (name, response.text)
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert same(rows, expected), (name, rows)


def test_passports_query_sees_the_reference_data(tmp_path):
    """``passports query`` (read-only, the union of the graphs): the labels and the rank order."""
    from tests.conftest import BASE, run_cli

    data = str(tmp_path / "data")
    for i, text in enumerate(dataset()):
        path = tmp_path / f"p{i}.ttl"
        path.write_text(text, encoding="utf-8")
        assert run_cli("add", str(path), "--data", data, "--base", BASE).returncode == 0
    for name, expected in EXPECTED.items():
        result = run_cli("query", "--name", name, "--format", "csv", "--data", data, "--base", BASE)
        assert result.returncode == 0, result.stderr
        assert same(list(csv.DictReader(io.StringIO(result.stdout))), expected), (name, result.stdout)
