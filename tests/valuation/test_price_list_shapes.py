"""shapes/pricelist/: the shipped indicative list conforms, an imported list is checked before it is stored."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from registry.core.resources import PRICELISTS_DIR
from registry.model.vocab import MPV, SH
from registry.store.price_lists import NewEntry, ValuationError, price_lists, store_price_list
from registry.validation.price_lists import PRICE_LIST_SHAPES, check_price_list

TONNE = "http://qudt.org/vocab/unit/TON_Metric"


def test_shipped_price_list_conforms():
    for path in PRICELISTS_DIR.glob("*.ttl"):
        assert check_price_list(ox.parse(path=str(path))) == [], path


def test_every_constraint_has_dutch_and_english_messages():
    shapes = [ox.parse(path=str(p)) for p in PRICE_LIST_SHAPES.glob("*.ttl")]
    triples = [t for parsed in shapes for t in parsed]
    paths = {t.subject for t in triples if t.predicate.value == SH + "path"}
    assert len(paths) >= 9
    for shape in paths:
        languages = sorted(t.object.language for t in triples
                           if t.subject == shape and t.predicate.value == SH + "message")
        assert languages == ["en", "nl"], shape


def test_a_broken_price_list_is_refused_and_nothing_stored(registry):
    before = len(registry.store)
    wrong = [NewEntry(MPV + "material/steel", Decimal(1), "http://qudt.org/vocab/unit/GALLON")]
    with pytest.raises(ValuationError, match="unit"):
        store_price_list(registry, "wrong", wrong, source="test")
    assert len(registry.store) == before
    iri, created = store_price_list(registry, "right", [NewEntry(MPV + "material/steel", Decimal(1), TONNE)],
                                    source="test")
    assert created and iri in {p.iri for p in price_lists(registry.store, registry.base)}
