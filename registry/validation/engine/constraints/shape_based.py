"""Shape-based constraint components: sh:node, sh:property, sh:qualifiedValueShape.

https://www.w3.org/TR/shacl/#core-components-shape
"""

from __future__ import annotations

import rdflib
from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compiler, Component
from registry.validation.engine.errors import Unsupported
from registry.validation.engine.shapes import Shape


def _node(p: Compiler, node, s: Shape) -> None:
    """Each value node conforms to the node shape. https://www.w3.org/TR/shacl/#NodeConstraintComponent"""
    for target in p.g.objects(node, SH.node):
        inner = p.shape(target)
        s.value_checks.append((str(SH.NodeConstraintComponent),
                               lambda store, n, inner=inner: p.conforms(store, n, inner)))


def _property(p: Compiler, node, s: Shape) -> None:
    """Each value node is validated against the property shape, whose results are reported as its own.

    https://www.w3.org/TR/shacl/#PropertyConstraintComponent
    """
    s.children = [p.shape(prop) for prop in p.g.objects(node, SH.property)]


def _qualified(p: Compiler, node, s: Shape) -> None:
    """At least sh:qualifiedMinCount and at most sh:qualifiedMaxCount value nodes conform to the shape
    (sh:qualifiedValueShapesDisjoint is not implemented: it raises ``Unsupported``).

    https://www.w3.org/TR/shacl/#QualifiedValueShapeConstraintComponent
    """
    value = p.g.value
    if (qshape := value(node, SH.qualifiedValueShape)) is not None:
        inner = p.shape(qshape)
        if value(node, SH.qualifiedValueShapesDisjoint) == rdflib.Literal(True):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        qmin, qmax = value(node, SH.qualifiedMinCount), value(node, SH.qualifiedMaxCount)

        def qualified(store, f, vals, inner=inner, qmin=qmin, qmax=qmax, which=None):
            k = sum(p.conforms(store, x, inner) for x in vals)
            if which == "min":
                return [None] if k < int(qmin) else []
            return [None] if k > int(qmax) else []
        add = s.set_checks.append
        if qmin is not None:
            add((str(SH.QualifiedMinCountConstraintComponent),
                 lambda st, f, vals, q=qualified: q(st, f, vals, which="min")))
        if qmax is not None:
            add((str(SH.QualifiedMaxCountConstraintComponent),
                 lambda st, f, vals, q=qualified: q(st, f, vals, which="max")))


NODE = Component((SH.node,), _node)
PROPERTY = Component((SH.property,), _property)
QUALIFIED_VALUE_SHAPE = Component((SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
                                   SH.qualifiedValueShapesDisjoint), _qualified)
