"""What a constraint component is to the compiler: the parameters it reads, and its compile function.

As pySHACL's ``ConstraintComponent`` (https://www.w3.org/TR/shacl/#constraint-components): a shape
that has one of a component's parameters uses the component. Compiling it adds checks to the
compiled shape: ``value_checks`` for each value node, ``set_checks`` for the set of value nodes of
a focus node (``registry.validation.engine.shapes``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox
import rdflib

from registry.validation.engine.shapes import Shape
from registry.validation.engine.terms import Node


class Compiler(Protocol):
    """What a compile function may use of the shapes program being compiled."""

    g: rdflib.Graph  # the shapes graph
    subclasses: dict[str, set[str]]  # class IRI -> itself and all its subclasses

    def shape(self, node) -> Shape:
        """The compiled shape ``node`` of the shapes graph (compiled once, also when recursive)."""

    def conforms(self, store: ox.Store, focus: Node, shape: Shape) -> bool:
        """Whether ``focus`` conforms to ``shape`` (for shape-based and logical components)."""


Compile = Callable[[Compiler, rdflib.term.Node, Shape], None]


@dataclass(frozen=True)
class Component:
    """A constraint component: the shape parameters that use it, and what compiles them.

    ``compile(program, node, shape)`` reads the parameters of ``node`` in the shapes graph and
    appends its checks to ``shape``; it adds nothing when ``node`` lacks its main parameter.
    """

    parameters: tuple[rdflib.URIRef, ...]
    compile: Compile
