"""Price lists checked against ``shapes/pricelist/`` with pySHACL (the reference engine: a price list is
a few hundred triples, checked once when it is imported).

>>> check_price_list([])  # nothing to check: conforms
[]
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
import rdflib

from registry.core.resources import SHAPES_DIR
from registry.validation.validator import Issue, read_report

PRICE_LIST_SHAPES = SHAPES_DIR / "pricelist"


@lru_cache(maxsize=1)
def _shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(PRICE_LIST_SHAPES.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def check_price_list(statements: Iterable[ox.Triple | ox.Quad]) -> list[Issue]:
    """The SHACL results (violations and warnings) of a price list's statements."""
    from pyshacl import validate

    data = rdflib.Graph()
    data.parse(data=ox.serialize((ox.Triple(s.subject, s.predicate, s.object) for s in statements),
                                 format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    if len(data) == 0:
        return []
    _, report, _ = validate(data, shacl_graph=_shapes(), advanced=False, inference="none")
    return read_report(report)
