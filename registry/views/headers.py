"""The security headers of every answer, in one place: the web app's middleware
(:mod:`registry.web.security`) sends them, and the static site writes them into its recommended
server configuration (``_headers``, ``nginx.conf.example``; :mod:`registry.static_site.server_config`).

- ``Content-Security-Policy``: pages load scripts, styles, fonts and data only from their own
  origin; no inline script, no inline style, no ``eval`` (every script of the pages is a file in
  ``site/static/js``; data for it is in ``data-*`` attributes or ``<script type="application/json">``
  blocks, which never run). Images also from ``data:`` (icons of the vendored libraries) and from
  the map tile server of ``Settings.tile_url`` when one is set. ``frame-ancestors 'none'``: no other
  site can frame a page (clickjacking). Answers that are not HTML (RDF, SPARQL results, JSON, plain
  text) get a policy that allows nothing, so even a document a browser is tricked into rendering
  can run nothing. One page widens the policy for what it loads, by exact hashes rather than
  ``'unsafe-inline'``: the SPARQL query editor (:func:`editor_policy`, the style sheets YASGUI's
  column resizer inserts). The API documentation at ``/docs`` (:mod:`registry.web.routers.docs`)
  needs nothing more: Swagger UI is shipped with the site and started from a script file.
- ``X-Content-Type-Options: nosniff``: a browser takes the declared media type (plain text stays
  text).
- ``X-Frame-Options: DENY``: ``frame-ancestors`` for browsers that predate it.
- ``Referrer-Policy: no-referrer``: no page address (a SPARQL query in the URL, a search) goes to
  another site with a followed link.

    >>> page_policy("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png").split("; ")[3]
    "img-src 'self' data: https://*.tile.openstreetmap.org"
    >>> security_headers("", html=False)["Content-Security-Policy"]
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

_PLACEHOLDER = re.compile(r"\{[^}]*\}")

# Every answer, whatever its type.
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

# For answers that are not HTML pages: nothing may load or run.
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def tile_source(tile_url: str) -> str | None:
    """The CSP source of the map tile server in ``tile_url`` (a template such as
    ``https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png``), or None when the tiles come from the
    site itself (a relative URL) or there are none. A placeholder in the first label of the host
    becomes ``*``; a placeholder anywhere else in the host allows the scheme (``https:``)."""
    if not tile_url.strip():
        return None
    parts = urlsplit(tile_url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    first, dot, rest = host.partition(".")
    if _PLACEHOLDER.search(rest) or not rest and _PLACEHOLDER.search(first):
        return f"{scheme}:"
    if _PLACEHOLDER.search(first):
        first = "*"
    if not re.fullmatch(r"[A-Za-z0-9.*:\[\]-]+", first + dot + rest):
        return f"{scheme}:"  # nothing in the policy that could end a directive
    return f"{scheme}://{first}{dot}{rest}"


def page_policy(tile_url: str = "", *, scripts: tuple[str, ...] = (), styles: tuple[str, ...] = (),
                images: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy of an HTML page; ``scripts``, ``styles`` and ``images`` add
    sources (the query editor's style sheets, by hash)."""
    tiles = tile_source(tile_url)
    img = ["'self'", "data:", *([tiles] if tiles else []), *images]
    directives = [
        "default-src 'self'",
        "script-src " + " ".join(("'self'", *scripts)),
        "style-src " + " ".join(("'self'", *styles)),
        "img-src " + " ".join(img),
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


# The two style sheets the column resizer inside the vendored YASGUI
# (site/static/vendor/yasgui/yasgui.min.js, ``createStyle``) adds to the query editor's page as
# <style> elements: the resizer's own layout, and the cursor while a column is dragged. Fixed text,
# so the editor's page allows exactly these by hash instead of any inline style.
EDITOR_STYLES = (
    (" .grip-resizable{table-layout:fixed;} .grip-resizable > tbody > tr > td, .grip-resizable > tbody > "
     "tr > th{overflow:hidden} .grip-padding > tbody > tr > td, .grip-padding > tbody > tr > "
     "th{padding-left:0!important; padding-right:0!important;} .grip-container{ height:0px; "
     "position:relative;} .grip-handle{margin-left:-5px; position:absolute; z-index:5; } .grip-handle "
     ".grip-resizable{position:absolute;background-color:red;filter:alpha(opacity=1);opacity:0;width:10px;"
     "height:100%;cursor: col-resize;top:0px} .grip-lastgrip{position:absolute; width:1px; } .grip-drag{ "
     "border-left:1px dotted black;\t} .grip-flex{width:auto!important;} .grip-handle.grip-disabledgrip "
     ".grip-resizable{cursor:default; display:none;}"),
    "*{cursor:col-resize!important}",
)


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly the inline script or style ``text``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def editor_policy(tile_url: str = "") -> str:
    """The policy of the SPARQL query editor's page: the pages' policy, plus the style sheets of
    :data:`EDITOR_STYLES` by hash."""
    return page_policy(tile_url, styles=tuple(csp_hash(text) for text in EDITOR_STYLES))


def security_headers(tile_url: str = "", *, html: bool = True) -> dict[str, str]:
    """Every security header of an answer: an HTML page (``html``) or any other document."""
    policy = page_policy(tile_url) if html else DOCUMENT_POLICY
    return {"Content-Security-Policy": policy, **COMMON_HEADERS}
