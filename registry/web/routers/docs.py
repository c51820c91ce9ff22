"""``/docs``: the write API's OpenAPI description in Swagger UI, with a Content-Security-Policy of
its own.

Swagger UI is loaded from FastAPI's default CDN (``cdn.jsdelivr.net``) and started by one inline
script. The pages' policy (:mod:`registry.views.headers`) allows neither, so this page alone
allows that CDN for scripts and styles, FastAPI's favicon, and exactly its own inline script (by
its SHA-256 hash, computed from the page as sent): no other inline script could run here either.
(Shipping Swagger UI with the site instead of the CDN is a separate change.) Redoc is not served:
it needs more from other sites (web fonts, inline styles, ``blob:`` workers).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from registry.views.headers import csp_hash, page_policy

router = APIRouter()

CDN = "https://cdn.jsdelivr.net"  # FastAPI's default for swagger_js_url and swagger_css_url
FAVICON = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(html: str) -> tuple[str, ...]:
    """The CSP hash sources (``'sha256-...'``) of the inline scripts of ``html``."""
    return tuple(csp_hash(body) for body in _INLINE_SCRIPT.findall(html))


@router.get("/docs", include_in_schema=False)
async def swagger_ui(request: Request) -> HTMLResponse:
    app = request.app
    root = request.scope.get("root_path", "").rstrip("/")
    page = get_swagger_ui_html(openapi_url=root + app.openapi_url, title=f"{app.title} - Swagger UI",
                               swagger_ui_parameters={"validatorUrl": None})  # no badge from another site
    html = bytes(page.body).decode("utf-8")
    policy = page_policy(scripts=(CDN, *script_hashes(html)), styles=(CDN,), images=(FAVICON,))
    page.headers["Content-Security-Policy"] = policy
    return page
