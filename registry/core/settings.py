"""An instance's settings: every value can come from the environment (``PASSPORTS_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE = "http://localhost:8000/"
DEFAULT_DATA = "./data"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _default_page_workers() -> int:
    """One page worker per core, at most 8; none on one core (a worker there only adds a hand-over)."""
    cores = os.cpu_count() or 1
    return min(cores, 8) if cores > 1 else 0


@dataclass(frozen=True)
class Settings:
    """An instance's settings; every value can come from the environment (PASSPORTS_*)."""

    data_dir: Path = field(default_factory=lambda: Path(_env("PASSPORTS_DATA", DEFAULT_DATA)))
    base_iri: str = field(default_factory=lambda: _env("PASSPORTS_BASE", DEFAULT_BASE))
    # Public SPARQL endpoint bounds.
    query_timeout: float = field(default_factory=lambda: float(_env("PASSPORTS_QUERY_TIMEOUT", "30")))
    result_cap: int = field(default_factory=lambda: int(_env("PASSPORTS_RESULT_CAP", "10000")))
    query_workers: int = field(default_factory=lambda: int(_env("PASSPORTS_QUERY_WORKERS", "2")))
    # Processes rendering HTML pages (0: the server process renders them itself).
    page_workers: int = field(default_factory=lambda: int(_env("PASSPORTS_PAGE_WORKERS",
                                                               str(_default_page_workers()))))
    rate_limit_per_minute: int = field(default_factory=lambda: int(_env("PASSPORTS_RATE_LIMIT", "120")))
    # SERVICE endpoints a query may call (peer registries); space-separated IRIs prefixes.
    service_allowlist: tuple[str, ...] = field(
        default_factory=lambda: tuple(_env("PASSPORTS_SERVICE_ALLOWLIST", "").split()))
    # Largest accepted request body for writes, in bytes.
    max_body_bytes: int = field(default_factory=lambda: int(_env("PASSPORTS_MAX_BODY", str(10 * 2**20))))
    # Largest accepted upload of an asset-register export (POST /api/v1/imports), in bytes.
    max_import_bytes: int = field(default_factory=lambda: int(_env("PASSPORTS_MAX_IMPORT", str(256 * 2**20))))
    # Background map tiles of the pages (a URL template with {z}/{x}/{y}); empty: no tiles, no network.
    tile_url: str = field(default_factory=lambda: _env("PASSPORTS_TILE_URL", ""))
    # Pages: recompute a whole-store count (home, municipality, material pages) at most this often,
    # in seconds, after a write (``registry.views.pages.cache``).
    stats_refresh: float = field(default_factory=lambda: float(_env("PASSPORTS_STATS_REFRESH", "60")))
    # Imports of asset-register exports (``importers.limits``): checked before the expensive work.
    # Characters of text in one cell or property; a longer one is reported on its row.
    import_max_cell: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_CELL", "100000")))
    # Vertices (positions) of one GeoJSON geometry; a larger one is reported on its feature.
    import_max_vertices: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_VERTICES",
                                                                      "100000")))
    # Rows (CSV, XLSX) or features (GeoJSON) of one file.
    import_max_rows: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_ROWS", "2000000")))
    # XLSX cells the reader would produce (cells, row width x rows, merged ranges' area).
    import_max_cells: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_CELLS",
                                                                   "50000000")))
    # XLSX: decompressed bytes of one part (sheet, shared strings, ...), of all parts, parts, strings.
    import_max_xlsx_part: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_XLSX_PART",
                                                                       str(512 * 2**20))))
    import_max_xlsx_total: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_XLSX_TOTAL",
                                                                        str(2**30))))
    import_max_xlsx_parts: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_XLSX_PARTS",
                                                                        "10000")))
    import_max_shared_strings: int = field(default_factory=lambda: int(_env(
        "PASSPORTS_IMPORT_MAX_SHARED_STRINGS", "1000000")))
    # Nesting depth of a GeoJSON file (arrays and objects).
    import_max_depth: int = field(default_factory=lambda: int(_env("PASSPORTS_IMPORT_MAX_DEPTH", "64")))
    # Mapping files (YAML): bytes, nesting depth, nodes once aliases are expanded.
    mapping_max_bytes: int = field(default_factory=lambda: int(_env("PASSPORTS_MAPPING_MAX_BYTES",
                                                                    str(256 * 2**10))))
    mapping_max_depth: int = field(default_factory=lambda: int(_env("PASSPORTS_MAPPING_MAX_DEPTH", "32")))
    mapping_max_nodes: int = field(default_factory=lambda: int(_env("PASSPORTS_MAPPING_MAX_NODES", "20000")))

    def __post_init__(self) -> None:
        if not self.base_iri.endswith("/"):
            object.__setattr__(self, "base_iri", self.base_iri + "/")
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @property
    def main_store_path(self) -> Path:
        return self.data_dir / "main"

    @property
    def history_store_path(self) -> Path:
        return self.data_dir / "history"

    @property
    def tokens_path(self) -> Path:
        return self.data_dir / "tokens.json"
