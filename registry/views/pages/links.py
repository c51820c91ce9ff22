"""Where the pages link to: one mapping from IRIs to pages, for the server and the static site.

Every page is named by its server path (``/``, ``/doc/passport/GM0153/brug-0042``,
``/concepts/rstrategy``, ...). On the server a link is that path (under the app's root path);
in the static site it is the relative path of the file that holds the page
(``doc/passport/GM0153/brug-0042.html``, English pages under ``en/``), so the site works from
disk (``file://``) and from any folder of any web server.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlencode

from registry.model.uris import owning_passport
from registry.model.vocab import MP, MPV

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def web_iri(iri: str) -> bool:
    """Whether ``iri`` may be a link of a page: an absolute ``http``/``https`` IRI. Any other scheme
    (``javascript:``, ``data:``, ``vbscript:``, ``file:``, ...) stays text, whatever the data says.

    >>> web_iri("https://example.org/x"), web_iri("javascript:alert(1)"), web_iri(" http://e/")
    (True, False, False)
    """
    scheme, colon, _ = iri.partition(":")
    return bool(colon) and scheme.lower() in ("http", "https") and not _SPACE_OR_CONTROL.search(iri)


@functools.lru_cache(maxsize=65536)
def static_file(path: str, page: int | None = None) -> str:
    """The file (relative to the site root) that holds the page with server path ``path``."""
    path = path.lstrip("/")
    if path == "" or path.endswith("/"):
        stem = path + "index"
    else:
        stem = path
    if page and page > 1:
        stem += f"-p{page}"
    return stem + ".html"


def table_file(path: str, name: str) -> str:
    """The static-site file of table ``name`` on the page with server path ``path``: beside the
    page's first file, whatever page of a list links it."""
    return static_file(path).removesuffix(".html") + f".{name}.csv"


@functools.lru_cache(maxsize=65536)
def anchor(base: str, iri: str) -> str:
    """The in-page anchor of a passport's own resource (component, quantity, ...)."""
    ref = owning_passport(base, iri)
    if ref is None:
        return ""
    rest = iri[len(base) + 3:]  # after "id/"
    kind, _, tail = rest.partition("/")
    own = f"{ref.municipality}/{ref.key}"
    tail = tail.removeprefix(own)
    return _ANCHOR_UNSAFE.sub("-", f"{kind}{tail}").strip("-")


class Links:
    """Links from one page. ``current`` set means static mode (the file being written)."""

    def __init__(self, base: str, lang: str = "nl", *, root: str = "", current: str | None = None,
                 current_path: str = "/", current_page: int | None = None, object_kinds=frozenset(),
                 tile_url: str = ""):
        self.base = base
        self.lang = lang
        self.root = root.rstrip("/")
        self.current = current
        self.static_mode = current is not None
        self.current_path = current_path
        self.current_page = current_page
        self.object_kinds = object_kinds
        self.tile_url = tile_url  # background map tiles (Settings.tile_url); empty: none
        self._up = "../" * current.count("/") if current is not None else ""
        self._prefix = "" if lang == "nl" else f"{lang}/"
        self.tables: dict[str, tuple[str, dict]] = {}  # static mode: CSV file -> (table, parameters)

    @property
    def cache_key(self) -> tuple:
        """What links from this page depend on (not the page itself): equal keys, equal links."""
        return (self.base, self.lang, self.root, self.static_mode, self._up, self._prefix,
                self.object_kinds, self.tile_url)

    # -- any page by its server path -------------------------------------------------------
    def page(self, path: str, page: int | None = None, fragment: str = "", **query) -> str:
        if self.static_mode:
            url = self._rel(self._prefix + static_file(path, page))
        else:
            params = {k: v for k, v in query.items() if v not in (None, "")}
            if page and page > 1:
                params["page"] = page
            url = self.root + path + (("?" + urlencode(params)) if params else "")
        return url + (f"#{fragment}" if fragment else "")

    def table(self, name: str, **params) -> str:
        """The CSV of table ``name`` of this page (:mod:`registry.views.pages.tables`). On the server
        ``/table/NAME.csv`` with the page's parameters; in the static site a file beside the page
        (``index.municipalities.csv``), recorded in ``tables`` for the site builder to write. The
        tables of a passport are not written into the static site (its RDF documents are there):
        "" (no link)."""
        if not self.static_mode:
            return self.page(f"/table/{name}.csv", lang=self.lang, **params)
        if name.startswith("passport-"):
            return ""
        rel = self._prefix + table_file(self.current_path, name)
        self.tables[rel] = (name, params)
        return self._rel(rel)

    def static(self, path: str) -> str:
        if self.static_mode:
            return self._rel("static/" + path)
        return f"{self.root}/static/{path}"

    def file(self, path: str) -> str:
        """A language-independent file of the site (RDF documents, dumps)."""
        if self.static_mode:
            return self._rel(path.lstrip("/"))
        return self.root + path

    def _rel(self, target: str) -> str:
        # Up to the site root, then down: valid from any depth, and cheap (no path arithmetic).
        return self._up + target

    # -- the page (or RDF document) of an IRI ----------------------------------------------
    def doc_path(self, iri: str) -> tuple[str, str] | None:
        """(server path, fragment) of the page about ``iri``; None for IRIs of other sites."""
        return doc_path(self.base, iri, iri in self.object_kinds)

    def doc(self, iri: str, version_fragment: str = "") -> str:
        """The link to the page about ``iri``: here, or the IRI itself when it is another site's
        ``http(s)`` IRI; "" (no link) for any other IRI (``javascript:...``)."""
        found = doc_path(self.base, iri, iri in self.object_kinds)
        if found is None:
            return iri if web_iri(iri) else ""
        path, fragment = found
        return self.page(path, fragment=fragment or version_fragment)

    def rdf(self, iri: str, suffix: str) -> str:
        """The RDF document of a passport, version or concept (``suffix``: .ttl, .jsonld, .nt, ...)."""
        found = doc_path(self.base, iri, iri in self.object_kinds)
        if found is None:
            return iri if web_iri(iri) else ""
        return self.file(found[0] + suffix)

    # -- this page in the other language ---------------------------------------------------
    def switch(self, lang: str, query: dict | None = None) -> str:
        if self.static_mode:
            prefix = "" if lang == "nl" else f"{lang}/"
            return self._rel(prefix + static_file(self.current_path, self.current_page))
        params = dict(query or {})
        params["lang"] = lang
        return self.root + self.current_path + "?" + urlencode(params)


@functools.lru_cache(maxsize=65536)
def doc_path(base: str, iri: str, object_kind: bool = False) -> tuple[str, str] | None:
    """(server path, fragment) of the page about ``iri``; None for IRIs of other sites."""
    if iri.startswith(base + "id/"):
        ref = owning_passport(base, iri)
        if ref is None:
            return "/doc/" + iri[len(base) + 3:], ""
        passport = f"/doc/passport/{ref.municipality}/{ref.key}"
        if ref.version is not None:
            return f"{passport}/v/{ref.version}", ""
        if iri == ref.iri:
            return passport, ""
        return passport, anchor(base, iri)
    if iri.startswith(MPV):
        rest = iri[len(MPV):]
        if "/" in rest:
            return "/doc/" + rest, ""
        return f"/concepts/{rest}", ""
    if iri.startswith(MP):
        name = iri[len(MP):]
        if object_kind:
            return f"/doc/objectkind/{name}", ""
        return "/ontology", name
    return None
