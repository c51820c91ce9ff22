"""The data the registry ships with: ontology, shapes, named queries, templates and assets.

An installed wheel carries the four top-level folders of the project (``ontology/``,
``shapes/``, ``sparql/``, ``site/``) as package data under ``registry/_data/`` (copied there by
``setup.py``); a source checkout (also an editable install) reads them where they are. Both are
found through :mod:`importlib.resources`, so every command works from any directory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SHIPPED_FOLDERS = ("ontology", "shapes", "sparql", "site", "pricelists")


def _folder(name: str) -> Path:
    packaged = resources.files("registry") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(str(resources.files("registry"))).parent / name
    return checkout


ONTOLOGY_DIR = _folder("ontology")
SHAPES_DIR = _folder("shapes")
SPARQL_DIR = _folder("sparql")
SITE_DIR = _folder("site")
PRICELISTS_DIR = _folder("pricelists")  # the shipped default price list (reference data)
# The folder that holds the ``registry`` and ``importers`` packages (for child processes).
PACKAGES_DIR = Path(str(resources.files("registry"))).parent
