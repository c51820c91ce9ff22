"""RDF request bodies of the write API: the format from ``Content-Type``, the size limit while
reading, and the parsing, in a parse worker process (:class:`registry.model.parse_pool.ParsePool`)
so that a parser crash costs one request and not the server. The worker pre-scans the bytes
against the limits of ``Settings`` (nesting depth, XML declarations, literal size, triples per
request: :mod:`registry.model.prescan`) before its parser sees them; a body over a limit is
answered 413 or 422 with the limit and its value (``registry.model.prescan.LimitError``)."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from registry.core.phrases import Wording
from registry.model.documents import MEDIA_TYPES, DocumentError, PassportDoc
from registry.model.parse_pool import parse_body
from registry.model.prescan import LimitError, ParseLimits
from registry.web.body import read_body
from registry.web.errors import Refusal

WORDS = Wording({
    "encoding": ("Content-Encoding {encoding!r} is not accepted; send the body uncompressed",
                 "Content-Encoding {encoding!r} wordt niet aangenomen; stuur de inhoud ongecomprimeerd"),
    "no_type": ("no Content-Type; send one of {types}", "geen Content-Type; stuur een van {types}"),
    "type": ("Content-Type {media_type!r} is not accepted; send one of {types}",
             "Content-Type {media_type!r} wordt niet aangenomen; stuur een van {types}"),
    "charset": (("charset {charset!r} is not accepted; RDF is sent as UTF-8: convert the file and send "
                "'charset=utf-8' or no charset"),
                ("charset {charset!r} wordt niet aangenomen; RDF wordt als UTF-8 gestuurd: zet het bestand om en "
                "stuur 'charset=utf-8' of geen charset")),
    "too_large": ("the body is larger than {limit} bytes; split it into several requests",
                  "de inhoud is groter dan {limit} bytes; verdeel hem over meer verzoeken"),
    "foreign": (("the body describes {node}, a resource of municipality {municipality}; this token writes only "
                "for {allowed}"),
                ("de inhoud beschrijft {node}, iets van gemeente {municipality}; dit token schrijft alleen voor "
                "{allowed}")),
    "remote": (("JSON-LD with a remote @context (a URL) is not accepted: this registry never fetches documents "
               "from the network. Put the context inline (an object under \"@context\") and send the document "
               "again."),
               ("JSON-LD met een @context op afstand (een URL) wordt niet aangenomen: dit register haalt nooit "
               "documenten van het netwerk. Zet de context in het document (een object onder \"@context\") en "
               "stuur het opnieuw.")),
    "utf8": ("{problem} (the body must be UTF-8: convert it, e.g. from Latin-1, and send it again)",
             "{problem} (de inhoud moet UTF-8 zijn: zet hem om, bv. van Latin-1, en stuur hem opnieuw)"),
    "unreadable": ("request body: {problem}", "inhoud van het verzoek: {problem}"),
    "none": (("the body holds no passport: nothing in it is typed as a passport (expected "
             "`<{base}id/passport/GMxxxx/key> a mp:Passport`)"),
             ("de inhoud bevat geen paspoort: niets erin heeft het type paspoort (verwacht: "
             "`<{base}id/passport/GMxxxx/sleutel> a mp:Passport`)")),
})


def content_format(request: Request) -> ox.RdfFormat:
    """The RDF format of the body; 415 for another media type, charset or a Content-Encoding."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise Refusal(415, WORDS.both("encoding", encoding=encoding))
    header = request.headers.get("content-type")
    if not header:
        raise Refusal(415, WORDS.both("no_type", types=", ".join(sorted(MEDIA_TYPES))))
    media_type, _, params = header.partition(";")
    fmt = MEDIA_TYPES.get(media_type.strip().lower())
    if fmt is None:
        raise Refusal(415, WORDS.both("type", media_type=media_type.strip(), types=", ".join(sorted(MEDIA_TYPES))))
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise Refusal(415, WORDS.both("charset", charset=value.strip()))
    return fmt


async def read_rdf_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed the limit."""
    limit = request.app.state.settings.max_body_bytes
    too_large = Refusal(413, WORDS.both("too_large", limit=limit), headers={"Connection": "close"})
    return await read_body(request, limit, too_large)


def _document_refusal(exc: DocumentError, municipality: str | None) -> Refusal:
    """400 for a body that cannot be split into passports, 403 when it reaches into another
    municipality's namespace (the splitter leaves such resources over as "belonging to no passport")."""
    node = (exc.node or "").strip("<>") or None
    foreign = getattr(exc, "foreign", None) if municipality else None
    if foreign is not None:
        ref, node = foreign
        return Refusal(403, WORDS.both("foreign", node=node, municipality=ref.municipality, allowed=municipality),
                       node=node)
    message: tuple[str, str] | DocumentError = exc
    if "remote context" in str(exc):
        message = WORDS.both("remote")
    elif "UTF-8" in str(exc):
        message = WORDS.both("utf8", problem=exc)
    return Refusal(400, message, line=exc.line, column=exc.column, node=node)


async def parse_passports(request: Request, municipality: str | None,
                          body: bytes | None = None) -> list[PassportDoc]:
    """The passports of the request body (``body``, when it was read already); ``municipality``:
    the token's, to name a resource of another municipality in the refusal (403)."""
    fmt = content_format(request)
    body = await read_rdf_body(request) if body is None else body
    state = request.app.state
    base = state.registry.base
    pool = getattr(state, "parse_pool", None)
    try:
        if pool is not None:
            docs = await run_in_threadpool(pool.parse, body, base, fmt, municipality)
        else:  # PASSPORTS_PARSE_WORKERS=0: in the server process, with the same pre-scan
            limits = ParseLimits.from_settings(state.settings, request=True)
            docs = await run_in_threadpool(parse_body, body, base, fmt, limits, municipality)
    except LimitError:
        raise  # 413/422 with the limit, answered by the app's error handler
    except DocumentError as exc:
        raise _document_refusal(exc, municipality) from exc
    except (SyntaxError, ValueError) as exc:  # anything the splitter did not name itself
        raise Refusal(400, WORDS.both("unreadable", problem=exc)) from exc
    if not docs:
        raise Refusal(400, WORDS.both("none", base=base))
    return docs
