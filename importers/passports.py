"""Rows to passports: a compiled mapping turns the rows of one object into one ``PassportDoc``.

Identity: the passport key is made from the source's own ID (``importers.keys``).

Grouping. Adjacent rows with the same source ID are one object: each row adds one material
quantity (to the component named by ``component.key``). They must agree on everything about the
object (type, year, location, ...); a row that repeats an earlier row exactly is ignored with a
warning. The importer streams, so the rows of one object must be adjacent: an ID that comes back
after other IDs is reported as a duplicate ID (sort the export by ID first).

``RowMapper`` is made of one part per job: ``row_reader.RowReader`` (the mapping compiled against
the file's columns, reading values), ``object_triples.ObjectTriples`` (passport and object) and
``component_triples.ComponentTriples`` (components and quantities); here is ``build``, which
puts an object's rows together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from importers.component_triples import ComponentTriples
from importers.object_triples import ObjectTriples
from importers.source import Record
from importers.terms import MPN, N
from importers.values import ValueProblem, text_of
from registry.core.errors import RegistryError
from registry.model.documents import PassportDoc
from registry.model.uris import PassportRef


class GroupRejected(RegistryError):
    """The rows of one object that cannot become a passport, with what is wrong (row, problem)."""

    def __init__(self, problems: list[tuple[int, ValueProblem]]):
        self.problems = problems
        first = problems[0][1] if problems else None
        super().__init__(first.en if first else "the rows cannot become a passport",
                         message_nl=first.nl if first else "de rijen kunnen geen paspoort worden")


@dataclass
class Built:
    doc: PassportDoc
    warnings: list[tuple[int, ValueProblem]] = field(default_factory=list)


class RowMapper(ObjectTriples, ComponentTriples):
    """A mapping compiled against the columns of one file, for one municipality: rows to passports."""

    def build(self, source_id: str, key: str, records: list[Record]) -> Built:
        """The passport of one object from its rows; GroupRejected with every problem found."""
        problems: list[tuple[int, ValueProblem]] = []
        warnings: list[tuple[int, ValueProblem]] = []
        first = records[0]
        kept = [first]
        if len(records) > 1:  # records of one file have their columns in the same order
            seen_rows = {tuple(first.values.values())}
            first_object = self.signature(first, self.object_columns)
        for record in records[1:]:
            full = tuple(record.values.values())
            if full in seen_rows:
                warnings.append((record.row, ValueProblem(
                    "duplicate row", f"this row repeats an earlier row of object {source_id!r} exactly; "
                    "it is ignored", f"deze rij herhaalt een eerdere rij van object {source_id!r} precies; "
                    "hij wordt overgeslagen")))
                continue
            seen_rows.add(full)
            other = self.signature(record, self.object_columns)
            if other != first_object:
                for column, a, b in zip(self.object_columns, map(text_of, first_object), map(text_of, other)):
                    if a != b:
                        problems.append((record.row, ValueProblem(
                            "rows of one object disagree",
                            f"rows with source ID {source_id!r} are one object, but row {first.row} has "
                            f"{column} = {a!r} and this row {b!r}; make them agree or give them different "
                            "IDs",
                            f"rijen met bron-ID {source_id!r} vormen één object, maar rij {first.row} heeft "
                            f"{column} = {a!r} en deze rij {b!r}; maak ze gelijk of geef ze verschillende "
                            "ID's",
                            column=column, value=b)))
                continue
            kept.append(record)
        ref = PassportRef(self.base, self.municipality, key)
        triples: list[ox.Triple] = []
        object_problems: list[ValueProblem] = []
        triples += self._object_triples(ref, source_id, first, object_problems)
        problems += [(first.row, p) for p in object_problems]
        components: dict[str, tuple[ox.NamedNode, tuple, int]] = {}
        parents: list[tuple[str, str, int]] = []
        quantity_names: dict[str, int] = {}
        component_base = ref.prefix("component") + "/"
        for record in kept:
            try:
                ckey = self._component_key(record)
                signature = self.signature(record, self.component_columns) if len(kept) > 1 else ()
                if ckey not in components:
                    node = N(component_base + ckey)
                    components[ckey] = (node, signature, record.row)
                    parent = self._component_parent(record)
                    parents.append((ckey, parent, record.row))
                    triples += self._component_triples(ref, ckey, node, record)
                elif components[ckey][1] != signature:
                    row = components[ckey][2]
                    raise ValueProblem(
                        "rows of one component disagree",
                        f"rows {row} and {record.row} describe component {ckey!r} differently; make its "
                        "columns agree", f"rijen {row} en {record.row} beschrijven onderdeel {ckey!r} "
                        "verschillend; maak die kolommen gelijk", column=", ".join(self.component_columns))
                triples += self._quantity_triples(ref, ckey, components[ckey][0], record, quantity_names)
            except ValueProblem as exc:
                problems.append((record.row, exc))
        object_node = N(ref.prefix("object"))
        for ckey, parent, row in parents:
            node = components[ckey][0]
            if parent is None or parent == ckey:
                triples.append(ox.Triple(object_node, MPN["hasComponent"], node))
            elif parent in components:
                triples.append(ox.Triple(components[parent][0], MPN["hasComponent"], node))
            else:
                column = self.f["component.parent"].column
                problems.append((row, ValueProblem(
                    "unknown parent component",
                    f"the enclosing component {parent!r} is not among the rows of object {source_id!r}",
                    f"het bovenliggende onderdeel {parent!r} staat niet in de rijen van object {source_id!r}",
                    column=column, value=parent)))
        if problems:
            raise GroupRejected(problems)
        return Built(PassportDoc(ref, triples, self.mapping.name), warnings)

__all__ = ["Built", "GroupRejected", "RowMapper"]
