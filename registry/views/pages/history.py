"""A passport's versions with their provenance, as the passport and version pages list them."""

from __future__ import annotations

import pyoxigraph as ox

from registry.model.uris import PassportRef
from registry.model.vocab import MP, PROV, RDFS

_SPECIALIZATION_OF = ox.NamedNode(PROV + "specializationOf")
_GENERATED_BY = PROV + "wasGeneratedBy"
_USED = ox.NamedNode(PROV + "used")
_COMMENT = ox.NamedNode(RDFS + "comment")
_LABEL = ox.NamedNode(RDFS + "label")


def agent_names(registry, agents) -> dict[str, dict[str, str]]:
    """The names recorded for agents in the provenance graph (a command-line agent's configured
    name, else "command line" / "opdrachtregel"), language -> text, for the pages' ``text()``."""
    prov, names = registry.provenance_graph, {}
    for agent in set(agents):
        if agent:
            found = {q.object.language or "": q.object.value
                     for q in registry.store.quads_for_pattern(ox.NamedNode(agent), _LABEL, None, prov)}
            if found:
                names[agent] = found
    return names


def history_rows(registry, ref: PassportRef) -> list[dict]:
    """Every version of the passport, oldest first, with its provenance (``sparql/passport-history.rq``
    read by index lookups in the provenance graph: a few per version instead of a query plan)."""
    store, prov = registry.store, registry.provenance_graph
    passport = ox.NamedNode(PassportRef(ref.base, ref.municipality, ref.key).iri)
    rows = []
    activities: dict[ox.Term, tuple[str | None, str | None]] = {}
    for record in store.quads_for_pattern(None, _SPECIALIZATION_OF, passport, prov):
        version = record.subject
        props: dict[str, ox.Term] = {}
        for q in store.quads_for_pattern(version, None, None, prov):
            props.setdefault(q.predicate.value, q.object)
        number, generated = props.get(MP + "versionNumber"), props.get(PROV + "generatedAtTime")
        if number is None or generated is None:
            continue
        activity = props.get(_GENERATED_BY)
        source = comment = None
        if activity is not None:
            found = activities.get(activity)
            if found is None:
                used = next(store.quads_for_pattern(activity, _USED, None, prov), None)
                said = next(store.quads_for_pattern(activity, _COMMENT, None, prov), None)
                found = activities[activity] = (used.object.value if used is not None else None,
                                                said.object.value if said is not None else None)
            source, comment = found
        invalidated = props.get(PROV + "invalidatedAtTime")
        agent = props.get(PROV + "wasAttributedTo")
        rows.append({"number": int(number.value), "iri": version.value, "generated": generated.value,
                     "invalidated": invalidated.value if invalidated is not None else None,
                     "agent": agent.value if agent is not None else None, "source": source,
                     "activity": activity.value if activity is not None else None, "comment": comment})
    rows.sort(key=lambda r: r["number"])
    names = agent_names(registry, (r["agent"] for r in rows))
    for row in rows:
        row["agent_names"] = names.get(row["agent"], {})
    return rows


__all__ = ["agent_names", "history_rows"]
