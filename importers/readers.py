"""Opening an export: which reader reads a file (CSV, XLSX or GeoJSON), by its extension or its
first bytes unless the mapping's ``format.type`` says. Each reader checks the file against the
import limits (``importers.limits``) before handing out a record.
"""

from __future__ import annotations

from pathlib import Path

from importers.limits import ImportLimits
from importers.mapping import FormatSpec
from importers.source import Source, SourceError
from importers.tabular import open_csv
from importers.xlsx import open_xlsx


def detect_format(path: Path, spec: FormatSpec) -> str:
    if spec.type != "auto":
        return spec.type
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix == ".xls":
        raise SourceError("old Excel files (.xls) cannot be read; save the sheet as .xlsx or CSV",
                          source=str(path), message_nl="oude Excel-bestanden (.xls) kunnen niet worden gelezen; "
                                                       "sla het werkblad op als .xlsx of CSV")
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}", source=str(path),
                          message_nl=f"kan het bestand niet lezen: {exc.strerror}") from exc
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "geojson"
    return "csv"


def open_source(path: str | Path, spec: FormatSpec, wanted: set[str],
                limits: ImportLimits | None = None) -> Source:
    """Open an export for reading; ``wanted`` are the (normalised) columns the mapping uses;
    ``limits`` default to the environment's settings."""
    path = Path(path)
    limits = limits or ImportLimits.of()
    if not path.is_file():
        raise SourceError("no such file", source=str(path), message_nl="dat bestand bestaat niet")
    kind = detect_format(path, spec)
    if kind == "csv":
        return open_csv(path, spec, wanted, limits)
    if kind == "xlsx":
        return open_xlsx(path, spec, wanted, limits)
    from importers.geojson import open_geojson  # ijson is loaded only for GeoJSON files

    return open_geojson(path, spec, wanted, limits)
