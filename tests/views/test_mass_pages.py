"""Pages show the registry's mass (docs/model.md, "Mass"): a passport lists one row per material with
its mass and the recorded amounts as detail; the material, municipality and home pages add masses,
not units. Hand-computed: concrete 120.5 t + 10 m³ x 2,400 kg/m³ = 144.5 t; copper 800 kg."""

from __future__ import annotations

import re

from conftest import docs_from, passport_ttl

# The model's bridge with its railing as 10 m3 of concrete (so concrete is recorded in t and in m3)
# and a second passport with 800 kg of copper.
BRIDGE = passport_ttl().replace(
    "material/steel> ;\n    qudt:numericValue 2.4 ;\n    qudt:unit unit:TON_Metric ;",
    "material/concrete> ;\n    qudt:numericValue 10 ;\n    qudt:unit unit:M3 ;")
COPPER = re.sub(r"material/concrete> ;(\s+)qudt:numericValue 120.5 ;([^\n]*\s+)qudt:unit unit:TON_Metric",
               r"material/copper> ;\1qudt:numericValue 800 ;\2qudt:unit unit:KiloGM",
               passport_ttl("brug-0077", amount="120.5"))


def _fill(client) -> None:
    assert "unit:M3" in BRIDGE and "unit:KiloGM" in COPPER, "the model example changed"
    registry = client.app.state.registry
    for text in (BRIDGE, COPPER):
        report = registry.add(docs_from(text))
        assert report.written == 1, report.rejected


def _row(html: str, marker: str) -> list[str]:
    """The texts of the cells of the first table row that contains ``marker``."""
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.DOTALL) if marker in r)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def test_passport_lists_one_row_per_material_with_its_mass_and_the_recorded_amounts(app_client):
    _fill(app_client)
    html = app_client.get("/doc/passport/GM0153/brug-0042?lang=en").text
    section = html[html.index('id="mat-h"'):html.index('id="comp-h"')]
    assert section.count("/doc/material/") == 1  # one row: concrete, recorded in t and in m3
    assert _row(section, "/material/concrete") == ["Concrete", "144.50 t", "10.00 m³ 120.50 t", "Primary", "2"]
    assert "2 quantities, 144.5 tonnes together." in section
    # the detail rows of the components: the recorded amount, the mass and how it was derived
    components = html[html.index('id="comp-h"'):]
    assert _row(components, 'id="quantity-deck-concrete"')[1:3] == ["120.50 t", "120,500.0 kg ( Measured )"]
    assert 'title="10 m³ × 2,400 kg/m³ = 24,000 kg (default density of concrete: NEN-EN 1991-1-1' in components
    assert "24,000.0 kg ( Default value )" in _row(components, "quantity-railing-steel")[2]


def test_material_pages_show_a_mass_per_municipality(app_client):
    _fill(app_client)
    concrete = app_client.get("/doc/material/concrete?lang=en").text
    assert _row(concrete, "/municipality/GM0153") == ["Enschede", "1", "144.5 t"]
    copper = app_client.get("/doc/material/copper?lang=nl").text
    assert _row(copper, "/municipality/GM0153") == ["Enschede", "1", "0,8 t"]  # 800 kg, not 0 t


def test_home_and_municipality_pages_count_copper_in_tonnes(app_client):
    _fill(app_client)
    home = app_client.get("/?lang=en").text
    assert _row(home, "/material/copper") == ["Copper", "1", "1"]  # 0.8 t, shown without decimals
    assert _row(home, "/material/concrete") == ["Concrete", "1", "144"]
