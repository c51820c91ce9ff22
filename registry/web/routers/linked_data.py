"""Linked-data URIs: ``/id/{kind}/{key}`` names a thing, ``/doc/{kind}/{key}`` is the document.

- ``/id/...`` answers 303 to ``/doc/...`` in the format the ``Accept`` header asks for (RDF
  formats get a suffix: ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``), with ``Vary: Accept``.
- ``/doc/...`` without a suffix negotiates too; with a suffix the format is fixed.
- Passports: the current graph (ETag + Last-Modified, 304 on revalidation), versions
  ``.../v/N`` (immutable, cached for a year), retired passports 410 with when, why and history.
  The other resources of a passport (object, component, quantity, ...) answer with the passport's
  document.
- Vocabulary (concepts, municipalities, materials, object kinds) has persistent IRIs under
  ``https://w3id.org/materiaalpaspoort/``; an instance serves documents about them at
  ``{base}doc/{kind}/{key}`` (see :func:`vocabulary_iri`), from the ontology store.
- ``/def`` is the ontology; ``/context.jsonld`` the JSON-LD context of every document.

HTML goes to ``registry.pages.render_resource(request, kind, path)`` when that exists (it returns
a Response, or None to leave the resource to the plain fallback page here).

Every lookup is an indexed ``quads_for_pattern`` on one named graph or one subject; nothing here
scans a store per request.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from registry.views import negotiation
from registry.store import named_queries as queries
from registry.views.negotiation import HTML, DocFormat
from registry.views.serialization import (
    CONTEXT_PATH,
    PASSPORT_PREFIXES,
    context_bytes,
    serialize,
    serialize_graph,
)
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
    MPV,
    RDF_TYPE,
    RDFS,
    RETIRED_AT,
    RETIRED_PASSPORT,
    RETIREMENT_REASON,
    SKOS,
    VERSION_NUMBER,
)

router = APIRouter()

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
VOCABULARY_CACHE = "public, max-age=3600"
REDIRECT_CACHE = "public, max-age=3600"
_REDIRECT_HEADERS = {"Vary": "Accept", "Cache-Control": REDIRECT_CACHE, "Access-Control-Allow-Origin": "*"}

ONTOLOGY_IRI = MP.rstrip("#")
OBJECT_KIND = "objectkind"
PROVENANCE_KINDS = ("activity", "agent")
HAS_VERSION = ox.NamedNode(DCTERMS + "hasVersion")
SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
IN_SCHEME = ox.NamedNode(SKOS + "inScheme")
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
NOTATION = ox.NamedNode(SKOS + "notation")
PHYSICAL_OBJECT = ox.NamedNode(MP + "PhysicalObject")

_KIND_RE = re.compile(r"^[a-z]{1,40}$")
_KEY_RE = re.compile(rf"^{KEY_PATTERN}$")
_SEGMENTS_RE = re.compile(rf"^{KEY_PATTERN}(?:/{KEY_PATTERN}){{0,3}}$")


# --- the persistent vocabulary ---------------------------------------------------------------

def vocabulary_iri(kind: str, key: str | None) -> str:
    """The persistent IRI an instance path ``/id/{kind}/{key}`` stands for.

    ``rstrategy``/``R3`` -> ``https://w3id.org/materiaalpaspoort/id/rstrategy/R3``;
    ``objectkind``/``Bridge`` -> the class ``https://w3id.org/materiaalpaspoort/def#Bridge``;
    a kind without key is its concept scheme (``https://w3id.org/materiaalpaspoort/id/rstrategy``).
    """
    if kind == OBJECT_KIND:
        return MP + key if key else MP + "PhysicalObject"
    return f"{MPV}{kind}/{key}" if key else f"{MPV}{kind}"


def instance_path(iri: str, base: str) -> str | None:
    """The path on this instance that resolves ``iri`` (``/id/...`` or ``/def#term``), if any."""
    if iri.startswith(base + "id/"):
        return "/" + iri[len(base):]
    if iri.startswith(MPV) and len(iri) > len(MPV):
        return "/id/" + iri[len(MPV):]
    if iri.startswith(MP):
        return "/def#" + iri[len(MP):]
    if iri == ONTOLOGY_IRI:
        return "/def"
    return None


@functools.lru_cache(maxsize=1)
def _ontology() -> ox.Store:
    from registry.model.reference import load_ontology_store

    return load_ontology_store()


def _subject_triples(store: ox.Store, subject, graph=None) -> list[ox.Triple]:
    """The statements about ``subject`` and, recursively, about the blank nodes it links to."""
    todo = [subject]
    seen = {subject}
    triples: dict[ox.Triple, None] = {}
    while todo:
        node = todo.pop()
        for q in store.quads_for_pattern(node, None, None, graph):
            triples[ox.Triple(q.subject, q.predicate, q.object)] = None
            if isinstance(q.object, ox.BlankNode) and q.object not in seen:
                seen.add(q.object)
                todo.append(q.object)
    return list(triples)


def _is_object_kind(store: ox.Store, cls: ox.NamedNode) -> bool:
    level, todo = 0, [cls]
    while todo and level < 8:
        if PHYSICAL_OBJECT in todo:
            return True
        todo = [q.object for c in todo for q in store.quads_for_pattern(c, SUBCLASS_OF, None, None)
                if isinstance(q.object, ox.NamedNode)]
        level += 1
    return False


@functools.lru_cache(maxsize=2048)
def vocabulary_triples(iri: str) -> tuple[ox.Triple, ...] | None:
    """The document about a vocabulary IRI (with a scheme's member list), None when unknown."""
    store = _ontology()
    node = ox.NamedNode(iri)
    triples = _subject_triples(store, node)
    if not triples:
        return None
    if iri.startswith(MP) and not _is_object_kind(store, node):
        return None
    members = [ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, IN_SCHEME, node, None)]
    labels = [ox.Triple(q.subject, q.predicate, q.object)
              for member in members for predicate in (PREF_LABEL, NOTATION)
              for q in store.quads_for_pattern(member.subject, predicate, None, None)]
    return tuple(dict.fromkeys(triples + members + labels))


@functools.lru_cache(maxsize=1)
def ontology_triples() -> tuple[ox.Triple, ...]:
    """The ontology document ``/def``: the ontology header and every ``mp:`` term (once, cached)."""
    store = _ontology()
    subjects = {q.subject for q in store
                if isinstance(q.subject, ox.NamedNode)
                and (q.subject.value.startswith(MP) or q.subject.value == ONTOLOGY_IRI)}
    triples: dict[ox.Triple, None] = {}
    for subject in sorted(subjects, key=lambda s: (s.value != ONTOLOGY_IRI, s.value)):
        triples.update(dict.fromkeys(_subject_triples(store, subject)))
    return tuple(triples)


@functools.lru_cache(maxsize=4096)
def _static_document(key: str, fmt: DocFormat, context_url: str) -> tuple[bytes, str]:
    """A vocabulary document in ``fmt`` and its ETag; vocabulary is fixed while the server runs."""
    triples = ontology_triples() if key == "" else vocabulary_triples(key)
    body = serialize(triples, fmt, context_url=context_url)
    return body, '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


# --- passports -------------------------------------------------------------------------------

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

    def materialize(self) -> list[ox.Triple] | tuple[ox.Triple, ...]:
        if self.triples is None and self.source is not None:
            self.triples = _graph_triples(*self.source)
        return self.triples or []

    def serialize(self, fmt: DocFormat, *, context_url: str, cache_key: str | None = None) -> bytes:
        if self.triples is None and self.source is not None:
            return serialize_graph(*self.source, fmt, context_url=context_url, prefixes=PASSPORT_PREFIXES,
                                   cache_key=cache_key)
        return serialize(self.materialize(), fmt, context_url=context_url, prefixes=PASSPORT_PREFIXES,
                         cache_key=cache_key)


def _graph_triples(store: ox.Store, graph: ox.NamedNode) -> list[ox.Triple]:
    """The triples of one named graph in store order (a CONSTRUCT: about 30 % less time than
    ``quads_for_pattern``, which decodes the graph name of every quad)."""
    return list(store.query(queries.load("page-passport-graph"), substitutions={_GRAPH: graph}))


_GRAPH = ox.Variable("graph")


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
    triples = _graph_triples(store, node)
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


def provenance_document(registry, iri: str) -> Document | None:
    triples = _subject_triples(registry.store, ox.NamedNode(iri), registry.provenance_graph)
    return Document(200, triples, REVALIDATE) if triples else None


# --- HTTP ------------------------------------------------------------------------------------

class _Target:
    """What a ``{kind}/{path}`` names: a passport (or version), another passport resource, a
    provenance record, or a vocabulary IRI."""

    __slots__ = ("iri", "kind", "path", "ref", "vocabulary")

    def __init__(self, kind: str, path: str, ref: PassportRef | None, iri: str, vocabulary: bool):
        self.kind, self.path, self.ref, self.iri, self.vocabulary = kind, path, ref, iri, vocabulary


def _target(base: str, kind: str, path: str) -> _Target | None:
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
        return _Target(kind, path, ref, iri, False)
    if kind in PROVENANCE_KINDS:
        if not _SEGMENTS_RE.match(path):
            return None
        return _Target(kind, path, None, f"{base}id/{kind}/{path}", False)
    if path and not _KEY_RE.match(path):
        return None
    return _Target(kind, path, None, vocabulary_iri(kind, path or None), True)


def _exists(registry, target: _Target) -> bool:
    if target.vocabulary:
        return vocabulary_triples(target.iri) is not None
    if target.ref is None:
        return bool(next(registry.store.quads_for_pattern(ox.NamedNode(target.iri), None, None,
                                                          registry.provenance_graph), None))
    if target.kind != "passport":
        return resource_exists(registry, target.ref, target.iri)
    if target.ref.version is not None:
        return registry.status(target.ref) == "version"
    return registry.status(target.ref) != "absent"


def _passport_doc_location(ref: PassportRef, fmt: DocFormat | None) -> str:
    """Where the other resources of a passport send a client: the passport's document."""
    path = f"{ref.municipality}/{ref.key}"
    return _doc_location("passport", path, fmt) if fmt is not None else f"/doc/passport/{path}"


def _doc_location(kind: str, path: str, fmt: DocFormat) -> str:
    location = f"/doc/{kind}/{path}" if path else f"/doc/{kind}"
    # A path that itself ends in a format suffix keeps its meaning with an explicit ``.html``.
    if fmt.is_rdf or negotiation.split_suffix(path)[1] is not None:
        location += fmt.suffix
    return quote(location, safe="/:@!$&'()*+,;=-._~")


def _accept(request: Request) -> str | None:
    return request.headers.get("accept")


def _not_acceptable() -> Response:
    return Response(f"406 Not Acceptable: this resource is available as {negotiation.available()}; "
                    "ask for one of these in the Accept header or add a suffix "
                    "(.html, .ttl, .jsonld, .nt, .rdf).\n", 406, media_type="text/plain",
                    headers={"Vary": "Accept"})


async def identify(request: Request) -> Response:
    """``/id/{kind}/{path}``: 303 See Other to the document, in the negotiated format."""
    kind = request.path_params["kind"]
    path = request.path_params.get("path", "")
    fmt = negotiation.negotiate(_accept(request))
    if fmt is None:
        return _not_acceptable()
    registry = request.app.state.registry
    target = _target(registry.base, kind, path)
    if target is None or not _exists(registry, target):
        return await not_found(request, fmt, kind, path)
    if target.ref is not None and target.kind != "passport":
        location = _passport_doc_location(target.ref, fmt)
    else:
        location = _doc_location(kind, path, fmt)
    return RedirectResponse(location, 303, headers=_REDIRECT_HEADERS)


async def document(request: Request) -> Response:
    """``/doc/{kind}/{path}[.suffix]``: the document about a resource."""
    raw_kind = request.path_params["kind"]
    raw_path = request.path_params.get("path", "")
    if raw_path:
        kind, (path, fixed) = raw_kind, negotiation.split_suffix(raw_path)
    else:  # a scheme document such as /doc/rstrategy.ttl
        (kind, fixed), path = negotiation.split_suffix(raw_kind), ""
    registry = request.app.state.registry
    response = await _document(request, registry, kind, path, fixed)
    if response is None and fixed is not None:
        # A key that itself ends in a suffix, e.g. "brug.ttl": the full path, negotiated.
        response = await _document(request, registry, raw_kind, raw_path, None)
    if response is None:
        fmt = fixed or negotiation.negotiate(_accept(request)) or HTML
        return await not_found(request, fmt, kind, path)
    return response


async def _document(request: Request, registry, kind: str, path: str,
                    fixed: DocFormat | None) -> Response | None:
    target = _target(registry.base, kind, path)
    if target is None:
        return None
    fmt = fixed or negotiation.negotiate(_accept(request))
    if target.ref is not None and target.kind != "passport":
        if not resource_exists(registry, target.ref, target.iri):
            return None
        return RedirectResponse(_passport_doc_location(target.ref, fixed), 303, headers=_REDIRECT_HEADERS)
    if fmt is None:
        return _not_acceptable()
    vary = fixed is None
    if target.vocabulary:
        if vocabulary_triples(target.iri) is None:
            return None
        if not fmt.is_rdf:
            return await _html(request, kind, path, Document(200, vocabulary_triples(target.iri),
                                                             VOCABULARY_CACHE), registry.base, vary)
        return _static_response(request, target.iri, fmt, vary)
    if target.ref is None:
        doc = provenance_document(registry, target.iri)
    else:
        doc = passport_document(registry, target.ref)
    if doc is None:
        return None
    if not fmt.is_rdf:
        return await _html(request, kind, path, doc, registry.base, vary)
    return _rdf_response(request, doc, fmt, vary)


def _context_url(request: Request) -> str:
    return f"{request.app.state.registry.base}{CONTEXT_PATH}"


def _headers(fmt: DocFormat, vary: bool, cache_control: str) -> dict[str, str]:
    headers = {"Cache-Control": cache_control, "Access-Control-Allow-Origin": "*"}
    if vary:
        headers["Vary"] = "Accept"
    return headers


def _rdf_response(request: Request, doc: Document, fmt: DocFormat, vary: bool) -> Response:
    headers = _headers(fmt, vary, doc.cache_control)
    if doc.modified:
        last_modified = _http_date(doc.modified)
        if last_modified:
            headers["Last-Modified"] = last_modified
    context_url = _context_url(request)
    body = None
    if doc.validator is not None:
        headers["ETag"] = f'"{doc.validator}-{fmt.name}"'
    else:  # no stored validator (provenance records): the content's own hash
        body = doc.serialize(fmt, context_url=context_url)
        headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    if doc.status == 200 and _not_modified(request, headers["ETag"], doc.modified):
        return Response(status_code=304, headers=headers)
    if body is None:
        body = doc.serialize(fmt, context_url=context_url,
                             cache_key=headers["ETag"] if doc.status == 200 else None)
    return Response(body, doc.status, headers=headers, media_type=fmt.content_type)


def _static_response(request: Request, iri: str, fmt: DocFormat, vary: bool) -> Response:
    body, etag = _static_document(iri, fmt, _context_url(request))
    headers = _headers(fmt, vary, VOCABULARY_CACHE)
    headers["ETag"] = etag
    if _not_modified(request, etag, None):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers=headers, media_type=fmt.content_type)


def _http_date(xsd_datetime: str) -> str | None:
    try:
        moment = datetime.fromisoformat(xsd_datetime)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _not_modified(request: Request, etag: str | None, modified: str | None) -> bool:
    """RFC 9110 13.1: If-None-Match wins; If-Modified-Since counts only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if etag is None:
            return False
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and modified:
        try:
            since = parsedate_to_datetime(if_modified_since)
            moment = datetime.fromisoformat(modified)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.replace(microsecond=0) <= since
    return False


# --- HTML: the pages module, or a plain fallback ---------------------------------------------

def _pages_renderer():
    try:
        from registry.web.routers import pages
    except ImportError:
        return None
    return getattr(pages, "render_resource", None)


async def _render_page(request: Request, kind: str, path: str) -> Response | None:
    render = _pages_renderer()
    if render is None:
        return None
    response = render(request, kind, path)
    if hasattr(response, "__await__"):
        response = await response
    return response


async def _html(request: Request, kind: str, path: str, doc: Document, base: str, vary: bool) -> Response:
    response = await _render_page(request, kind, path)
    if response is None or response.status_code == 404:  # e.g. provenance records: no page there
        response = HTMLResponse(_fallback_page(request, kind, path, doc, base), doc.status)
    elif doc.status == 410 and response.status_code == 200:
        response.status_code = 410
    if vary:
        response.headers["Vary"] = "Accept"
    if "cache-control" not in response.headers:
        response.headers["Cache-Control"] = doc.cache_control
    return response


class HTMLResponse(Response):
    media_type = "text/html"


def _link(term, base: str) -> str:
    if isinstance(term, ox.NamedNode):
        href = instance_path(term.value, base) or term.value
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


def _fallback_page(request: Request, kind: str, path: str, doc: Document, base: str) -> str:
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


async def not_found(request: Request, fmt: DocFormat, kind: str, path: str) -> Response:
    """404: a page with a search form for people, a short text for RDF clients."""
    name = f"{kind}/{path}" if path else kind
    if fmt.is_rdf:
        return Response(f"404 Not Found: nothing is known here as /id/{name}. Passport URIs look like "
                        "/id/passport/GM0153/brug-0042 (optionally /v/N); search at /search?q=...\n",
                        404, media_type="text/plain", headers={"Vary": "Accept"})
    page = await _render_page(request, kind, path)
    if page is not None and page.status_code == 404:
        page.headers["Vary"] = "Accept"
        return page
    term = path.rsplit("/", 1)[-1] if path else kind
    body = (f"<h1>Niet gevonden / Not found</h1>"
            f"<p>Er is hier niets bekend als <code>/id/{html.escape(name)}</code>. "
            f"Nothing is known here as <code>/id/{html.escape(name)}</code>.</p>"
            '<form action="/search" method="get" role="search">'
            '<label for="q">Zoeken / Search</label> '
            f'<input id="q" name="q" type="search" value="{html.escape(term)}"> '
            '<button type="submit">Zoek / Search</button></form>'
            '<p><a href="/">Naar de startpagina / Home</a></p>')
    return HTMLResponse(_PAGE.format(title="Niet gevonden / Not found", body=body), 404,
                        headers={"Vary": "Accept"})


async def ontology(request: Request) -> Response:
    """``/def`` (negotiated) and ``/def.ttl``, ``/def.jsonld``, ... : the ontology document."""
    suffix = request.path_params.get("suffix")
    fixed = negotiation.BY_SUFFIX.get("." + suffix) if suffix else None
    if suffix and fixed is None:
        return await not_found(request, negotiation.negotiate(_accept(request)) or HTML, "def", suffix)
    fmt = fixed or negotiation.negotiate(_accept(request))
    if fmt is None:
        return _not_acceptable()
    if not fmt.is_rdf:
        registry = request.app.state.registry
        return await _html(request, "def", "", Document(200, ontology_triples(), VOCABULARY_CACHE),
                           registry.base, fixed is None)
    return _static_response(request, "", fmt, fixed is None)


async def json_ld_context(request: Request) -> Response:
    return Response(context_bytes(), 200, media_type="application/ld+json",
                    headers={"Cache-Control": VOCABULARY_CACHE, "Access-Control-Allow-Origin": "*"})


for _path, _endpoint, _name in (
        ("/id/{kind}/{path:path}", identify, "linked_data_id"),
        ("/id/{kind}", identify, "linked_data_id_scheme"),
        ("/doc/{kind}/{path:path}", document, "linked_data_doc"),
        ("/doc/{kind}", document, "linked_data_doc_scheme"),
        ("/def", ontology, "ontology"),
        ("/def.{suffix}", ontology, "ontology_format"),
        (f"/{CONTEXT_PATH}", json_ld_context, "jsonld_context")):
    router.add_route(_path, _endpoint, methods=["GET"], name=_name, include_in_schema=False)
