"""One page of the static site in one language, with relative links (:func:`render_static`),
and the parts a passport page shares with the page of its current version (:func:`shared_parts`)."""

from __future__ import annotations

from markupsafe import Markup

from registry.model.terms import Terms
from registry.views.pages.contexts import Page
from registry.views.pages.links import Links, static_file
from registry.views.pages.render import render


def render_static(page: Page, lang: str, base: str, terms: Terms, object_kinds: frozenset,
                  languages: tuple[str, ...], shared: dict[str, dict[str, str]] | None = None,
                  tile_url: str = "", tables: dict | None = None) -> tuple[str, bytes]:
    """(file path, HTML bytes) of one page in one language, with relative links.

    ``shared``: parts of the page already rendered for the same view, per language (see
    ``shared_parts``). ``tables`` (a dict) receives the CSV files the page links: file -> (table
    name, parameters)."""
    prefix = "" if lang == "nl" else f"{lang}/"
    number = page.page if page.page > 1 else None
    rel = prefix + static_file(page.path, number)
    links = Links(base, lang, current=rel, current_path=page.path, current_page=number,
                  object_kinds=object_kinds, tile_url=tile_url)
    other = "en" if lang == "nl" else "nl"
    switch = links.switch(other if other in languages else lang)
    extra = {}
    if shared is not None:
        up = links.file("")
        extra = {name: Markup(html.replace(UP, up)) for name, html in shared[lang].items()}
    html = render(page.template, lang, links, terms, switch_url=switch, **page.context, **extra)
    if tables is not None:
        tables.update(links.tables)
    return rel, html.encode("utf-8")


UP = "\ue000up\ue001"  # stands for the way up to the site root in HTML shared by pages of any depth
# The parts of passport.html (variable, template) that are the same on the page of the current version
SHARED_PARTS = (("facts_html", "passport_facts.html"), ("sections_html", "passport_sections.html"))


class _PlaceholderLinks(Links):
    """Links from a page whose depth is not known yet: the way up to the site root is ``UP``,
    which each page that includes the HTML replaces with its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._up = UP


def shared_parts(page: Page, base: str, terms: Terms, object_kinds: frozenset,
                 languages: tuple[str, ...], tile_url: str = "") -> dict[str, dict[str, str]] | None:
    """What a passport page and the page of its current version have in common (object and
    location, materials, components, valuations), rendered once per language."""
    if page.template != "passport.html":
        return None
    found = {}
    for lang in languages:
        links = _PlaceholderLinks(base, lang, current="", current_path=page.path, object_kinds=object_kinds,
                                  tile_url=tile_url)
        found[lang] = {name: render(template, lang, links, terms, p=page.context["view"], **page.context)
                       for name, template in SHARED_PARTS}
    return found


def without_part(shared: dict[str, dict[str, str]] | None, name: str) -> dict[str, dict[str, str]] | None:
    """``shared`` without the part ``name`` (in every language)."""
    if shared is None:
        return None
    return {lang: {k: v for k, v in parts.items() if k != name} for lang, parts in shared.items()}
