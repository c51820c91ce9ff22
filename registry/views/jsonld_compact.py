"""Compacted and framed JSON-LD straight from the triples, against the registry's term context.

pyld does the general algorithms (compaction, framing), but at tens of milliseconds for one
passport: too slow for a document server (``bench/bench_jsonld.py``). With the registry's own
context (``ontology/context.jsonld``: prefixes, one term per class and property, each property
with at most a ``@type`` coercion or a ``@language`` container) the algorithms reduce to:

- a property's key is its term when the value fits the term's definition (an IRI for ``"@id"``,
  a literal of the coerced datatype, a language-tagged text for a language map, anything for a
  term without coercion), otherwise the compact IRI (``"qudt:numericValue"``);
- IRIs become the shortest (then least) ``prefix:suffix``, or a term for types (``"Bridge"``);
- single values are unwrapped (``compactArrays``);
- framed (:func:`framed`): each passport is the top node and every node it refers to is put
  inside the first reference to it (``@embed: @once``, object -> components -> quantities), with
  blank node identifiers used once left out, as pyld's framing of ``{"@type": "Passport"}`` does.

Beyond pyld, integers and booleans in canonical form are JSON numbers and booleans (they expand to
the same literal under the coercion). Input the rules do not cover (RDF-star, JSON literals,
directions) goes to pyld. ``tests/views/test_jsonld.py`` checks both forms against pyld.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import pyoxigraph as ox

from registry.model.jsonld import context
from registry.model.vocab import MP, RDF, XSD

RDF_TYPE_IRI = RDF + "type"
PASSPORT_CLASS = MP + "Passport"
FRAME = {"@type": "Passport"}  # the frame, for pyld (tests, docs): the passport on top
_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"
_XSD_BOOLEAN = XSD + "boolean"
_RDF_JSON = RDF + "JSON"
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,15}")
_SAFE_INTEGER = 2 ** 53  # the largest a JavaScript number holds exactly


class NotSimple(Exception):
    """A term the direct compaction does not cover (RDF-star, JSON literals, directions)."""


class Terms:
    """The registry context's prefixes and terms, indexed for compaction."""

    def __init__(self, ctx: dict):
        self.prefixes: dict[str, str] = {k: v for k, v in ctx.items()
                                         if isinstance(v, str) and v[-1:] in "/#"}
        self.names_of: dict[str, list[str]] = {}
        for name, ns in self.prefixes.items():
            self.names_of.setdefault(ns, []).append(name)
        self.lengths = sorted({len(ns) for ns in self.names_of})
        self.classes: dict[str, str] = {}
        self.properties: dict[str, tuple[str, str | None, bool]] = {}  # IRI: (term, coercion, language map)
        for term, definition in ctx.items():
            if term in self.prefixes:
                continue
            if isinstance(definition, str):
                self.classes[self.expand(definition)] = term
                continue
            coercion = definition.get("@type")
            if coercion is not None and coercion != "@id":
                coercion = self.expand(coercion)
            self.properties[self.expand(definition["@id"])] = (
                term, coercion, definition.get("@container") == "@language")
        self.compact_iri = functools.lru_cache(maxsize=65536)(self._compact_iri)

    def expand(self, curie: str) -> str:
        prefix, _, rest = curie.partition(":")
        return self.prefixes[prefix] + rest if prefix in self.prefixes else curie

    def _compact_iri(self, value: str) -> str:
        """The shortest (then least) ``prefix:suffix`` for ``value``, or ``value`` itself."""
        found = value
        size = len(value)
        for length in self.lengths:
            if length >= size:
                break
            names = self.names_of.get(value[:length])
            if names:
                rest = value[length:]
                for name in names:
                    curie = f"{name}:{rest}"
                    if found is value or (len(curie), curie) < (len(found), found):
                        found = curie
        return found

    def type_name(self, iri: str) -> str:
        """A type or datatype IRI as a term (a class) or compact IRI."""
        return self.classes.get(iri) or self.compact_iri(iri)


@functools.lru_cache(maxsize=1)
def terms() -> Terms:
    return Terms(context()["@context"])


def _native(value: str, datatype: str):
    """The JSON number or boolean that expands to the same literal, or the lexical form."""
    if datatype == _XSD_INTEGER and _CANONICAL_INTEGER.fullmatch(value) and abs(int(value)) < _SAFE_INTEGER:
        return int(value)
    if datatype == _XSD_BOOLEAN and value in ("true", "false"):
        return value == "true"
    return value


def _node_id(term: ox.Term, t: Terms) -> str:
    kind = type(term)
    if kind is ox.NamedNode:
        return t.compact_iri(term.value)
    if kind is ox.BlankNode:
        return "_:" + term.value
    raise NotSimple


class _Builder:
    """One document's nodes (subject -> predicate -> objects), compacted, flat or nested."""

    def __init__(self, triples: Sequence[ox.Triple], t: Terms, embed: bool):
        self.t = t
        self.embed = embed
        self.nodes: dict[ox.Term, dict[str, list]] = {}
        for s, p, o in triples:
            props = self.nodes.get(s)
            if props is None:
                props = self.nodes[s] = {}
            values = props.get(p.value)
            if values is None:
                props[p.value] = [o]
            else:
                values.append(o)
        self.done: set[ox.Term] = set()
        self.blank_uses: dict[str, int] = {}

    def node(self, subject: ox.Term) -> dict:
        self.done.add(subject)
        t = self.t
        props = self.nodes[subject]
        out: dict = {"@id": _node_id(subject, t)}
        if type(subject) is ox.BlankNode:
            self.blank_uses[out["@id"]] = self.blank_uses.get(out["@id"], 0) + 1
        types = props.get(RDF_TYPE_IRI)
        if types and all(type(x) is ox.NamedNode for x in types):
            names = [t.type_name(x.value) for x in types]
            out["@type"] = names[0] if len(names) == 1 else names
        else:
            types = None
        for predicate in sorted(props):
            if types is not None and predicate == RDF_TYPE_IRI:
                continue
            for o in props[predicate]:
                self._add(out, predicate, o)
        for key, value in out.items():
            if type(value) is list:
                if len(value) == 1:
                    out[key] = value[0]
            elif type(value) is dict:  # a language map
                for language, texts in value.items():
                    if len(texts) == 1:
                        value[language] = texts[0]
        return {key: out[key] for key in sorted(out)}  # "@id", "@type", then the terms A-Z

    def _add(self, out: dict, predicate: str, o: ox.Term) -> None:
        t = self.t
        term, coercion, language_map = t.properties.get(predicate, (None, "", False))
        kind = type(o)
        if kind is ox.Literal:
            key, value = self._literal(o, term, coercion, language_map)
            if key is not None and language_map:
                self._put(out.setdefault(key, {}), o.language or "@none", value)
                return
            key = key or t.compact_iri(predicate)
        elif kind is ox.NamedNode or kind is ox.BlankNode:
            fits = term is not None and not language_map and coercion in (None, "@id")
            key = term if fits else t.compact_iri(predicate)
            if self.embed and o in self.nodes and o not in self.done:
                value = self.node(o)
            else:
                ref = _node_id(o, t)
                if kind is ox.BlankNode:
                    self.blank_uses[ref] = self.blank_uses.get(ref, 0) + 1
                value = ref if fits and coercion == "@id" else {"@id": ref}
        else:
            raise NotSimple
        self._put(out, key, value)

    @staticmethod
    def _put(out: dict, key: str, value) -> None:
        values = out.get(key)
        if values is None:
            out[key] = [value]
        else:
            values.append(value)

    def _literal(self, o: ox.Literal, term, coercion, language_map):
        """(the term, when the literal fits its definition, or None; the compacted value)."""
        language = o.language
        if language:
            if o.direction:
                raise NotSimple
            if term is not None and (language_map or coercion is None):
                return term, (o.value if language_map else {"@language": language, "@value": o.value})
            return None, {"@language": language, "@value": o.value}
        datatype = o.datatype.value
        if datatype == _RDF_JSON:
            raise NotSimple
        plain = datatype == _XSD_STRING
        if plain and language_map:
            return term, o.value  # a text without language: "@none" in the language map
        if term is not None and not language_map:
            if coercion is None:
                return term, (o.value if plain else {"@type": self.t.type_name(datatype), "@value": o.value})
            if coercion == datatype:
                return term, _native(o.value, datatype)
        return None, (o.value if plain else {"@type": self.t.type_name(datatype), "@value": o.value})

    def prune(self, node):
        """Leave out the ``@id`` of blank nodes used once (JSON-LD 1.1 framing does)."""
        if isinstance(node, list):
            for item in node:
                self.prune(item)
        elif isinstance(node, dict):
            ref = node.get("@id")
            if isinstance(ref, str) and ref.startswith("_:") and self.blank_uses.get(ref) == 1 and len(node) > 1:
                del node["@id"]
            for key, value in node.items():
                if key != "@id":
                    self.prune(value)


def _body(nodes: list[dict]) -> dict:
    if len(nodes) == 1:
        return nodes[0]
    return {"@graph": nodes} if nodes else {}


def flat(triples: Sequence[ox.Triple]) -> dict:
    """The compacted document without ``@context``: one node per subject, in the order of the
    triples, in ``@graph`` when there are several."""
    builder = _Builder(triples, terms(), embed=False)
    return _body([builder.node(s) for s in builder.nodes])


def framed(triples: Sequence[ox.Triple]) -> dict:
    """The framed document without ``@context``: each passport on top with what it refers to
    nested inside it. Nodes no passport reaches follow it in ``@graph`` (pyld's framing would leave
    them out); a document without a passport is the flat one."""
    builder = _Builder(triples, terms(), embed=True)
    passport = ox.NamedNode(PASSPORT_CLASS)
    roots = [s for s, props in builder.nodes.items() if passport in props.get(RDF_TYPE_IRI, ())]
    if not roots:
        return flat(triples)
    roots.sort(key=lambda s: s.value)
    nodes = [builder.node(s) for s in roots]
    nodes += [builder.node(s) for s in builder.nodes if s not in builder.done]
    builder.prune(nodes)
    return _body(nodes)


def with_pyld(triples: Sequence[ox.Triple], *, frame: bool) -> dict:
    """The general algorithms (pyld) on pyoxigraph's expanded JSON-LD, for what the direct
    compaction does not cover; the body without ``@context``."""
    import json

    from pyld import jsonld  # imported when needed: rarely

    expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
    for node in expanded:  # pyoxigraph writes rdf:type as a property; JSON-LD's own form is @type
        types = node.get(RDF_TYPE_IRI)
        if types and all("@id" in o and not o["@id"].startswith("_:") for o in types):
            del node[RDF_TYPE_IRI]
            node["@type"] = [o["@id"] for o in types]
    ctx = context()
    if frame and any(PASSPORT_CLASS in node.get("@type", ()) for node in expanded):
        result = jsonld.frame(expanded, {**ctx, **FRAME}, {"omitGraph": True})
    else:
        result = jsonld.compact(expanded, ctx, {"compactArrays": True, "skipExpansion": True})
    result.pop("@context", None)
    return result


def document(triples: Sequence[ox.Triple], *, frame: bool) -> dict:
    """The body of the JSON-LD document of ``triples``, framed or flat, without ``@context``."""
    try:
        return framed(triples) if frame else flat(triples)
    except NotSimple:
        return with_pyld(triples, frame=frame)
