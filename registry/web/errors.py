"""Errors as HTTP answers, in one place: every :class:`~registry.core.errors.RegistryError` a route
raises becomes a response here (JSON ``{"detail": ...}`` under ``/api/``, plain text elsewhere),
in Dutch when the client asks for Dutch (``?lang=nl`` or ``Accept-Language: nl``), else in English."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from registry.core.errors import RegistryError
from registry.store.failures import DENIED, FULL

# Reads are public: every answer of the SPARQL endpoint and the query pages allows any origin.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type, Retry-After, X-Result-Count, X-Query-Seconds",
}


Detail = str | tuple[str, str] | RegistryError


def _both(detail: Detail) -> tuple[str, str]:
    """(English, Dutch) of a refusal's text: a pair from a module's ``Wording``, an error carrying
    both, or text that reads the same in both (a number, an IRI)."""
    if isinstance(detail, RegistryError):
        return detail.message_en, detail.message_nl
    if isinstance(detail, tuple):
        return detail
    return detail, detail


class Refusal(RegistryError):
    """A write-API request refused before anything was written; ``extra`` goes into the JSON body
    (e.g. the line and column of a syntax error). ``detail``: see :func:`_both`."""

    def __init__(self, status: int, detail: Detail, headers: dict | None = None, **extra) -> None:
        en, nl = _both(detail)
        super().__init__(en, message_nl=nl, status=status, headers=headers)
        self.extra = {k: v for k, v in extra.items() if v is not None}

    @property
    def detail(self) -> str:
        return self.message_en


class ProtocolError(RegistryError):
    """A SPARQL Protocol request that cannot be answered (plain text, with the CORS headers)."""

    def __init__(self, status: int, message: Detail, headers: dict | None = None) -> None:
        en, nl = _both(message)
        super().__init__(en, message_nl=nl, status=status, headers={**CORS_HEADERS, **(headers or {})})


def api_language(request: Request) -> str:
    """The language of an answer: ``?lang=nl|en``, else Dutch when ``Accept-Language`` starts with
    nl, else English."""
    chosen = request.query_params.get("lang")
    if chosen in ("nl", "en"):
        return chosen
    accept = request.headers.get("accept-language", "")
    return "nl" if accept.strip().lower().startswith("nl") else "en"


def error_response(request: Request, exc: RegistryError) -> Response:
    """The answer to ``exc`` for ``request``."""
    message = exc.message(api_language(request))
    if request.url.path.startswith("/api/"):
        body = {"detail": message, **getattr(exc, "extra", {})}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)
    return PlainTextResponse(message + "\n", status_code=exc.status, headers=exc.headers)


async def _handle(request: Request, exc: RegistryError) -> Response:
    return error_response(request, exc)


async def storage_error(request: Request, exc: OSError) -> Response:
    """A full disk or an unwritable folder outside the store (temporary files of an upload, the
    token file): 503 with the reason, as the store's own ``StoreError``; any other ``OSError`` is
    a bug and stays a 500."""
    if exc.errno not in (*FULL, *DENIED):
        raise exc
    where = exc.filename or "a folder of the server"
    reason = "the disk is full" if exc.errno in FULL else "it cannot be written"
    reason_nl = "de schijf is vol" if exc.errno in FULL else "die is niet schrijfbaar"
    return error_response(request, RegistryError(
        f"the server cannot store this request: {where}: {reason}. Nothing was stored; tell the "
        "administrator and try again later.",
        message_nl=f"de server kan dit verzoek niet opslaan: {where}: {reason_nl}. Er is niets "
                   "opgeslagen; meld het de beheerder en probeer het later opnieuw.", status=503))


def install_error_handler(app: FastAPI) -> None:
    """Answer every ``RegistryError`` raised by a route of ``app`` with :func:`error_response`
    (and a full disk or unwritable folder anywhere with 503)."""
    app.add_exception_handler(RegistryError, _handle)
    app.add_exception_handler(OSError, storage_error)
