"""Errors as HTTP answers, in one place: every :class:`~registry.core.errors.RegistryError` a route
raises becomes a response here (JSON ``{"detail": ...}`` under ``/api/``, plain text elsewhere),
in Dutch when the client prefers Dutch (``Accept-Language: nl``), else in English."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from registry.core.errors import RegistryError

# Reads are public: every answer of the SPARQL endpoint and the query pages allows any origin.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type, Retry-After, X-Result-Count, X-Query-Seconds",
}


class Refusal(RegistryError):
    """A write-API request refused before anything was written; ``extra`` goes into the JSON body
    (e.g. the line and column of a syntax error)."""

    def __init__(self, status: int, detail: str, headers: dict | None = None, **extra) -> None:
        super().__init__(detail, status=status, headers=headers)
        self.extra = {k: v for k, v in extra.items() if v is not None}

    @property
    def detail(self) -> str:
        return self.message_en


class ProtocolError(RegistryError):
    """A SPARQL Protocol request that cannot be answered (plain text, with the CORS headers)."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message, status=status, headers={**CORS_HEADERS, **(headers or {})})


def _language(request: Request) -> str:
    accept = request.headers.get("accept-language", "")
    return "nl" if accept.strip().lower().startswith("nl") else "en"


def error_response(request: Request, exc: RegistryError) -> Response:
    """The answer to ``exc`` for ``request``."""
    message = exc.message(_language(request))
    if request.url.path.startswith("/api/"):
        body = {"detail": message, **getattr(exc, "extra", {})}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)
    return PlainTextResponse(message + "\n", status_code=exc.status, headers=exc.headers)


async def _handle(request: Request, exc: RegistryError) -> Response:
    return error_response(request, exc)


def install_error_handler(app: FastAPI) -> None:
    """Answer every ``RegistryError`` raised by a route of ``app`` with :func:`error_response`."""
    app.add_exception_handler(RegistryError, _handle)
