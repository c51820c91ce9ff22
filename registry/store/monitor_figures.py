"""The indicator figures answered from the monitor aggregates (``monitor_index``), not the store
(asked through ``monitor_answers``).

Each function gives exactly the rows ``named_queries.select_plain`` gives for the saved query of the
same name (``sparql/indicator-*.rq``): the same columns (a column the query leaves unbound is
absent), the same values as text (decimals as the store writes them, divisions truncated to 18
decimals as the store divides) and the same order. tests/store/test_monitor_index.py compares
them after each kind of write. ``/query/indicator-*`` stays the saved query: the reference.

Figures answered here: ``indicator-goal3-valued-share``, ``indicator-stock-by-material``,
``indicator-rstrategy-by-mass``, ``indicator-detachability-distribution``,
``indicator-release-forecast``, ``indicator-stock-over-years``, ``indicator-goal2-material-origin``,
``indicator-embodied-carbon``; ``monitor_mci``, ``monitor_comparison`` and ``monitor_lists`` answer the others. ``municipality``: an IRI (None: the region).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pyoxigraph as ox

from registry.model.terms import Terms, get_terms
from registry.model.vocab import MP, MPV, SKOS
from registry.store.monitor_facts import canonical_decimal
from registry.store.monitor_index import divide, join_exact

Row = dict[str, str]


def text(value: Decimal | int) -> str:
    return canonical_decimal(format(Decimal(value), "f")) or "0"


def kg(grams: int | None) -> str:
    return text(Decimal(grams or 0) / 1000)


def _scope(municipality: str | None, column: str = "municipality") -> tuple[str, tuple]:
    return (f" AND {column} = ?", (municipality,)) if municipality else ("", ())


def _echo(row: Row, **values: str | None) -> Row:
    """The parameters the query echoes (unbound ones are absent)."""
    return {**{k: v for k, v in values.items() if v is not None}, **row}


def _labels(terms: Terms, iri: str) -> Row:
    out = {}
    for lang, key in (("nl", "labelNl"), ("en", "labelEn")):
        found = [v.value for v in terms.values(iri, SKOS + "prefLabel") if getattr(v, "language", None) == lang]
        if found:
            out[key] = found[0]
    return out


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def goal3_valued_share(conn: sqlite3.Connection, municipality: str | None, on: date) -> list[Row]:
    since = year_before(on)
    where, args = _scope(municipality)
    objects, grams = conn.execute("SELECT COALESCE(SUM(passports), 0), COALESCE(SUM(grams), 0) FROM t_passport "
                                  "WHERE 1" + where, args).fetchone()
    valued, valued_grams = conn.execute(
        "SELECT COALESCE(SUM(passports), 0), COALESCE(SUM(grams), 0) FROM t_valued WHERE day > ?1 AND day <= ?2 "
        "AND prev <= ?1" + where.replace("?", "?3"), (since.isoformat(), on.isoformat(), *args)).fetchone()
    if not objects:
        return []
    row = {"date": on.isoformat(), "from": since.isoformat(), "until": on.isoformat(), "objects": str(objects),
           "valuedObjects": str(valued), "objectShare": text(divide(Decimal(valued), Decimal(objects))),
           "massKg": kg(grams), "valuedMassKg": kg(valued_grams)}
    share = divide(Decimal(valued_grams) / 1000, Decimal(grams) / 1000)
    if share is not None:
        row["massShare"] = text(share)
    row.update(target="0.5", targetYear="2035")
    return [_echo(row, municipality=municipality)]


def stock_by_material(conn: sqlite3.Connection, municipality: str | None, terms: Terms | None = None) -> list[Row]:
    terms = terms or get_terms()
    where, args = _scope(municipality)
    rows = []
    for material, grams, units, high, low, passports, quantities, with_mass in conn.execute(
            "SELECT material, SUM(grams), SUM(v_units), SUM(v_high), SUM(v_low), SUM(passports), "
            "SUM(quantities), SUM(with_mass) FROM t_material WHERE 1" + where + " GROUP BY material", args):
        rows.append((Decimal(grams) / 1000, material, _echo({
            "material": material, **_labels(terms, material), "massKg": kg(grams),
            "valueEur": text(join_exact(units, high, low)), "passports": str(passports),
            "quantities": str(quantities), "quantitiesWithoutMass": str(quantities - with_mass)},
            municipality=municipality)))
    rows.sort(key=lambda r: (-r[0], r[1]))
    return [r[2] for r in rows]


def _rank(terms: Terms, iri: str) -> str | None:
    found = terms.values(iri, MP + "rank")
    return found[0].value if found else None


def rstrategy_by_mass(conn: sqlite3.Connection, municipality: str | None, terms: Terms | None = None) -> list[Row]:
    terms = terms or get_terms()
    where, args = _scope(municipality)
    rows = []
    for strategy, grams, quantities, with_mass, objects in conn.execute(
            "SELECT strategy, SUM(grams), SUM(quantities), SUM(with_mass), SUM(objects) "
            "FROM t_strategy WHERE 1" + where + " GROUP BY strategy", args):
        rank = _rank(terms, strategy) if strategy != "none" else None
        row = {"strategy": strategy, **({"rank": rank} if rank is not None else {}), **_labels(terms, strategy),
               "massKg": kg(grams), "quantities": str(quantities),
               "quantitiesWithoutMass": str(quantities - with_mass), "objects": str(objects)}
        rows.append(((Decimal(rank) if rank is not None else Decimal(99)), strategy == "none", strategy,
                     _echo(row, municipality=municipality)))
    rows.sort(key=lambda r: r[:3])
    return [r[3] for r in rows]


def _bands(terms: Terms) -> list[tuple[Decimal, Decimal, str, str]]:
    scheme = MPV + "detachabilityclass"
    out = []
    for iri in terms.members(scheme):
        lower, upper, rank = (terms.values(iri, MP + p) for p in ("lowerBound", "upperBound", "rank"))
        if lower and upper and rank:
            out.append((Decimal(lower[0].value), Decimal(upper[0].value), rank[0].value, iri))
    return out


def detachability_distribution(conn: sqlite3.Connection, municipality: str | None,
                               terms: Terms | None = None) -> list[Row]:
    terms = terms or get_terms()
    where, args = _scope(municipality)
    bands = _bands(terms)
    classes: dict[str, list] = {}
    for index, grams, quantities in conn.execute(
            "SELECT detachability, SUM(grams), SUM(quantities) FROM t_detachability WHERE 1" + where
            + " GROUP BY detachability", args):
        value = Decimal(index) if index is not None else Decimal(-1)
        hits = [(iri, rank) for lower, upper, rank, iri in bands if lower <= value < upper] or [("unknown", "99")]
        for iri, rank in hits:
            c = classes.setdefault(iri, [rank, 0, 0])
            c[1] += grams
            c[2] += quantities
    rows = [_echo({"class": iri, "rank": rank, **(_labels(terms, iri) if iri != "unknown" else {}),
                   "massKg": kg(grams), "quantities": str(quantities)}, municipality=municipality)
            for iri, (rank, grams, quantities) in classes.items()]
    return sorted(rows, key=lambda r: Decimal(r["rank"]))


def release_forecast(conn: sqlite3.Connection, municipality: str | None, year: int) -> list[Row]:
    where, args = _scope(municipality)
    rows = []
    for release, place, material, quality, grams, objects, quantities, with_mass in conn.execute(
            "SELECT release_year, municipality, material, quality, SUM(grams), SUM(objects), SUM(quantities), "
            "SUM(with_mass) FROM t_release WHERE release_year >= ? AND release_year < ?" + where
            + " GROUP BY release_year, municipality, material, quality", (year, year + 10, *args)):
        rows.append(((release, place, material, quality == "unknown", quality), _echo({
            "releaseYear": str(release), "passportMunicipality": place, "material": material, "quality": quality,
            "massKg": kg(grams), "objects": str(objects), "quantities": str(quantities),
            "quantitiesWithoutMass": str(quantities - with_mass)}, year=str(year), municipality=municipality)))
    rows.sort(key=lambda r: r[0])
    return [r[1] for r in rows]


def stock_over_years(conn: sqlite3.Connection, municipality: str | None) -> list[Row]:
    where, args = _scope(municipality)
    built = conn.execute("SELECT built, SUM(grams), SUM(passports) FROM t_built WHERE 1" + where
                         + " GROUP BY built ORDER BY built", args).fetchall()
    rows, grams, objects = [], 0, 0
    for year, year_grams, year_objects in built:
        grams, objects = grams + year_grams, objects + year_objects
        rows.append(_echo({"year": str(year), "massKg": kg(grams), "objects": str(objects)},
                          municipality=municipality))
    return rows


LIFECYCLE, NATURE = MPV + "lifecycleorigin/", MPV + "materialnature/"
REUSED_PHASES = (MPV + "materialphase/second-use", MPV + "materialphase/third-use-or-later")


def _flag(terms: Terms, iri: str, predicate: str) -> bool | None:
    found = terms.values(iri, MP + predicate)
    return None if not found else found[0].value in ("true", "1")


def origin_axes(terms: Terms, material: str, life_cycle: str | None, nature: str | None, origin: str | None,
                phase: str | None) -> tuple[str | None, str | None]:
    """Life cycle and nature of a quantity as indicator-goal2-material-origin decides them: as
    recorded, else implied by the old ``mp:origin``, else from the material phase (re-used:
    secondary) and the material's flags (renewable: biobased, else abiotic: abiotic)."""
    implied = {p: (terms.values(origin, MP + p) or [None])[0] if origin else None
               for p in ("impliesLifeCycleOrigin", "impliesMaterialNature")}
    from_origin = implied["impliesLifeCycleOrigin"]
    life = life_cycle or (from_origin.value if from_origin is not None else None)
    if life is None and phase is not None and phase in REUSED_PHASES:
        life = LIFECYCLE + "secondary"
    from_origin = implied["impliesMaterialNature"]
    kind = nature or (from_origin.value if from_origin is not None else None)
    if kind is None:
        renewable, abiotic = _flag(terms, material, "renewable"), _flag(terms, material, "abiotic")
        if renewable:
            kind = NATURE + "biobased"
        elif renewable is not None and abiotic:
            kind = NATURE + "abiotic"
    return life, kind


def goal2_material_origin(conn: sqlite3.Connection, municipality: str | None, terms: Terms | None = None) -> list[Row]:
    terms = terms or get_terms()
    where, args = _scope(municipality)
    groups = conn.execute(
        "SELECT material, life_cycle, nature, origin, phase, recycled, SUM(grams), SUM(quantities), "
        "SUM(with_mass) FROM t_origin WHERE 1" + where
        + " GROUP BY material, life_cycle, nature, origin, phase, recycled", args).fetchall()
    if not groups:
        return []
    zero = Decimal(0)
    sums = dict.fromkeys(("mass", "primaryAbiotic", "secondaryAbiotic", "biobased", "natureUnknown",
                          "lifeCycleNotRecorded"), zero)
    quantities = with_mass = 0
    for material, life_cycle, nature, origin, phase, recycled, grams, count, massed in groups:
        mass = Decimal(grams) / 1000
        life, kind = origin_axes(terms, material, life_cycle, nature, origin, phase)
        secondary = Decimal(1) if life in (LIFECYCLE + "secondary", LIFECYCLE + "recycled") else Decimal(recycled or 0)
        abiotic = kind == NATURE + "abiotic"
        sums["mass"] += mass
        sums["primaryAbiotic"] += mass * (1 - secondary) if abiotic else zero
        sums["secondaryAbiotic"] += mass * secondary if abiotic else zero
        sums["biobased"] += mass if kind == NATURE + "biobased" else zero
        sums["natureUnknown"] += zero if kind is not None else mass
        sums["lifeCycleNotRecorded"] += zero if life is not None else mass
        quantities, with_mass = quantities + count, with_mass + massed
    row = {"massKg": text(sums["mass"])}
    row.update({f"{k}Kg": text(v) for k, v in sums.items() if k != "mass"})
    for key in ("primaryAbiotic", "secondaryAbiotic", "biobased"):
        share = divide(sums[key], sums["mass"])
        if share is not None:
            row[f"{key}Share"] = text(share)
    row.update(quantities=str(quantities), quantitiesWithoutMass=str(quantities - with_mass))
    return [_echo(row, municipality=municipality)]


def _carbon_factors(terms: Terms, material: str) -> list[tuple[ox.Term | None, ox.Term | None]]:
    """(factor, source) rows as the query's two OPTIONALs give them: the material's own factor,
    else that of a broader material (one row per broader material with a factor)."""
    own = terms.values(material, MP + "embodiedCarbonPerKg")
    if own:
        return [(own[0], (terms.values(material, MP + "embodiedCarbonSource") or [None])[0])]
    broader = [(f[0], (terms.values(b.value, MP + "embodiedCarbonSource") or [None])[0])
               for b in terms.values(material, SKOS + "broader")
               if (f := terms.values(b.value, MP + "embodiedCarbonPerKg"))]
    return broader or [(None, None)]


def embodied_carbon(conn: sqlite3.Connection, municipality: str | None, terms: Terms | None = None) -> list[Row]:
    terms = terms or get_terms()
    where, args = _scope(municipality)
    materials = conn.execute("SELECT material, SUM(grams) FROM t_material WHERE 1" + where + " GROUP BY material",
                             args).fetchall()
    if not materials:
        return []
    rows = []
    total = {"mass": Decimal(0), "carbon": Decimal(0), "without": Decimal(0)}
    for material, grams in materials:
        mass = Decimal(grams) / 1000
        for factor, source in _carbon_factors(terms, material):
            total["mass"] += mass
            row = {"material": material, **_labels(terms, material), "massKg": text(mass)}
            carbon = None
            if factor is not None:
                carbon = mass * Decimal(factor.value)
                row.update(kgCO2ePerKg=factor.value, kgCO2e=text(carbon), massWithoutFactorKg="0")
                total["carbon"] += carbon
            else:
                row["massWithoutFactorKg"] = text(mass)
                total["without"] += mass
            if source is not None:
                row["source"] = source.value
            rows.append((carbon is None, -(carbon or 0), material, _echo(row, municipality=municipality)))
    rows.sort(key=lambda r: r[:3])
    last = {"labelNl": "Totaal", "labelEn": "Total", "massKg": text(total["mass"]), "kgCO2e": text(total["carbon"]),
            "massWithoutFactorKg": text(total["without"])}
    return [r[3] for r in rows] + [_echo(last, municipality=municipality)]


__all__ = [
    "detachability_distribution",
    "embodied_carbon",
    "goal2_material_origin",
    "goal3_valued_share",
    "kg",
    "origin_axes",
    "release_forecast",
    "rstrategy_by_mass",
    "stock_by_material",
    "stock_over_years",
    "text",
    "year_before",
]
