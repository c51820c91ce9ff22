"""The full data of every table of the pages, as CSV: the same rows the page shows (from the same
page data: :mod:`registry.views.pages.contexts`, the whole-store counts, the passport view), without
the page's paging or top-N cut, with plain numbers (a dot for decimals, no thousands separator) and
labels in the page's language, each term's IRI next to its label.

A table is named (``TABLES``) and takes the parameters of the page it is on (``municipality``,
``material``, ``kind``, ``concept``, ``passport``: IRIs). Pages link it with the ``csv_link`` macro
of ``site/templates/macros.html``; the server answers ``/table/{name}.csv``
(:mod:`registry.web.routers.downloads`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from registry.core.errors import RegistryError
from registry.core.i18n import pick, translator
from registry.model.terms import Terms, local_name
from registry.model.uris import owning_passport
from registry.query import saved
from registry.views.pages import contexts, lists
from registry.views.pages import stats as page_stats
from registry.views.pages.cards import passport_cards
from registry.views.pages.history import history_rows
from registry.views.pages.vocabulary import agent_label

Rows = tuple[list[str], Iterable[list]]
_CARDS_AT_ONCE = 1000


class TableError(RegistryError, LookupError):
    status = 404

    def __init__(self, message: str, message_nl: str):
        super().__init__(message, message_nl=message_nl)


def _require(params: dict, name: str) -> str:
    value = (params.get(name) or "").strip()
    if not value:
        raise TableError(f"this table needs the parameter {name}",
                         f"deze tabel heeft de parameter {name} nodig")
    return value


def _stats(registry) -> page_stats.Stats:
    found = page_stats.stats(registry, wait=None)
    assert found is not None  # wait=None: computed here when not cached
    return found


def _num(value) -> str:
    """A plain number: integers without decimals, others with up to 6 (no float noise)."""
    if value is None or value == "":
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.6f}".rstrip("0").rstrip(".")


class _Table:
    def __init__(self, registry, terms: Terms, lang: str):
        self.registry, self.terms, self.lang = registry, terms, lang
        self.t = translator(lang)

    def label(self, iri: str) -> str:
        return self.terms.label(iri, self.lang) if iri else ""

    def head(self, *keys: str) -> list[str]:
        return [self.t(k) if "." in k else k for k in keys]

    # -- tables -----------------------------------------------------------------------------
    def passports(self, params: dict) -> Rows:
        """The passports a municipality, material, object kind or concept page lists (all pages)."""
        return self.passports_head(), map(self.passport_row, self.passport_cards(params))

    def passport_cards(self, params: dict) -> Iterator[dict]:
        """The cards of a list's passports in the list's order, a thousand at a time: remembered
        one by one (``cards.passport_cards``), never the whole list at once (a material's list
        at a million passports is most of them)."""
        sources = {"municipality": lambda v: lists.iter_municipality(self.registry.store, v),
                   "material": lambda v: lists.iter_material(self.registry.store, v),
                   "kind": lambda v: lists.iter_kind(self.registry.store, v),
                   "concept": lambda v: lists.iter_concept(self.registry.store, v)}
        name = next((k for k in sources if params.get(k)), None)
        if name is None:
            raise TableError("give one of municipality, material, kind or concept",
                             "geef een van municipality, material, kind of concept")
        iris = list(dict.fromkeys(sources[name](params[name])))  # repeats skipped, as page_of does
        for start in range(0, len(iris), _CARDS_AT_ONCE):
            yield from passport_cards(self.registry.store, iris[start:start + _CARDS_AT_ONCE], self.terms)

    def passports_head(self) -> list[str]:
        return self.head("passport.title", "passport.kind", "passport.municipality", "passport.identifier", "IRI")

    def passport_row(self, card: dict) -> list:
        title = pick(card["title"], self.lang) if card.get("title") else card["identifier"]
        return [title, self.label(card.get("kind", "")), self.label(card.get("municipality", "")),
                card["identifier"], card["iri"]]

    def municipalities(self, params: dict) -> Rows:
        ranked, _, _ = contexts.home_rankings(_stats(self.registry))
        return (self.head("passport.municipality", "IRI", "home.passports"),
                ([self.label(iri), iri, n] for iri, n in ranked))

    def _ranked(self, params: dict, part: str) -> list:
        """The home page's ranking ``part`` (kinds, materials), or one municipality's when given."""
        stats = _stats(self.registry)
        if params.get("municipality"):
            kinds, materials, _ = contexts.municipality_figures(stats, self.terms, params["municipality"])
        else:
            _, kinds, materials = contexts.home_rankings(stats)
        return kinds if part == "kinds" else materials

    def kinds(self, params: dict) -> Rows:
        return (self.head("passport.kind", "IRI", "home.passports"),
                ([self.label(i), i, n] for i, n in self._ranked(params, "kinds")))

    def materials_in_use(self, params: dict) -> Rows:
        """Materials recorded in passports (of one municipality when given): passports, tonnes."""
        return (self.head("material.material", "IRI", "home.passports", "material.tonnes"),
                ([self.label(m), m, n, _num(t)] for m, n, t in self._ranked(params, "materials")))

    def materials(self, params: dict) -> Rows:
        """The material list page: every material of the scheme."""
        rows = sorted(contexts.materials(self.registry, self.terms, wait=None).context["rows"],
                      key=lambda r: r["label"][self.lang].lower())
        return (self.head("material.material", "IRI", "material.broader", "material.renewable",
                          "material.abiotic", "material.density", "home.passports", "material.tonnes"),
                ([self.label(r["iri"]), r["iri"], " | ".join(self.label(b) for b in r["broader"]),
                  str(r["renewable"]).lower(), str(r["abiotic"]).lower(), _num(r["density"]),
                  r["passports"], _num(r["tonnes"])] for r in rows))

    def material_usage(self, params: dict) -> Rows:
        """A material's use per municipality: passports, mass in tonnes, records without a mass."""
        iri = _require(params, "material")
        stats = _stats(self.registry)
        usage = stats.derived(("material", iri), lambda: contexts.material_usage(stats, iri))
        return (self.head("passport.municipality", "IRI", "home.passports", "material.tonnes",
                          "table.without_mass"),
                ([self.label(muni), muni, n, _num(tonnes), without] for muni, n, tonnes, without in usage))

    def _passport(self, params: dict):
        ref = owning_passport(self.registry.base, _require(params, "passport"))
        if ref is None:
            raise TableError("not a passport of this registry", "geen paspoort van dit register")
        page = contexts.passport(self.registry, self.terms, ref)
        if page.template != "passport.html":
            raise TableError("no such passport version", "zo'n paspoortversie bestaat niet")
        return page.context

    def passport_materials(self, params: dict) -> Rows:
        view = self._passport(params)["view"]
        return (self.head("material.material", "IRI", "material.tonnes", "table.without_mass",
                          "quantity.recorded", "quantity.origin", "quantity.records"),
                ([self.label(r["material"]), r["material"], _num(r["tonnes"]), r["without_mass"],
                  " | ".join(f"{_num(amount)} {unit}" for unit, amount in r["recorded"]),
                  " | ".join(self.label(o) for o in r["origins"]), r["records"]] for r in view["materials"]))

    def passport_quantities(self, params: dict) -> Rows:
        view = self._passport(params)["view"]

        def walk(components, path: str) -> Iterator[tuple[str, dict]]:
            for c in components:
                name = pick(c["label"], self.lang) if c["label"] else local_name(c["iri"])
                here = f"{path} / {name}" if path else name
                for q in c["quantities"]:
                    yield here, q
                yield from walk(c["children"], here)

        found = [("", q) for q in view["direct_quantities"]] + list(walk(view["components"], ""))
        return (self.head("passport.components", "material.material", "quantity.amount", "quantity.unit",
                          "quantity.mass_kg", "quantity.mass_quality", "quantity.origin", "quantity.phase",
                          "quantity.quality", "quantity.recycled", "IRI"),
                ([component, self.label(q["material"]), _num(q["value"]), q["unit_symbol"], _num(q["mass_kg"]),
                  self.label(q["mass_quality"]), self.label(q["origin"]), self.label(q["material_phase"]),
                  self.label(q["data_quality"]), _num(q["recycled_content"]), q["iri"]] for component, q in found))

    def passport_valuations(self, params: dict) -> Rows:
        view = self._passport(params)["view"]
        return (self.head("valuation.date", "valuation.amount", "valuation.currency", "valuation.method",
                          "valuation.source", "IRI"),
                ([v["date"], _num(v["amount"]), v["currency"], self.label(v["method"]),
                  pick(v["source"], self.lang) if v["source"] else "", v["iri"]]
                 for v in reversed(view["valuations"])))

    def passport_history(self, params: dict) -> Rows:
        ref = owning_passport(self.registry.base, _require(params, "passport"))
        if ref is None:
            raise TableError("not a passport of this registry", "geen paspoort van dit register")
        rows = history_rows(self.registry, ref.at(1) if ref.version else ref)
        return (self.head("history.version", "history.generated", "history.agent", "history.source",
                          "history.comment", "history.invalidated", "IRI"),
                ([v["number"], v["generated"], agent_label(self.terms, v["agent"], self.lang, v.get("agent_names")),
                  v["source"] or "", v["comment"] or "", v["invalidated"] or "", v["iri"]]
                 for v in reversed(rows)))

    def saved_queries(self, params: dict) -> Rows:
        return (self.head("query.name", "query.title", "query.description", "query.parameters"),
                ([q.name, q.title(self.lang), q.description(self.lang),
                  ", ".join("?" + p.name for p in q.parameters)] for q in saved.public_queries()))


TABLES: dict[str, Callable[[_Table, dict], Rows]] = {
    name.replace("_", "-"): getattr(_Table, name) for name in (
        "passports", "municipalities", "kinds", "materials_in_use", "materials", "material_usage",
        "passport_materials", "passport_quantities", "passport_valuations", "passport_history",
        "saved_queries")}


def table_rows(registry, terms: Terms, name: str, params: dict, lang: str) -> Rows:
    """(header, rows) of table ``name`` with the page parameters ``params``, labels in ``lang``."""
    make = TABLES.get(name)
    if make is None:
        raise TableError(f"there is no table named {name[:60]!r}", f"er is geen tabel met de naam {name[:60]!r}")
    return make(_Table(registry, terms, lang), params)


def table_csv(registry, terms: Terms, name: str, params: dict, lang: str) -> bytes:
    """Table ``name`` as CSV (UTF-8, a header row, comma-separated, RFC 4180 quoting)."""
    return _csv(*table_rows(registry, terms, name, params, lang))


def table_csvs(registry, terms: Terms, name: str, params: dict, langs: Iterable[str]) -> dict[str, bytes]:
    """Table ``name`` as CSV in each of ``langs`` (the static site writes each page's tables in
    every language): a passports table reads each passport's card once for all of them."""
    langs = list(langs)
    if name != "passports" or len(langs) < 2:
        return {lang: table_csv(registry, terms, name, params, lang) for lang in langs}
    tables = [_Table(registry, terms, lang) for lang in langs]
    outs = [_CsvText(table.passports_head()) for table in tables]
    for card in tables[0].passport_cards(params):
        for table, out in zip(tables, outs):
            out.writer.writerow(table.passport_row(card))
    return {table.lang: out.encoded() for table, out in zip(tables, outs)}


class _CsvText:
    """CSV text being written: UTF-8, a header row, comma-separated, RFC 4180 quoting."""

    def __init__(self, header: list[str]) -> None:
        self.text = io.StringIO()
        self.writer = csv.writer(self.text, lineterminator="\r\n")
        self.writer.writerow(header)

    def encoded(self) -> bytes:
        return self.text.getvalue().encode("utf-8")


def _csv(header: list[str], rows: Iterable[list]) -> bytes:
    out = _CsvText(header)
    out.writer.writerows(rows)
    return out.encoded()


__all__ = ["TABLES", "TableError", "table_csv", "table_csvs", "table_rows"]
