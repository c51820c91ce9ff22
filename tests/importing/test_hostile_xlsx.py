"""XLSX bombs (issue 11, item 11): each refused before openpyxl parses it, naming the limit, with
nothing written; made in the test (a few MB on disk at most)."""

from __future__ import annotations

import struct
import time
import zipfile

import pytest
from conftest import dump, run_cli
from hostile import (
    IMBOR,
    billion_laughs,
    inline_row,
    registry_with,
    rewrite,
    row,
    sheet_xml,
    workbook,
)

from importers.pipeline import ImportFailed, import_file

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


@pytest.fixture
def book(tmp_path):
    return workbook(tmp_path / "objecten.xlsx", [row("A-1"), row("B-1", "Bank B")])


def refused(registry, path, *, status: int, limit: str, within: float = 5.0, **kw) -> ImportFailed:
    """Import ``path``: refused with ``status`` naming ``limit``, quickly, and the store unchanged."""
    before = dump(registry)
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as caught:
        import_file(registry, path, "GM0153", IMBOR, **kw)
    assert time.perf_counter() - started < within
    assert caught.value.status == status, caught.value
    assert limit in str(caught.value) and limit in caught.value.message("nl")
    assert dump(registry) == before
    return caught.value


def test_the_plain_workbook_imports(registry, book):
    assert import_file(registry, book, "GM0153", IMBOR).created == 2


@pytest.mark.parametrize("megabytes", [600, pytest.param(4096, marks=pytest.mark.slow)])
def test_gigabytes_of_whitespace_in_a_small_sheet(registry, book, tmp_path, megabytes):
    """4 GB (or 600 MB) of whitespace between two tags, 19 MB (3 MB) on disk: refused from the ZIP
    directory before a byte is inflated (it took 4.4 GB of memory before)."""
    xml = zipfile.ZipFile(book).read(SHEET)
    head, tail = xml.split(b"<sheetData>")
    bomb = rewrite(book, tmp_path / "ws.xlsx", {}, big={SHEET: (head + b"<sheetData>", b" " * 2**20,
                                                                 megabytes, tail)})
    assert bomb.stat().st_size < 20 * 2**20
    error = refused(registry, bomb, status=413, limit="PASSPORTS_IMPORT_MAX_XLSX_PART", within=2)
    assert error.extra == {"limit": "PASSPORTS_IMPORT_MAX_XLSX_PART", "limit_value": 512 * 2**20}


def test_whitespace_under_the_part_limit_is_refused_as_markup(registry, book, tmp_path):
    """20 MB of whitespace between tags is no cell: refused while the sheet is scanned (64 KiB)."""
    xml = zipfile.ZipFile(book).read(SHEET)
    bomb = rewrite(book, tmp_path / "ws.xlsx", {SHEET: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 20 * 2**20)})
    error = refused(registry, bomb, status=413, limit="")
    assert "65536 bytes" in str(error)


def test_total_decompressed_size(settings, book):
    with registry_with(settings, xlsx_total=5_000) as reg:
        refused(reg, book, status=413, limit="PASSPORTS_IMPORT_MAX_XLSX_TOTAL")


def test_billion_laughs_in_shared_strings_sheet_and_workbook(registry, book, tmp_path):
    for name, root in ((STRINGS, "sst"), (SHEET, "worksheet"), ("xl/workbook.xml", "workbook")):
        bomb = rewrite(book, tmp_path / "lol.xlsx", {name: billion_laughs(root)})
        error = refused(registry, bomb, status=422, limit="", within=3)
        assert "<!DOCTYPE" in str(error) and name in str(error)


def test_a_dtd_in_utf16_is_refused_too(registry, book, tmp_path):
    bomb = rewrite(book, tmp_path / "u16.xlsx", {STRINGS: billion_laughs("sst").decode().replace(
        'version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")})
    assert "UTF-8" in str(refused(registry, bomb, status=422, limit=""))


def test_two_million_shared_strings(registry, book, tmp_path):
    """2 million tiny strings (a few hundred kB on disk): counted, refused, never loaded."""
    strings = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + b"<si><t>x</t></si>" * 2_000_000 + b"</sst>")
    bomb = rewrite(book, tmp_path / "sst.xlsx", {STRINGS: strings})
    assert bomb.stat().st_size < 2**20
    refused(registry, bomb, status=413, limit="PASSPORTS_IMPORT_MAX_SHARED_STRINGS", within=3)


def test_many_parts(registry, book, tmp_path):
    bomb = rewrite(book, tmp_path / "parts.xlsx", {f"xl/media/x{i}.bin": b"" for i in range(10_050)})
    refused(registry, bomb, status=413, limit="PASSPORTS_IMPORT_MAX_XLSX_PARTS")


def test_a_part_larger_than_its_directory_says(registry, tmp_path):
    """zipfile stops at the declared size: the part fails its checksum instead of inflating."""
    sheet = sheet_xml([inline_row(1, ["Identificatie", "Objecttype", "Materiaal"])]
                      + [inline_row(i, [f"A-{i}", "Zitbank", "hardhout"]) for i in range(2, 2000)])
    book = workbook(tmp_path / "b.xlsx", [])
    lying = rewrite(book, tmp_path / "lying.xlsx", {SHEET: sheet})
    data = bytearray(lying.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:  # every central directory entry of the sheet: declare 1000 bytes
        name_length = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + name_length] == SHEET.encode():
            data[at + 24:at + 28] = struct.pack("<I", 1000)
        at = data.find(b"PK\x01\x02", at + 4)
    lying.write_bytes(bytes(data))
    error = refused(registry, lying, status=400, limit="")
    assert "damaged" in str(error)


def test_row_number_far_below_the_table(registry, book, tmp_path):
    """``<row r="99999999">``: openpyxl would yield a hundred million empty rows."""
    xml = zipfile.ZipFile(book).read(SHEET)
    far = xml.replace(b"</sheetData>", b'<row r="99999999"><c r="A99999999"><v>1</v></c></row></sheetData>')
    refused(registry, rewrite(book, tmp_path / "far.xlsx", {SHEET: far}), status=413,
            limit="PASSPORTS_IMPORT_MAX_ROWS")


def test_a_value_in_column_xfd_makes_every_row_that_wide(settings, tmp_path):
    rows = [inline_row(1, ["Identificatie", "Objecttype", "Materiaal"])] + \
        [f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>A-{i}</t></is></c><c r="XFD{i}"><v>1</v></c></row>'
         for i in range(2, 4000)]
    book = rewrite(workbook(tmp_path / "b.xlsx", []), tmp_path / "wide.xlsx", {SHEET: sheet_xml(rows)})
    with registry_with(settings, cells=10_000_000) as reg:
        refused(reg, book, status=413, limit="PASSPORTS_IMPORT_MAX_CELLS")


def _merged_book(tmp_path, rows: int, merges: list[str]):
    header = inline_row(1, ["Identificatie", "Objecttype", "Omschrijving", "Straatnaam", "Materiaal",
                            "Aanlegjaar", "Lengte", "Breedte", "Hoogte", "Dikte", "Hoeveelheid", "Eenheid",
                            "Conditiescore", "X", "Y", "Vervangingswaarde", "Peildatum"])
    body = [inline_row(i, [f"M-{i // 10:05d}", "Zitbank", "Bank", "Markt", "hardhout", 2015, None, None, None,
                           None, 0.4, "m3", 2, 257688.07, 471277.02, 1000, 2026]) for i in range(2, rows + 2)]
    return rewrite(workbook(tmp_path / "b.xlsx", []), tmp_path / "merged.xlsx", {SHEET: sheet_xml([header] + body,
                                                                                                 merges)})


def _col(n: int) -> str:
    text = ""
    while n:
        n, r = divmod(n - 1, 26)
        text = chr(65 + r) + text
    return text


def _read_all(path, limits):
    from hostile import COLUMNS

    from importers.limits import ImportLimits
    from importers.mapping import load_mapping
    from importers.readers import open_source
    from importers.vocabulary import normalise

    mapping = load_mapping(IMBOR)
    source = open_source(path, mapping.format, {normalise(c) for c in COLUMNS}, ImportLimits(**limits))
    return list(source.records())


def test_four_thousand_merged_ranges_over_forty_thousand_rows(registry, tmp_path):
    """4,000 ranges of one column over all 40,000 rows (the shape that took 46 s, one loop over
    every range on every row): 160 million merged cells, refused at once by the cell limit."""
    book = _merged_book(tmp_path, 40_000, [f"{_col(c)}2:{_col(c)}40001" for c in range(20, 4020)])
    refused(registry, book, status=413, limit="PASSPORTS_IMPORT_MAX_CELLS", within=10)


@pytest.mark.slow
@pytest.mark.parametrize("ranges, span", [(4000, 10), (100, 40_000)])
def test_merged_ranges_are_filled_in_linear_time(tmp_path, ranges, span):
    """Within the limit, filling costs the cells filled: 4,000 ranges of ten rows, or 100 columns
    merged over every row (4 million cells): about 5 s, as the sheet without merged ranges (the
    4,000 columns over every row ran over 600 s before; now refused, see above)."""
    if span == 10:
        merges = [f"B{2 + 10 * i}:B{11 + 10 * i}" for i in range(ranges)]
    else:
        merges = [f"{_col(c)}2:{_col(c)}{span + 1}" for c in range(20, 20 + ranges)]
    book = _merged_book(tmp_path, 40_000, merges)
    started = time.perf_counter()
    records = _read_all(book, {})
    assert len(records) == 40_000 and all(r.values["Objecttype"] == "Zitbank" for r in records)
    assert time.perf_counter() - started < 30


def test_overlapping_merged_ranges_are_refused(registry, tmp_path):
    book = _merged_book(tmp_path, 30, ["B2:C9", "C5:D12"])
    assert "overlap" in str(refused(registry, book, status=400, limit=""))


def test_inline_text_far_over_the_cell_limit_refuses_the_sheet(settings, tmp_path):
    """Inline text in the sheet up to four times the cell limit (at least 1 MiB) is read and reported
    on its row; more refuses the file while the sheet is scanned."""
    from hostile import COLUMNS

    rows = [inline_row(1, COLUMNS), inline_row(2, row("A-1", note="x" * 2 * 2**20))]
    book = rewrite(workbook(tmp_path / "b.xlsx", []), tmp_path / "inline.xlsx", {SHEET: sheet_xml(rows)})
    with registry_with(settings, cell=1000) as reg:
        refused(reg, book, status=413, limit="PASSPORTS_IMPORT_MAX_CELL")


def test_cli_exits_2_naming_the_limit(tmp_path, book):
    bomb = rewrite(book, tmp_path / "lol.xlsx", {STRINGS: billion_laughs("sst")})
    done = run_cli("import", str(bomb), "-m", "GM0153", "--mapping", IMBOR, "--data", str(tmp_path / "d"))
    assert done.returncode == 2, done.stderr
    assert "DOCTYPE" in done.stderr and "Traceback" not in done.stderr
    sst = rewrite(book, tmp_path / "sst.xlsx", {STRINGS: b'<sst xmlns="x">' + b"<si><t>x</t></si>" * 20 + b"</sst>"})
    done = run_cli("import", str(sst), "-m", "GM0153", "--mapping", IMBOR, "--data", str(tmp_path / "d"),
                   env={"PASSPORTS_IMPORT_MAX_SHARED_STRINGS": "10"})
    assert done.returncode == 2 and "PASSPORTS_IMPORT_MAX_SHARED_STRINGS" in done.stderr, done.stderr
