"""The reference data of ontology/: the one place that reads the ontology and SKOS files.

- the files and an in-memory store of them (``ontology_files``, ``load_ontology_store``), and the
  named class hierarchy validation adds to the data (``class_hierarchy_triples``);
- the municipalities of ``organisations.ttl`` with CBS code, name, region and extent
  (``Municipality``, ``load_municipalities``);
- the materials of ``materials.ttl`` with density, indicative price and the renewable/abiotic
  flags (``Material``, ``load_materials``);
- the scores of the detachability factor concepts (``load_factor_scores``);
- ``local_name`` of an IRI, as labels and keys use it;
- the reference graphs the store keeps of these files (``reference_graphs``, ``reference_digest``,
  ``reference_quads``): one named graph per file of ``REFERENCE_FOLDERS``, named under the
  ontology's ``owl:versionIRI``, with a manifest graph that records the content hash.

The ``load_*`` functions are cached per file: the files ship with the code. Parsing an already
loaded store (``municipalities_in``, ``materials_in``) is for callers that keep their own store,
such as the importers' vocabulary. The OWL 2 consistency check is a check, not reference data:
``registry.validation.consistency``.

>>> load_municipalities()["GM0153"].name
'Enschede'
>>> load_materials()[0]["steel"].density
7850.0
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.resources import ONTOLOGY_DIR, PRICELISTS_DIR
from registry.model.vocab import MP, MPV, OWL, RDF, RDFS, SKOS

ORGANISATIONS_FILE = ONTOLOGY_DIR / "organisations.ttl"
MATERIALS_FILE = ONTOLOGY_DIR / "materials.ttl"
FACTOR_SCHEMES = ("connectiontype", "accessibility", "intersection", "productedge")
"""The schemes of the four detachability factors, in the order of the index."""

RDFS_SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
SKOS_NOTATION = SKOS + "notation"
SKOS_PREFLABEL = SKOS + "prefLabel"


class OntologyError(RegistryError, ValueError):
    """An ontology file that cannot be read or lacks what is needed; the message names the file
    and what to do."""


def local_name(iri: str) -> str:
    """The part after the last ``#`` or ``/`` (the whole IRI when nothing follows it).

    >>> local_name("https://w3id.org/materiaalpaspoort/id/material/concrete")
    'concrete'
    """
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


# --- the files and a store of them ----------------------------------------------------------------


def ontology_files(directory: Path = ONTOLOGY_DIR) -> list[Path]:
    """Every Turtle file of the ontology, sorted by name (organisations.ttl included when present)."""
    return sorted(Path(directory).glob("*.ttl"))


def load_ontology_store(files: list[Path] | None = None) -> ox.Store:
    """A new in-memory pyoxigraph store with the ontology files in its default graph."""
    store = ox.Store()
    for path in ontology_files() if files is None else files:
        try:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
        except (SyntaxError, ValueError, OSError) as e:
            raise OntologyError(f"{path}: cannot be read as Turtle: {e}. Fix the file (the message gives the "
                                "line and column) and try again.",
                                message_nl=f"{path}: geen leesbare Turtle: {e}. Verbeter het bestand (de melding "
                                "noemt regel en kolom) en probeer het opnieuw.") from e
    return store


@lru_cache(maxsize=1)
def _class_hierarchy(files: tuple[Path, ...]) -> tuple[ox.Triple, ...]:
    store = load_ontology_store(list(files))
    return tuple(
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, RDFS_SUBCLASS_OF, None, ox.DefaultGraph())
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode))


def class_hierarchy_triples() -> tuple[ox.Triple, ...]:
    """The named ``rdfs:subClassOf`` triples of the ontology (no blank-node class expressions).

    Validation adds these to the data so that ``sh:class mp:PhysicalObject`` accepts an ``mp:Bench``.
    """
    return _class_hierarchy(tuple(ontology_files()))


# --- municipalities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Municipality:
    code: str  # CBS code, e.g. "GM0153"
    name: str  # Dutch name
    region: str  # local name of mpv:region/..., e.g. "twente"
    bbox: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max (WGS84)
    centroid: tuple[float, float]  # lon, lat

    @property
    def iri(self) -> str:
        return f"{MPV}municipality/{self.code}"

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _wkt_numbers(wkt: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(wkt.split(">")[-1])]


def municipalities_in(statements: Iterable[ox.Triple | ox.Quad], source: str) -> dict[str, Municipality]:
    """The ``mp:Municipality`` subjects of ``statements`` by CBS code, sorted by code.

    Each needs ``skos:notation`` (the code), ``skos:prefLabel`` in Dutch, ``mp:region``, ``mp:bbox``
    and ``mp:centroid``; ``source`` names where the statements came from in the error.
    """
    rows: dict[str, dict] = {}
    municipality_class = MP + "Municipality"
    typed: set[str] = set()
    wanted = {SKOS_NOTATION: "code", MP + "region": "region", MP + "bbox": "bbox",
              MP + "centroid": "centroid", SKOS_PREFLABEL: "name"}
    for t in statements:
        s = t.subject.value
        p = t.predicate.value
        if p == RDF + "type" and t.object.value == municipality_class:
            typed.add(s)
        field_name = wanted.get(p)
        if field_name is None:
            continue
        if field_name == "name" and getattr(t.object, "language", None) != "nl":
            continue
        rows.setdefault(s, {})[field_name] = t.object.value
    out = {}
    for s in sorted(typed):
        r = rows.get(s, {})
        missing = [k for k in ("code", "region", "bbox", "centroid", "name") if k not in r]
        if missing:
            raise OntologyError(f"{source}: municipality {s} lacks {', '.join(missing)}; give it "
                                "skos:notation, skos:prefLabel @nl, mp:region, mp:bbox and mp:centroid",
                                message_nl=f"{source}: bij gemeente {s} ontbreekt {', '.join(missing)}; geef haar "
                                "skos:notation, skos:prefLabel @nl, mp:region, mp:bbox en mp:centroid")
        xs = _wkt_numbers(r["bbox"])
        lons, lats = xs[0::2], xs[1::2]
        c = _wkt_numbers(r["centroid"])
        out[r["code"]] = Municipality(r["code"], r["name"], r["region"].rsplit("/", 1)[-1],
                                      (min(lons), min(lats), max(lons), max(lats)), (c[0], c[1]))
    if not out:
        raise OntologyError(f"{source} defines no mp:Municipality",
                            message_nl=f"{source} beschrijft geen enkele gemeente (mp:Municipality)")
    return dict(sorted(out.items()))


@lru_cache(maxsize=4)
def load_municipalities(path: Path = ORGANISATIONS_FILE) -> dict[str, Municipality]:
    """The municipalities of ``organisations.ttl`` by CBS code, sorted by code."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} is missing: the registry reads the municipalities "
                                "(CBS code, region, mp:bbox) from it")
    return municipalities_in(ox.parse(path=str(path)), str(path))


# --- materials -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    key: str  # local name of mpv:material/...
    name_nl: str
    density: float  # kg/m3
    price: float  # EUR per tonne
    renewable: bool | None = None  # mp:renewable; None when the file does not say
    abiotic: bool | None = None  # mp:abiotic

    @property
    def iri(self) -> str:
        return f"{MPV}material/{self.key}"


# Used only when ontology/materials.ttl does not exist: (Dutch name, density kg/m3, EUR/t).
# Deliberately small and rough; the ontology's values win as soon as the file is there.
_FALLBACK_MATERIALS = {
    "concrete": ("beton", 2400, 12), "recycled-concrete": ("beton met betongranulaat", 2350, 12),
    "asphalt": ("asfalt", 2350, 10), "clinker": ("gebakken klinkers", 2050, 90),
    "natural-stone": ("natuursteen", 2700, 120), "steel": ("staal", 7850, 300),
    "stainless-steel": ("roestvast staal", 7900, 1200), "aluminium": ("aluminium", 2700, 1400),
    "cast-iron": ("gietijzer", 7200, 250), "hardwood": ("hardhout", 1000, 400),
    "softwood": ("naaldhout", 500, 80), "certified-timber": ("gecertificeerd hout", 600, 150),
    "pvc": ("pvc", 1400, 250), "pp": ("polypropyleen", 900, 300), "hdpe": ("hdpe", 950, 350),
    "recycled-plastic": ("gerecycled kunststof", 950, 200), "glass": ("glas", 2500, 40),
    "soil": ("grond", 1700, 5), "sand": ("zand", 1600, 10), "granulate": ("granulaat", 2000, 8),
    "textile": ("geotextiel", 300, 50), "hemp": ("hennep", 110, 150), "straw": ("stro", 110, 80),
    "copper": ("koper", 8900, 6500), "zinc": ("zink", 7140, 1800), "bitumen": ("bitumen", 1050, 0.5),
    "rubber": ("rubber", 950, 60), "stone-wool": ("steenwol", 40, 0.5),
}


def materials_in(statements: Iterable[ox.Triple | ox.Quad]) -> dict[str, Material]:
    """The ``mpv:material/...`` concepts of ``statements`` that have both ``mp:defaultDensity`` and
    ``mp:defaultPricePerTonne``, by local name, in the order they are first met."""
    prefix = MPV + "material/"
    flags = {MP + "renewable": "renewable", MP + "abiotic": "abiotic"}
    found: dict[str, dict] = {}
    for t in statements:
        s = t.subject.value
        if not s.startswith(prefix):
            continue
        p = t.predicate.value
        key = s[len(prefix):]
        if p == MP + "defaultDensity":
            found.setdefault(key, {})["density"] = float(t.object.value)
        elif p == MP + "defaultPricePerTonne":
            found.setdefault(key, {})["price"] = float(t.object.value)
        elif p == SKOS_PREFLABEL and getattr(t.object, "language", None) == "nl":
            found.setdefault(key, {})["nl"] = t.object.value
        elif p in flags:
            found.setdefault(key, {})[flags[p]] = t.object.value == "true"
    out = {}
    for key, v in found.items():
        if "density" in v and "price" in v:
            out[key] = Material(key, v.get("nl", key), v["density"], v["price"], v.get("renewable"),
                                v.get("abiotic"))
    return out


@lru_cache(maxsize=4)
def load_materials(path: Path = MATERIALS_FILE) -> tuple[dict[str, Material], str]:
    """Materials with density and price, and where they came from (the file, or 'fallback')."""
    if not Path(path).exists():
        return ({k: Material(k, nl, float(d), float(p)) for k, (nl, d, p) in _FALLBACK_MATERIALS.items()},
                "fallback")
    return materials_in(ox.parse(path=str(path))), str(path)


# --- detachability factors ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def load_factor_scores(ontology_dir: Path = ONTOLOGY_DIR) -> dict[str, dict[str, float]]:
    """Scores (mp:score) of the detachability factor concepts, by scheme and local name."""
    found: dict[str, dict[str, float]] = {s: {} for s in FACTOR_SCHEMES}
    score = MP + "score"
    for f in ontology_files(ontology_dir):
        for t in ox.parse(path=str(f)):
            if t.predicate.value != score or not t.subject.value.startswith(MPV):
                continue
            scheme, _, local = t.subject.value[len(MPV):].partition("/")
            if scheme in found and local:
                found[scheme][local] = float(t.object.value)
    empty = [s for s, v in found.items() if not v]
    if empty:
        raise OntologyError(f"no concepts with mp:score for mpv:{', mpv:'.join(empty)} in {ontology_dir}/*.ttl: "
                            "the demo needs the detachability factors of the ontology",
                            message_nl=f"geen begrippen met mp:score voor mpv:{', mpv:'.join(empty)} in "
                            f"{ontology_dir}/*.ttl: de demo heeft de losmaakbaarheidsfactoren van de ontologie nodig")
    return found


# --- reference graphs in the store -------------------------------------------------------------------

REFERENCE_FOLDERS: tuple[Path, ...] = (ONTOLOGY_DIR, PRICELISTS_DIR)
"""The folders whose Turtle files the store keeps as reference graphs, one named graph per file. The
one list: a folder of price lists or emission factors is one more entry (file names stay unique)."""
ONTOLOGY_IRI = "https://w3id.org/materiaalpaspoort/def"
REFERENCE_PREFIX = ONTOLOGY_IRI + "/"
"""Every reference graph and the manifest are named under this prefix; passport graphs never are."""
MANIFEST_GRAPH = REFERENCE_PREFIX + "graph/reference"
"""The graph that says which reference graphs are loaded, from which files, with which content hash."""
DCTERMS = "http://purl.org/dc/terms/"
HAS_VERSION = DCTERMS + "hasVersion"
HAS_PART = DCTERMS + "hasPart"
SOURCE = DCTERMS + "source"


@dataclass(frozen=True)
class ReferenceFile:
    path: Path
    name: str  # e.g. "materials": the last part of the graph name


def reference_files(folders: tuple[Path, ...] = REFERENCE_FOLDERS) -> list[ReferenceFile]:
    """The Turtle files of ``folders``, sorted by folder then name; a name used twice is an error."""
    found: dict[str, ReferenceFile] = {}
    for folder in folders:
        for path in ontology_files(folder):
            if path.stem in found:
                raise OntologyError(f"{path} and {found[path.stem].path} have the same name: every reference "
                                    "file becomes the graph named after it, so rename one of them",
                                    message_nl=f"{path} en {found[path.stem].path} hebben dezelfde naam: elk "
                                    "referentiebestand wordt de graaf met zijn naam, dus hernoem er een")
            found[path.stem] = ReferenceFile(path, path.stem)
    return list(found.values())


def reference_digest(folders: tuple[Path, ...] = REFERENCE_FOLDERS) -> str:
    """SHA-256 over the names and bytes of every reference file: changes when any file changes, is
    added or removed (cheap: the files are read, not parsed)."""
    digest = hashlib.sha256()
    for ref in reference_files(folders):
        data = ref.path.read_bytes()
        digest.update(f"{ref.name}\0{len(data)}\0".encode())
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def version_iri(statements: Iterable[ox.Triple | ox.Quad]) -> str | None:
    """The ``owl:versionIRI`` of the ontology ``ONTOLOGY_IRI`` among ``statements``."""
    for t in statements:
        if t.subject.value == ONTOLOGY_IRI and t.predicate.value == OWL + "versionIRI":
            return t.object.value
    return None


def reference_quads(folders: tuple[Path, ...] = REFERENCE_FOLDERS) -> tuple[list[ox.Quad], str]:
    """Every statement of the reference files in its graph ``{versionIRI}/graph/{name}``, and the
    manifest graph (its digest, version IRI and parts), with the digest."""
    files = reference_files(folders)
    digest = reference_digest(folders)
    parsed: list[tuple[ReferenceFile, list[ox.Triple]]] = []
    for ref in files:
        try:
            parsed.append((ref, list(ox.parse(path=str(ref.path), format=ox.RdfFormat.TURTLE))))
        except (SyntaxError, ValueError, OSError) as e:
            raise OntologyError(f"{ref.path}: cannot be read as Turtle: {e}. Fix the file (the message gives "
                                "the line and column) and try again.",
                                message_nl=f"{ref.path}: geen leesbare Turtle: {e}. Verbeter het bestand (de "
                                "melding noemt regel en kolom) en probeer het opnieuw.") from e
    version = next((v for _, ts in parsed if (v := version_iri(ts))), None) or ONTOLOGY_IRI + "/unversioned"
    manifest = ox.NamedNode(MANIFEST_GRAPH)
    quads = [ox.Quad(manifest, ox.NamedNode(HAS_VERSION), ox.Literal(digest), manifest),
             ox.Quad(manifest, ox.NamedNode(OWL + "versionIRI"), ox.NamedNode(version), manifest)]
    for ref, triples in parsed:
        graph = ox.NamedNode(f"{version}/graph/{ref.name}")
        quads.append(ox.Quad(manifest, ox.NamedNode(HAS_PART), graph, manifest))
        quads.append(ox.Quad(graph, ox.NamedNode(SOURCE), ox.Literal(f"{ref.path.parent.name}/{ref.path.name}"),
                             manifest))
        quads += (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    return quads, digest


def is_reference_graph(iri: str) -> bool:
    """Whether a graph name is a reference graph or the manifest (never a passport)."""
    return iri.startswith(REFERENCE_PREFIX)


def iter_reference_graph_names(graphs: Iterable[ox.NamedNode | ox.BlankNode]) -> Iterator[ox.NamedNode]:
    return (g for g in graphs if isinstance(g, ox.NamedNode) and is_reference_graph(g.value))
