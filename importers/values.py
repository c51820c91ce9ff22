"""Reading cell values the way Dutch exports write them: numbers with a decimal comma, years,
dates in several orders, percentages. Each reader returns a clean value or raises ``ValueProblem``
with what is wrong in Dutch and English.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from registry.core.errors import RegistryError


class ValueProblem(RegistryError, ValueError):
    """One value that cannot be used; the row it is in is not imported."""

    def __init__(self, problem: str, en: str, nl: str, *, column: str = "", value: object = ""):
        super().__init__(en, message_nl=nl)
        self.problem, self.en, self.nl = problem, en, nl
        self.column, self.value = column, value

    def at(self, column: str, value: object) -> ValueProblem:
        if not self.column:
            self.column = column
        if self.value in ("", None):
            self.value = value
        return self


def text_of(value: object) -> str:
    """A cell value as text: '' for empty, whole floats without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_PLAIN = re.compile(r"^[-+]?(\d+([.]\d*)?|[.]\d+)([eE][-+]?\d+)?$")
_GROUPED_COMMA_DECIMAL = re.compile(r"^[-+]?\d{1,3}([.]\d{3})+(,\d+)?$")   # 1.234.567,89
_GROUPED_POINT_DECIMAL = re.compile(r"^[-+]?\d{1,3}(,\d{3})+([.]\d+)?$")   # 1,234,567.89
_COMMA_DECIMAL = re.compile(r"^[-+]?\d*,\d+$")                           # 12,5


def parse_number(value: object, decimal: str = "auto") -> float:
    """A number from a cell: ``12,5`` and ``1.234,5`` (Dutch) as well as ``12.5``.

    ``decimal``: ``auto`` reads a lone comma as the decimal sign and a lone point as the decimal
    point; ``comma`` reads points as thousands separators (``1.234`` is 1234, but ``12.5`` is
    12.5); ``point`` reads commas as thousands separators (``1,234`` is 1234, but ``12,5`` is 12.5).
    """
    if isinstance(value, bool):
        raise ValueProblem("not a number", f"{value!r} is not a number", f"{value!r} is geen getal")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond the range of a float
            number = math.inf
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
        number = None
        if decimal == "comma":
            if re.fullmatch(r"[-+]?\d+(\.\d{3})*(,\d+)?", text):
                number = float(text.replace(".", "").replace(",", "."))
            elif re.fullmatch(r"[-+]?\d*\.(\d{1,2}|\d{4,})", text):  # 12.5 cannot be thousands
                number = float(text)
        elif decimal == "point":
            if re.fullmatch(r"[-+]?\d+(,\d{3})*(\.\d+)?([eE][-+]?\d+)?", text):
                number = float(text.replace(",", ""))
            elif re.fullmatch(r"[-+]?\d*,(\d{1,2}|\d{4,})", text):  # 12,5 cannot be thousands
                number = float(text.replace(",", "."))
        else:
            if _PLAIN.match(text):
                number = float(text)
            elif _COMMA_DECIMAL.match(text):
                number = float(text.replace(",", "."))
            elif _GROUPED_COMMA_DECIMAL.match(text):
                number = float(text.replace(".", "").replace(",", "."))
            elif _GROUPED_POINT_DECIMAL.match(text) and "." in text:
                number = float(text.replace(",", ""))
        if number is None:
            raise ValueProblem(
                "not a number",
                f"{str(value)!r} is not a number; write digits with a decimal comma or point, "
                "like 12,5 or 12.5",
                f"{str(value)!r} is geen getal; schrijf cijfers met een decimale komma of punt, "
                "zoals 12,5 of 12.5")
    if not math.isfinite(number):
        raise ValueProblem("not a number", f"{value!r} is not a finite number",
                           f"{value!r} is geen eindig getal")
    return number


def decimal_literal(number: float, digits: int = 6) -> str:
    """An xsd:decimal lexical form: no exponent, no trailing zeros."""
    text = f"{number:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_year(value: object) -> str:
    if isinstance(value, (datetime, date)):
        return f"{value.year:04d}"
    text = text_of(value)
    m = re.fullmatch(r"(\d{4})(?:[.,]0+)?", text) or re.fullmatch(r"(\d{4})-\d{1,2}(?:-\d{1,2})?", text) \
        or re.fullmatch(r"\d{1,2}-\d{1,2}-(\d{4})", text)
    if not m or not 1000 <= int(m.group(1)) <= 2300:
        raise ValueProblem("not a year", f"{text!r} is not a year; write four digits like 1978",
                           f"{text!r} is geen jaartal; schrijf vier cijfers zoals 1978")
    return m.group(1)


def parse_construction_year(value: object) -> str:
    """A construction year (:func:`parse_year`) that is not in the future: an asset register's
    ``2190`` is a typing error for ``2019`` or ``1990``, and nothing has been built in it yet."""
    year = parse_year(value)
    this_year = date.today().year
    if int(year) > this_year:
        raise ValueProblem(
            "year in the future",
            f"construction year {year} is in the future (it is now {this_year}); write the year the object "
            "was built, for example 1978",
            f"bouwjaar {year} ligt in de toekomst (het is nu {this_year}); vul het jaar in waarin het object "
            "gebouwd is, bijvoorbeeld 1978")
    return year


def parse_date(value: object) -> tuple[str, str]:
    """An ISO date and its XSD type: ``(2045-06-01, date)``, or ``(2045, gYear)`` for a bare year.

    Accepts ``2045-06-01``, ``2045-06`` (first of the month), ``1-6-2045`` / ``01-06-2045`` /
    ``1/6/2045`` (day first, as in Dutch), ``2045``, and spreadsheet dates.
    """
    if isinstance(value, datetime):
        return value.date().isoformat(), "date"
    if isinstance(value, date):
        return value.isoformat(), "date"
    text = text_of(value)
    try:
        if re.fullmatch(r"\d{4}", text):
            parse_year(text)
            return text, "gYear"
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            return date(int(m[1]), int(m[2]), 1).isoformat(), "date"
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", text):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat(), "date"
        if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text):
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat(), "date"
    except ValueError:
        pass
    raise ValueProblem("not a date", f"{text!r} is not a date; write 2045-06-01, 1-6-2045 or 2045",
                       f"{text!r} is geen datum; schrijf 2045-06-01, 1-6-2045 of 2045")


def parse_fraction(value: object, decimal: str = "auto", percent: bool = False) -> float:
    """A share between 0 and 1; ``35%`` or, with ``percent``, ``35`` mean 0.35."""
    text = text_of(value)
    is_percent = percent or text.endswith("%")
    number = parse_number(text.rstrip("%").strip() if isinstance(value, str) else value, decimal)
    if is_percent:
        number /= 100
    if not 0 <= number <= 1:
        raise ValueProblem("out of range", f"{text!r} is not a share between 0 and 1 (or 0% and 100%)",
                           f"{text!r} is geen aandeel tussen 0 en 1 (of 0% en 100%)")
    return number
