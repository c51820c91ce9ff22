"""Property pair constraint components: sh:equals, sh:disjoint (sh:lessThan and sh:lessThanOrEquals
are not implemented: a shapes graph that uses them is left to pySHACL).

https://www.w3.org/TR/shacl/#core-components-property-pairs
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compile, Compiler, Component
from registry.validation.engine.shapes import Shape


def _pair(parameter: rdflib.URIRef, component: rdflib.URIRef, bad: str) -> Compile:
    """The compile function comparing the value nodes with the focus node's values of another
    property; ``bad``: the values that are results ("symmetric" difference or "common" values)."""

    def compile_pair(p: Compiler, node, s: Shape) -> None:
        for other_property in p.g.objects(node, parameter):
            pred = ox.NamedNode(str(other_property))

            def compare(store, f, vals, pred=pred, bad=bad):
                other = {q.object for q in store.quads_for_pattern(f, pred, None, None)} \
                    if not isinstance(f, ox.Literal) else set()
                return list(vals ^ other) if bad == "symmetric" else list(vals & other)
            s.set_checks.append((str(component), compare))
    return compile_pair


# https://www.w3.org/TR/shacl/#EqualsConstraintComponent
EQUALS = Component((SH.equals,), _pair(SH.equals, SH.EqualsConstraintComponent, "symmetric"))
# https://www.w3.org/TR/shacl/#DisjointConstraintComponent
DISJOINT = Component((SH.disjoint,), _pair(SH.disjoint, SH.DisjointConstraintComponent, "common"))
