"""Hostile exports made in the test (small on disk): IMBOR CSV rows, workbooks rewritten part by part,
GeoJSON with a mapping, and settings with small import limits."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from conftest import DATA

HEADER = ("Identificatie;Objecttype;Omschrijving;Straatnaam;Materiaal;Aanlegjaar;Lengte;Breedte;Hoogte;Dikte;"
          "Hoeveelheid;Eenheid;Conditiescore;X;Y;Vervangingswaarde;Peildatum")
COLUMNS = HEADER.split(";")
IMBOR = "imbor-openbare-ruimte"
CP1252 = DATA / "import" / "imbor-enschede-cp1252.csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_MAPPING = """\
name: geojson-test
key: {source_id: ID, prefix: gj-}
passport: {phase: {value: design}}
object: {kind: Type, construction_year: Bouwjaar, condition: Conditie, comment: {column: Opmerking, lang: nl}}
location: {feature_geometry: true}
quantity: {material: Materiaal, value: m3, unit: {value: m3}}
"""


def row(key: str, note: str = "Bank", material: str = "hardhout") -> list[str]:
    """A valid IMBOR row of Enschede (GM0153)."""
    return [key, "Zitbank", note, "Markt", material, "2015", "", "", "", "", "0,4", "m3", "2", "257688,07",
            "471277,02", "1000", "2026"]


def csv_text(rows: Iterable[list[str]]) -> str:
    return HEADER + "\n" + "".join(";".join(r) + "\n" for r in rows)


def limited(settings, **limits):
    """``settings`` with some import limits lowered (``cell=1000`` sets ``import_max_cell``)."""
    names = {k: (k if k.startswith("mapping_") else f"import_max_{k}") for k in limits}
    return replace(settings, **{names[k]: v for k, v in limits.items()})


@contextmanager
def registry_with(settings, **limits) -> Iterator:
    """A registry (its own store in ``settings.data_dir``) held to lowered import limits."""
    from registry.store.registry import Registry

    reg = Registry.open(limited(settings, **limits))
    try:
        yield reg
    finally:
        reg.close()


def workbook(path: Path, rows: Iterable[list[object]]) -> Path:
    """An XLSX with the IMBOR header and ``rows``, as openpyxl writes it (shared strings)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Objecten"
    ws.append(COLUMNS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def rewrite(source: Path, target: Path, parts: dict[str, bytes | Callable[[bytes], bytes]],
            big: dict[str, tuple[bytes, bytes, int, bytes]] | None = None) -> Path:
    """A copy of the workbook ``source`` with parts replaced (bytes, or a function of the old bytes).

    ``big`` streams a part as ``prefix + filler * times + suffix``, so that a part of gigabytes takes
    a few megabytes on disk (deflate)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=1) as zout:
        for info in zin.infolist():
            if big and info.filename in big:
                prefix, filler, times, suffix = big[info.filename]
                with zout.open(info.filename, "w", force_zip64=True) as out:
                    out.write(prefix)
                    for _ in range(times):
                        out.write(filler)
                    out.write(suffix)
                continue
            data = zin.read(info.filename)
            new = parts.get(info.filename, data)
            zout.writestr(info.filename, new(data) if callable(new) else new)
        for name, new in parts.items():
            if name not in zin.namelist():
                zout.writestr(name, new if isinstance(new, bytes) else new(b""))
    return target


def sheet_xml(rows: Iterable[str], merges: Iterable[str] = ()) -> bytes:
    """A worksheet part from ``<row>`` elements (inline strings) and merged ranges."""
    merge = list(merges)
    tail = (f'<mergeCells count="{len(merge)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merge)
            + "</mergeCells>") if merge else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + "".join(rows) + "</sheetData>"
            + tail + "</worksheet>").encode()


def inline_row(number: int, values: list[object]) -> str:
    cells = []
    for i, value in enumerate(values):
        ref = f"{chr(65 + i)}{number}" if i < 26 else f"A{chr(65 + i - 26)}{number}"
        if value is None or value == "":
            continue
        if isinstance(value, (int, float)):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{number}">' + "".join(cells) + "</row>"


def shared_strings_book(path: Path, rows: list[list[str]]) -> Path:
    """A workbook whose cells are all shared strings (as Excel writes them; openpyxl writes inline
    text of at most 32,767 characters)."""
    strings: dict[str, int] = {}
    xml_rows = []
    for number, values in enumerate([COLUMNS, *rows], start=1):
        cells = []
        for i, value in enumerate(values):
            if value != "":
                index = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{chr(65 + i)}{number}" t="s"><v>{index}</v></c>')
        xml_rows.append(f'<row r="{number}">' + "".join(cells) + "</row>")
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           f'2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{text}</t></si>" for text in strings) + "</sst>").encode()
    types = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return rewrite(workbook(path.with_suffix(".plain.xlsx"), []), path, {
        "xl/worksheets/sheet1.xml": sheet_xml(xml_rows), "xl/sharedStrings.xml": sst,
        "[Content_Types].xml": lambda data: data.replace(b"</Types>", types)})


def billion_laughs(root: str) -> bytes:
    """An XML part whose entities expand ten to the ninth times."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{entities}]>\n<{root} xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si>'
            f"</{root}>").encode()


def feature(key: str, geometry: dict | None = None, **properties) -> dict:
    props = {"ID": key, "Type": "Bank", "Materiaal": "hardhout", "m3": "0,4", "Bouwjaar": 2015, "Conditie": 2}
    props.update(properties)
    return {"type": "Feature", "properties": props,
            "geometry": geometry or {"type": "Point", "coordinates": [257688.07, 471277.02]}}


def geojson(path: Path, features: list[dict]) -> Path:
    """A FeatureCollection in RD New (EPSG:28992), written without building one big string."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
                 '"urn:ogc:def:crs:EPSG::28992"}}, "features": [')
        for i, f in enumerate(features):
            if i:
                fh.write(",")
            json.dump(f, fh)
        fh.write("]}")
    return path
