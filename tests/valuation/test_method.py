"""The valuation method without a store (registry.model.valuation): which price, which amount, which
factor, and what happens at the edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from registry.model.valuation import (
    M2,
    PIECE,
    TONNE,
    Factors,
    PriceEntry,
    PriceList,
    Quantity,
    value_quantity,
)

CONCRETE, RECYCLED = "urn:concrete", "urn:recycled-concrete"
FACTORS = Factors(value={"urn:condition/2": Decimal("0.9")}, floor=Decimal("0.5"), missing=Decimal(1),
                  dismantling=Decimal(5), transport=Decimal(4), material_costs={CONCRETE: (Decimal(1), None)},
                  broader={RECYCLED: CONCRETE}, model="urn:model")


def prices(*entries: PriceEntry) -> PriceList:
    return PriceList("urn:list", "EUR", {(e.material, e.unit): e for e in entries})


def test_a_price_in_the_recorded_unit_wins_over_the_price_per_tonne():
    listed = prices(PriceEntry("urn:t", CONCRETE, Decimal(10), TONNE), PriceEntry("urn:m2", CONCRETE, Decimal(3), M2))
    v = value_quantity(Quantity("urn:q", CONCRETE, Decimal(100), M2, Decimal(24000)), listed, FACTORS)
    assert (v.entry.iri, v.priced_amount, v.gross) == ("urn:m2", Decimal(100), Decimal("300.00"))
    # costs: 24 t x (1 own dismantling + 4 general transport)
    assert v.costs == Decimal("120.00") and v.net == Decimal("180.00")


def test_a_narrower_material_takes_the_broader_price_and_costs():
    v = value_quantity(Quantity("urn:q", RECYCLED, Decimal(2), TONNE, Decimal(2000), "urn:condition/2"),
                       prices(PriceEntry("urn:t", CONCRETE, Decimal(100), TONNE)), FACTORS)
    assert v.entry.material == CONCRETE and v.gross == Decimal("180.00") and v.costs == Decimal("10.00")


def test_no_price_or_no_mass_is_not_valued_with_a_note():
    v = value_quantity(Quantity("urn:q", CONCRETE, Decimal(3), PIECE, None),
                       prices(PriceEntry("urn:t", CONCRETE, Decimal(100), TONNE)), FACTORS)
    assert v.entry is None and v.net == 0 and any("no price" in en for en, _ in v.notes)


def test_entries_outside_their_validity_or_region_are_not_used():
    entry = PriceEntry("urn:t", CONCRETE, Decimal(100), TONNE, date(2026, 1, 1), date(2026, 12, 31),
                       frozenset({"urn:region/twente"}))
    q = Quantity("urn:q", CONCRETE, Decimal(1), TONNE, Decimal(1000))
    twente = frozenset({"urn:gm/GM0153", "urn:region/twente"})
    assert value_quantity(q, prices(entry), FACTORS, date(2026, 6, 1), twente).entry is entry
    assert value_quantity(q, prices(entry), FACTORS, date(2027, 1, 1), twente).entry is None
    assert value_quantity(q, prices(entry), FACTORS, date(2026, 6, 1), frozenset({"urn:gm/GM0200"})).entry is None


def test_detachability_factor_runs_from_the_floor_to_one():
    listed = prices(PriceEntry("urn:t", CONCRETE, Decimal(1000), TONNE))
    for index, factor in (("0.1", "0.55"), ("1.0", "1.0")):
        q = Quantity("urn:q", CONCRETE, Decimal(1), TONNE, Decimal(1000), detachability_index=Decimal(index))
        assert value_quantity(q, listed, FACTORS).factors["detachability"] == Decimal(factor)
