"""What a linked-data URI resolves to, without HTTP: the documents behind ``/id`` and ``/doc``.

- :func:`resolve_target` parses ``{kind}/{path}`` into what it names (a passport or version,
  another resource of a passport, a provenance record or a vocabulary IRI) and
  :func:`target_exists` says whether it is known;
- :func:`passport_document` gives a passport's current graph, a version (immutable) or a
  retired passport's tombstone (410 with when, why and history); :func:`provenance_document` a
  provenance record. A :class:`Document` says what to send and how long it may be cached;
- :func:`fallback_page` and :func:`not_found_page` are the plain HTML pages for resources the
  templates do not cover.

The web router (:mod:`registry.web.routers.linked_data`) turns these into responses; the static
site (:mod:`registry.static_site`) writes them to files. Every lookup is an indexed
``quads_for_pattern`` on one named graph or one subject; nothing here scans a store.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.model.uris import (
    KEY_PATTERN,
    PASSPORT_KINDS,
    PassportRef,
    UriError,
    owning_passport,
    parse_passport_iri,
)
from registry.model.vocab import (
    CONTENT_HASH,
    CURRENT_VERSION,
    DCTERMS,
    MODIFIED,
    MP,
    RDF_TYPE,
    RETIRED_AT,
    RETIRED_PASSPORT,
    RETIREMENT_REASON,
    VERSION_NUMBER,
)
from registry.store import named_queries as queries
from registry.store.valuations import valuation_graph
from registry.views import negotiation
from registry.views.negotiation import DocFormat
from registry.views.pages.links import web_iri
from registry.views.serialization import CONTEXT_URL, PASSPORT_PREFIXES, serialize, serialize_graph
from registry.views.vocabulary import instance_path, subject_triples, vocabulary_iri, vocabulary_triples

# How long a document may be cached (the ``Cache-Control`` it is served with)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
VOCABULARY_CACHE = "public, max-age=3600"

PROVENANCE_KINDS = ("activity", "agent")
RECORD_KIND = "valuationrecord"  # {base}id/valuationrecord/GMxxxx/key/date/digest (registry.store.valuations)
HAS_VERSION = ox.NamedNode(DCTERMS + "hasVersion")
HAS_INPUT = ox.NamedNode(MP + "hasValuationInput")

_KIND_RE = re.compile(r"^[a-z]{1,40}$")
_KEY_RE = re.compile(rf"^{KEY_PATTERN}$")
_SEGMENTS_RE = re.compile(rf"^{KEY_PATTERN}(?:/{KEY_PATTERN}){{0,3}}$")


# --- what a path names -----------------------------------------------------------------------

class Target:
    """What a ``{kind}/{path}`` names: a passport (or version), another passport resource, a
    provenance record, or a vocabulary IRI."""

    __slots__ = ("iri", "kind", "path", "ref", "vocabulary")

    def __init__(self, kind: str, path: str, ref: PassportRef | None, iri: str, vocabulary: bool):
        self.kind, self.path, self.ref, self.iri, self.vocabulary = kind, path, ref, iri, vocabulary


def resolve_target(base: str, kind: str, path: str) -> Target | None:
    """Parse ``kind``/``path``; None when it cannot name anything here (never a file path)."""
    if not _KIND_RE.match(kind):
        return None
    if kind in PASSPORT_KINDS:
        if not path:
            return None
        iri = f"{base}id/{kind}/{path}"
        if kind == "passport":
            try:
                ref = parse_passport_iri(base, iri)
            except UriError:
                return None
        else:
            ref = owning_passport(base, iri)
            if ref is None or "#" in path or "//" in path or path.endswith("/"):
                return None
        return Target(kind, path, ref, iri, False)
    if kind in PROVENANCE_KINDS or kind == RECORD_KIND:
        if not _SEGMENTS_RE.match(path):
            return None
        return Target(kind, path, None, f"{base}id/{kind}/{path}", False)
    if path and not _KEY_RE.match(path):
        return None
    return Target(kind, path, None, vocabulary_iri(kind, path or None), True)


def target_exists(registry, target: Target) -> bool:
    """Whether the registry (or the vocabulary) knows what ``target`` names."""
    if target.vocabulary:
        return vocabulary_triples(target.iri) is not None
    if target.ref is None:
        return bool(next(registry.store.quads_for_pattern(ox.NamedNode(target.iri), None, None,
                                                          _record_graph(registry, target.iri)), None))
    if target.kind != "passport":
        return resource_exists(registry, target.ref, target.iri)
    if target.ref.version is not None:
        return registry.status(target.ref) == "version"
    return registry.status(target.ref) != "absent"


# --- documents -------------------------------------------------------------------------------

@dataclass
class Document:
    """What a request resolved to: what to send and how to cache it.

    The content is either ``triples`` or a named graph of a store (``source``), which is then
    serialised by pyoxigraph straight from the store, without a Python object per triple.
    """

    status: int
    triples: list[ox.Triple] | tuple[ox.Triple, ...] | None
    cache_control: str
    validator: str | None = None  # ETag without the format part
    modified: str | None = None  # xsd:dateTime of the last change
    retirement: dict | None = field(default=None)
    source: tuple[ox.Store, ox.NamedNode] | None = None

    def etag(self, fmt: DocFormat) -> str | None:
        """The ETag of this document in ``fmt`` from the stored validator (None without one)."""
        return None if self.validator is None else f'"{self.validator}-{fmt.name}"'

    def materialize(self) -> list[ox.Triple] | tuple[ox.Triple, ...]:
        if self.triples is None and self.source is not None:
            self.triples = graph_triples(*self.source)
        return self.triples or []

    def serialize(self, fmt: DocFormat, *, context_url: str = CONTEXT_URL) -> bytes:
        if self.triples is None and self.source is not None:
            return serialize_graph(*self.source, fmt, context_url=context_url, prefixes=PASSPORT_PREFIXES)
        return serialize(self.materialize(), fmt, context_url=context_url, prefixes=PASSPORT_PREFIXES)


def graph_triples(store: ox.Store, graph: ox.NamedNode) -> list[ox.Triple]:
    """The triples of one named graph in store order (a CONSTRUCT: about 30 % less time than
    ``quads_for_pattern``, which decodes the graph name of every quad)."""
    return list(queries.run(store, "page-passport-graph", {"graph": graph}, union=False))




def _first_object(store: ox.Store, subject: ox.NamedNode, predicate: ox.NamedNode,
                  graph: ox.NamedNode) -> ox.Term | None:
    for q in store.quads_for_pattern(subject, predicate, None, graph):
        return q.object
    return None


def _version_of(iri_value: ox.Term | None) -> int:
    if iri_value is None:
        return 0
    try:
        return int(iri_value.value.rsplit("/", 1)[1])
    except (ValueError, IndexError):
        return 0


def _validator(content: ox.Term | None, number: int) -> str:
    return f"{content.value[:20] if content is not None else 'x'}-{number}"


def passport_document(registry, ref: PassportRef) -> Document | None:
    """The current graph, a version, or a retired passport's tombstone; None when unknown.

    A few single-value lookups decide which (version number, content hash, modified); the graph
    itself is only read when the document is sent.
    """
    node = ox.NamedNode(ref.iri)
    store = registry.store
    number_term = _first_object(store, node, VERSION_NUMBER, node)
    number = int(number_term.value) if number_term is not None else 0
    if ref.version is None:
        if number_term is None:
            return _tombstone(store, ref, node)
        content = _first_object(store, node, CONTENT_HASH, node)
        return Document(200, None, REVALIDATE, validator=_validator(content, number),
                        modified=_literal(_first_object(store, node, MODIFIED, node)), source=(store, node))
    # A version: the current graph while it is current, the history store once superseded.
    if number == ref.version:
        source, graph = store, node
    else:
        latest = number or _version_of(_first_object(store, node, CURRENT_VERSION, node))
        if not 1 <= ref.version <= latest or registry.history_store is None:
            return None
        source, graph = registry.history_store, ox.NamedNode(ref.version_iri)
    content = _first_object(source, node, CONTENT_HASH, graph)
    if content is None and next(source.quads_for_pattern(None, None, None, graph), None) is None:
        return None
    return Document(200, None, IMMUTABLE, validator=_validator(content, ref.version),
                    modified=_literal(_first_object(source, node, MODIFIED, graph)), source=(source, graph))


def _literal(term: ox.Term | None) -> str | None:
    return term.value if term is not None else None


def _tombstone(store: ox.Store, ref: PassportRef, node: ox.NamedNode) -> Document | None:
    """A retired passport: 410 with when, why, and every version (``dcterms:hasVersion``)."""
    at = _literal(_first_object(store, node, RETIRED_AT, node))
    if at is None:
        return None
    triples = graph_triples(store, node)
    last = _version_of(_first_object(store, node, CURRENT_VERSION, node))
    triples += [ox.Triple(node, HAS_VERSION, ox.NamedNode(f"{ref.iri}/v/{n}")) for n in range(1, last + 1)]
    reason = _literal(_first_object(store, node, RETIREMENT_REASON, node)) or ""
    return Document(410, triples, REVALIDATE, validator=f"retired-{last}-{_digest(at)}", modified=at,
                    retirement={"at": at, "reason": reason, "last_version": last})


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def resource_exists(registry, ref: PassportRef, iri: str) -> bool:
    """Whether ``iri`` is described in its passport's current graph (or the passport is retired)."""
    graph = ox.NamedNode(ref.iri)
    if next(registry.store.quads_for_pattern(ox.NamedNode(iri), None, None, graph), None):
        return True
    return next(registry.store.quads_for_pattern(graph, RDF_TYPE, RETIRED_PASSPORT, graph), None) is not None


def _record_graph(registry, iri: str) -> ox.NamedNode:
    """The graph a registry record is in: a valuation record in its municipality's valuation graph,
    an activity or agent in the provenance graph."""
    prefix = f"{registry.base}id/{RECORD_KIND}/"
    if iri.startswith(prefix):
        return valuation_graph(registry.base, iri[len(prefix):].split("/", 1)[0])
    return registry.provenance_graph


def provenance_document(registry, iri: str) -> Document | None:
    """An activity or agent of the provenance graph, or a valuation record with its inputs."""
    graph = _record_graph(registry, iri)
    triples = subject_triples(registry.store, ox.NamedNode(iri), graph)
    if triples and graph != registry.provenance_graph:
        inputs = [t.object for t in triples if t.predicate == HAS_INPUT]
        triples = list(triples) + [t for node in inputs for t in subject_triples(registry.store, node, graph)]
    return Document(200, triples, REVALIDATE) if triples else None


# --- plain HTML: for resources without a page of the templates ---------------------------------

def _link(term, base: str) -> str:
    if isinstance(term, ox.NamedNode):
        href = instance_path(term.value, base) or (term.value if web_iri(term.value) else None)
        if href is None:  # javascript:, data: and the like are never links
            return html.escape(term.value)
        return f'<a href="{html.escape(href)}">{html.escape(term.value)}</a>'
    if isinstance(term, ox.Literal):
        suffix = f"@{term.language}" if term.language else ""
        return f"{html.escape(term.value)}<small>{html.escape(suffix)}</small>"
    return html.escape(str(term))


_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body><main>
{body}
</main></body></html>
"""


def _format_links(kind: str, path: str) -> str:
    doc_path = f"/doc/{kind}/{path}" if path else f"/doc/{kind}"
    items = " · ".join(f'<a href="{html.escape(doc_path + f.suffix)}" type="{f.media_type}">{f.name}</a>'
                       for f in negotiation.FORMATS if f.is_rdf)
    return f"<p>RDF: {items}</p>"


def fallback_page(kind: str, path: str, doc: Document, base: str) -> str:
    """A plain page with the document's statements as a table (and a retired passport's versions)."""
    name = f"{kind}/{path}" if path else kind
    parts = [f"<h1>{html.escape(name)}</h1>"]
    if doc.retirement is not None:
        r = doc.retirement
        parts.append(f"<p><strong>Ingetrokken / Retired</strong> op / on {html.escape(r['at'])}: "
                     f"{html.escape(r['reason'])}</p>")
        versions = "".join(
            f'<li><a href="/id/{html.escape(name)}/v/{n}">versie / version {n}</a></li>'
            for n in range(1, r["last_version"] + 1))
        parts.append(f"<h2>Versies / Versions</h2><ol>{versions}</ol>")
    parts.append(_format_links(kind, path))
    rows = "".join(f"<tr><td>{_link(t.subject, base)}</td><td>{_link(t.predicate, base)}</td>"
                   f"<td>{_link(t.object, base)}</td></tr>" for t in doc.materialize())
    parts.append("<table><thead><tr><th>subject</th><th>predicate</th><th>object</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table>")
    return _PAGE.format(title=html.escape(name), body="\n".join(parts))


def not_found_page(kind: str, path: str) -> str:
    """A plain 404 page with a search form for the last segment of the path."""
    name = f"{kind}/{path}" if path else kind
    term = path.rsplit("/", 1)[-1] if path else kind
    body = (f"<h1>Niet gevonden / Not found</h1>"
            f"<p>Er is hier niets bekend als <code>/id/{html.escape(name)}</code>. "
            f"Nothing is known here as <code>/id/{html.escape(name)}</code>.</p>"
            '<form action="/search" method="get" role="search">'
            '<label for="q">Zoeken / Search</label> '
            f'<input id="q" name="q" type="search" value="{html.escape(term)}"> '
            '<button type="submit">Zoek / Search</button></form>'
            '<p><a href="/">Naar de startpagina / Home</a></p>')
    return _PAGE.format(title="Niet gevonden / Not found", body=body)
