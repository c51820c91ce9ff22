"""Other constraint components: sh:closed (with sh:ignoredProperties), sh:hasValue, sh:in.

https://www.w3.org/TR/shacl/#core-components-others
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compiler, Component
from registry.validation.engine.shapes import Shape
from registry.validation.engine.terms import to_ox


def _closed(p: Compiler, node, s: Shape) -> None:
    """A focus node has values only for the paths of the shape's property shapes and the ignored
    properties; each other triple is a result with its predicate as the path.

    https://www.w3.org/TR/shacl/#ClosedConstraintComponent
    """
    g = p.g
    value = g.value
    if value(node, SH.closed) == rdflib.Literal(True):
        allowed = {ox.NamedNode(str(path)) for prop in g.objects(node, SH.property)
                   for path in [g.value(prop, SH.path)] if isinstance(path, rdflib.URIRef)}
        ignored = value(node, SH.ignoredProperties)
        if ignored is not None:
            allowed |= {ox.NamedNode(str(x)) for x in Collection(g, ignored)}

        def closed(store, f, vals, allowed=allowed):
            if isinstance(f, ox.Literal):
                return []
            return [("closed", q.predicate, q.object) for q in store.quads_for_pattern(f, None, None, None)
                    if q.predicate not in allowed]
        s.set_checks.append((str(SH.ClosedConstraintComponent), closed))


def _has_value(p: Compiler, node, s: Shape) -> None:
    """The term is among the value nodes. https://www.w3.org/TR/shacl/#HasValueConstraintComponent"""
    if (hv := p.g.value(node, SH.hasValue)) is not None:
        wanted = to_ox(hv)
        s.set_checks.append((str(SH.HasValueConstraintComponent),
                             lambda store, f, vals, w=wanted: [] if w in vals else [None]))


def _in(p: Compiler, node, s: Shape) -> None:
    """Each value node is a member of the list. https://www.w3.org/TR/shacl/#InConstraintComponent"""
    g = p.g
    if (members := g.value(node, SH["in"])) is not None:
        allowed_values = {to_ox(m) for m in Collection(g, members)}
        s.value_checks.append((str(SH.InConstraintComponent), lambda store, n, a=allowed_values: n in a))


CLOSED = Component((SH.closed, SH.ignoredProperties), _closed)
HAS_VALUE = Component((SH.hasValue,), _has_value)
IN = Component((SH["in"],), _in)
