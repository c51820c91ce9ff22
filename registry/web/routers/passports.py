"""The write API ``/api/v1``: municipalities publish, replace and retire their passports.

- ``POST /passports`` stores one or more passports (Turtle, JSON-LD, N-Triples, TriG, N-Quads or
  RDF/XML; ``Content-Type`` decides). All or nothing: when one passport is invalid, none is stored.
- ``PUT /passports/{municipality}/{key}`` stores exactly that passport (201 new, 200 otherwise).
- ``DELETE /passports/{municipality}/{key}?reason=...`` retires it (410 from then on).
- ``POST /validate`` is a dry run. It needs no token, since it writes nothing: anyone may check a
  file before publishing. With a token, the checks also include "is this my municipality".

Refusals, always before anything is written: 401 no/unknown/revoked token; 403 a passport (in the
path or in the body, or a resource in the body) of another municipality; 400 malformed RDF (with
line and column) or a bad path; 413 body over ``max_body_bytes`` (``Content-Length`` checked first,
then counted while reading, so chunked bodies are cut off too), a literal over
``rdf_max_literal_bytes`` or more than ``rdf_max_triples`` triples; 415 unsupported
``Content-Type``, charset or ``Content-Encoding``; 422 SHACL report (JSON, or Turtle for
``Accept: text/turtle``), nesting deeper than ``rdf_max_depth``, an XML declaration, a body whose
parsing took longer than ``parse_timeout`` or crashed its parse worker; 404 retiring an unknown
passport; 409 retiring a retired one. Bodies are parsed in worker processes (``web.rdf_body``).

Writes are serialised by one asyncio lock per app, dry runs by a second one after the client's
budget and a dry-run slot (``registry.web.budget``: 429, 503); the work runs in the thread pool.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from registry.core.phrases import Wording, report_summary
from registry.model.documents import PassportDoc
from registry.model.uris import PassportRef, UriError, owning_passport, passport_ref
from registry.model.vocab import MPV
from registry.store.registry import AddReport, Registry
from registry.validation.validator import Verdict, report_graph
from registry.views import negotiation
from registry.web.budget import admitted, validation_slot
from registry.web.deps import BearerCredentials, TokenMunicipality, authenticate, write_locks
from registry.web.errors import Refusal, api_language
from registry.web.rdf_body import parse_passports, read_rdf_body

router = APIRouter(prefix="/api/v1", tags=["write API / schrijf-API"])

MAX_REASON = 2000
WORDS = Wording({
    "foreign_passport": ("{iri} is a passport of {municipality}; this token writes only for {allowed}",
                         "{iri} is een paspoort van {municipality}; dit token schrijft alleen voor {allowed}"),
    "foreign_resource": ("{iri} is a resource of {municipality}; this token writes only for {allowed}",
                         "{iri} hoort bij {municipality}; dit token schrijft alleen voor {allowed}"),
    "other": ("this token writes only for {allowed}, not for {municipality}",
              "dit token schrijft alleen voor {allowed}, niet voor {municipality}"),
    "exactly": (("the body must describe exactly the passport <{iri}>; it describes {found}. Use POST "
                "/api/v1/passports for several passports."),
                ("de inhoud moet precies het paspoort <{iri}> beschrijven; hij beschrijft {found}. Gebruik POST "
                "/api/v1/passports voor meer paspoorten.")),
    "reason": ("give a reason: DELETE ...?reason=gesloopt%20in%202026",
               "geef een reden: DELETE ...?reason=gesloopt%20in%202026"),
    "long": ("the reason is longer than {limit} characters; shorten it",
             "de reden is langer dan {limit} tekens; maak hem korter"),
    "absent": ("there is no passport <{iri}>", "er is geen paspoort <{iri}>"),
    "retired": ("<{iri}> was already retired at {at}: {reason}", "<{iri}> is al ingetrokken op {at}: {reason}"),
})


# -- response shapes (for the OpenAPI document at /docs) ---------------------------------------
class IssueOut(BaseModel):
    severity: str = Field(description="Violation, Warning or Info")
    focus: str = Field(description="the node the finding is about")
    path: str = Field(description="the property (sh:resultPath), if any")
    value: str = Field(description="the offending value, if any")
    message: str
    message_nl: str
    shape: str
    constraint: str


class VersionOut(BaseModel):
    passport: str = Field(description="the passport IRI (always means 'current')")
    version: str = Field(description="the immutable IRI of the version now current")


class WriteOut(BaseModel):
    created: list[VersionOut]
    updated: list[VersionOut]
    unchanged: list[VersionOut]
    warnings: list[IssueOut] = Field(description="non-blocking findings of stored passports")
    activity: str | None = Field(description="the prov:Activity of this write; null if nothing changed")


class ReportOut(BaseModel):
    detail: str
    conforms: bool
    passports: int = Field(description="how many passports the body held")
    rejected: list[str] = Field(description="IRIs of the passports that do not conform")
    results: list[IssueOut]


class ErrorOut(BaseModel):
    detail: str = Field(description="what is wrong and what to do")
    line: int | None = Field(None, description="for malformed RDF: the line of the error")
    column: int | None = Field(None, description="for malformed RDF: the column of the error")
    node: str | None = Field(None, description="the node or graph concerned, if any")
    limit: str | None = Field(None, description="for a body over a limit: the limit's setting, e.g. "
                                                "PASSPORTS_RDF_MAX_DEPTH")
    value: float | None = Field(None, description="for a body over a limit: the limit's value")


class RetireOut(BaseModel):
    retired: str
    last_version: str
    reason: str
    at: str


_EXAMPLE_TTL = """\
@prefix mp: <https://w3id.org/materiaalpaspoort/def#> .
@prefix mpv: <https://w3id.org/materiaalpaspoort/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<http://localhost:8000/id/passport/GM0153/bank-0001> a mp:Passport ;
    dcterms:identifier "bank-0001" ;
    dcterms:title "Materialenpaspoort bank Oude Markt"@nl ;
    mp:municipality mpv:municipality/GM0153 ;
    mp:describes <http://localhost:8000/id/object/GM0153/bank-0001> .

<http://localhost:8000/id/object/GM0153/bank-0001> a mp:Bench ;
    rdfs:label "Bank Oude Markt"@nl ;
    mp:owner mpv:municipality/GM0153 .
"""
_TEXT = {"schema": {"type": "string"}}
_RDF_BODY = {
    "requestBody": {
        "required": True,
        "description": "One or more passports as RDF (docs/model.md). Resources must lie under the "
                       "passport's own IRIs ({base}id/{kind}/{GM}/{key}...). UTF-8 only. JSON-LD "
                       "must carry its @context inline: remote contexts are never fetched.",
        "content": {
            "text/turtle": {**_TEXT, "example": _EXAMPLE_TTL},
            "application/ld+json": {"schema": {"type": "object"}},
            "application/n-triples": _TEXT,
            "application/trig": _TEXT,
            "application/n-quads": _TEXT,
            "application/rdf+xml": _TEXT,
        },
    }
}


def _error(description: str) -> dict:
    return {"model": ErrorOut, "description": description}


_AUTH_ERRORS = {
    401: _error("no token, or an unknown or revoked one (with a WWW-Authenticate challenge)"),
    403: _error("the token belongs to another municipality than a passport in the path or body"),
}
_BODY_ERRORS = {
    400: _error("malformed RDF (with line and column), an empty body, or a bad key in the path"),
    413: _error("the body is larger than the configured limit, or a literal or the number of "
                "triples in it is over its limit (PASSPORTS_MAX_BODY, PASSPORTS_RDF_MAX_LITERAL, "
                "PASSPORTS_RDF_MAX_TRIPLES)"),
    415: _error("unsupported Content-Type, charset or Content-Encoding"),
}
_REPORT = {
    "model": ReportOut,
    "description": "the passports do not conform to the SHACL shapes; nothing was stored. JSON by "
                   "default, a sh:ValidationReport in Turtle for `Accept: text/turtle`.",
    "content": {"text/turtle": _TEXT},
}


# -- refusals: registry.web.errors.Refusal, answered by the app's one error handler ----------
def _registry(request: Request) -> Registry:
    return request.app.state.registry


def _check_owner(docs: list[PassportDoc], municipality: str, base: str) -> None:
    """403 unless every passport and every IRI subject in the body is of ``municipality``."""
    for doc in docs:
        if doc.ref.municipality != municipality:
            raise Refusal(403, WORDS.both("foreign_passport", iri=doc.iri, municipality=doc.ref.municipality,
                                          allowed=municipality), node=doc.iri)
        for triple in doc.triples:
            if isinstance(triple.subject, ox.NamedNode):
                ref = owning_passport(base, triple.subject.value)
                if ref is not None and ref.municipality != municipality:
                    raise Refusal(403, WORDS.both("foreign_resource", iri=triple.subject.value,
                                                  municipality=ref.municipality, allowed=municipality),
                                  node=triple.subject.value)


def _path_ref(request: Request, municipality: str, key: str, allowed: str) -> PassportRef:
    try:
        ref = passport_ref(_registry(request).base, municipality, key)
    except UriError as exc:
        raise Refusal(400, exc) from exc
    if ref.municipality != allowed:
        raise Refusal(403, WORDS.both("other", allowed=allowed, municipality=ref.municipality))
    return ref


def _wants_turtle(request: Request) -> bool:
    accept = request.headers.get("accept")
    return negotiation.negotiate(accept, default=negotiation.JSON_LD) is negotiation.TURTLE


async def _report(request: Request, verdicts: list[Verdict], total: int, status: int) -> Response:
    rejected = [v for v in verdicts if not v.conforms]
    if _wants_turtle(request):
        text = await run_in_threadpool(lambda: report_graph(verdicts).serialize(format="turtle"))
        return Response(text, status_code=status, media_type="text/turtle; charset=utf-8")
    return JSONResponse({
        "detail": report_summary(len(rejected), total, api_language(request)),
        "conforms": not rejected,
        "passports": total,
        "rejected": [v.iri for v in rejected],
        "results": [issue.as_dict() for v in verdicts for issue in v.issues],
    }, status_code=status)


def _comment(request: Request) -> str:
    token = getattr(request.state, "token", None)
    return f"{request.method} {request.url.path}" + (f" (token {token.id})" if token else "")


async def _store(request: Request, docs: list[PassportDoc], municipality: str) -> Response:
    registry = _registry(request)
    agent = f"{MPV}municipality/{municipality}"
    source = f"urn:upload:{uuid.uuid4()}"
    comment = _comment(request)

    def work() -> tuple[AddReport, dict[str, str]]:
        report = registry.add_all_or_nothing(lambda: docs, agent=agent, source=source, comment=comment,
                                             municipality=municipality)
        versions = {doc.iri: f"{doc.iri}/v/{registry.current_version(doc.ref)}" for doc in docs}
        return report, versions

    write_lock, _ = write_locks(request)
    async with write_lock:
        report, versions = await run_in_threadpool(work)
    if report.rejected:
        return await _report(request, report.rejected, len(docs), 422)

    def listed(iris: list[str]) -> list[dict]:
        return [{"passport": iri, "version": versions[iri]} for iri in iris]

    body = {"created": listed(report.created), "updated": listed(report.updated),
            "unchanged": listed(report.unchanged),
            "warnings": [i.as_dict() for v in report.warnings for i in v.issues],
            "activity": report.activity if report.written else None}
    if report.created:
        return JSONResponse(body, status_code=201, headers={"Location": report.created[0]})
    return JSONResponse(body, status_code=200)


# -- endpoints -----------------------------------------------------------------------------
@router.post(
    "/passports", response_model=None, status_code=201, openapi_extra=_RDF_BODY,
    summary="Publish passports / Paspoorten publiceren",
    responses={201: {"model": WriteOut, "description": "at least one passport was new; Location "
                                                       "names the first one"},
               200: {"model": WriteOut, "description": "every passport was updated or unchanged"},
               **_AUTH_ERRORS, **_BODY_ERRORS, 422: _REPORT})
async def post_passports(request: Request, municipality: TokenMunicipality) -> Response:
    """Store one or more passports of the token's municipality.

    New content becomes a new version (its immutable IRI is in the answer); identical content is
    reported as unchanged and makes no version. All or nothing: if one passport is refused, none
    is stored.
    """
    docs = await parse_passports(request, municipality)
    _check_owner(docs, municipality, _registry(request).base)
    return await _store(request, docs, municipality)


_GM = Path(..., description="CBS code of the municipality, e.g. GM0153", examples=["GM0153"])
_KEY = Path(..., description="the passport key: 1-128 of A-Z a-z 0-9 . _ -", examples=["brug-0042"])


@router.put(
    "/passports/{municipality}/{key:path}", response_model=None, openapi_extra=_RDF_BODY,
    summary="Create or replace one passport / Eén paspoort aanmaken of vervangen",
    responses={201: {"model": WriteOut, "description": "the passport is new"},
               200: {"model": WriteOut, "description": "the passport was updated or is unchanged"},
               **_AUTH_ERRORS, **_BODY_ERRORS, 422: _REPORT})
async def put_passport(request: Request, allowed: TokenMunicipality, municipality: str = _GM,
                       key: str = _KEY) -> Response:
    """Store the passport named by the path; the body must describe exactly that passport."""
    ref = _path_ref(request, municipality, key, allowed)
    docs = await parse_passports(request, allowed)
    _check_owner(docs, allowed, ref.base)
    if [doc.iri for doc in docs] != [ref.iri]:
        raise Refusal(400, WORDS.both("exactly", iri=ref.iri, found=", ".join(f"<{doc.iri}>" for doc in docs)))
    return await _store(request, docs, allowed)


@router.delete(
    "/passports/{municipality}/{key:path}", response_model=None,
    summary="Retire a passport / Een paspoort intrekken",
    responses={200: {"model": RetireOut, "description": "retired; its URI now answers 410 Gone"},
               **_AUTH_ERRORS,
               400: _error("no reason given, or a bad key in the path"),
               404: _error("there is no such passport"),
               409: _error("the passport was already retired")})
async def delete_passport(
        request: Request, allowed: TokenMunicipality, municipality: str = _GM, key: str = _KEY,
        reason: str | None = Query(None, description="why the passport is retired, e.g. 'gesloopt in "
                                                     "2026' (required)")) -> Response:
    """Retire the passport: it stops being current, and every version stays resolvable."""
    ref = _path_ref(request, municipality, key, allowed)
    reason = (reason or "").strip()
    if not reason:
        raise Refusal(400, WORDS.both("reason"))
    if len(reason) > MAX_REASON:
        raise Refusal(400, WORDS.both("long", limit=MAX_REASON))
    registry = _registry(request)

    def work() -> dict:
        status = registry.status(ref)
        if status == "absent":
            raise Refusal(404, WORDS.both("absent", iri=ref.iri))
        if status == "retired":
            info = registry.retirement(ref) or {}
            raise Refusal(409, WORDS.both("retired", iri=ref.iri, at=info.get("at"), reason=info.get("reason")))
        last = registry.retire(ref, reason, agent=f"{MPV}municipality/{allowed}")
        info = registry.retirement(ref) or {}
        return {"retired": ref.iri, "last_version": ref.at(last).version_iri, "reason": reason,
                "at": info.get("at", "")}

    write_lock, _ = write_locks(request)
    async with write_lock:
        body = await run_in_threadpool(work)
    return JSONResponse(body)


@router.post(
    "/validate", response_model=None, openapi_extra={**_RDF_BODY, "security": [{}]},  # token optional
    summary="Validate without storing (dry run) / Controleren zonder op te slaan",
    responses={200: {"model": ReportOut, "content": {"text/turtle": _TEXT},
                     "description": "the validation report, conforming or not (JSON, or Turtle for "
                                    "`Accept: text/turtle`); nothing is stored"},
               401: _error("a token was sent but is unknown or revoked (no token is fine)"),
               **_BODY_ERRORS,
               422: _error("nesting deeper than PASSPORTS_RDF_MAX_DEPTH, an XML declaration, or a body "
                           "whose parsing failed or took longer than PASSPORTS_PARSE_TIMEOUT")})
async def validate(request: Request, credentials: BearerCredentials) -> Response:
    """Check passports against the shapes and the registry's rules, and store nothing.

    No token is needed (the dry run writes nothing). With a token, passports of other
    municipalities are reported as violations, exactly as a write would refuse them.
    """
    anonymous = credentials is None and not request.headers.get("authorization")
    municipality = None if anonymous else authenticate(request, credentials).municipality
    with admitted(request) as ticket:  # the client's budget (429), before the body is read
        body = await read_rdf_body(request)
        async with validation_slot(request, ticket), write_locks(request)[1]:  # 503; work is timed
            docs = await parse_passports(request, None, body)
            verdicts = await run_in_threadpool(_registry(request).validate, docs, municipality)
        return await _report(request, verdicts, len(docs), 200)
