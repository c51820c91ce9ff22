"""The Material Circularity Indicator of one object, from the facts the monitor aggregates keep
(``monitor_facts``), computed as ``sparql/indicator-mci-per-object.rq`` computes it.

The query groups an object's quantities by what the method needs of them (material, R-strategy,
life cycle, nature, origin, material phase, recycled content), works out virgin feedstock and
unrecoverable waste per group in decimals (divisions truncated to 18 decimals as the store
divides), sums them per object, and turns them into the linear flow index, the utility and the
MCI in doubles. This module does the same steps in the same arithmetic, so the stored rows
(``monitor_index``: table ``mci``) answer ``indicator-mci-per-object`` without the store, equal to
the last digit (the same IEEE operations in the same order; the store turns a decimal into a double
correctly rounded, as Python does). The means over objects (``indicator-mci``, the comparison of
municipalities) take each object's MCI rounded to 9 decimals as a decimal, so that they are exact
whatever order the store adds in; ``t_mci`` keeps those sums per municipality.
tests/store/test_monitor_index.py compares every figure with its saved query.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pyoxigraph as ox

from registry.model.terms import Terms
from registry.model.vocab import MP, MPV
from registry.store.monitor_facts import MonitorFacts, canonical_decimal, divide, join_exact

LIFECYCLE, NATURE = MPV + "lifecycleorigin/", MPV + "materialnature/"
REUSED_PHASES = (MPV + "materialphase/second-use", MPV + "materialphase/third-use-or-later")
DEFAULTS = MPV + "mci-defaults"
ONE, ZERO, NANO = Decimal(1), Decimal(0), Decimal(10 ** 9)


@dataclass(frozen=True)
class ObjectMci:
    """One row of ``indicator-mci-per-object`` (None: the query leaves the column unbound)."""

    mass: Decimal
    virgin: Decimal | None
    waste: Decimal | None
    lfi: float | None
    lifetime: int | None
    average_lifetime: str | None
    utility: float
    mci: float | None


def rounded(mci: float | None) -> Decimal | None:
    """An object's MCI to 9 decimals as the mean takes it: ``ROUND(xsd:decimal(?mci) * 1000000000) /
    1000000000``; the store turns a double into a decimal as ``int(x * 1e18) / 10^18`` and rounds
    halves up."""
    if mci is None:
        return None
    exact = Decimal(int(mci * 1e18)) / 10 ** 18
    return (exact * NANO).quantize(ONE, rounding=ROUND_HALF_UP) / NANO


def double_text(value: float | None) -> str | None:
    """A double as the store writes it (``0.55``, ``1``, ``0.30000000000000004``)."""
    return None if value is None else ox.Literal(float(value)).value


def _first(terms: Terms, iri: str | None, predicate: str) -> str | None:
    found = terms.values(iri, MP + predicate) if iri else []
    return found[0].value if found else None


def _fractions(terms: Terms, material: str, life_cycle: str | None, nature: str | None, origin: str | None,
               phase: str | None, recycled: str | None) -> tuple[Decimal, Decimal, Decimal]:
    """(FR, FU, FS) of a group of quantities."""
    life = life_cycle or _first(terms, origin, "impliesLifeCycleOrigin")
    if life is None and phase in REUSED_PHASES:
        life = LIFECYCLE + "secondary"
    kind = nature or _first(terms, origin, "impliesMaterialNature")
    if kind is None and _first(terms, material, "renewable") in ("true", "1"):
        kind = NATURE + "biobased"
    fu = ONE if life == LIFECYCLE + "secondary" else ZERO
    if life == LIFECYCLE + "recycled":
        fr = ONE
    else:
        fr = ZERO if fu == ONE else Decimal(recycled or 0)
    fs = ONE - fr - fu if kind == NATURE + "biobased" else ZERO
    return fr, fu, fs


def _collections(terms: Terms, strategy: str) -> tuple[Decimal, Decimal]:
    """(CU, CR) of a planned R-strategy: CU 1 for R3-R7, CR 1 for R8."""
    rank = _first(terms, strategy, "rank") if strategy != "none" else None
    value = Decimal(rank) if rank is not None else None
    cu = ONE if value is not None and 3 <= value <= 7 else ZERO
    cr = ONE if value == 8 else ZERO
    return cu, cr


def _efficiency(terms: Terms, material: str, predicate: str) -> Decimal:
    return Decimal(_first(terms, material, predicate) or _first(terms, DEFAULTS, predicate) or 1)


def _sum(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def object_mci(facts: MonitorFacts, terms: Terms) -> ObjectMci | None:
    """The MCI row of the object ``facts`` describes; None when the query has no row for it (no
    quantity with a material and a mass, or a total mass of zero)."""
    groups: dict[tuple, int] = {}
    for q in facts.quantities:
        if q.material is None or q.grams is None:
            continue
        key = (q.material, q.strategy, q.life_cycle, q.nature, q.origin, q.phase, q.recycled)
        groups[key] = groups.get(key, 0) + q.grams
    if not groups:
        return None
    mass, virgin, waste, feedstock, recycling = ZERO, ZERO, ZERO, ZERO, ZERO
    for (material, strategy, life_cycle, nature, origin, phase, recycled), grams in groups.items():
        m = Decimal(grams) / 1000
        fr, fu, fs = _fractions(terms, material, life_cycle, nature, origin, phase, recycled)
        cu, cr = _collections(terms, strategy)
        ef = _efficiency(terms, material, "feedstockRecyclingEfficiency")
        ec = _efficiency(terms, material, "endOfLifeRecyclingEfficiency")
        wf = divide(m * (ONE - ef) * fr, ef)
        wc = m * (ONE - ec) * cr
        half = divide(wf + wc, Decimal(2)) if wf is not None else None
        mass += m
        virgin = _sum(virgin, m * (ONE - fr - fu - fs))
        waste = _sum(waste, _sum(m * (ONE - cr - cu), half))
        feedstock, recycling = _sum(feedstock, wf), _sum(recycling, wc)
    if mass <= 0:
        return None
    lifetime = None
    if facts.object_release is not None and facts.built is not None:
        lifetime = facts.object_release - facts.built
    average = next((a for kind in facts.kinds if (a := _first(terms, kind, "averageLifetimeYears"))), None)
    utility = 1.0
    if lifetime is not None and lifetime > 0 and average is not None:
        utility = float(lifetime) / float(average) if float(average) else float("inf")
    lfi = None
    if virgin is not None and waste is not None and feedstock is not None and recycling is not None:
        half = divide(feedstock - recycling, Decimal(2))
        denominator = float(2 * mass + half) if half is not None else 0.0
        lfi = float(virgin + waste) / denominator if denominator else None
    mci = None
    if lfi is not None:
        raw = 1 - lfi * 0.9 / utility
        mci = max(raw, 0.0)  # the query's IF(?raw < 0, 0, ?raw): the same text, "0"
    return ObjectMci(mass, virgin, waste, lfi, lifetime, average, utility, mci)


def _kg(grams: int) -> str:
    return canonical_decimal(format(Decimal(grams) / 1000, "f")) or "0"


def _scoped(municipality: str | None) -> tuple[str, tuple, dict[str, str]]:
    if municipality:
        return " WHERE municipality = ?", (municipality,), {"municipality": municipality}
    return "", (), {}


def mci_totals(conn: sqlite3.Connection, municipality: str | None) -> tuple[int, int, int, Decimal]:
    """(objects, grams, objects with an MCI, the sum of rounded MCI × mass) from ``t_mci``."""
    where, args, _ = _scoped(municipality)
    objects, grams, with_mci, units, high, low = conn.execute(
        "SELECT COALESCE(SUM(objects), 0), COALESCE(SUM(grams), 0), COALESCE(SUM(with_mci), 0), "
        "COALESCE(SUM(w_units), 0), COALESCE(SUM(w_high), 0), COALESCE(SUM(w_low), 0) FROM t_mci" + where,
        args).fetchone()
    return objects, grams, with_mci, join_exact(units, high, low)


def mci_figure(conn: sqlite3.Connection, municipality: str | None) -> list[dict[str, str]]:
    """``indicator-mci``: objects, their mass and the mass-weighted mean of their rounded MCI."""
    objects, grams, with_mci, weighted = mci_totals(conn, municipality)
    if not objects:
        return []
    row = {**_scoped(municipality)[2], "objects": str(objects), "massKg": _kg(grams)}
    mean = divide(weighted, Decimal(grams) / 1000)
    if with_mci == objects and mean is not None:  # an object without an MCI leaves the mean unbound
        row["mci"] = canonical_decimal(format(mean, "f"))
    return [row]


def mci_row(iri: str, obj: str, place: str, grams: int, virgin: str | None, waste: str | None, lfi: float | None,
            lifetime: int | None, average: str | None, utility: float, mci: float | None) -> dict[str, str]:
    """The columns of ``indicator-mci-per-object`` of one row of table ``mci`` (unbound ones absent)."""
    values = {"passport": iri, "object": obj, "passportMunicipality": place, "massKg": _kg(grams),
              "virginKg": virgin, "wasteKg": waste, "lfi": double_text(lfi),
              "lifetime": None if lifetime is None else str(lifetime), "averageLifetime": average,
              "utility": double_text(utility), "mci": double_text(mci)}
    return {k: v for k, v in values.items() if v is not None}


__all__ = ["ObjectMci", "double_text", "mci_figure", "mci_row", "mci_totals", "object_mci", "rounded"]
