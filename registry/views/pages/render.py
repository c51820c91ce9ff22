"""Rendering the Jinja2 templates of ``site/templates`` for the server and the static site.

``render(template, lang, links, **context)`` gives the HTML text. Every template extends
``base.html`` (blocks ``title``, ``head``, ``content``, ``scripts``); the context always has:
``t`` (UI strings), ``lang``, ``links`` (URLs, see ``page_links``), ``label``/``definition`` (terms
from the ontology in the page's language), ``text`` (pick a language from a literal map),
``num``/``money``/``date`` (formatting per language), ``static_mode`` and ``tile_url``.

The web layer makes the HTTP response of a page (``registry.web.routers.pages.render_page``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from types import FunctionType, MethodType

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from jinja2.runtime import Context
from markupsafe import Markup, escape

try:  # MarkupSafe 3: the escaping itself (in C), without the ``Markup`` constructor around it
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover (older MarkupSafe)
    _escape_inner = None

from registry.core.i18n import DEFAULT_LANGUAGE, pick, strings, translator
from registry.core.resources import SITE_DIR
from registry.model.terms import Terms, get_terms, local_name
from registry.views.pages.attrs import Attrs
from registry.views.pages.links import Links, anchor, web_iri

TEMPLATES_DIR = SITE_DIR / "templates"
STATIC_DIR = SITE_DIR / "static"
SITE_NAME = {"nl": "Materialenpaspoorten-register", "en": "Material passport registry"}


class _Context(Context):
    """Jinja's context with a short way to call plain Python functions and methods.

    A template call ``{{ f(x) }}`` goes through ``Context.call``, which asks every callable
    (with two failing attribute look-ups) whether it wants the context passed in. Our helpers
    are plain functions and bound methods: checking their ``__dict__`` answers the same
    question for a fraction of the cost (a passport page makes over a hundred such calls).
    """

    def call(self, obj, /, *args, **kwargs):
        kind = type(obj)
        if kind is FunctionType:
            plain = "jinja_pass_arg" not in obj.__dict__
        elif kind is MethodType:
            plain = "jinja_pass_arg" not in getattr(obj.__func__, "__dict__", _PASS)
        else:
            plain = False
        if not plain:
            return Context.call(self, obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:
            return self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


_PASS = {"jinja_pass_arg": None}
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """``obj.name`` on the views' dicts (``Attrs``, plain dicts) as one dict look-up.

    Jinja tries ``getattr`` first and the item after it fails, which costs a raised and caught
    AttributeError per look-up. For a dict the answer is the same either way unless the key is
    also a dict method's name (``items``, ``get``, ...): those keep Jinja's order.
    """

    def getattr(self, obj, attribute):
        if type(obj) in _DICTS and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return Environment.getattr(self, obj, attribute)


_DICTS = (dict, Attrs)


def fast_escape(value, _str=str, _markup=Markup, _type=type, _inner=_escape_inner, _new=str.__new__):
    """``markupsafe.escape`` with the same result, in one Python call instead of three.

    Every ``{{ value }}`` of a template is escaped (a passport page: about 180 times);
    MarkupSafe's ``escape`` then builds the ``Markup`` through its Python ``__new__``. A
    ``Markup`` is a ``str`` with no state of its own, so ``str.__new__`` makes the same object."""
    kind = _type(value)
    if kind is _str:
        return _new(_markup, _inner(value))
    if kind is _markup:
        return value
    if hasattr(value, "__html__"):
        return _new(_markup, value.__html__())
    return _new(_markup, _inner(_str(value)))


class _Template(Template):
    """A template whose output is escaped by ``fast_escape`` (the compiled code's module
    globals take ``escape`` from ``jinja2.runtime``; this replaces it there)."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        template = super().from_code(environment, code, globals, uptodate)
        if _escape_inner is not None:
            template.root_render_func.__globals__["escape"] = fast_escape
        return template


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    env = _Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                       autoescape=True, undefined=StrictUndefined,  # every template, any name
                       trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.context_class = _Context
    env.template_class = _Template
    env.globals["local_name"] = local_name
    env.tests["web_iri"] = web_iri  # {% if x is web_iri %}: only http(s) IRIs become links
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env


def templates_fingerprint() -> str:
    """A hash of every template, UI string file and static file: part of the static site's manifest."""
    digest = hashlib.sha256()
    for folder in (TEMPLATES_DIR, SITE_DIR / "i18n", STATIC_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(SITE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _formatter(lang: str):
    thousands, decimal = (".", ",") if lang == "nl" else (",", ".")

    def num(value, digits: int = 0) -> str:
        if value is None or value == "":
            return "–"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        text = f"{number:,.{digits}f}"
        return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)

    def money(value, currency: str = "EUR") -> str:
        if value is None:
            return "–"
        symbol = "€" if currency == "EUR" else currency
        return f"{symbol} {num(value, 0)}"

    def date(value: str | None) -> str:
        """A date as written; a time with its seconds and zone (``2026-12-05 01:34:11 UTC``)."""
        if not value:
            return ""
        text = str(value)
        if "T" in text:
            day, _, time = text.partition("T")
            clock, zone = time[:8], time[8:].lstrip(".0123456789")
            zone = "UTC" if zone in ("Z", "+00:00", "-00:00") else zone
            return f"{day} {clock} {zone}".rstrip()
        return text[:10]

    def percent(value) -> str:
        if value is None:
            return "–"
        return num(float(value) * 100, 0) + " %"

    return num, money, date, percent


class _Strings(dict):
    """``T['key']``: a UI string by subscript (cheaper in Jinja than a call); Dutch, then the key."""

    def __init__(self, lang: str):
        super().__init__(strings(DEFAULT_LANGUAGE))
        self.update(strings(lang))

    def __missing__(self, key):
        return key


class _Labels(dict):
    """``L[iri]``: the label of a term in one language, remembered."""

    def __init__(self, terms: Terms, lang: str):
        super().__init__()
        self.terms, self.lang = terms, lang

    def __missing__(self, iri):
        value = self[iri] = self.terms.label(iri, self.lang) if iri else ""
        return value


class _DocLinks(dict):
    """``D[iri]``: the link to the page about ``iri`` from the page being rendered."""

    def __init__(self, links: Links):
        super().__init__()
        self.links = links

    def __missing__(self, iri):
        value = self[iri] = self.links.doc(iri) if iri else ""
        return value


@functools.lru_cache(maxsize=4)
def _language_helpers(lang: str, terms_id: int):
    terms = get_terms()
    num, money, date, percent = _formatter(lang)
    return {
        "t": translator(lang), "T": _Strings(lang), "L": _Labels(terms, lang),
        "lang": lang, "other_lang": translator(lang).other,
        "label": lambda iri: terms.label(iri, lang) if iri else "",
        "definition": lambda iri: terms.definition(iri, lang) if iri else "",
        "text": lambda values, fallback="": pick(values, lang) if values else fallback,
        "num": num, "money": money, "date": date, "percent": percent,
        "site_name": SITE_NAME.get(lang, SITE_NAME["nl"]),
    }


_LINK_HELPERS: dict[tuple, dict] = {}
_LINK_HELPERS_MAX = 20_000  # links remembered per kind of page, then started afresh


def _link_helpers(links: Links, terms: Terms, lang: str) -> dict:
    """Links to concepts as Python functions (called hundreds of times per passport page).

    The links and labels made are remembered across pages with the same ``Links.cache_key``
    (same language, root and depth): they depend on nothing else."""
    key = (links.cache_key, lang, id(terms))
    found = _LINK_HELPERS.get(key)
    if found is None or len(found["D"]) > _LINK_HELPERS_MAX:
        if len(_LINK_HELPERS) > 256:
            _LINK_HELPERS.clear()
        found = _LINK_HELPERS[key] = _make_link_helpers(links, terms, lang)
    return found


def _make_link_helpers(links: Links, terms: Terms, lang: str) -> dict:
    empty = Markup('<span class="muted">–</span>')
    docs = _DocLinks(links)
    labels = _language_helpers(lang, id(terms))["L"]
    made: dict[str, Markup] = {}
    badges: dict[str, Markup] = {}

    def link(iri: str, text) -> Markup:
        """``text`` as a link to the page about ``iri``; plain text when ``iri`` has none (an IRI
        that is not ``http(s)``, such as ``javascript:...``, is never a link)."""
        href = docs[iri] if iri else ""
        if not href:
            return Markup(f"<span>{escape(text)}</span>")
        return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')

    def concept_link(iri: str) -> Markup:
        if not iri:
            return empty
        found = made.get(iri)
        if found is None:
            found = made[iri] = link(iri, labels[iri])
        return found

    def concept_links(iris) -> Markup:
        return Markup(", ".join(concept_link(i) for i in iris)) if iris else empty

    def rbadge(iri: str) -> Markup:
        if not iri:
            return empty
        found = badges.get(iri)
        if found is None:
            code = escape(local_name(iri))
            name = escape(labels[iri])
            tag, href = ("a", f' href="{escape(docs[iri])}"') if docs[iri] else ("span", "")
            found = badges[iri] = Markup(
                f'<{tag} class="rbadge r{code[1:]}"{href} title="{name}">{code}'
                f'<span class="rlabel"> {name}</span></{tag}>')
        return found

    rows: dict[tuple, tuple[dict, Markup]] = {}

    def row(macro, card: dict, *args) -> Markup:
        """``macro(card, *args)`` for a passport card (``page_data.passport_cards``, which hands
        out the same dict while the passport is unchanged and a new one after a change; cards
        are never changed in place), remembered per card: a list row of one passport is the
        same on every list page of the same depth and language. The card is kept with its row,
        so its ``id`` cannot be reused while the row is remembered."""
        key = (id(card), args)
        found = rows.get(key)
        if found is None:
            if len(rows) >= _ROWS_MAX:
                rows.clear()
            found = rows[key] = (card, macro(card, *args))
        return found[1]

    parts: dict[tuple, Markup] = {}

    def part(macro, *args) -> Markup:
        """``macro(*args)``, once: a part of every page (site header, navigation, footer) that
        depends on nothing but the language, the depth of the page and ``args``."""
        key = (macro.name, args)
        found = parts.get(key)
        if found is None:
            found = parts[key] = macro(*args)
        return found

    maps: dict[int, tuple[list, Markup]] = {}

    def map_json(points: list[list]) -> Markup:
        """The points of a map of objects (``search.map_points``) as JSON, their page paths as
        links from this page (relative files in the static site). Remembered per list of points
        (``search.object_map`` hands out the same list for a store generation; lists are never
        changed in place), which is kept with its JSON so that its ``id`` cannot be reused."""
        found = maps.get(id(points))
        if found is None or found[0] is not points:
            if len(maps) >= _MAPS_MAX:
                maps.clear()
            found = maps[id(points)] = (points, _json([[*p[:4], links.page(p[4])] for p in points]))
        return found[1]

    return {"concept_link": concept_link, "concept_links": concept_links, "rbadge": rbadge, "D": docs,
            "link": link, "row": row, "part": part, "map_json": map_json}


_MAPS_MAX = 64  # maps remembered per language and depth (up to 500 points each)
_ROWS_MAX = 20_000  # rows remembered per language and depth (about 400 bytes each), then started afresh


def render(template: str, lang: str, links: Links, terms: Terms | None = None, **context) -> str:
    terms = terms or get_terms()
    values = dict(_language_helpers(lang, id(terms)))
    values.update(links=links, terms=terms, static_mode=links.static_mode, tile_url=links.tile_url,
                  anchor=lambda iri: anchor(links.base, iri), json=_json)
    values.update(_link_helpers(links, terms, lang))
    values.setdefault("active", "")
    values.update(context)
    return environment().get_template(template).render(values)


_JSON_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _json(value) -> Markup:
    """JSON for a ``<script type="application/json">`` block: no ``<``, ``>`` or ``&`` in it (as
    ``\\u003c`` and so on, the same JSON), so no text can close the block or open a comment."""
    return Markup(json.dumps(value, ensure_ascii=False).translate(_JSON_IN_HTML))
