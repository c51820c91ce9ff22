"""Logical constraint components: sh:not, sh:and, sh:or, sh:xone.

https://www.w3.org/TR/shacl/#core-components-logical
"""

from __future__ import annotations

from collections.abc import Callable

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compile, Compiler, Component
from registry.validation.engine.shapes import Shape


def _not(p: Compiler, node, s: Shape) -> None:
    """Each value node does not conform to the shape. https://www.w3.org/TR/shacl/#NotConstraintComponent"""
    for target in p.g.objects(node, SH["not"]):
        inner = p.shape(target)
        s.value_checks.append((str(SH.NotConstraintComponent),
                               lambda store, n, inner=inner: not p.conforms(store, n, inner)))


def _combination(parameter: rdflib.URIRef, component: rdflib.URIRef,
                 ok: Callable[[int, int], bool]) -> Compile:
    """The compile function of a list of shapes: ``ok(conforming, total)`` for each value node."""

    def compile_combination(p: Compiler, node, s: Shape) -> None:
        g = p.g
        for members in g.objects(node, parameter):
            inner = [p.shape(m) for m in Collection(g, members)]
            s.value_checks.append((str(component), lambda store, n, inner=inner, ok=ok:
                                   ok(sum(p.conforms(store, n, x) for x in inner), len(inner))))
    return compile_combination


NOT = Component((SH["not"],), _not)
# https://www.w3.org/TR/shacl/#AndConstraintComponent, #OrConstraintComponent, #XoneConstraintComponent
AND = Component((SH["and"],), _combination(SH["and"], SH.AndConstraintComponent, lambda k, total: k == total))
OR = Component((SH["or"],), _combination(SH["or"], SH.OrConstraintComponent, lambda k, total: k >= 1))
XONE = Component((SH.xone,), _combination(SH.xone, SH.XoneConstraintComponent, lambda k, total: k == 1))
