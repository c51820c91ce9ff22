"""The valuation method (docs/valuation.md): the market value of one material quantity from a price list
and the factor tables of ``ontology/valuation.ttl``, without a store.

value = priced amount x unit price x condition factor x detachability factor x release-quality factor
x R-strategy factor, minus (dismantling + transport cost per tonne) x mass in tonnes; never below 0: a
negative result is recorded as 0 with a note saying by how much the costs exceeded the value.

The priced amount is the recorded amount when the price list has a price in the recorded unit (m3, m2,
m, piece), else the mass in tonnes (or kg) for a price per tonne (or kg): the registry's ``mp:massKg`` of the
quantity (``registry.model.mass``). A price of a broader material
holds for a narrower one without its own price (recycled concrete falls back to concrete).

>>> f = Factors(value={}, floor=Decimal("0.5"), missing=Decimal("1"), dismantling=Decimal("5"),
...             transport=Decimal("4"), material_costs={}, broader={}, model="urn:m")
>>> prices = PriceList("urn:p", "EUR", {("urn:concrete", TONNE): PriceEntry("urn:e", "urn:concrete", Decimal("12"), TONNE)})
>>> q = Quantity("urn:q", "urn:concrete", Decimal("10"), TONNE, Decimal("10000"))
>>> value_quantity(q, prices, f).net
Decimal('30.00')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

UNIT = "http://qudt.org/vocab/unit/"
TONNE, KG = UNIT + "TON_Metric", UNIT + "KiloGM"
M3, M2, M, PIECE = UNIT + "M3", UNIT + "M2", UNIT + "M", UNIT + "NUM"
MASS_UNITS = {TONNE: Decimal(1000), KG: Decimal(1)}
CENT = Decimal("0.01")


def _round(x: Decimal, step: Decimal = CENT) -> Decimal:
    return x.quantize(step, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Factors:
    """The factor tables and costs of a valuation model (read from the reference data)."""

    value: dict[str, Decimal]  # concept IRI (condition, release quality, R-strategy) -> mp:valueFactor
    floor: Decimal  # detachability factor = floor + (1 - floor) x index
    missing: Decimal  # the factor when a property is not recorded
    dismantling: Decimal  # general cost per tonne
    transport: Decimal
    material_costs: dict[str, tuple[Decimal | None, Decimal | None]]  # material -> (dismantling, transport)
    broader: dict[str, str]  # material -> its skos:broader material
    model: str  # IRI of the mp:ValuationModel

    def chain(self, material: str) -> list[str]:
        """The material and its broader materials, nearest first."""
        out: list[str] = []
        while material and material not in out:
            out.append(material)
            material = self.broader.get(material, "")
        return out

    def cost_per_tonne(self, material: str) -> tuple[Decimal, Decimal]:
        dismantling = transport = None
        for m in self.chain(material):
            own = self.material_costs.get(m, (None, None))
            dismantling = dismantling if dismantling is not None else own[0]
            transport = transport if transport is not None else own[1]
        return (self.dismantling if dismantling is None else dismantling,
                self.transport if transport is None else transport)


@dataclass(frozen=True)
class PriceEntry:
    iri: str
    material: str
    price: Decimal
    unit: str
    valid_from: date | None = None
    valid_until: date | None = None
    regions: frozenset[str] = frozenset()  # municipality or region IRIs; empty: everywhere

    def applies(self, on: date | None, places: frozenset[str] = frozenset()) -> bool:
        if on is not None and ((self.valid_from and on < self.valid_from)
                               or (self.valid_until and on > self.valid_until)):
            return False
        return not self.regions or bool(self.regions & places)


@dataclass
class PriceList:
    iri: str
    currency: str
    entries: dict[tuple[str, str], PriceEntry]  # (material, unit) -> entry
    title: str = ""
    indicative: bool = False

    def find(self, material_chain: list[str], unit: str, on: date | None = None,
             places: frozenset[str] = frozenset()) -> PriceEntry | None:
        for material in material_chain:
            entry = self.entries.get((material, unit))
            if entry is not None and entry.applies(on, places):
                return entry
        return None


@dataclass(frozen=True)
class Quantity:
    """What the passport records about one material quantity, and what holds for it."""

    iri: str  # "_:" and its label for a blank node (a record then names no quantity: ``valuations``)
    material: str
    value: Decimal | None
    unit: str | None
    mass_kg: Decimal | None  # the registry's mp:massKg (registry.model.mass); None: no mass derivable
    condition: str | None = None
    detachability_index: Decimal | None = None
    strategy: str | None = None
    quality: str | None = None


@dataclass(frozen=True)
class QuantityValue:
    """The valuation of one quantity, with every input (mp:ValuationInput)."""

    quantity: Quantity
    entry: PriceEntry | None
    priced_amount: Decimal | None
    factors: dict[str, Decimal]  # condition, detachability, releaseQuality, rStrategy
    gross: Decimal | None
    costs: Decimal
    net: Decimal
    notes: list[tuple[str, str]] = field(default_factory=list)  # (en, nl)


def _factor(f: Factors, concept: str | None, name: str, notes: list) -> Decimal:
    if concept is None:
        notes.append((f"{name} not recorded: factor {f.missing}", f"{name} niet vastgelegd: factor {f.missing}"))
        return f.missing
    if concept not in f.value:
        notes.append((f"{name} {concept} has no value factor: factor {f.missing}",
                      f"{name} {concept} heeft geen waardefactor: factor {f.missing}"))
        return f.missing
    return f.value[concept]


def value_quantity(q: Quantity, prices: PriceList, f: Factors, on: date | None = None,
                   places: frozenset[str] = frozenset()) -> QuantityValue:
    """The value of one quantity on date ``on`` for a municipality in ``places`` (its IRI and region)."""
    notes: list[tuple[str, str]] = []
    chain = f.chain(q.material)
    entry = None
    amount = None
    if q.unit is not None and q.unit not in MASS_UNITS and q.value is not None:
        entry = prices.find(chain, q.unit, on, places)
        amount = q.value if entry else None
    if entry is None and q.mass_kg is not None:
        for unit, per in ((TONNE, Decimal(1000)), (KG, Decimal(1))):
            entry = prices.find(chain, unit, on, places)
            if entry is not None:
                amount = q.mass_kg / per
                break
    factors = {
        "condition": _factor(f, q.condition, "condition", notes),
        "releaseQuality": _factor(f, q.quality, "release quality", notes),
        "rStrategy": _factor(f, q.strategy, "planned R-strategy", notes),
    }
    if q.detachability_index is None:
        notes.append((f"detachability index not recorded: factor {f.missing}",
                      f"losmaakbaarheidsindex niet vastgelegd: factor {f.missing}"))
        factors["detachability"] = f.missing
    else:
        factors["detachability"] = f.floor + (1 - f.floor) * q.detachability_index
    if entry is None or amount is None:
        notes.append(("no price for this material and unit in the price list (or no mass): not valued",
                      "geen prijs voor dit materiaal en deze eenheid in de prijslijst (of geen massa): niet gewaardeerd"))
        return QuantityValue(q, None, None, factors, None, Decimal(0), Decimal(0), notes)
    gross = amount * entry.price
    for factor in factors.values():
        gross *= factor
    costs = Decimal(0)
    if q.mass_kg is None:
        notes.append(("mass unknown: no dismantling or transport costs deducted",
                      "massa onbekend: geen kosten voor demontage of transport afgetrokken"))
    else:
        dismantling, transport = f.cost_per_tonne(q.material)
        costs = q.mass_kg / 1000 * (dismantling + transport)
    gross, costs = _round(gross), _round(costs)
    net = gross - costs
    if net < 0:
        notes.append((f"costs exceed the value by {-net} {prices.currency}: recorded as 0",
                      f"kosten zijn {-net} {prices.currency} hoger dan de waarde: vastgelegd als 0"))
        net = Decimal("0.00")
    return QuantityValue(q, entry, _round(amount, Decimal("0.000001")), factors, gross, costs, net, notes)
