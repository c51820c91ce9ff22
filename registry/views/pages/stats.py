"""Whole-store counts for the pages (passports per municipality, object kind, material; uses of
each concept; recent changes), computed by named aggregate queries once per store generation
(``cache.cache_for``) and served from memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from registry.store.named_queries import select
from registry.views.pages.cache import cache_for

_MISSING = object()


@dataclass
class Stats:
    """Whole-store counts for home, municipality, kind and material pages."""

    by_municipality: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_municipality_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    # material -> municipality -> (passports, records, records with a mass, mass in kg)
    materials: dict[str, dict[str, tuple[int, int, int, float]]] = field(default_factory=dict)
    # material -> municipality -> passports recording it in any unit
    material_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    recent: list[dict] = field(default_factory=list)
    total: int = 0
    generation: str = ""
    # Values the pages derive from these counts, made once per Stats (a new one per generation).
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key, compute: Callable[[], Any]) -> Any:
        """``compute()``, once for this Stats: the counts never change after they are made."""
        found = self._derived.get(key, _MISSING)
        if found is _MISSING:
            found = self._derived[key] = compute()
        return found

    def material_passports(self, material: str, municipality: str | None = None) -> int:
        """Passports recording the material, in any unit."""
        per = self.material_counts.get(material, {})
        if municipality:
            return per.get(municipality, 0)
        return sum(per.values())

    def material_tonnes(self, material: str, municipality: str | None = None) -> float:
        """The mass of the material in tonnes (mp:massKg of its quantities: docs/model.md, "Mass")."""
        per = self.materials.get(material, {})
        munis = [municipality] if municipality else list(per)
        return sum(per[m][3] for m in munis if m in per) / 1000


def _int(term) -> int:
    return int(term.value) if term is not None else 0


def compute_stats(store: ox.Store) -> Stats:
    stats = Stats()
    for row in select(store, "page-counts-by-municipality-kind"):
        muni, kind, n = row["municipality"].value, row["kind"].value, _int(row.get("n"))
        stats.by_municipality_kind.setdefault(muni, {})[kind] = n
        stats.by_kind[kind] = stats.by_kind.get(kind, 0) + n
    # A passport counts once per municipality even when its object has several classes.
    for muni in stats.by_municipality_kind:
        stats.by_municipality[muni] = 0
    for row in select(store, "page-counts-by-municipality"):
        stats.by_municipality[row["municipality"].value] = _int(row.get("n"))
    stats.total = sum(stats.by_municipality.values())
    for row in select(store, "page-counts-by-municipality-material"):
        kg = float(row["kg"].value) if "kg" in row else 0.0
        stats.materials.setdefault(row["material"].value, {})[row["municipality"].value] = (
            _int(row.get("passports")), _int(row.get("records")), _int(row.get("withMass")), kg)
    for row in select(store, "page-counts-passports-by-material"):
        stats.material_counts.setdefault(row["material"].value, {})[row["municipality"].value] = \
            _int(row.get("passports"))
    for row in select(store, "page-recent-changes"):
        stats.recent.append({"version": row["version"].value, "passport": row["passport"].value,
                             "number": _int(row.get("number")),
                             "generated": row["generated"].value if "generated" in row else "",
                             "agent": row["agent"].value if "agent" in row else ""})
    return stats


def stats(registry, *, wait: float | None = 5.0) -> Stats | None:
    """The cached whole-store counts; None while they are first being computed (big stores)."""
    return cache_for(registry).get("stats", lambda: compute_stats(registry.store), wait=wait)


def value_counts(registry, predicate: str, *, wait: float | None = 5.0) -> dict[str, int] | None:
    """How many resources have each value of ``predicate`` (cached per generation)."""
    def compute() -> dict[str, int]:
        return {row["value"].value: _int(row.get("n"))
                for row in select(registry.store, "page-counts-by-value",
                                  {"predicate": ox.NamedNode(predicate)})
                if isinstance(row.get("value"), ox.NamedNode)}
    return cache_for(registry).get(("values", predicate), compute, wait=wait)


__all__ = ["Stats", "compute_stats", "stats", "value_counts"]
