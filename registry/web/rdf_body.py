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

from registry.model.documents import MEDIA_TYPES, DocumentError, PassportDoc
from registry.model.parse_pool import parse_body
from registry.model.prescan import LimitError, ParseLimits
from registry.web.body import read_body
from registry.web.errors import Refusal


def content_format(request: Request) -> ox.RdfFormat:
    """The RDF format of the body; 415 for another media type, charset or a Content-Encoding."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise Refusal(415, f"Content-Encoding {encoding!r} is not accepted; send the body uncompressed")
    header = request.headers.get("content-type")
    if not header:
        raise Refusal(415, "no Content-Type; send one of " + ", ".join(sorted(MEDIA_TYPES)))
    media_type, _, params = header.partition(";")
    fmt = MEDIA_TYPES.get(media_type.strip().lower())
    if fmt is None:
        raise Refusal(415, f"Content-Type {media_type.strip()!r} is not accepted; send one of "
                      + ", ".join(sorted(MEDIA_TYPES)))
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise Refusal(415, f"charset {value.strip()!r} is not accepted; RDF is sent as UTF-8: "
                               "convert the file and send 'charset=utf-8' or no charset")
    return fmt


async def read_rdf_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed the limit."""
    limit = request.app.state.settings.max_body_bytes
    too_large = Refusal(413, f"the body is larger than {limit} bytes; split it into several requests",
                        headers={"Connection": "close"})
    return await read_body(request, limit, too_large)


def _document_refusal(exc: DocumentError, municipality: str | None) -> Refusal:
    """400 for a body that cannot be split into passports, 403 when it reaches into another
    municipality's namespace (the splitter leaves such resources over as "belonging to no passport")."""
    node = (exc.node or "").strip("<>") or None
    foreign = getattr(exc, "foreign", None) if municipality else None
    if foreign is not None:
        ref, node = foreign
        return Refusal(403, f"the body describes {node}, a resource of municipality {ref.municipality}; "
                            f"this token writes only for {municipality}", node=node)
    message = str(exc)
    if "remote context" in message:
        message = ("JSON-LD with a remote @context (a URL) is not accepted: this registry never fetches "
                   "documents from the network. Put the context inline (an object under \"@context\") "
                   "and send the document again.")
    elif "UTF-8" in message:
        message += " (the body must be UTF-8: convert it, e.g. from Latin-1, and send it again)"
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
        raise Refusal(400, f"request body: {exc}") from exc
    if not docs:
        raise Refusal(400, "the body holds no passport: nothing is typed mp:Passport "
                           f"(expected `<{base}id/passport/GMxxxx/key> a mp:Passport`)")
    return docs
