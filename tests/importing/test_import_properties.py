"""Property-based tests (Hypothesis) of the importers' readers and value parsers: arbitrary cells
give a value or a ValueProblem, arbitrary files give records or a SourceError (or a refusal naming a
limit), arbitrary mapping text gives a Mapping or a MappingError, and every report cell is safe to
open in a spreadsheet. Nothing else may escape: an escaping exception is a traceback in the CLI and
a 500 in the API."""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
import zipfile
from pathlib import Path

from hostile import COLUMNS, HEADER, row
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from importers.limits import ImportLimits, LimitExceeded
from importers.mapping import MappingError, load_mapping, parse_mapping
from importers.readers import open_source
from importers.report import FIELDS, RowIssue, RowReport, neutralise
from importers.source import SourceError
from importers.values import (
    ValueProblem,
    parse_date,
    parse_fraction,
    parse_number,
    parse_year,
    text_of,
)
from importers.vocabulary import normalise

QUICK = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CELLS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.datetimes(), st.dates(),
                  st.from_regex(r"[-+]?[0-9., ']{0,12}(e[-+]?[0-9]{1,4})?%?", fullmatch=True),
                  st.from_regex(r"[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}|[0-9]{4}(-[0-9]{1,2}){0,2}", fullmatch=True))
LIMITS = ImportLimits(cell=200, rows=500, cells=20_000, xlsx_part=2**20, xlsx_total=4 * 2**20, depth=16)


@QUICK
@given(CELLS, st.sampled_from(["auto", "comma", "point"]), st.booleans())
@example(10**400, "auto", False)
@example("1e999", "point", True)
def test_a_cell_gives_a_value_or_a_value_problem(cell, decimal, percent):
    assert isinstance(text_of(cell), str)
    for parse in (lambda v: parse_number(v, decimal), parse_year, parse_date,
                  lambda v: parse_fraction(v, decimal, percent)):
        try:
            value = parse(cell)
        except ValueProblem as problem:
            assert problem.en and problem.nl
            continue
        if isinstance(value, float):
            assert math.isfinite(value)


IMBOR = load_mapping("imbor-openbare-ruimte")
WANTED = {normalise(c) for _, spec in IMBOR.fields() for c in spec.columns()}


def read_all(data: bytes, suffix: str, mapping=IMBOR, wanted=WANTED) -> None:
    """Open ``data`` as a file and read every record: records, or a SourceError / LimitExceeded."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"export{suffix}"
        path.write_bytes(data)
        try:
            source = open_source(path, mapping.format, wanted, LIMITS)
            for record in source.records():
                assert record.row >= 1 and isinstance(record.values, dict)
        except (SourceError, LimitExceeded) as refused:
            assert str(refused)


@QUICK
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_as_csv(data):
    read_all(data, ".csv")


CSV_TEXT = st.lists(st.sampled_from(list(';,"\n\r\t| ab1é\x00€') + ["0,4", "hardhout", "A-1", ";".join(row("A-1"))]),
                    max_size=200).map("".join)


@QUICK
@given(CSV_TEXT, st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_csv_under_a_real_header(body, encoding):
    read_all((HEADER + "\n" + body).encode(encoding, errors="replace"), ".csv")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=30)
GEO = load_mapping("leeuwarden-bomen-geojson")
GEO_WANTED = {normalise(c) for _, spec in GEO.fields() for c in spec.columns()}


@QUICK
@given(st.lists(JSON, max_size=5), st.one_of(st.none(), JSON))
def test_arbitrary_json_as_geojson(features, crs):
    document = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = crs
    read_all(json.dumps(document).encode(), ".geojson", GEO, GEO_WANTED)


@QUICK
@given(st.binary(max_size=500))
def test_arbitrary_bytes_as_geojson(data):
    read_all(b'{"type": "FeatureCollection", "features": [' + data, ".geojson", GEO, GEO_WANTED)


def _workbook_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(COLUMNS)
    wb.active.append(row("A-1"))
    wb.active.merge_cells("B2:C2")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


WORKBOOK = _workbook_bytes()


@QUICK
@given(st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), max_size=8),
       st.integers(100, len(WORKBOOK)))
def test_damaged_workbooks(flips, length):
    data = bytearray(WORKBOOK[:length])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    read_all(bytes(data), ".xlsx")


PART_TEXT = st.lists(st.sampled_from(list("<>/=\"' a") + ["<row>", "<c r=\"A1\">", "<v>1</v>", "</c>", "</row>",
                                                           "<!DOCTYPE x>", "&amp;", "<si><t>x</t></si>", "<t>", "</t>",
                                                           '<mergeCell ref="A1:B2"/>', '<row r="3">', "<sheetData>",
                                                           "</sheetData>", '<c r="XFD2" t="s"><v>0</v></c>']),
                     max_size=150).map("".join)


@QUICK
@given(st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"]), PART_TEXT)
def test_workbooks_with_a_part_replaced(name, text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(WORKBOOK)) as zin, zipfile.ZipFile(buffer, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, text.encode() if info.filename == name else zin.read(info.filename))
    read_all(buffer.getvalue(), ".xlsx")


@QUICK
@given(st.text(max_size=400))
@example("a: 2001-02-30\n")
@example("name: x\nkey: {source_id: !!binary 'AAAA'}\n")
@example("a: &a [*a]\n")
def test_arbitrary_mapping_text(text):
    try:
        parse_mapping(text, "fuzz.yaml", LIMITS)
    except MappingError as refused:
        assert str(refused)


@QUICK
@given(st.lists(st.text(max_size=40), min_size=len(FIELDS), max_size=len(FIELDS)))
@example(["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "-3.5", "＝1", "a\nb", '"', "", ""][:len(FIELDS)])
def test_report_cells_are_safe_and_read_back(cells):
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "report.csv"
        report = RowReport(path)
        report.add(RowIssue(*cells[:len(FIELDS)]))
        report.close()
        with open(path, encoding="utf-8", newline="") as fh:
            [line] = list(csv.DictReader(fh))
    for name, original in zip(FIELDS, cells):
        assert line[name] == neutralise(original)
        if line[name][:1] in ("=", "+", "-", "@", "\t", "\r"):
            assert neutralise(line[name]) == line[name]  # a plain number
