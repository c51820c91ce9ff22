"""Which template and which data each page gets: shared by the server (``registry.web.routers.pages``)
and the static site (``registry.static_site.build``). A ``Page`` is language-independent; rendering
picks the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.model.terms import Terms, local_name
from registry.model.uris import KEY_PATTERN, MUNICIPALITY_PATTERN, PassportRef, owning_passport
from registry.model.vocab import MP, MPV, OWL, RDFS, SKOS
from registry.store.valuations import records_of
from registry.views.pages import monitor as page_monitor
from registry.views.pages import search as page_search
from registry.views.pages import stats as page_stats
from registry.views.pages.attrs import Attrs
from registry.views.pages.cards import cards_for
from registry.views.pages.geo import vocabulary_wkt
from registry.views.pages.history import agent_names, history_rows
from registry.views.pages.lists import (
    concept_passports,
    kind_passports,
    material_passports,
    municipality_passports,
)
from registry.views.pages.passport_view import graph_status, passport_graph, passport_view
from registry.views.pages.vocabulary import (
    SCHEME_PREDICATES,
    agent_label,
    is_municipality,
    scheme_of,
)

_SAFE_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_VERSION_PATH = re.compile(rf"^(?P<gm>{MUNICIPALITY_PATTERN})/(?P<key>{KEY_PATTERN})(?:/v/(?P<v>[1-9][0-9]{{0,8}}))?$")


@dataclass
class Page:
    template: str
    context: dict = field(default_factory=dict)
    status: int = 200
    path: str = "/"  # server path of the page (for pagers and the language switch)
    page: int = 1


def not_found(path: str = "") -> Page:
    suggestion = local_name(path).replace("-", " ") if path else ""
    return Page("not_found.html", {"path": path, "suggestion": suggestion[:100]}, 404, path or "/")


# ---------------------------------------------------------------------------------------------
def home(registry, terms: Terms, *, wait: float | None = 5.0) -> Page:
    stats = page_stats.stats(registry, wait=wait)
    ctx: dict = {"stats": stats, "active": "home"}
    if stats is not None:
        municipalities, kinds, materials = stats.derived("home", lambda: home_rankings(stats))
        recent = []
        cards = {c["iri"]: c for c in cards_for(
            registry, list(dict.fromkeys(r["passport"] for r in stats.recent)), terms)}
        for r in stats.recent:
            card = cards.get(r["passport"], {})
            recent.append({**r, "title": card.get("title", {}),
                           "identifier": card.get("identifier", local_name(r["passport"])),
                           "agent_label": agent_label(terms, r["agent"])})
        ctx.update(municipalities=municipalities, kinds=kinds, materials=materials[:15],
                   materials_in_use=len(materials),
                   recent=recent, max_municipality=max([n for _, n in municipalities] or [1]) or 1,
                   max_kind=max([n for _, n in kinds] or [1]) or 1)
        ctx["agent_names"] = agent_names(registry, (r["agent"] for r in stats.recent))  # by name, not IRI
    return Page("home.html", ctx, path="/")


def home_rankings(stats: page_stats.Stats) -> tuple[list, list, list]:
    municipalities = sorted(stats.by_municipality.items(), key=lambda kv: (-kv[1], kv[0]))
    kinds = sorted(stats.by_kind.items(), key=lambda kv: (-kv[1], kv[0]))
    materials = sorted(((m, stats.material_passports(m), stats.material_tonnes(m))
                        for m in stats.materials), key=lambda r: (-r[1], r[0]))
    return municipalities, kinds, materials


def municipalities(registry, terms: Terms, *, wait: float | None = 5.0) -> Page:
    stats = page_stats.stats(registry, wait=wait)
    regions: dict[str, list] = {}
    for iri in terms.municipalities:
        region = terms.iris(iri, MP + "region")
        n = stats.by_municipality.get(iri, 0) if stats is not None else None
        regions.setdefault(region[0] if region else "", []).append((iri, n))
    ordered = sorted(regions.items(), key=lambda kv: (kv[0] == "", terms.label(kv[0], "nl")))
    return Page("municipalities.html", {"regions": ordered, "active": "municipalities"},
                path="/municipality/")


def municipality(registry, terms: Terms, iri: str, page: int, *, wait: float | None = 5.0,
                 listing: tuple[list[str], bool] | None = None) -> Page:
    path = "/doc/" + iri[len(MPV):]
    stats = page_stats.stats(registry, wait=wait)
    kinds = materials = []
    count = tonnes = None
    if stats is not None:
        count = stats.by_municipality.get(iri, 0)
        kinds, materials, tonnes = stats.derived(("municipality", iri),
                                                 lambda: municipality_figures(stats, terms, iri))
    iris, has_next = listing or municipality_passports(registry, iri, page)
    region = terms.iris(iri, MP + "region")
    ctx = {"iri": iri, "region": region[0] if region else "", "count": count, "tonnes": tonnes,
           "kinds": kinds, "materials": materials,
           "cards": cards_for(registry, iris, terms), "has_next": has_next,
           "page": page, "path": path, "active": "municipalities",
           "centroid": vocabulary_wkt(terms, iri, MP + "centroid"),
           "bbox": vocabulary_wkt(terms, iri, MP + "bbox"),
           "objects": page_search.object_map(registry, terms, municipality=local_name(iri))}
    return Page("municipality.html", ctx, path=path, page=page)


def municipality_figures(stats: page_stats.Stats, terms: Terms, iri: str) -> tuple[list, list, float]:
    kinds = sorted(stats.by_municipality_kind.get(iri, {}).items(), key=lambda kv: -kv[1])
    kinds = [(k, n) for k, n in kinds if terms.is_object_kind(k)]
    materials = sorted(((m, stats.material_passports(m, iri), stats.material_tonnes(m, iri))
                        for m in stats.materials if iri in stats.materials[m]),
                       key=lambda r: -r[1])
    return kinds, materials, sum(t for _, _, t in materials)


def materials(registry, terms: Terms, *, wait: float | None = 5.0) -> Page:
    stats = page_stats.stats(registry, wait=wait)
    rows = []
    for iri in terms.members(MPV + "material"):
        rows.append({"iri": iri, "label": {lang: terms.label(iri, lang) for lang in ("nl", "en")},
                     "broader": terms.iris(iri, SKOS + "broader"),
                     "renewable": _flag(terms, iri, MP + "renewable"),
                     "abiotic": _flag(terms, iri, MP + "abiotic"),
                     "density": terms.number(iri, MP + "defaultDensity"),
                     "passports": stats.material_passports(iri) if stats else None,
                     "tonnes": stats.material_tonnes(iri) if stats else None})
    rows.sort(key=lambda r: r["label"]["nl"].lower())  # the template sorts by the page's language
    return Page("materials.html", {"rows": rows, "active": "materials"}, path="/material/")


def _flag(terms: Terms, iri: str, predicate: str) -> bool:
    value = terms.value(iri, predicate)
    return value is not None and value.value in ("true", "1")


def material(registry, terms: Terms, iri: str, page: int, *, wait: float | None = 5.0,
             listing: tuple[list[str], bool] | None = None) -> Page:
    path = "/doc/" + iri[len(MPV):]
    stats = page_stats.stats(registry, wait=wait)
    usage = None
    usage_passports = usage_tonnes = 0
    if stats is not None:
        usage = stats.derived(("material", iri), lambda: material_usage(stats, iri))
        usage_passports = stats.material_passports(iri)
        usage_tonnes = stats.material_tonnes(iri)
    iris, has_next = listing or material_passports(registry, iri, page)
    ctx = {"iri": iri, "broader": terms.iris(iri, SKOS + "broader"), "narrower": terms.narrower(iri),
           "renewable": _flag(terms, iri, MP + "renewable"), "abiotic": _flag(terms, iri, MP + "abiotic"),
           "density": terms.number(iri, MP + "defaultDensity"),
           "price": terms.number(iri, MP + "defaultPricePerTonne"),
           "alt_labels": sorted({v.value for v in terms.values(iri, SKOS + "altLabel")}),
           "matches": _matches(terms, iri), "usage": usage, "usage_passports": usage_passports,
           "usage_tonnes": usage_tonnes, "cards": cards_for(registry, iris, terms),
           "has_next": has_next, "page": page, "path": path, "active": "materials",
           "objects": page_search.object_map(registry, terms, material=local_name(iri))}
    return Page("material.html", ctx, path=path, page=page)


def material_usage(stats: page_stats.Stats, iri: str) -> list:
    usage = []
    for muni, (_, records, with_mass, kg) in sorted(stats.materials.get(iri, {}).items(),
                                                   key=lambda kv: -stats.material_passports(iri, kv[0])):
        usage.append((muni, stats.material_passports(iri, muni), kg / 1000, records - with_mass))
    return usage


def _matches(terms: Terms, iri: str) -> list[str]:
    found = []
    for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"):
        found += terms.iris(iri, SKOS + p)
    return found + terms.iris(iri, OWL + "equivalentClass") + terms.iris(iri, RDFS + "seeAlso")


def objectkind(registry, terms: Terms, iri: str, page: int, *, wait: float | None = 5.0,
               listing: tuple[list[str], bool] | None = None) -> Page:
    path = f"/doc/objectkind/{local_name(iri)}"
    stats = page_stats.stats(registry, wait=wait)
    iris, has_next = listing or kind_passports(registry, iri, page)
    ctx = {"iri": iri, "parents": terms.iris(iri, RDFS + "subClassOf"), "matches": _matches(terms, iri),
           "count": stats.by_kind.get(iri, 0) if stats is not None else None,
           "cards": cards_for(registry, iris, terms), "has_next": has_next,
           "page": page, "path": path, "active": "",
           "objects": page_search.object_map(registry, terms, kind=local_name(iri))}
    return Page("objectkind.html", ctx, path=path, page=page)


def concept_schemes(terms: Terms) -> list[tuple[str, list[str]]]:
    return [(scheme, terms.members(scheme)) for scheme in terms.schemes()]


def concepts(terms: Terms) -> Page:
    return Page("concepts.html", {"schemes": concept_schemes(terms), "active": ""}, path="/concepts/")


def scheme(registry, terms: Terms, name: str, *, wait: float | None = 5.0) -> Page | None:
    scheme_iri = MPV + name
    members = terms.members(scheme_iri)
    if not members:
        return None
    predicate = SCHEME_PREDICATES.get(name)
    counts = page_stats.value_counts(registry, predicate, wait=wait) if predicate else None
    ladder = None
    if name == "rstrategy":
        groups: dict[str, list[str]] = {}
        for c in members:
            group = terms.iris(c, MP + "rGroup")
            groups.setdefault(group[0] if group else "", []).append(c)
        ladder = list(groups.items())
    ordered = any(terms.rank(c) is not None for c in members)
    path = f"/concepts/{name}"
    return Page("scheme.html", {"scheme": scheme_iri, "members": members, "counts": counts,
                                "ladder": ladder, "ordered": ordered,
                                "active": "rstrategy" if name == "rstrategy" else ""}, path=path)


def concept(registry, terms: Terms, iri: str, page: int, *, wait: float | None = 5.0,
            listing: tuple[list[str], bool] | None = None) -> Page:
    name = scheme_of(iri)
    scheme_iri = MPV + name if terms.members(MPV + name) else ""
    in_scheme = terms.iris(iri, SKOS + "inScheme")
    if not scheme_iri and in_scheme:
        scheme_iri = in_scheme[0]
    members = terms.members(scheme_iri) if scheme_iri else []
    predicate = SCHEME_PREDICATES.get(name)
    uses = None
    if predicate:
        counts = page_stats.value_counts(registry, predicate, wait=wait)
        uses = counts.get(iri, 0) if counts is not None else None
    extra = []
    score = terms.number(iri, MP + "score")
    if score is not None:
        extra.append(("concept.score", f"{score:g}"))
    labels = {lang: terms.label(iri, lang) for lang in ("nl", "en")}
    group = terms.iris(iri, MP + "rGroup")
    path = "/doc/" + iri[len(MPV):] if iri.startswith(MPV) else "/"
    show_passports = concept_lists_passports(iri)
    if listing is not None:
        iris, has_next = listing
    else:
        iris, has_next = concept_passports(registry, iri, page) if show_passports else ([], False)
    ctx = {"iri": iri, "scheme": scheme_iri, "rank": terms.rank(iri),
           "scheme_size": len(members) if terms.rank(iri) is not None else 0,
           "neighbours": members if terms.rank(iri) is not None and len(members) <= 12 else [],
           "broader": terms.iris(iri, SKOS + "broader"), "narrower": terms.narrower(iri),
           "group": group[0] if group else "", "extra": extra, "matches": _matches(terms, iri),
           "labels": labels, "uses": uses, "is_rstrategy": name == "rstrategy",
           "show_passports": show_passports, "cards": cards_for(registry, iris, terms),
           "has_next": has_next, "page": page, "path": path,
           "active": "rstrategy" if name == "rstrategy" else ""}
    return Page("concept.html", ctx, path=path, page=page)


def concept_lists_passports(iri: str) -> bool:
    """Whether a concept's page lists the passports that use it (not for e.g. regions)."""
    return scheme_of(iri) in SCHEME_PREDICATES or scheme_of(iri) == "organisation"


def ontology(terms: Terms) -> Page:
    sections = []
    for key, iris in terms.ontology_terms().items():
        if not iris:
            continue
        items = []
        for iri in iris:
            facts = []
            for name, predicate in (("ontology.subclass_of", RDFS + "subClassOf"),
                                    ("ontology.domain", RDFS + "domain"),
                                    ("ontology.range", RDFS + "range"),
                                    ("page.matches", SKOS + "closeMatch"),
                                    ("page.matches", SKOS + "exactMatch")):
                values = terms.iris(iri, predicate)
                if values:
                    facts.append((name, values))
            items.append({"iri": iri, "facts": facts, "object_kind": terms.is_object_kind(iri)})
        sections.append((key, items))
    return Page("ontology.html", {"sections": sections, "active": "ontology"}, path="/ontology")


def monitor(registry, terms: Terms, code: str = "", *, wait: float | None = 5.0) -> Page:
    """The monitor of the region (no ``code``) or of the municipality with CBS code ``code``;
    figures not computed within ``wait`` seconds say they are being computed."""
    iri = page_monitor.municipality_iri(code, terms) if code else None
    if code and iri is None:
        return not_found(f"/monitor/{code}")
    return Page("monitor.html", page_monitor.monitor(registry, terms, iri, wait=wait),
                path=f"/monitor/{code}" if code else "/monitor")


# ---------------------------------------------------------------------------------------------
def passport(registry, terms: Terms, ref: PassportRef, *, triples=None, status: str | None = None,
             history: list[dict] | None = None, view: dict | None = None) -> Page:
    """The passport page, a version page, the 410 page of a retired passport, or a 404.

    ``triples``, ``status``, ``history`` (and, for the page of the current version as a version,
    the current page's ``view``) may be given when the caller has read them already."""
    path = f"/doc/passport/{ref.municipality}/{ref.key}" + (f"/v/{ref.version}" if ref.version else "")
    if status is None and ref.version is None and triples is None and view is None:
        # The current version: one index range gives the graph and, from it, the status.
        triples = passport_graph(registry.store, ox.NamedNode(ref.iri))
        status = graph_status(triples, ox.NamedNode(ref.iri))
    status = status or registry.status(ref)
    if status == "absent":
        return not_found(path)
    current = PassportRef(ref.base, ref.municipality, ref.key)
    history = history if history is not None else history_rows(registry, current)
    if status == "retired":
        retirement = registry.retirement(current) or {"at": "", "reason": "", "last_version": 0}
        return Page("gone.html", {"iri": current.iri, "key": f"{ref.municipality}/{ref.key}",
                                  "retirement": retirement, "history": history,
                                  "municipality": current.municipality_iri}, 410, path)
    if view is not None:
        view = Attrs(view, ref=ref, successors=[] if ref.version else view["successors"])
    else:
        triples = triples if triples is not None else registry.get(ref)
        if not triples:
            return not_found(path)
        view = passport_view(registry, current if ref.version is None else ref, triples, terms)
    view["iri"] = current.iri
    version = ref.version
    version_info = next((h for h in history if h["number"] == version), None) if version else None
    if version is None and view["version_number"] == 0:
        view["version_number"] = history[-1]["number"] if history else 0
    number = version or view["version_number"]
    cite_iri = f"{current.iri}/v/{number}" if number else current.iri
    doc_iri = current.at(version).version_iri if version else current.iri
    chart = [[v["date"], v["amount"]] for v in view["valuations"]
             if v["date"] and v["amount"] is not None]
    return Page("passport.html", {"view": view, "history": history, "version": version,
                                  "version_info": version_info, "cite_iri": cite_iri,
                                  "doc_iri": doc_iri, "chart_data": chart,
                                  "valuation_records": records_of(registry.store, ref.base, current.iri)},
                200, path)


def search(registry, terms: Terms, form: page_search.SearchForm) -> Page:
    searched = not form.empty and not form.errors
    result = page_search.search(registry, form) if searched else page_search.SearchResult()
    if not result.ready:
        form.notices.append("search.indexing")
    ctx = {"form": form, "searched": searched, "result": result,
           "rows": [page_search.with_labels(r) for r in result.rows],
           "map_points": page_search.map_points(result.points, terms, form.lang, registry.base),
           "map_max": page_search.MAP_MAX, "page_size": page_search.PAGE_SIZE,
           "has_next": form.page * page_search.PAGE_SIZE < result.total,
           "kinds": terms.object_kinds, "materials": sorted(
               terms.members(MPV + "material"), key=lambda i: terms.label(i, form.lang).lower()),
           "phases": terms.members(MPV + "phase"), "rstrategies": terms.members(MPV + "rstrategy"),
           "active": "search"}
    return Page("search.html", ctx, path="/search", page=form.page)


# ---------------------------------------------------------------------------------------------
# /doc/{kind}/... of a passport's parts: each is shown on its passport's page
PASSPORT_PARTS = frozenset(("object", "component", "quantity", "valuation", "geometry", "release", "detachability"))


def resolve(registry, terms: Terms, kind: str, path: str, page: int = 1, *, wait: float = 5.0) -> Page:
    """The page of ``/doc/{kind}/{path}``; a 404 page for anything unknown."""
    full = f"/doc/{kind}/{path}".rstrip("/")
    if not re.fullmatch(r"[a-z]{1,32}", kind or "") or (path and not _SAFE_PATH.match(path)):
        return not_found(full)
    base = registry.base
    if kind == "passport":
        m = _VERSION_PATH.match(path)
        if not m:
            return not_found(full)
        version = int(m["v"]) if m["v"] else None
        return passport(registry, terms, PassportRef(base, m["gm"], m["key"], version))
    if kind in PASSPORT_PARTS:
        ref = owning_passport(base, f"{base}id/{kind}/{path}")
        if ref is None:
            return not_found(full)
        return passport(registry, terms, PassportRef(base, ref.municipality, ref.key))
    if kind == "def":
        return ontology(terms)
    if kind == "objectkind":
        iri = MP + path
        return objectkind(registry, terms, iri, page, wait=wait) if terms.is_object_kind(iri) else not_found(full)
    if not path:
        found = scheme(registry, terms, kind, wait=wait)
        return found if found is not None else not_found(full)
    iri = f"{MPV}{kind}/{path}"
    if not terms.known(iri):
        return not_found(full)
    if kind == "municipality" or is_municipality(terms, iri):
        return municipality(registry, terms, iri, page, wait=wait)
    if kind == "material":
        return material(registry, terms, iri, page, wait=wait)
    return concept(registry, terms, iri, page, wait=wait)
