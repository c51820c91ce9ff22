"""A compiled SHACL Core validator over pyoxigraph, for validating large batches fast.

pySHACL is the reference implementation and stays the one that writes the reports users see for
rejected passports (see ``registry.validation.validator``). It evaluates each constraint through
rdflib's Python graph, about 20 passports/s for our shapes; bulk imports need a hundred times more.
This package reads the same shapes graph once, turns every shape into Python closures, and
evaluates them on a batch held in an in-memory pyoxigraph store, whose indexes answer each path
step in microseconds.

It implements the SHACL Core features the shapes use and the usual rest (targets, all path kinds,
value type, cardinality, value range, string, property pair equality/disjointness, logical,
shape-based and other constraint components). A shapes graph that uses anything else (SHACL-SPARQL,
lessThan, ...) raises ``Unsupported`` at compile time and the validator falls back to pySHACL for
everything. ``tests/validation/test_shacl_engine.py`` checks that both give the same results,
shape by shape.

Layout, as pySHACL's: ``program`` (the shape compiler and evaluator), ``paths`` (property paths),
``constraints/`` (one module per family of constraint components, spec section 4), ``shapes`` (the
compiled form and the results), ``datatypes`` (XSD lexical forms), ``terms``, ``errors``.
"""

from registry.validation.engine.datatypes import well_formed
from registry.validation.engine.errors import Unsupported
from registry.validation.engine.program import ShapesProgram, subclass_closure
from registry.validation.engine.shapes import Result

__all__ = ["Result", "ShapesProgram", "Unsupported", "subclass_closure", "well_formed"]
