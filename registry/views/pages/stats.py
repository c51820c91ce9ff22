"""Whole-store counts for the pages (passports per municipality, object kind, material; uses of
each concept; recent changes).

Read from the sidecar indexes the writer keeps with every write (``registry.store.page_counts``):
milliseconds at any size, computed on request once per store generation (``cache.memo_for``), so
a page always shows the counts of the last finished write. While a sidecar is being updated (a
write under way) the counts of the generation before are served; where the sidecars are missing
(a data directory without them), the saved aggregate queries ``sparql/page-*.rq`` give them
(:func:`compute_stats`, the reference the sidecar answers are tested against) in the background
cache of ``cache.cache_for``.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from registry.store import page_counts
from registry.store.named_queries import select
from registry.views.pages.cache import cache_for, memo_for, note_provisional, per_registry

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


def sidecar_stats(registry) -> Stats | None:
    """The counts from the sidecar indexes; None when one of them does not match the store."""
    data_dir, base = registry.settings.data_dir, registry.base
    counts = page_counts.page_counts(data_dir, base)
    recent = page_counts.recent_versions(data_dir, base, registry.store, registry.provenance_graph) \
        if counts is not None else None
    if counts is None or recent is None:
        return None
    stats = Stats(by_municipality=counts.by_municipality, by_municipality_kind=counts.by_municipality_kind,
                  materials=counts.materials, recent=recent, total=sum(counts.by_municipality.values()))
    for kinds in counts.by_municipality_kind.values():
        for kind, n in kinds.items():
            stats.by_kind[kind] = stats.by_kind.get(kind, 0) + n
    stats.material_counts = {m: {muni: row[0] for muni, row in per.items()} for m, per in counts.materials.items()}
    return stats


RETRIES, RETRY_PAUSE = 20, 0.05  # the first read waits up to a second for a write to finish


class _Unavailable(Exception):
    """A sidecar index does not match the store (now): nothing is memoised for the generation."""


_last: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _Last:
    """The last values read from the sidecars, by key (served while a write updates them)."""

    def __init__(self) -> None:
        self.values: dict = {}
        self.lock = threading.Lock()
        self.gave_up = ""  # the generation in which a read waited in vain: no more waiting in it


def from_sidecars(registry, key, read: Callable[[], Any], fallback: Callable[[], Any],
                   wait: float | None) -> Any:
    """``read()`` once per generation; while it gives None the last value read, else (never read:
    no sidecars) the saved queries' value ``fallback()`` from the background cache."""
    def compute():
        value = read()
        if value is None:
            raise _Unavailable
        return value
    last = per_registry(_last, registry, _Last)
    memo = memo_for(registry)
    for attempt in range(RETRIES + 1):
        try:
            value = memo.get(key, compute)
            break
        except _Unavailable:
            with last.lock:
                value = last.values.get(key)
            if value is not None:
                note_provisional()
                return value
            if attempt == RETRIES or last.gave_up == memo.generation() or \
                    not page_counts.has_sidecars(registry.settings.data_dir):
                last.gave_up = memo.generation()
                return cache_for(registry).get(key, fallback, wait=wait)
            time.sleep(RETRY_PAUSE)  # a write is updating them: its update takes milliseconds
    with last.lock:
        last.values[key] = value
    return value


def stats(registry, *, wait: float | None = 5.0) -> Stats | None:
    """The whole-store counts; None while the saved queries first compute them (no sidecars)."""
    return from_sidecars(registry, "stats", lambda: sidecar_stats(registry),
                          lambda: compute_stats(registry.store), wait)


def sparql_value_counts(store: ox.Store, predicate: str) -> dict[str, int]:
    """How many statements have each value (an IRI) of ``predicate``, by the saved query."""
    return {row["value"].value: _int(row.get("n"))
            for row in select(store, "page-counts-by-value", {"predicate": ox.NamedNode(predicate)})
            if isinstance(row.get("value"), ox.NamedNode)}


def value_counts(registry, predicate: str, *, wait: float | None = 5.0) -> dict[str, int] | None:
    """How many statements of the current passports have each value of ``predicate`` (once per generation)."""
    if predicate not in page_counts.COUNTED:  # not kept by the sidecars: the saved query
        return cache_for(registry).get(("values", predicate), lambda: sparql_value_counts(registry.store, predicate),
                                       wait=wait)
    return from_sidecars(registry, ("values", predicate),
                          lambda: page_counts.value_uses(registry.settings.data_dir, registry.base, predicate),
                          lambda: sparql_value_counts(registry.store, predicate), wait)


__all__ = ["Stats", "compute_stats", "from_sidecars", "sidecar_stats", "sparql_value_counts", "stats", "value_counts"]
