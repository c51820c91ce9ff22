"""The shapes graph: ``shapes/*.ttl`` plus the bounds that depend on today's date.

A SHACL shape cannot know today. A construction year in the future (``"2190"^^xsd:gYear``) must
be refused, so a shape marked ``mps:notAfterCurrentYear true`` gets, when the shapes are loaded,
an ``sh:pattern`` that refuses the four-digit years after the current year (anything else is left
to the shape that checks the year's form, so a date is reported once). A
pattern rather than ``sh:maxInclusive "2026"^^xsd:gYear``: pySHACL does not order ``xsd:gYear``
values (it reports 1978 as greater than 2026), while ``sh:pattern`` works on the lexical form in
pySHACL and in the compiled engine alike, so both engines keep giving the same results. The
bound is fixed when a process loads its validator (a server running across New Year's Eve keeps
the old year until it restarts: one year too strict, never too lenient).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import rdflib
from rdflib.namespace import SH

from registry.core.resources import SHAPES_DIR

NOT_AFTER_CURRENT_YEAR = rdflib.URIRef("https://w3id.org/materiaalpaspoort/shapes#notAfterCurrentYear")


def years_up_to(year: int) -> str:
    """A regular expression that matches every text except a four-digit year after ``year``, e.g.
    for 2026 ``^(?![0-9]{4}$)|^([0-1][0-9][0-9][0-9]|20[0-1][0-9]|202[0-5]|2026)$``."""
    digits = f"{year:04d}"
    if len(digits) != 4:
        raise ValueError(f"{year} is not a four-digit year")
    parts = [digits[:i] + f"[0-{int(d) - 1}]" + "[0-9]" * (3 - i)
             for i, d in enumerate(digits) if d != "0"]
    return "^(?![0-9]{4}$)|^(" + "|".join([*parts, digits]) + ")$"


def date_bounds(shapes: rdflib.Graph, today: datetime.date | None = None) -> rdflib.Graph:
    """Adds the current-year pattern to every shape marked ``mps:notAfterCurrentYear true``."""
    year = (today or datetime.date.today()).year
    for shape in set(shapes.subjects(NOT_AFTER_CURRENT_YEAR, rdflib.Literal(True))):
        shapes.add((shape, SH.pattern, rdflib.Literal(years_up_to(year))))
    return shapes


def load_shapes(shapes_dir: Path = SHAPES_DIR, today: datetime.date | None = None) -> rdflib.Graph:
    """The shapes of ``shapes_dir/*.ttl`` with their date bounds for ``today``."""
    shapes = rdflib.Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return date_bounds(shapes, today)
