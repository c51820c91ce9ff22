"""Hostile RDF inputs, made in memory (small code, no files on disk): each shape of issue 11 in every
format it applies to. Used by the hostile-body tests and by bench/bench_hostile_parse.py."""

from __future__ import annotations

import pyoxigraph as ox

E = "http://e/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MEDIA = {
    ox.RdfFormat.TURTLE: "text/turtle",
    ox.RdfFormat.TRIG: "application/trig",
    ox.RdfFormat.N_TRIPLES: "application/n-triples",
    ox.RdfFormat.N_QUADS: "application/n-quads",
    ox.RdfFormat.JSON_LD: "application/ld+json",
    ox.RdfFormat.RDF_XML: "application/rdf+xml",
}
SUFFIX = {ox.RdfFormat.TURTLE: ".ttl", ox.RdfFormat.TRIG: ".trig", ox.RdfFormat.N_TRIPLES: ".nt",
          ox.RdfFormat.N_QUADS: ".nq", ox.RdfFormat.JSON_LD: ".jsonld", ox.RdfFormat.RDF_XML: ".rdf"}


def nested(open_: str, middle: str, close: str, depth: int) -> bytes:
    return (open_ * depth + middle + close * depth).encode()


def jsonld_lists(depth: int) -> bytes:
    """The crash of issue 11, item 1: ``{"http://e/p":{"@list":[ ... ]}}`` repeated."""
    return nested('{"http://e/p":{"@list":[', '"x"', "]}}", depth)


def json_objects(depth: int) -> bytes:
    """Plain nested JSON objects (issue 11: a crash at depth 10,000)."""
    return nested('{"http://e/p":', '"x"', "}", depth)


def rdfxml_elements(depth: int) -> bytes:
    """RDF/XML nested ``depth`` node elements deep (issue 11, item 3: quadratic)."""
    head = f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{E}"><rdf:Description rdf:about="{E}s">'
    return (head + "<e:p><rdf:Description>" * depth + "<e:q>x</e:q>"
            + "</rdf:Description></e:p>" * depth + "</rdf:Description></rdf:RDF>").encode()


def rdfxml_laughs(levels: int = 8) -> bytes:
    """Billion laughs (issue 11, item 2): ``levels`` entities, each ten of the one before."""
    entities = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{chr(10).join(entities)}\n]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{E}"><rdf:Description rdf:about="{E}s">'
            f"<e:p>&l{levels};</e:p></rdf:Description></rdf:RDF>").encode()


def rdfxml_external_entity() -> bytes:
    """XXE: an entity that names a local file."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{E}"><rdf:Description rdf:about="{E}s">'
            "<e:p>&x;</e:p></rdf:Description></rdf:RDF>").encode()


def deep(fmt: ox.RdfFormat, depth: int) -> bytes:
    """A body of ``fmt`` nested ``depth`` times in that format's own way: 1 to 3 levels of brackets or
    elements each (Turtle ``[``: 1; N-Triples ``<<(``: 2; RDF/XML node and property element: 2;
    JSON-LD ``{"p":{"@list":[``: 3), so ``depth`` 65 is over a limit of 64 in every format."""
    if fmt == ox.RdfFormat.JSON_LD:
        return jsonld_lists(depth)
    if fmt == ox.RdfFormat.RDF_XML:
        return rdfxml_elements(depth)
    if fmt == ox.RdfFormat.TURTLE:
        return f"<{E}s> <{E}p> ".encode() + nested(f"[ <{E}p> ", '"x"', " ]", depth) + b" ."
    if fmt == ox.RdfFormat.TRIG:
        return f"<{E}g> {{ <{E}s> <{E}p> ".encode() + nested("( ", '"x"', " )", depth) + b" . }"
    # N-Triples and N-Quads nest only quoted triples (RDF 1.2)
    graph = f" <{E}g>" if fmt == ox.RdfFormat.N_QUADS else ""
    return f"<{E}s> <{E}p> ".encode() + nested(f"<<( <{E}s> <{E}p> ", f"<{E}o>", " )>>", depth) \
        + f"{graph} .\n".encode()


def big_literal(fmt: ox.RdfFormat, size: int) -> bytes:
    """One triple whose literal has ``size`` bytes."""
    value = "x" * size
    if fmt == ox.RdfFormat.JSON_LD:
        return f'{{"@id": "{E}s", "{E}p": "{value}"}}'.encode()
    if fmt == ox.RdfFormat.RDF_XML:
        return (f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{E}"><rdf:Description rdf:about="{E}s">'
                f"<e:p>{value}</e:p></rdf:Description></rdf:RDF>").encode()
    if fmt == ox.RdfFormat.TRIG:
        return f'<{E}g> {{ <{E}s> <{E}p> "{value}" . }}'.encode()
    graph = f" <{E}g>" if fmt == ox.RdfFormat.N_QUADS else ""
    return f'<{E}s> <{E}p> "{value}"{graph} .\n'.encode()


def many_triples(fmt: ox.RdfFormat, count: int) -> bytes:
    """``count`` small triples."""
    if fmt == ox.RdfFormat.JSON_LD:
        return ("[" + ",".join(f'{{"@id": "{E}s{i}", "{E}p": "v"}}' for i in range(count)) + "]").encode()
    if fmt == ox.RdfFormat.RDF_XML:
        return (f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{E}">'
                + "".join(f'<rdf:Description rdf:about="{E}s{i}"><e:p>v</e:p></rdf:Description>'
                          for i in range(count)) + "</rdf:RDF>").encode()
    if fmt == ox.RdfFormat.TRIG:
        return (f"<{E}g> {{\n" + "".join(f'<{E}s{i}> <{E}p> "v" .\n' for i in range(count)) + "}").encode()
    graph = f" <{E}g>" if fmt == ox.RdfFormat.N_QUADS else ""
    return "".join(f'<{E}s{i}> <{E}p> "v"{graph} .\n' for i in range(count)).encode()
