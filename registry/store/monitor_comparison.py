"""``indicator-municipality-comparison`` from the monitor aggregates: one row per municipality,
each figure as the indicator of the same name computes it (goal 3 from ``t_valued``, goal 2's
primary abiotic share from ``t_origin``, the mass-weighted MCI from the ``mci`` rows), with the
passports' latest valuations summed exactly (``t_value``) and their objects' mass (``t_mci``).

The saved query joins a municipality's passports with its quantities' origins, so a
municipality whose quantities have no material has no row; every division is the store's
(decimals truncated to 18 decimals; the MCI a double).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

from registry.model.terms import Terms, get_terms
from registry.model.vocab import SKOS
from registry.store.monitor_figures import goal2_material_origin, kg, text, year_before
from registry.store.monitor_index import divide, join_exact
from registry.store.monitor_mci import double_text


def _name(terms: Terms, municipality: str) -> str | None:
    for label in terms.values(municipality, SKOS + "prefLabel"):
        language = (getattr(label, "language", None) or "").lower()
        if language == "nl" or language.startswith("nl-"):
            return label.value
    return None


def _weighted_mci(conn: sqlite3.Connection, municipality: str, grams: int) -> str | None:
    """``SUM(COALESCE(?objectMci, 0) * ?passportMass) / SUM(?passportMass)``: a passport without an
    MCI counts with 0; unbound when the mass is zero."""
    if not grams:
        return None
    weighted = conn.execute("SELECT SUM(COALESCE(mci, 0) * (grams / 1000.0)) FROM mci WHERE municipality = ?",
                            (municipality,)).fetchone()[0] or 0.0
    return double_text(weighted / float(Decimal(grams) / 1000))


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
        grams = (conn.execute("SELECT grams FROM t_mci WHERE municipality = ?", (place,)).fetchone() or (0,))[0]
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
        row["mci"] = _weighted_mci(conn, place, grams)
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows


__all__ = ["municipality_comparison"]
