"""``sitemap.xml``: a sitemap index over ``sitemaps/sitemap-N.xml`` of at most 50,000 URLs each,
for the static site (:func:`write_sitemap`, from the pages of the build) and the live server
(:func:`live_page_paths`, from the store), made by the same :func:`sitemap_files`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from registry.model.terms import Terms
from registry.model.vocab import MPV
from registry.static_site.writer import Output
from registry.views.pages.links import doc_path

SITEMAP_CHUNK = 50_000
# the pages of the live server that are not about one resource
LIVE_FIXED_PAGES = ("/", "/search", "/municipality/", "/material/", "/concepts/", "/concepts/rstrategy",
                    "/ontology", "/query/", "/sparql", "/downloads", "/catalog")


def sitemap_files(urls: Iterable[str], site_url: str, chunk: int = SITEMAP_CHUNK) -> Iterator[tuple[str, bytes]]:
    """(file name, XML) of the sitemaps of ``urls`` (relative to ``site_url``): the chunks
    ``sitemaps/sitemap-N.xml`` of at most ``chunk`` URLs, then the index ``sitemap.xml``."""
    today = datetime.now(UTC).date().isoformat()
    chunks: list[str] = []
    lines: list[str] = []

    def flush() -> tuple[str, bytes]:
        name = f"sitemaps/sitemap-{len(chunks) + 1}.xml"
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "".join(lines) + "</urlset>\n")
        chunks.append(name)
        return name, body.encode("utf-8")

    for url in urls:
        lines.append(f"<url><loc>{escape(site_url + url)}</loc></url>\n")
        if len(lines) >= chunk:
            yield flush()
            lines = []
    if lines or not chunks:
        yield flush()
    index = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
             + "".join(f"<sitemap><loc>{escape(site_url + c)}</loc><lastmod>{today}</lastmod></sitemap>\n"
                       for c in chunks) + "</sitemapindex>\n")
    yield "sitemap.xml", index.encode("utf-8")


def write_sitemap(output: Output, pages: Iterable[str], site_url: str, languages: tuple[str, ...]) -> None:
    """The sitemaps of ``pages`` (HTML files, relative to the site root) under ``site_url``; a
    passport page is listed once per language, an overview page is stored per language already."""
    urls = (prefix + page for page in pages if not page.endswith("404.html")
            for prefix in _language_prefixes(page, languages))
    for name, body in sitemap_files(urls, site_url):
        output.write(name, body)


def _language_prefixes(page: str, languages: tuple[str, ...]) -> list[str]:
    # Aggregate pages are stored per language already; passport pages once for all languages.
    if any(page.startswith(f"{lang}/") for lang in languages if lang != "nl"):
        return [""]
    if page.startswith("doc/passport/"):
        return [("" if lang == "nl" else f"{lang}/") for lang in languages]
    return [""]


def live_page_paths(base: str, terms: Terms, passports: Iterable[str],
                    languages: tuple[str, ...] = ("nl", "en")) -> Iterator[str]:
    """The pages of the live server (paths without the leading ``/``), each in every language
    (``?lang=en`` for another than Dutch): the fixed pages, every municipality, material and
    object kind, and the current passports ``passports`` (IRIs)."""
    def paths() -> Iterator[str]:
        yield from LIVE_FIXED_PAGES
        for iri in (*terms.municipalities, *terms.members(MPV + "material")):
            found = doc_path(base, iri)
            if found is not None:
                yield found[0]
        for iri in terms.object_kinds:
            yield doc_path(base, iri, True)[0]
        for iri in passports:
            found = doc_path(base, iri)
            if found is not None:
                yield found[0]

    for path in paths():
        for lang in languages:
            yield path.lstrip("/") + ("" if lang == "nl" else "?" + urlencode({"lang": lang}))
