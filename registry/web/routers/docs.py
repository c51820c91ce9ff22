"""``/docs``: the write API's OpenAPI description in Swagger UI, shipped with the site.

Swagger UI is the npm package ``swagger-ui-dist``, vendored under ``site/static/vendor/swagger-ui``
like YASGUI (no CDN: the page works offline and loads nothing from another site). The page is a
small HTML document of its own (Swagger UI brings its own layout); the one script that starts
Swagger UI is a file, ``site/static/js/api-docs.js``, which reads the address of the OpenAPI
document from a ``data-`` attribute, so the page runs under the pages' ordinary
Content-Security-Policy (:mod:`registry.views.headers`: no inline script, nothing from other
sites). Redoc is not served: it needs more from other sites (web fonts, ``blob:`` workers).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from registry.core.i18n import request_language

router = APIRouter()

VENDOR = "/static/vendor/swagger-ui"
TITLES = {"nl": "API-documentatie", "en": "API documentation"}
BACK = {"nl": "Terug naar de registry", "en": "Back to the registry"}


def docs_page(root: str, openapi_url: str, title: str, lang: str) -> str:
    """The HTML of the API documentation page under ``root`` (the app's root path)."""
    r = escape(root, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(TITLES[lang])} - {escape(title)}</title>\n"
            f'<link rel="stylesheet" href="{r}{VENDOR}/swagger-ui.css">\n'
            f'<link rel="stylesheet" href="{r}/static/css/api-docs.css">\n'
            f'<link rel="icon" href="{r}/static/img/logo.svg" type="image/svg+xml">\n'
            '</head>\n<body>\n'
            f'<p class="api-docs-back"><a href="{r}/">{escape(BACK[lang])}</a></p>\n'
            f'<div id="swagger-ui" data-openapi-url="{escape(root + openapi_url, quote=True)}"></div>\n'
            f'<script src="{r}{VENDOR}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{r}/static/js/api-docs.js"></script>\n'
            "</body>\n</html>\n")


@router.get("/docs", include_in_schema=False)
async def swagger_ui(request: Request) -> HTMLResponse:
    app = request.app
    lang, _ = request_language(request)
    root = request.scope.get("root_path", "").rstrip("/")
    response = HTMLResponse(docs_page(root, app.openapi_url, app.title, lang))
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Cookie"
    return response
