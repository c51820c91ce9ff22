"""Seeded, deterministic demo passports for the municipalities of Twente and Stedendriehoek.

``generate(size, seed)`` yields ``(passport IRI, triples)`` one passport at a time (constant
memory, so a million passports stream straight into a file or a store); ``write`` serialises them
with ``pyoxigraph.serialize`` (N-Quads/TriG with one named graph per passport, Turtle, N-Triples;
gzip when the path ends in ``.gz``); ``write_csv`` writes the same objects as the flat
asset-register export (one row per material quantity) that municipalities hold in their GBI.
``passports demo`` runs them from the command line.

Data, not code (``registry.model.reference`` reads it):

- municipalities (CBS code, name, region, ``mp:bbox``, ``mp:centroid``) come from
  ``ontology/organisations.ttl``;
- material densities and prices (``mp:defaultDensity``, ``mp:defaultPricePerTonne``) and Dutch
  names come from ``ontology/materials.ttl``; only when that file is absent does a tiny fallback
  table stand in;
- the scores of the detachability concepts (``mp:score`` of ``mpv:connectiontype/...``,
  ``mpv:accessibility/...``, ``mpv:intersection/...``, ``mpv:productedge/...``) come from whichever
  ``ontology/*.ttl`` file defines them; a component's accessibility, intersection and product
  edge are picked by rank of score (good / medium / poor), so the concept names are data too.

What *is* code, one module each:

- ``recipes``: the object kinds (which components, which materials, plausible dimensions, service
  lives), through the ``builder`` and the cheap random ``picks``;
- ``planner``: all randomness, in a fixed order: kinds, phases, conditions, origins, locations,
  valuations;
- ``emit``: one planned object as N-Triples text; ``stream``: the passports one after another,
  in this process or planned by a second one (``worker``); ``writers``: files.
"""

from registry.demo.builder import REFERENCE_YEAR, DemoError
from registry.demo.planner import detachability_index, recipe_materials
from registry.demo.recipes import KINDS, Kind
from registry.demo.stream import PARALLEL_FROM, generate
from registry.demo.writers import CSV_COLUMNS, WriteStats, format_for, write, write_csv

__all__ = ["CSV_COLUMNS", "KINDS", "PARALLEL_FROM", "REFERENCE_YEAR", "DemoError", "Kind", "WriteStats",
           "detachability_index", "format_for", "generate", "recipe_materials", "write", "write_csv"]
