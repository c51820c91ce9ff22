"""Value type constraint components: sh:class, sh:datatype, sh:nodeKind.

https://www.w3.org/TR/shacl/#core-components-value-type
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compiler, Component
from registry.validation.engine.datatypes import well_formed
from registry.validation.engine.shapes import Shape
from registry.validation.engine.terms import LANG_STRING, RDF_TYPE


def _class(p: Compiler, node, s: Shape) -> None:
    """Each value node is an instance of the class or of one of its subclasses.

    https://www.w3.org/TR/shacl/#ClassConstraintComponent
    """
    if (cls := list(p.g.objects(node, SH["class"]))):
        for c in cls:
            allowed = {ox.NamedNode(x) for x in p.subclasses.get(str(c), {str(c)})}

            def has_class(store, n, allowed=allowed):
                if isinstance(n, ox.Literal):
                    return False
                return any(q.object in allowed for q in store.quads_for_pattern(n, RDF_TYPE, None, None))
            s.value_checks.append((str(SH.ClassConstraintComponent), has_class))


def _datatype(p: Compiler, node, s: Shape) -> None:
    """Each value node is a well-formed literal of the datatype.

    https://www.w3.org/TR/shacl/#DatatypeConstraintComponent
    """
    if (dt := p.g.value(node, SH.datatype)) is not None:
        dt = str(dt)

        def has_datatype(store, n, dt=dt):
            if not isinstance(n, ox.Literal):
                return False
            actual = LANG_STRING if n.language else n.datatype.value
            return actual == dt and well_formed(n, dt)
        s.value_checks.append((str(SH.DatatypeConstraintComponent), has_datatype))


def _node_kind(p: Compiler, node, s: Shape) -> None:
    """Each value node is of the node kind (IRI, blank node, literal, or one of two).

    https://www.w3.org/TR/shacl/#NodeKindConstraintComponent
    """
    if (kind := p.g.value(node, SH.nodeKind)) is not None:
        allowed_kinds = {
            SH.IRI: (ox.NamedNode,), SH.BlankNode: (ox.BlankNode,), SH.Literal: (ox.Literal,),
            SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode),
            SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
            SH.IRIOrLiteral: (ox.NamedNode, ox.Literal),
        }[kind]
        s.value_checks.append((str(SH.NodeKindConstraintComponent),
                               lambda store, n, k=allowed_kinds: isinstance(n, k)))


CLASS = Component((SH["class"],), _class)
DATATYPE = Component((SH.datatype,), _datatype)
NODE_KIND = Component((SH.nodeKind,), _node_kind)
