"""The OWL 2 consistency check of the ontology with HermiT (through owlready2).

``check_consistency()`` reasons over ``ontology/*.ttl`` (plus optional extra files or Turtle) and
returns a ``CheckResult``: consistent or not, the unsatisfiable classes, and an error when the
reasoner could not run. ``passports ontology check`` runs it. owlready2 is imported only when the
check runs: it is heavy, and nothing else needs it.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from registry.core.phrases import counted, number
from registry.model.reference import OntologyError, load_ontology_store, ontology_files
from registry.model.vocab import OWL, RDFS, XSD

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

    def summary(self, lang: str = "en") -> str:
        """The findings for a person, in English or Dutch (``passports ontology check --lang``)."""
        nl = lang == "nl"
        lines = [(f"{self.reasoner} over {counted(len(self.files), 'file', lang)}, "
                  f"{counted(self.triples, 'triple', lang)}, {number(self.seconds, lang, 1)} s")]
        for path in self.files:
            lines.append(f"  {path}")
        if self.error is not None:
            lines.append(("FOUT: de redeneerder is niet klaargekomen: " if nl
                          else "ERROR: the reasoner did not finish: ") + self.error)
        elif not self.consistent:
            lines.append("INCONSISTENT: de axioma's spreken elkaar tegen (bijvoorbeeld een individu met twee "
                         "disjuncte klassen). Bekijk de laatste wijziging van de ontologiebestanden, of "
                         "controleer minder bestanden tegelijk om de botsing te vinden." if nl else
                         "INCONSISTENT: the axioms contradict each other (for instance an individual typed "
                         "with two disjoint classes). Look at the last change to the ontology files, or run "
                         "the check on fewer files to find the clash.")
        elif self.unsatisfiable:
            lines.append(f"ONVERVULBARE KLASSEN ({len(self.unsatisfiable)}): deze klassen kunnen geen leden "
                         "hebben; controleer hun rdfs:subClassOf- en disjunctie-axioma's:" if nl else
                         f"UNSATISFIABLE CLASSES ({len(self.unsatisfiable)}): these classes can have no "
                         "members; check their rdfs:subClassOf and disjointness axioms:")
            lines.extend(f"  {iri}" for iri in self.unsatisfiable)
        else:
            lines.append("consistent; geen onvervulbare klassen" if nl
                         else "consistent; no unsatisfiable classes")
        if self.unchecked_datatypes:
            lines.append(("let op: met datatypes buiten de OWL 2-datatypekaart wordt niet geredeneerd: " if nl
                          else "note: datatypes outside the OWL 2 datatype map are not reasoned with: ")
                         + ", ".join(self.unchecked_datatypes))
        return "\n".join(lines)


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
            raise OntologyError(f"the extra Turtle cannot be read: {e}",
                                message_nl=f"de extra Turtle is niet leesbaar: {e}") from e
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
