"""What the SPARQL-server backend (``remote``) changes in the text and terms it exchanges: values
bound into a named query, and the differences of Virtuoso that are undone on the way.

Virtuoso open source 7.2 (measured with Debian's 7.2.5, see docs/deployment.md):

- it refuses a ``geo:wktLiteral`` that starts with a CRS IRI (every RD New geometry) and turns the
  others into its own ``virtrdf:Geometry``: WKT literals are written under a private datatype and
  read back as ``geo:wktLiteral``, unchanged;
- it answers booleans as ``"1"``/``"0"`` in JSON results: read back as ``"true"``/``"false"``;
- its blank nodes are named ``nodeID://b123``, not a valid blank node label: read back as ``b123``;
- a SPARQL Update of more than about 5,000 triples in one ``INSERT DATA`` fails ("memory
  exhausted"): inserts are cut into operations of at most ``CHUNK`` triples (one request);
- in an ``INSERT`` template it reads ``"3"^^xsd:decimal`` as the integer 3: whole decimals are
  written as ``3.0`` (read back ``3``);
- its system graphs (``virtrdf:``, ``ldp:``, ...) are not the registry's: left out of every read.

Literals of XSD value types (decimals, dates, ...) come out of ``quads_for_pattern`` in the form
pyoxigraph stores them (``1.50`` as ``1.5``, ``canonical``), as from the embedded store; Jena
keeps the written form, and so do the answers of ``query`` there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping

import pyoxigraph as ox

WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
VIRTUOSO_WKT = "urn:x-passports:virtuoso:wktLiteral"  # how Virtuoso keeps a WKT literal as written
VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
                          "http://www.w3.org/2002/07/owl#", "virtrdf-label")
CHUNK = 1000  # triples in one INSERT DATA operation (Virtuoso's parser gives up at about 5,000)

# Tokens of SPARQL text up to the query's group pattern: comments, IRIs, strings, words, braces.
_TOKEN = re.compile(r'#[^\n]*|<[^<>"{}|^`\\\s]*>|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|[A-Za-z_]+|\{|[^\s]', re.DOTALL)


def bind(query: str, substitutions: Mapping[ox.Variable, ox.Term] | None) -> str:
    """``query`` with each substituted variable bound by a ``VALUES`` block at the start of the
    query's group pattern (after its ``WHERE``) and of every subquery's (but those a ``SERVICE``
    sends to a peer), as pyoxigraph's substitutions bind it before the evaluation, in subqueries
    too (a ``VALUES`` of the outer query alone does not reach into a subquery: a saved query that
    filters on an optional parameter inside an aggregate subquery would count the whole region
    under the municipality asked for, or on Virtuoso find nothing). The values are terms
    serialised by pyoxigraph (N-Triples syntax), never input text.

    >>> bind("SELECT ?n WHERE { ?p ?x ?n }", {ox.Variable("p"): ox.NamedNode("http://e/a")})
    'SELECT ?n WHERE { VALUES (?p) { (<http://e/a>) } ?p ?x ?n }'
    >>> bind("SELECT ?n { { SELECT ?n { ?p ?x ?n } } }", {ox.Variable("p"): ox.NamedNode("http://e/a")})
    'SELECT ?n { VALUES (?p) { (<http://e/a>) } { SELECT ?n { VALUES (?p) { (<http://e/a>) } ?p ?x ?n } } }'
    """
    if not substitutions:
        return query
    return _insert(query, tuple(substitutions), [tuple(substitutions.values())])


def bind_each(query: str, variable: ox.Variable, terms: Iterable[ox.Term]) -> str:
    """``query`` with ``variable`` bound to each of ``terms`` in turn (one ``VALUES`` row each), where
    :func:`bind` puts its block: a look-up of many graphs or subjects in one request.

    >>> bind_each("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", ox.Variable("g"), [ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")])
    'SELECT ?g { VALUES (?g) { (<http://e/a>) (<http://e/b>) } GRAPH ?g { ?s ?p ?o } }'
    """
    return _insert(query, (variable,), [(term,) for term in terms])


def _insert(query: str, variables: tuple[ox.Variable, ...], rows: list[tuple[ox.Term, ...]]) -> str:
    names = " ".join(str(v) for v in variables)
    values = " ".join("(" + " ".join(str(t) for t in row) + ")" for row in rows)
    block = f" VALUES ({names}) {{ {values} }}"
    pieces, start, form, waiting = [], 0, None, False
    depth, service = 0, None  # inside a SERVICE (from this depth on) the peer answers: left as written
    for match in _TOKEN.finditer(query):
        token = match.group()
        word = match.start() == 0 or query[match.start() - 1] not in "?$:"  # not ?where, ex:select
        upper = token.upper() if word else ""
        depth += (token == "{") - (token == "}")
        if service is not None:
            service = None if token == "}" and depth < service else service
        elif upper == "SERVICE":
            service = depth + 1
        elif upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            form = form or upper
            waiting = upper != "CONSTRUCT"  # a CONSTRUCT's first group is its template
        elif upper == "WHERE":
            waiting = True
        elif token == "{" and waiting:
            pieces += [query[start:match.end()], block]
            start, waiting = match.end(), False
    if not pieces:
        raise ValueError("no group pattern to bind the values in")
    return "".join(pieces) + query[start:]


def query_form(query: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the form of ``query`` (its first keyword
    after the prologue), to ask the server for results or for triples."""
    for match in _TOKEN.finditer(query):
        if match.group().upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return match.group().upper()
    return "SELECT"


def outgoing(term: ox.Term, virtuoso: bool) -> ox.Term:
    """A term as written to the server (Virtuoso: WKT under the private datatype)."""
    if virtuoso and isinstance(term, ox.Literal):
        if term.datatype.value == WKT:
            return ox.Literal(term.value, datatype=ox.NamedNode(VIRTUOSO_WKT))
        if term.datatype.value == DECIMAL and term.value.lstrip("+-").isdigit():
            return ox.Literal(term.value + ".0", datatype=term.datatype)  # else an integer in a template
    return term


def insert_operations(quads: Iterable[ox.Quad], virtuoso: bool, chunk: int = CHUNK) -> Iterator[str]:
    """Insert operations for ``quads`` (each at most ``chunk`` triples, unless blank nodes tie more
    together), in N-Triples syntax written by pyoxigraph. Triples that share a blank node stay in
    one operation and one ``GRAPH`` block, so it stays one node; Virtuoso refuses blank nodes in
    ``INSERT DATA``, so there those go in ``INSERT {...} WHERE {}``, one graph each (a template
    with blank nodes in two ``GRAPH`` blocks fails there: "SR002 string_output_string")."""
    forms = {False: ("INSERT DATA {", "}"), True: ("INSERT {", "} WHERE {}")}
    pending: dict[bool, list[ox.Quad]] = {False: [], True: []}
    for unit in _units(quads):
        template = virtuoso and any(isinstance(t, ox.BlankNode) for t in (unit[0].subject, unit[0].object))
        waiting = pending[template]
        if waiting and (len(waiting) + len(unit) > chunk or template and waiting[0].graph_name != unit[0].graph_name):
            yield forms[template][0] + graph_blocks(waiting, virtuoso) + forms[template][1]
            waiting.clear()
        waiting += unit
    for template, waiting in pending.items():
        if waiting:
            yield forms[template][0] + graph_blocks(waiting, virtuoso) + forms[template][1]


def graph_blocks(quads: list[ox.Quad], virtuoso: bool) -> str:
    """``GRAPH g { s p o . ... }`` for runs of ``quads`` in one graph."""
    text, graph = [], None
    for quad in quads:
        if quad.graph_name != graph:
            text.append(("}\n" if graph is not None else "\n") + f"GRAPH {quad.graph_name} {{")
            graph = quad.graph_name
        text.append(f"{quad.subject} {quad.predicate} {outgoing(quad.object, virtuoso)} .")
    return "\n".join(text) + "\n}\n"


def _units(quads: Iterable[ox.Quad]) -> list[list[ox.Quad]]:
    """``quads`` in groups that must be inserted together: those joined by blank nodes (in one
    graph), and every other quad alone; ordered by graph."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    quads = list(quads)
    for quad in quads:
        blanks = [t for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        for other in blanks[1:]:
            parent[root(other)] = root(blanks[0])
    groups: dict[tuple, list[ox.Quad]] = {}
    for number, quad in enumerate(quads):
        blank = next((t for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)), None)
        key = (str(quad.graph_name), str(root(blank)) if blank is not None else number)
        groups.setdefault(key, []).append(quad)
    return [groups[key] for key in sorted(groups, key=lambda k: (k[0], str(k[1])))]


def fix_virtuoso_bindings(data: dict) -> dict:
    """Virtuoso's JSON results (parsed) with the terms it changed put back (see the module doc)."""
    for row in data.get("results", {}).get("bindings", ()):
        for term in row.values():
            kind, datatype = term.get("type"), term.get("datatype")
            if kind == "bnode" and term["value"].startswith("nodeID://"):
                term["value"] = term["value"][len("nodeID://"):]
            elif datatype in (VIRTUOSO_WKT, VIRTUOSO_GEOMETRY):
                term["datatype"] = WKT
            elif datatype == BOOLEAN and term["value"] in ("1", "0"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return data


def is_system_graph(name: str) -> bool:
    return name.startswith(VIRTUOSO_SYSTEM_GRAPHS)


_SCRATCH = ox.Store()
_S, _P = ox.NamedNode("urn:x-passports:s"), ox.NamedNode("urn:x-passports:p")
XSD = "http://www.w3.org/2001/XMLSchema#"


def canonical(term: ox.Term) -> ox.Term:
    """``term`` as the embedded store gives it back: a literal of an XSD value type in the
    canonical form pyoxigraph stores it in (a round trip through an in-memory store, cached)."""
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(XSD) and term.datatype.value != XSD + "string":
        return _canonical(term)
    return term


@functools.lru_cache(maxsize=65536)
def _canonical(term: ox.Literal) -> ox.Literal:
    quad = ox.Quad(_S, _P, term)
    _SCRATCH.add(quad)
    stored = next(_SCRATCH.quads_for_pattern(_S, _P, None)).object
    _SCRATCH.remove(ox.Quad(_S, _P, stored))
    _SCRATCH.remove(quad)
    return stored
