"""The ontology and SKOS schemes in ontology/: their files, an in-memory store of them, the class hierarchy
used by validation, and the OWL 2 consistency check with HermiT (through owlready2).

Run ``python3 -m registry.ontology [extra.ttl ...]`` to check the ontology; it exits 0 when HermiT finds it
consistent with no unsatisfiable classes, and 1 otherwise.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from registry.core.resources import ONTOLOGY_DIR
from registry.model.vocab import OWL, RDFS, XSD

RDFS_SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
RDFS_RANGE = ox.NamedNode(RDFS + "range")

# The OWL 2 datatype map (https://www.w3.org/TR/owl2-syntax/#Datatype_Maps): the only datatypes HermiT reasons
# with. Ranges outside it (xsd:date, xsd:gYear, geo:wktLiteral) are accepted by the check but not reasoned
# about; CheckResult.unchecked_datatypes names them.
OWL2_DATATYPES = frozenset(
    [RDFS + "Literal", "http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral",
     "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral", OWL + "real", OWL + "rational"]
    + [XSD + name for name in (
        "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
        "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte", "double", "float", "string", "normalizedString", "token", "language", "Name",
        "NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI", "dateTime", "dateTimeStamp")])


class OntologyError(Exception):
    """An ontology file that cannot be read; the message names the file and what to do."""


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one HermiT run over the ontology files."""

    consistent: bool
    unsatisfiable: tuple[str, ...]
    seconds: float
    triples: int
    files: tuple[Path, ...]
    unchecked_datatypes: tuple[str, ...] = ()
    error: str | None = None
    reasoner: str = field(default="HermiT (owlready2)")

    @property
    def ok(self) -> bool:
        return self.error is None and self.consistent and not self.unsatisfiable

    def summary(self) -> str:
        lines = [(f"{self.reasoner} over {len(self.files)} files, {self.triples} triples, "
                  f"{self.seconds:.1f} s")]
        for path in self.files:
            lines.append(f"  {path}")
        if self.error is not None:
            lines.append(f"ERROR: the reasoner did not finish: {self.error}")
        elif not self.consistent:
            lines.append("INCONSISTENT: the axioms contradict each other (for instance an individual typed "
                         "with two disjoint classes). Look at the last change to the ontology files, or run "
                         "the check on fewer files to find the clash.")
        elif self.unsatisfiable:
            lines.append(f"UNSATISFIABLE CLASSES ({len(self.unsatisfiable)}): these classes can have no "
                         "members; check their rdfs:subClassOf and disjointness axioms:")
            lines.extend(f"  {iri}" for iri in self.unsatisfiable)
        else:
            lines.append("consistent; no unsatisfiable classes")
        if self.unchecked_datatypes:
            lines.append("note: datatypes outside the OWL 2 datatype map are not reasoned with: "
                         + ", ".join(self.unchecked_datatypes))
        return "\n".join(lines)


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
                                "line and column) and try again.") from e
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


def _unchecked_datatypes(store: ox.Store) -> tuple[str, ...]:
    found = {q.object.value for q in store.quads_for_pattern(None, RDFS_RANGE, None)
             if isinstance(q.object, ox.NamedNode)
             and (q.object.value.startswith(XSD) or q.object.value.endswith("Literal"))}
    return tuple(sorted(iri for iri in found if iri not in OWL2_DATATYPES))


def check_consistency(files: list[Path] | None = None, extra_turtle: str | None = None) -> CheckResult:
    """Run HermiT over the ontology files (plus optional extra Turtle) and report what it finds.

    The Turtle is parsed with pyoxigraph and handed to owlready2 as N-Triples (no network access, no
    owl:imports). Inconsistency and unsatisfiable classes are results; a reasoner that cannot run (no Java, a
    construct outside OWL 2 DL) is reported in ``error``.
    """
    import owlready2  # imported here: loading it costs time and is only needed for the check

    paths = tuple(ontology_files() if files is None else files)
    store = load_ontology_store(list(paths))
    if extra_turtle:
        try:
            store.load(input=extra_turtle, format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
        except SyntaxError as e:
            raise OntologyError(f"the extra Turtle cannot be read: {e}") from e
    unchecked = _unchecked_datatypes(store)
    started = time.perf_counter()
    consistent, unsatisfiable, error = True, (), None
    with tempfile.TemporaryDirectory(prefix="mp-ontology-") as tmp:
        nt = Path(tmp) / "ontology.nt"
        store.dump(str(nt), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        world = owlready2.World()
        try:
            world.get_ontology(nt.as_uri()).load()
            owlready2.sync_reasoner(world, debug=0, ignore_unsupported_datatypes=True)
            unsatisfiable = tuple(sorted(c.iri for c in world.inconsistent_classes()
                                         if c.iri != OWL + "Nothing"))
        except owlready2.OwlReadyInconsistentOntologyError:
            consistent = False
        except owlready2.OwlReadyJavaError as e:
            error = str(e).strip()
        except FileNotFoundError as e:
            error = (f"Java was not found ({e}); install a Java runtime so that `{owlready2.JAVA_EXE}` "
                     "runs, or set owlready2.JAVA_EXE")
        finally:
            world.close()
    return CheckResult(consistent=consistent, unsatisfiable=unsatisfiable,
                       seconds=time.perf_counter() - started, triples=len(store), files=paths,
                       unchecked_datatypes=unchecked, error=error)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in args):
        print("usage: python3 -m registry.ontology [extra.ttl ...]\n"
              "Checks ontology/*.ttl (plus any extra Turtle files) with HermiT; exit 0 when consistent.")
        return 0
    extra = [Path(a) for a in args]
    missing = [p for p in extra if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    try:
        result = check_consistency(ontology_files() + extra)
    except OntologyError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
