"""Linked-data URIs over HTTP: ``/id/{kind}/{key}`` names a thing, ``/doc/{kind}/{key}`` is the document.

- ``/id/...`` answers 303 to ``/doc/...`` in the format the ``Accept`` header asks for (RDF
  formats get a suffix: ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``), with ``Vary: Accept``.
- ``/doc/...`` without a suffix negotiates too; with a suffix the format is fixed.
- Passports: the current graph (ETag + Last-Modified, 304 on revalidation), versions
  ``.../v/N`` (immutable, cached for a year), retired passports 410 with when, why and history.
  The other resources of a passport (object, component, quantity, ...) answer with the passport's
  document.
- Vocabulary (concepts, municipalities, materials, object kinds) has persistent IRIs under
  ``https://w3id.org/materiaalpaspoort/``; an instance serves documents about them at
  ``{base}doc/{kind}/{key}`` (see :func:`registry.views.vocabulary.vocabulary_iri`).
- ``/def`` is the ontology; ``/context.jsonld`` the JSON-LD context of every document.

What a path names and the documents themselves come from :mod:`registry.views.linked_data` and
:mod:`registry.views.vocabulary`; this module does the HTTP: redirects, negotiation, caching
headers and conditional requests.

HTML goes to ``registry.web.routers.pages.render_resource(request, kind, path)`` when that exists
(it returns a Response, or None to leave the resource to the plain fallback page).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from registry.model.uris import PassportRef
from registry.views import negotiation
from registry.views.linked_data import (
    VOCABULARY_CACHE,
    Document,
    fallback_page,
    not_found_page,
    passport_document,
    provenance_document,
    resolve_target,
    resource_exists,
    target_exists,
)
from registry.views.negotiation import HTML, DocFormat
from registry.views.serialization import CONTEXT_PATH, CONTEXT_URL, context_bytes, serialize
from registry.views.vocabulary import ontology_triples, vocabulary_triples
from registry.web.document_store import document_key
from registry.web.page_cache import etag_matches
from registry.web.routers import pages

router = APIRouter()

REDIRECT_CACHE = "public, max-age=3600"
_REDIRECT_HEADERS = {"Vary": "Accept", "Cache-Control": REDIRECT_CACHE, "Access-Control-Allow-Origin": "*"}


@functools.lru_cache(maxsize=4096)
def _static_document(key: str, fmt: DocFormat, context_url: str) -> tuple[bytes, str]:
    """A vocabulary document in ``fmt`` and its ETag; vocabulary is fixed while the server runs."""
    triples = ontology_triples() if key == "" else vocabulary_triples(key)
    body = serialize(triples, fmt, context_url=context_url)
    return body, '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


# --- HTTP ------------------------------------------------------------------------------------

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
    target = resolve_target(registry.base, kind, path)
    if target is None or not target_exists(registry, target):
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
    target = resolve_target(registry.base, kind, path)
    if target is None:
        return None
    fmt = negotiation.with_profile(fixed or negotiation.negotiate(_accept(request)), _accept(request))
    if target.ref is not None and target.kind != "passport":
        if not resource_exists(registry, target.ref, target.iri):
            return None
        return RedirectResponse(_passport_doc_location(target.ref, fixed), 303, headers=_REDIRECT_HEADERS)
    if fmt is None:
        return _not_acceptable()
    vary = fixed is None or fmt.media_type == negotiation.JSON_LD.media_type  # flat or framed: the profile
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
    return CONTEXT_URL  # the stable URL; this instance serves the same context at /context.jsonld


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
        headers["ETag"] = doc.etag(fmt)
    else:  # no stored validator (provenance records): the content's own hash
        body = doc.serialize(fmt, context_url=context_url)
        headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    if doc.status == 200 and _not_modified(request, headers["ETag"], doc.modified):
        return Response(status_code=304, headers=headers)
    if body is None:
        body = _version_document(request, doc, fmt, headers["ETag"], context_url)
    return Response(body, doc.status, headers=headers, media_type=fmt.content_type)


def _version_document(request: Request, doc: Document, fmt: DocFormat, etag: str, context_url: str) -> bytes:
    """A passport version's document, kept by its ETag in memory (:mod:`registry.web.document_cache`)
    and on disk (:mod:`registry.web.document_store`), else serialised and kept in both."""
    state = request.app.state
    cache = getattr(state, "document_cache", None)
    kept = getattr(state, "document_store", None)
    if doc.status != 200 or doc.source is None:
        return doc.serialize(fmt, context_url=context_url)
    graph = doc.source[1].value
    body = cache.get(graph, etag) if cache is not None else None
    if body is not None:
        return body
    key = document_key(etag, doc.modified)
    body = kept.get(graph, fmt.name, key) if kept is not None else None
    if body is None:
        body = doc.serialize(fmt, context_url=context_url)
        if kept is not None:
            kept.put(graph, fmt.name, key, body)
    if cache is not None:
        cache.put(graph, etag, body)
    return body


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
        return etag is not None and etag_matches(if_none_match, etag)
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


# --- HTML: the page, or a plain fallback ---------------------------------------------

async def _html(request: Request, kind: str, path: str, doc: Document, base: str, vary: bool) -> Response:
    response = await pages.render_resource(request, kind, path)
    if response is None or response.status_code == 404:  # e.g. provenance records: no page there
        response = HTMLResponse(fallback_page(kind, path, doc, base), doc.status)
    elif doc.status == 410 and response.status_code == 200:
        response.status_code = 410
    if vary:
        response.headers["Vary"] = "Accept"
    if "cache-control" not in response.headers:
        response.headers["Cache-Control"] = doc.cache_control
    return response


class HTMLResponse(Response):
    media_type = "text/html"


async def not_found(request: Request, fmt: DocFormat, kind: str, path: str) -> Response:
    """404: a page with a search form for people, a short text for RDF clients."""
    name = f"{kind}/{path}" if path else kind
    if fmt.is_rdf:
        return Response(f"404 Not Found: nothing is known here as /id/{name}. Passport URIs look like "
                        "/id/passport/GM0153/brug-0042 (optionally /v/N); search at /search?q=...\n",
                        404, media_type="text/plain", headers={"Vary": "Accept"})
    page = await pages.render_resource(request, kind, path)
    if page is not None and page.status_code == 404:
        page.headers["Vary"] = "Accept"
        return page
    return HTMLResponse(not_found_page(kind, path), 404, headers={"Vary": "Accept"})


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
