"""What the importers look up in the ontology at run time: concepts by name, object kinds,
material densities and municipal extents.

Data, not code: every name comes from ``ontology/*.ttl`` (``skos:prefLabel``, ``skos:altLabel``,
``skos:hiddenLabel``, ``rdfs:label``, ``skos:notation`` and the concept's own local name), matched
case-insensitively with runs of white space folded. A mapping file can add names of its own
(``materials:``, or ``map:`` on any field).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from registry.core.resources import ONTOLOGY_DIR
from registry.model.reference import (
    Municipality,
    load_ontology_store,
    local_name,
    materials_in,
    municipalities_in,
    ontology_files,
)
from registry.model.vocab import MP, MPV, RDFS, SKOS

# Preferred names first: a synonym (altLabel) never hides another concept's own name.
LABELS = (SKOS + "notation", SKOS + "prefLabel", RDFS + "label", SKOS + "altLabel", SKOS + "hiddenLabel")
SUBCLASS = RDFS + "subClassOf"
PHYSICAL_OBJECT = MP + "PhysicalObject"

_SPACES = re.compile(r"[\s_]+")


def normalise(text: str) -> str:
    """The form names are compared in: case-folded, accents kept, white space folded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip().casefold()


class ConceptIndex:
    """Names of the concepts (or classes) of one scheme, to look values up by."""

    def __init__(self, scheme: str, names: dict[str, str], labels: dict[str, str]):
        self.scheme = scheme
        self._names = names  # normalised name -> IRI
        self.labels = labels  # IRI -> a readable label

    def __contains__(self, iri: str) -> bool:
        return iri in self.labels

    def match(self, text) -> str | None:
        return self._names.get(normalise(text))

    def add(self, name: str, iri: str) -> None:
        self._names[normalise(name)] = iri

    def suggestions(self, text, n: int = 3) -> list[str]:
        return difflib.get_close_matches(normalise(text), list(self._names), n=n, cutoff=0.6)

    @functools.lru_cache(maxsize=8)  # noqa: B019 - a handful of indexes per process
    def known(self, limit: int = 12) -> str:
        names = sorted(set(self.labels.values()))
        more = f" (and {len(names) - limit} more)" if len(names) > limit else ""
        return ", ".join(names[:limit]) + more


class Vocabulary:
    """The ontology's concepts, classes, densities and municipalities, in plain dicts."""

    def __init__(self, store: ox.Store):
        props: dict[str, dict[str, list[ox.Term]]] = {}
        for quad in store:
            if isinstance(quad.subject, ox.NamedNode):
                props.setdefault(quad.subject.value, {}).setdefault(quad.predicate.value, []).append(
                    quad.object)
        self._props = props
        self._schemes: dict[str, ConceptIndex] = {}
        self.kinds = self._kinds()
        # the reference data of registry.model.reference, read from this vocabulary's own store
        self.densities = {m.iri: m.density for m in materials_in(store).values()}
        self.municipalities: dict[str, Municipality] = municipalities_in(store, "ontology/*.ttl")

    def scheme(self, name: str) -> ConceptIndex:
        """Concepts whose IRI is ``mpv:{name}/...`` (e.g. ``material``, ``phase``, ``condition``)."""
        if name not in self._schemes:
            prefix = f"{MPV}{name}/"
            iris = [iri for iri in self._props if iri.startswith(prefix)]
            self._schemes[name] = self._index(name, iris)
        return self._schemes[name]

    def _index(self, name: str, iris: list[str]) -> ConceptIndex:
        names: dict[str, str] = {}
        labels: dict[str, str] = {}
        for iri in sorted(iris):
            p = self._props[iri]
            preferred = p.get(SKOS + "prefLabel") or p.get(RDFS + "label") or []
            nl = next((t.value for t in preferred if getattr(t, "language", None) == "nl"), None)
            labels[iri] = f"{local_name(iri)}" + (f" ({nl})" if nl and normalise(nl) != local_name(iri) else "")
        for iri in sorted(iris):
            names.setdefault(normalise(local_name(iri)), iri)
        for predicate in LABELS:
            for iri in sorted(iris):
                for term in self._props[iri].get(predicate, []):
                    if isinstance(term, ox.Literal):
                        names.setdefault(normalise(term.value), iri)
        return ConceptIndex(name, names, labels)

    def _kinds(self) -> ConceptIndex:
        children: dict[str, list[str]] = {}
        for iri, p in self._props.items():
            for parent in p.get(SUBCLASS, []):
                if isinstance(parent, ox.NamedNode):
                    children.setdefault(parent.value, []).append(iri)
        found, todo = [], [PHYSICAL_OBJECT]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.append(child)
                    todo.append(child)
        index = self._index("kind", found)
        return index

    def density(self, material_iri: str) -> float | None:
        """The concept's mp:defaultDensity, or the nearest broader concept's."""
        seen = set()
        iri = material_iri
        while iri and iri not in seen:
            seen.add(iri)
            if iri in self.densities:
                return self.densities[iri]
            broader = self._props.get(iri, {}).get(SKOS + "broader", [])
            iri = broader[0].value if broader else None
        return None


@functools.lru_cache(maxsize=2)
def _cached(directory: str, stamp: tuple) -> Vocabulary:
    return Vocabulary(load_ontology_store(ontology_files(Path(directory))))


def load_vocabulary(directory: Path = ONTOLOGY_DIR) -> Vocabulary:
    """The vocabulary of ``ontology/*.ttl``, read again when a file there changes."""
    directory = Path(directory)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.ttl")))
    return _cached(str(directory), stamp)
