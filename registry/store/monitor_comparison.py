"""``indicator-municipality-comparison`` from the monitor aggregates: one row per municipality,
each figure as the indicator of the same name computes it (goal 3 from ``t_valued``, goal 2's
primary abiotic share from ``t_origin``, the mass-weighted MCI from ``t_mci``), with the
passports' latest valuations summed exactly (``t_value``) and their objects' mass (``t_mci``).

The saved query joins a municipality's passports with its quantities' origins, so a
municipality whose quantities have no material has no row; every division is the store's
(decimals truncated to 18 decimals).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

from registry.model.terms import Terms, get_terms
from registry.model.vocab import SKOS
from registry.store.monitor_figures import goal2_material_origin, kg, text, year_before
from registry.store.monitor_index import divide, join_exact
from registry.store.monitor_mci import mci_totals


def _name(terms: Terms, municipality: str) -> str | None:
    for label in terms.values(municipality, SKOS + "prefLabel"):
        language = (getattr(label, "language", None) or "").lower()
        if language == "nl" or language.startswith("nl-"):
            return label.value
    return None


def municipality_comparison(conn: sqlite3.Connection, municipality: str | None, on: date,
                            terms: Terms | None = None) -> list[dict[str, str]]:
    terms = terms or get_terms()
    since = year_before(on)
    if municipality:
        places = [r[0] for r in conn.execute(
            "SELECT municipality FROM t_passport WHERE municipality = ?", (municipality,))]
    else:
        places = [r[0] for r in conn.execute("SELECT municipality FROM t_passport ORDER BY municipality")]
    rows = []
    for place in places:
        origin = goal2_material_origin(conn, place, terms)
        if not origin or not place:
            continue  # no quantity with a material: the query's join drops the municipality
        passports = conn.execute("SELECT passports FROM t_passport WHERE municipality = ?", (place,)).fetchone()[0]
        _, grams, _, weighted = mci_totals(conn, place)
        value = conn.execute("SELECT v_units, v_high, v_low FROM t_value WHERE municipality = ?", (place,)).fetchone()
        valued, valued_grams = conn.execute(
            "SELECT COALESCE(SUM(passports), 0), COALESCE(SUM(mci_grams), 0) FROM t_valued WHERE day > ?1 "
            "AND day <= ?2 AND prev <= ?1 AND municipality = ?3", (since.isoformat(), on.isoformat(), place)).fetchone()
        row = {"municipality": place, "name": _name(terms, place), "date": on.isoformat(),
               "passports": str(passports), "massKg": kg(grams),
               "valueEur": text(join_exact(*value) if value else Decimal(0)), "valuedObjects": str(valued),
               "objectShare": text(divide(Decimal(valued), Decimal(passports))), "valuedMassKg": kg(valued_grams)}
        mass_share = divide(Decimal(valued_grams) / 1000, Decimal(grams) / 1000)
        if mass_share is not None:
            row["massShare"] = text(mass_share)
        row["primaryAbioticShare"] = origin[0].get("primaryAbioticShare")
        mean = divide(weighted, Decimal(grams) / 1000)  # objects without an MCI count as 0
        row["mci"] = text(mean) if mean is not None else None
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows


__all__ = ["municipality_comparison"]
