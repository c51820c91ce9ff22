"""RDF terms as the engine holds them: pyoxigraph's, converted once from the rdflib shapes graph."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF

from registry.validation.engine.errors import Unsupported

Node = ox.NamedNode | ox.BlankNode | ox.Literal
RDF_TYPE = ox.NamedNode(str(RDF.type))
LANG_STRING = str(RDF.langString)


def to_ox(term) -> Node:
    """The pyoxigraph term for an rdflib term of the shapes graph (``sh:in`` members, bounds, ...)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise Unsupported(f"term {term!r}")
