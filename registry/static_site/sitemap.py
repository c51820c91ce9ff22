"""``sitemap.xml``: a sitemap index over ``sitemaps/sitemap-N.xml`` of at most 50,000 URLs each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from registry.static_site.writer import Output

SITEMAP_CHUNK = 50_000


def write_sitemap(output: Output, pages: Iterable[str], site_url: str, languages: tuple[str, ...]) -> None:
    """The sitemaps of ``pages`` (HTML files, relative to the site root) under ``site_url``; a
    passport page is listed once per language, an overview page is stored per language already."""
    today = datetime.now(UTC).date().isoformat()
    chunks: list[str] = []
    lines: list[str] = []

    def flush() -> None:
        name = f"sitemaps/sitemap-{len(chunks) + 1}.xml"
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "".join(lines) + "</urlset>\n")
        output.write(name, body.encode("utf-8"))
        chunks.append(name)

    for page in pages:
        if page.endswith(("404.html",)):
            continue
        for prefix in _language_prefixes(page, languages):
            lines.append(f"<url><loc>{escape(site_url + prefix + page)}</loc></url>\n")
        if len(lines) >= SITEMAP_CHUNK:
            flush()
            lines = []
    if lines or not chunks:
        flush()
    index = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
             + "".join(f"<sitemap><loc>{escape(site_url + c)}</loc><lastmod>{today}</lastmod></sitemap>\n"
                       for c in chunks) + "</sitemapindex>\n")
    output.write("sitemap.xml", index.encode("utf-8"))


def _language_prefixes(page: str, languages: tuple[str, ...]) -> list[str]:
    # Aggregate pages are stored per language already; passport pages once for all languages.
    if any(page.startswith(f"{lang}/") for lang in languages if lang != "nl"):
        return [""]
    if page.startswith("doc/passport/"):
        return [("" if lang == "nl" else f"{lang}/") for lang in languages]
    return [""]
