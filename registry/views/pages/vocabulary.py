"""What the pages ask of the vocabulary beyond ``Terms``: which property a scheme's concepts are
counted by, unit symbols and weights, a concept's scheme, an agent's label."""

from __future__ import annotations

from registry.model.terms import MUNICIPALITY_CLASS, Terms, local_name
from registry.model.vocab import DCTERMS, MP, MPV, RDF, RDFS

# The property whose values the uses of a scheme's concepts are counted by.
SCHEME_PREDICATES = {
    "rstrategy": MP + "plannedRStrategy", "phase": MP + "projectPhase",
    "policyangle": MP + "policyAngle", "theme": MP + "theme", "material": MP + "material",
    "origin": MP + "origin", "materialphase": MP + "materialPhase",
    "dataquality": MP + "dataQuality", "condition": MP + "condition",
    "releasequality": MP + "releaseQuality", "valuationmethod": MP + "valuationMethod",
    "connectiontype": MP + "connectionType", "accessibility": MP + "accessibility",
    "intersection": MP + "intersection", "productedge": MP + "productEdge",
}
# Predicate IRIs as strings: the page data compares them with ``quad.predicate.value``.
T_DESCRIBES = MP + "describes"
T_HAS_COMPONENT = MP + "hasComponent"
T_HAS_QUANTITY = MP + "hasMaterialQuantity"
T_IDENTIFIER = DCTERMS + "identifier"
T_LABEL = RDFS + "label"
T_MODIFIED = DCTERMS + "modified"
T_MUNICIPALITY = MP + "municipality"
T_PREDECESSOR = MP + "predecessor"
T_TITLE = DCTERMS + "title"
T_TYPE = RDF + "type"
UNIT_SYMBOLS = {"TON_Metric": "t", "KiloGM": "kg", "M3": "m³", "M2": "m²", "M": "m", "NUM": "st",
                "GM": "g", "L": "l"}
TONNES_PER_UNIT = {"TON_Metric": 1.0, "KiloGM": 0.001, "GM": 1e-6}


def scheme_of(iri: str) -> str:
    """``rstrategy`` for ``mpv:rstrategy/R3``."""
    if iri.startswith(MPV):
        return iri[len(MPV):].split("/", 1)[0]
    return ""


def is_municipality(terms: Terms, iri: str) -> bool:
    return any(t == MUNICIPALITY_CLASS for t in terms.types(iri))


def agent_label(terms: Terms, agent: str | None, lang: str = "nl",
                names: dict[str, str] | None = None) -> str:
    """How the pages name who made a version: the label of a known agent, else the name recorded
    for it in the provenance graph (``names``: language -> text), else its IRI's last part."""
    if not agent:
        return ""
    if terms.known(agent):
        return terms.label(agent, lang)
    if names:
        return names.get(lang) or names.get("") or next(iter(names.values()))
    return local_name(agent)


__all__ = ["SCHEME_PREDICATES", "TONNES_PER_UNIT", "UNIT_SYMBOLS", "agent_label", "is_municipality",
           "scheme_of"]
