"""Property paths (https://www.w3.org/TR/shacl/#property-paths) compiled to functions.

A compiled path takes the store and a focus node and gives the path's value nodes; each step is a
look-up in pyoxigraph's indexes. Every SHACL path kind is supported, except the inverse of a
complex path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from registry.validation.engine.errors import Unsupported
from registry.validation.engine.terms import Node

PathFn = Callable[[ox.Store, Node], Iterator[Node]]


def compile_path(g: rdflib.Graph, path) -> tuple[PathFn, str]:
    """The path ``path`` of the shapes graph ``g`` as (function, text as in a SPARQL path)."""
    if isinstance(path, rdflib.URIRef):
        predicate = ox.NamedNode(str(path))

        def forward(store, node):
            if isinstance(node, ox.Literal):
                return iter(())
            return [q.object for q in store.quads_for_pattern(node, predicate, None, None)]
        return forward, str(path)
    if (path, RDF.first, None) in g:
        steps = [compile_path(g, p) for p in Collection(g, path)]

        def sequence(store, node):
            current = {node}
            for step, _ in steps:
                current = {v for n in current for v in step(store, n)}
            return iter(current)
        return sequence, "/".join(d for _, d in steps)
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        step, desc = compile_path(g, inverse)
        if not isinstance(inverse, rdflib.URIRef):
            raise Unsupported("inverse of a complex path")
        predicate = ox.NamedNode(str(inverse))

        def backward(store, node):
            return [q.subject for q in store.quads_for_pattern(None, predicate, node, None)]
        return backward, f"^{desc}"
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        options = [compile_path(g, p) for p in Collection(g, alternatives)]

        def alternative(store, node):
            return iter({v for step, _ in options for v in step(store, node)})
        return alternative, "|".join(d for _, d in options)
    for kind, suffix, include_self, repeat in ((SH.zeroOrMorePath, "*", True, True),
                                               (SH.oneOrMorePath, "+", False, True),
                                               (SH.zeroOrOnePath, "?", True, False)):
        inner = g.value(path, kind)
        if inner is None:
            continue
        step, desc = compile_path(g, inner)

        def closure(store, node, step=step, include_self=include_self, repeat=repeat):
            seen = {node} if include_self else set()
            frontier = [node]
            while frontier:
                nxt = []
                for n in frontier:
                    for v in step(store, n):
                        if v not in seen:
                            seen.add(v)
                            nxt.append(v)
                frontier = nxt if repeat else []
            return iter(seen)
        return closure, f"({desc}){suffix}"
    raise Unsupported(f"path {path!r}")
