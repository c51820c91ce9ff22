"""A price list from a CSV (or XLSX) file, for ``passports prices import`` (docs/valuation.md).

Columns (Dutch or English names, any order; the first four are needed):
``material``/``materiaal`` (code such as ``concrete`` or a Dutch/English label such as ``Beton``),
``price``/``prijs`` (decimal comma or point), ``unit``/``eenheid`` (ton/t, kg, m3, m2, m, stuk/piece),
``date``/``datum``, ``source``/``bron``, ``region``/``regio`` (GM code or region: twente,
stedendriehoek), ``validity``/``geldigheid`` (``2026-01-01/2026-12-31`` or a year ``2026``).
The file is read like an asset export (``;`` or ``,``, UTF-8 or Windows-1252). Every bad row is
reported with its row, column, value and reason; a file with any bad row stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from importers.mapping import FormatSpec
from importers.readers import open_source
from importers.values import ValueProblem, is_empty, parse_date, parse_number, text_of
from importers.vocabulary import load_vocabulary, normalise
from registry.model.valuation import KG, M2, M3, PIECE, TONNE, M
from registry.store.price_lists import NewEntry

COLUMNS = {"material": ("material", "materiaal"), "price": ("price", "prijs"), "unit": ("unit", "eenheid"),
           "date": ("date", "datum"), "source": ("source", "bron"), "region": ("region", "regio"),
           "validity": ("validity", "geldigheid")}
REQUIRED = ("material", "price", "unit")
UNITS = {"ton": TONNE, "t": TONNE, "tonne": TONNE, "tonnes": TONNE, "kg": KG, "m3": M3, "m³": M3, "m2": M2,
         "m²": M2, "m": M, "stuk": PIECE, "stuks": PIECE, "st": PIECE, "piece": PIECE, "pieces": PIECE,
         "pcs": PIECE}


@dataclass(frozen=True)
class PriceRow(NewEntry):
    """A price as ``store_price_list`` takes it, with the row of the file it came from."""

    row: int = 0


@dataclass(frozen=True)
class PriceProblem:
    row: int
    column: str
    value: str
    en: str
    nl: str

    def message(self, lang: str = "en") -> str:
        return self.nl if lang == "nl" else self.en


def _day(value: object) -> date:
    text, kind = parse_date(value)
    if kind != "date":
        raise ValueProblem("not a date", f"{text!r} is a year, not a date; write 2026-01-01",
                           f"{text!r} is een jaar, geen datum; schrijf 2026-01-01")
    return date.fromisoformat(text)


def parse_validity(value: object) -> tuple[date, date]:
    """``2026-01-01/2026-12-31`` (either side may be empty) or a year ``2026``."""
    text = text_of(value)
    if len(text) == 4 and text.isdigit():
        return date(int(text), 1, 1), date(int(text), 12, 31)
    start, sep, end = text.partition("/")
    if not sep:
        raise ValueProblem("not a period", f"{text!r} is not a period; write 2026-01-01/2026-12-31 or 2026",
                           f"{text!r} is geen periode; schrijf 2026-01-01/2026-12-31 of 2026")
    first, last = _day(start), _day(end)
    if last < first:
        raise ValueProblem("period ends before it starts", f"{text!r} ends before it starts",
                           f"{text!r} eindigt voordat hij begint")
    return first, last


def parse_region(value: object, vocabulary) -> str:
    text = text_of(value)
    if text.upper() in vocabulary.municipalities:
        return vocabulary.municipalities[text.upper()].iri
    iri = vocabulary.scheme("region").match(text)
    if iri is None:
        raise ValueProblem("unknown region", f"{text!r} is not a municipality code (GM0153) or a region "
                           "(twente, stedendriehoek)",
                           f"{text!r} is geen gemeentecode (GM0153) of regio (twente, stedendriehoek)")
    return iri


def read_price_file(path: Path) -> tuple[list[PriceRow], list[PriceProblem], list[str]]:
    """The rows of a price file, the problems (row, column, value, reason) and how it was read."""
    wanted = {normalise(n) for names in COLUMNS.values() for n in names}
    source = open_source(path, FormatSpec(), wanted)
    try:
        columns = {}
        for column in source.columns:
            for key, names in COLUMNS.items():
                if normalise(column) in names:
                    columns.setdefault(key, column)
        missing = [k for k in REQUIRED if k not in columns]
        if missing:
            return [], [PriceProblem(1, ", ".join(missing), "",
                                     f"the file has no column {' or '.join(COLUMNS[m][0] for m in missing)}: "
                                     "name the columns material, price and unit (or materiaal, prijs, eenheid)",
                                     f"het bestand heeft geen kolom {' of '.join(COLUMNS[m][1] for m in missing)}: "
                                     "noem de kolommen materiaal, prijs en eenheid")], source.notes
        vocabulary = load_vocabulary()
        materials = vocabulary.scheme("material")
        rows: list[PriceRow] = []
        problems: list[PriceProblem] = []
        seen: dict[tuple, int] = {}
        for record in source.records():
            if record.empty:
                continue
            if record.problem is not None:
                problems.append(PriceProblem(record.row, record.problem.column, str(record.problem.value),
                                             record.problem.en, record.problem.nl))
                continue
            row = _row(record, columns, materials, vocabulary, source.decimal_hint, problems)
            if row is None:
                continue
            key = (row.material, row.unit, row.region, row.valid_from)
            if key in seen:
                problems.append(PriceProblem(
                    row.row, columns["material"], row.material.rsplit("/", 1)[-1],
                    f"a second price for this material and unit (first on row {seen[key]}); keep one",
                    f"een tweede prijs voor dit materiaal en deze eenheid (de eerste op rij {seen[key]}); houd er één"))
                continue
            seen[key] = row.row
            rows.append(row)
        return rows, problems, source.notes
    finally:
        source.close()


def _row(record, columns, materials, vocabulary, decimal_hint, problems) -> PriceRow | None:
    found: dict[str, object] = {}
    before = len(problems)

    def cell(key: str):
        return record.values.get(columns[key]) if key in columns else None

    def take(key: str, parse) -> None:
        value = cell(key)
        if is_empty(value):
            if key in REQUIRED:
                problems.append(PriceProblem(record.row, columns[key], "", f"{COLUMNS[key][0]} is empty",
                                             f"{COLUMNS[key][1]} is leeg"))
            return
        try:
            found[key] = parse(value)
        except ValueProblem as exc:
            problems.append(PriceProblem(record.row, columns[key], text_of(value), exc.en, exc.nl))

    def material(value):
        iri = materials.match(text_of(value))
        if iri is None:
            raise ValueProblem("unknown material",
                               f"unknown material; use a code or label such as {materials.known(5)}",
                               f"onbekend materiaal; gebruik een code of naam zoals {materials.known(5)}")
        return iri

    def price(value):
        number = Decimal(str(parse_number(value, decimal_hint)))
        if number < 0:
            raise ValueProblem("negative price", "a price is 0 or more", "een prijs is 0 of meer")
        return number

    def unit(value):
        iri = UNITS.get(normalise(text_of(value)).replace(" ", ""))
        if iri is None:
            raise ValueProblem("unknown unit", "the unit is ton (t), kg, m3, m2, m or stuk (piece)",
                               "de eenheid is ton (t), kg, m3, m2, m of stuk")
        return iri

    take("material", material)
    take("price", price)
    take("unit", unit)
    take("date", _day)
    take("source", text_of)
    take("region", lambda v: parse_region(v, vocabulary))
    take("validity", parse_validity)
    if len(problems) > before:
        return None
    valid = found.get("validity", (None, None))
    return PriceRow(found["material"], found["price"], found["unit"], found.get("date"), found.get("source", ""),
                    found.get("region"), valid[0], valid[1], row=record.row)

