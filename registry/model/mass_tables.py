"""The reference values the mass derivations read (docs/model.md, "Mass"), as lookup tables.

Read from the reference files (``registry.model.reference.REFERENCE_FOLDERS``): the materials' default
density (``mp:defaultDensity``, with the short form of their ``dcterms:source``) and hierarchy
(``skos:broader``), the ``mp:MassReference`` records of ``ontology/mass.ttl`` (default thickness,
cross-section and typical mass per piece, per object kind and/or material) and the Dutch and English
labels of materials and object kinds for the derivation texts. ``MassTables.digest`` changes exactly
when a value, label or source the derivations use changes (or ``ALGORITHM``): the store re-derives
its masses then (``registry.store.masses``).

>>> t = mass_tables()
>>> t.density["concrete"].value
Decimal('2400')
>>> t.lookup("piece", ("Bench",), "hardwood").value
Decimal('45')
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from registry.model.reference import REFERENCE_FOLDERS, reference_digest, reference_files
from registry.model.vocab import MP, MPV, RDF, RDFS, SKOS

ALGORITHM = "mass-1"
"""Changes when the derivation itself changes (not its data), so that stores re-derive."""
MATERIAL_PREFIX = MPV + "material/"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
REFERENCE_PROPERTIES = {MP + "defaultThickness": "thickness", MP + "defaultCrossSection": "section",
                        MP + "typicalMass": "piece"}
# Short forms of the usual source phrases, in Dutch, for the Dutch derivation text.
DUTCH_PHRASES = {
    "Engineering estimate (no single published value)": "technische schatting (geen enkele gepubliceerde waarde)",
    "common handbook value (not checked against a single Dutch source)":
        "gangbare handboekwaarde (niet aan één Nederlandse bron getoetst)",
}


@dataclass(frozen=True)
class RefValue:
    """One reference value: the number, where it came from (a short citation) and the record's IRI."""

    value: Decimal
    citation: str
    iri: str
    kind: str | None = None  # the object kind it is for (local name), None for any
    material: str | None = None  # the material it is for (key), None for any

    def cite(self, lang: str) -> str:
        return DUTCH_PHRASES.get(self.citation, self.citation) if lang == "nl" else self.citation


def short_citation(source: str) -> str:
    """The citation part of a ``dcterms:source`` text: after a leading "Density: " (etc.), up to the
    first ": " or "; ".

    >>> short_citation("Density: NEN-EN 1991-1-1:2002 (Eurocode 1), Annex A: nominal densities")
    'NEN-EN 1991-1-1:2002 (Eurocode 1), Annex A'
    """
    head, sep, rest = source.partition(": ")
    if sep and head in ("Density", "Thickness", "Cross-section", "Typical mass"):
        source = rest
    for stop in (": ", "; "):
        source = source.split(stop, 1)[0]
    return source.strip().rstrip(".")


@dataclass(frozen=True)
class MassTables:
    """Lookup tables for ``registry.model.mass.derive``; ``digest`` identifies their content."""

    density: dict[str, RefValue]  # material key -> default density (kg/m3)
    broader: dict[str, str]  # material key -> broader material key
    tables: dict[str, dict[tuple[str | None, str | None], RefValue]]  # thickness|section|piece
    labels: dict[str, tuple[str, str]]  # material key or object kind local name -> (nl, en)
    digest: str

    def materials(self, key: str) -> Iterable[str]:
        """The material and the materials above it (skos:broader), nearest first."""
        seen = set()
        while key and key not in seen:
            seen.add(key)
            yield key
            key = self.broader.get(key)

    def lookup(self, table: str, kinds: tuple[str, ...], material: str) -> RefValue | None:
        """The reference value for (object kind, material), else (any kind, material), else (kind, any
        material); a material inherits the values of the materials above it."""
        rows = self.tables[table]
        chain = list(self.materials(material))
        for key in [(k, m) for k in kinds for m in chain] + [(None, m) for m in chain] + [(k, None) for k in kinds]:
            found = rows.get(key)
            if found is not None:
                return found
        return None

    def label(self, key: str, lang: str) -> str:
        pair = self.labels.get(key)
        return (pair[0] if lang == "nl" else pair[1]) if pair else key


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def tables_from(statements: Iterable[ox.Triple]) -> MassTables:
    """Build the tables from the statements of the reference files."""
    subjects: dict[str, dict[str, list[ox.Term]]] = {}
    wanted = {MP + "defaultDensity", DCTERMS_SOURCE, SKOS + "broader", SKOS + "prefLabel", RDFS + "label",
              MP + "forMaterial", MP + "forObjectKind", RDF + "type", *REFERENCE_PROPERTIES}
    for t in statements:
        p = t.predicate.value
        if p in wanted:
            subjects.setdefault(t.subject.value, {}).setdefault(p, []).append(t.object)
    density: dict[str, RefValue] = {}
    broader: dict[str, str] = {}
    tables: dict[str, dict] = {name: {} for name in REFERENCE_PROPERTIES.values()}
    labels: dict[str, tuple[str, str]] = {}
    for s, props in subjects.items():
        source = next((o.value for o in props.get(DCTERMS_SOURCE, ())), "")
        names = {o.language: o.value for p in (SKOS + "prefLabel", RDFS + "label") for o in props.get(p, ())
                 if isinstance(o, ox.Literal) and o.language in ("nl", "en")}
        if s.startswith(MATERIAL_PREFIX):
            key = s[len(MATERIAL_PREFIX):]
            if MP + "defaultDensity" in props:
                density[key] = RefValue(Decimal(props[MP + "defaultDensity"][0].value), short_citation(source), s,
                                        material=key)
            up = next((o.value for o in props.get(SKOS + "broader", ()) if o.value.startswith(MATERIAL_PREFIX)), None)
            if up:
                broader[key] = up[len(MATERIAL_PREFIX):]
        elif s.startswith(MP):
            key = s[len(MP):]
        else:
            key = None
        if key is not None and "nl" in names and "en" in names:
            labels[key] = (names["nl"], names["en"])
        for prop, table in REFERENCE_PROPERTIES.items():
            if prop in props:
                material = next((o.value[len(MATERIAL_PREFIX):] for o in props.get(MP + "forMaterial", ())), None)
                kind = next((_local(o.value) for o in props.get(MP + "forObjectKind", ())), None)
                tables[table][(kind, material)] = RefValue(Decimal(props[prop][0].value),
                                                           short_citation(source), s, kind, material)
    digest = hashlib.sha256(repr((ALGORITHM, sorted(density.items()), sorted(broader.items()),
                                  {k: sorted(v.items(), key=repr) for k, v in tables.items()},
                                  sorted(labels.items()))).encode()).hexdigest()
    return MassTables(density, broader, tables, labels, "sha256:" + digest)


@lru_cache(maxsize=2)
def _tables(digest: str, folders: tuple[Path, ...]) -> MassTables:
    statements: list[ox.Triple] = []
    for ref in reference_files(folders):
        statements += ox.parse(path=str(ref.path), format=ox.RdfFormat.TURTLE)
    return tables_from(statements)


def mass_tables(folders: tuple[Path, ...] = REFERENCE_FOLDERS) -> MassTables:
    """The tables of the reference files as they are now (parsed again only when the files change)."""
    return _tables(reference_digest(folders), tuple(folders))
