"""What every request and every answer of the web app goes through, in one ASGI middleware
(:class:`SecurityMiddleware`, outermost but for Starlette's own error catcher):

- **Malformed paths are refused before routing**: longer than ``Settings.max_path_bytes``
  (414), a ``%`` not followed by two hex digits, percent-encoded bytes that are not UTF-8, a
  control character (an encoded NUL, ``%00``, among them), a ``.`` or ``..`` segment (400). No
  route ever sees such a path, so none can fail on it with a 500.
- **HEAD works wherever GET does**: a HEAD request is routed as GET and its answer goes out
  without the body (same status and headers, ``Content-Length`` included). FastAPI's routes
  answer only the methods they list, and the pages' catch-all route answers HEAD itself, so
  without this ``HEAD /`` would get the 404 page.
- **Security headers on every answer** (pages, RDF, SPARQL results, the API, static files,
  errors, the refusals above, and a 500 if a route fails): the values of
  :mod:`registry.views.headers`, which the static site's server configuration uses too. A route
  that sets its own ``Content-Security-Policy`` keeps it (only the API documentation page at
  ``/docs`` does, :mod:`registry.web.routers.docs`).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.core.errors import RegistryError
from registry.core.settings import Settings
from registry.views.headers import security_headers
from registry.web.errors import error_response

_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class MalformedPath(RegistryError):
    """A request path no route can mean (400), or one longer than the limit (414)."""


def check_path(raw_path: bytes, max_bytes: int) -> MalformedPath | None:
    """What is wrong with the (percent-encoded) request path ``raw_path``, or None.

    >>> check_path(b"/doc/passport/GM0153/brug-0042", 2048) is None
    True
    >>> check_path(b"/static/x%00.png", 2048).status
    400
    """
    if len(raw_path) > max_bytes:
        return MalformedPath(
            f"The path of this request is {len(raw_path)} bytes long; this server accepts paths of at "
            f"most {max_bytes} bytes (PASSPORTS_MAX_PATH). Use a shorter address: passport pages "
            "look like /doc/passport/GM0153/brug-0042.",
            message_nl=f"Het pad van dit verzoek is {len(raw_path)} bytes lang; deze server neemt paden "
                       f"van hoogstens {max_bytes} bytes aan (PASSPORTS_MAX_PATH). Gebruik een korter "
                       "adres: paspoortpagina's zien eruit als /doc/passport/GM0153/brug-0042.",
            status=414)
    bad = _BAD_PERCENT.search(raw_path)
    if bad is not None:
        return MalformedPath(
            f"The path has a '%' that is not followed by two hexadecimal digits (at byte {bad.start()}); "
            "write a literal '%' as %25.",
            message_nl=f"In het pad staat een '%' zonder twee hexadecimale cijfers erna (op byte "
                       f"{bad.start()}); schrijf een letterlijke '%' als %25.")
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError as exc:
        return MalformedPath(
            f"The path's percent-encoded bytes are not UTF-8 (decoded byte {exc.start}); encode the "
            "path as UTF-8.",
            message_nl=f"De procent-gecodeerde bytes van het pad zijn geen UTF-8 (gedecodeerde byte "
                       f"{exc.start}); codeer het pad als UTF-8.")
    control = _CONTROL.search(path)
    if control is not None:
        code = f"U+{ord(control.group()):04X}"
        return MalformedPath(
            f"The path contains the control character {code} (character {control.start()}), for "
            "example an encoded NUL (%00); no address of this server has one. Remove it.",
            message_nl=f"In het pad staat het stuurteken {code} (teken {control.start()}), bijvoorbeeld "
                       "een gecodeerde NUL (%00); geen adres van deze server bevat er een. Haal het weg.")
    if any(segment in (".", "..") for segment in path.split("/")):
        return MalformedPath(
            "The path contains a '.' or '..' segment; this server does not resolve them. Use the "
            "address without them.",
            message_nl="In het pad staat een segment '.' of '..'; deze server lost die niet op. Gebruik "
                       "het adres zonder.")
    return None


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class SecurityMiddleware:
    """Refuses malformed paths, answers HEAD as GET without a body, and adds the security
    headers to every answer (see the module's docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_path = settings.max_path_bytes
        self.page_headers = _encoded(security_headers(settings.tile_url, html=True))
        self.other_headers = _encoded(security_headers(settings.tile_url, html=False))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:  # a copy: the server still knows the request as HEAD (and sends no body)
            scope = {**scope, "method": "GET"}
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": self._secured(message.get("headers", []))}
            elif message["type"] == "http.response.body" and head:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        problem = check_path(raw_path, self.max_path)
        if problem is not None:
            await error_response(Request(scope), problem)(scope, receive, send_secured)
            return
        try:
            await self.app(scope, receive, send_secured)
        except Exception:
            if not started:  # the answer Starlette's error catcher would give, with the headers
                await send_secured({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                                (b"content-length", b"21")]})
                await send_secured({"type": "http.response.body", "body": b"Internal Server Error"})
            raise

    def _secured(self, headers) -> list[tuple[bytes, bytes]]:
        headers = list(headers)
        present = {name.lower() for name, _ in headers}
        content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
        html = content_type.split(b";")[0].strip().lower() in _HTML_TYPES
        extra = self.page_headers if html else self.other_headers
        return headers + [(name, value) for name, value in extra if name not in present]


def install_security(app, settings: Settings) -> None:
    """Put :class:`SecurityMiddleware` around every route of ``app``."""
    app.add_middleware(SecurityMiddleware, settings=settings)
