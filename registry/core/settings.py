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
    # The base IRI: chosen at `passports init` (or the first start) and stored in the data directory
    # (registry.store.stored_base); empty: the stored one, else DEFAULT_BASE.
    base_iri: str = field(default_factory=lambda: _env("PASSPORTS_BASE", ""))
    # Whether base_iri was given (PASSPORTS_BASE, --base, an argument) rather than defaulted: a
    # given base must match the stored one; a defaulted one gives way to it. None: work it out.
    base_given: bool | None = None
    # Language of the command line's messages, tables and counts (nl or en); --lang overrides it.
    lang: str = field(default_factory=lambda: _env("PASSPORTS_LANG", "") or "en")
    # The name shown for writes made from the command line ("by ..."); empty: the name of the
    # operating-system user is not shown, "command line" is.
    agent_name: str = field(default_factory=lambda: _env("PASSPORTS_AGENT_NAME", ""))
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
    # Pages over many passports (home, lists, municipality, material, search) kept rendered in the
    # server until the next write, at most PASSPORTS_STATS_REFRESH seconds: MiB of pages (0: none).
    page_cache_mib: int = field(default_factory=lambda: int(_env("PASSPORTS_PAGE_CACHE", "64")))
    # RDF documents of passport versions kept serialised in the server, named by their ETag
    # (registry.web.document_cache): MiB of documents (0: none).
    document_cache_mib: int = field(default_factory=lambda: int(_env("PASSPORTS_DOCUMENT_CACHE", "64")))
    # Every current passport's Turtle document (and any document a request serialised) kept on disk,
    # compressed, in DATA/documents.sqlite (registry.web.document_store): 1 on, 0 off.
    document_store: bool = field(default_factory=lambda: _env("PASSPORTS_DOCUMENT_STORE", "1") != "0")
    # Share of one core the background walk that makes those documents may use (0: none; documents
    # are then kept only once a request asked for them).
    document_fill: float = field(default_factory=lambda: float(_env("PASSPORTS_DOCUMENT_FILL", "0.5")))
    # Downloads (/dumps/, /catalog, VoID): after a write a request waits at most this many seconds for
    # the dumps of the store as it is now (made in the background), else gets the last complete ones.
    dumps_wait: float = field(default_factory=lambda: float(_env("PASSPORTS_DUMPS_WAIT", "5")))
    # Largest SPARQL result in bytes as serialised (refused, never cut off), besides PASSPORTS_RESULT_CAP.
    result_max_bytes: int = field(
        default_factory=lambda: int(_env("PASSPORTS_RESULT_MAX_BYTES", str(16 * 2**20))))
    # The fast lane: one more query worker that takes a query when every other one is busy, for at
    # most this many seconds (a longer query is run again on a regular worker); 0: no fast lane.
    query_fast_lane: float = field(default_factory=lambda: float(_env("PASSPORTS_QUERY_FAST_LANE", "1")))
    # Queries of one quad pattern in one graph (work bounded by the result caps, registry.query.inline)
    # run on this many threads of the server process instead of a worker (each with a short queue,
    # inline.QUEUED_PER_THREAD); 0: every query in a worker.
    query_inline: int = field(default_factory=lambda: int(_env("PASSPORTS_QUERY_INLINE", "4")))
    # Memory (data segment, MiB) of one query worker; a query that needs more ends the worker. 0: no limit.
    query_memory_mib: int = field(default_factory=lambda: int(_env("PASSPORTS_QUERY_MEMORY", "1024")))
    # A query or page worker holding more resident memory (MiB) after a task, once its free memory
    # is given back, answers and is replaced by a fresh one. 0: never.
    worker_recycle_mib: int = field(default_factory=lambda: int(_env("PASSPORTS_WORKER_RECYCLE", "768")))
    # The memory allocator of the query workers (registry.core.allocator): auto (jemalloc when
    # installed), system (glibc's), or the path of an allocator's shared library.
    worker_allocator: str = field(default_factory=lambda: _env("PASSPORTS_WORKER_ALLOCATOR", "auto"))
    # A long ``add`` bulk-loads its batches of new passports this many MiB of N-Quads at a time:
    # fewer, larger loads write less (each is merged into the whole store again by RocksDB), but
    # the bulk loader holds about 3.7 bytes per byte loaded (docs/benchmarks.md, "Load").
    add_load_mib: int = field(default_factory=lambda: int(_env("PASSPORTS_ADD_LOAD", "64")))
    # Budget of each client (by address) on the anonymous endpoints that do real work (/sparql,
    # /query/*, /api/v1/validate together), besides PASSPORTS_RATE_LIMIT requests a minute: seconds
    # of work a minute, bytes received and sent a minute, requests in flight at once.
    budget_seconds_per_minute: float = field(
        default_factory=lambda: float(_env("PASSPORTS_BUDGET_SECONDS", "60")))
    budget_bytes_per_minute: int = field(
        default_factory=lambda: int(_env("PASSPORTS_BUDGET_BYTES", str(64 * 2**20))))
    client_concurrency: int = field(default_factory=lambda: int(_env("PASSPORTS_CLIENT_CONCURRENCY", "2")))
    # Dry runs (POST /api/v1/validate) at once in the whole server; more wait (PASSPORTS_QUERY_TIMEOUT).
    validate_concurrency: int = field(
        default_factory=lambda: int(_env("PASSPORTS_VALIDATE_CONCURRENCY", "1")))
    # Proxies whose X-Forwarded-For is believed (space-separated addresses or networks); empty: the
    # client address is the socket's peer, whatever the request's headers say.
    trusted_proxies: tuple[str, ...] = field(
        default_factory=lambda: tuple(_env("PASSPORTS_TRUSTED_PROXIES", "").split()))
    # Longest request path the web app routes, in bytes (percent-encoded); longer ones get 414.
    max_path_bytes: int = field(default_factory=lambda: int(_env("PASSPORTS_MAX_PATH", "2048")))
    # Untrusted RDF (write API bodies, `passports add`/`validate` files), checked by a pre-scan of
    # the bytes before any parser sees them (registry.model.prescan): nesting depth (brackets,
    # blank nodes, lists, XML elements), bytes of one literal/IRI/token, triples per request body.
    rdf_max_depth: int = field(default_factory=lambda: int(_env("PASSPORTS_RDF_MAX_DEPTH", "64")))
    rdf_max_literal_bytes: int = field(
        default_factory=lambda: int(_env("PASSPORTS_RDF_MAX_LITERAL", str(2**20))))
    rdf_max_triples: int = field(default_factory=lambda: int(_env("PASSPORTS_RDF_MAX_TRIPLES", "200000")))
    # Request bodies are parsed in worker processes (a parser crash costs one request), at most
    # this many seconds each; 0 workers: parsed in the server process.
    parse_timeout: float = field(default_factory=lambda: float(_env("PASSPORTS_PARSE_TIMEOUT", "30")))
    parse_workers: int = field(default_factory=lambda: int(_env("PASSPORTS_PARSE_WORKERS", "2")))
    # Memory (data segment, MiB) of one parse worker; a body that needs more is refused. 0: no limit.
    parse_memory_mib: int = field(default_factory=lambda: int(_env("PASSPORTS_PARSE_MEMORY", "1024")))
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
    # Regional queries (docs/federation.md): seconds each peer registry gets to answer, and whether the
    # answer leaves out a peer that is down or slow (and names it) instead of failing (1 or 0).
    federation_timeout: float = field(default_factory=lambda: float(_env("PASSPORTS_FEDERATION_TIMEOUT", "10")))
    federation_partial: bool = field(
        default_factory=lambda: _env("PASSPORTS_FEDERATION_PARTIAL", "1").strip().lower() not in ("0", "false", "no"))

    # Open data (the DCAT catalog at /catalog, registry.views.catalog): the licence of the data
    # ("CC0-1.0" or "CC-BY-4.0"), the publisher (name and IRI; empty IRI: {base}catalog#publisher)
    # and the contact e-mail address (empty: the site's address is the contact point).
    data_licence: str = field(default_factory=lambda: _env("PASSPORTS_DATA_LICENCE", "CC0-1.0"))
    publisher_name: str = field(default_factory=lambda: _env("PASSPORTS_PUBLISHER_NAME",
                                                             "Materialenpaspoortregister"))
    publisher_iri: str = field(default_factory=lambda: _env("PASSPORTS_PUBLISHER_IRI", ""))
    contact_email: str = field(default_factory=lambda: _env("PASSPORTS_CONTACT_EMAIL", ""))
    # The change feed (/feed/passports, docs/feed.md): members a page, and how long the open last
    # page may be cached (seconds); full pages are immutable.
    feed_page_size: int = field(default_factory=lambda: int(_env("PASSPORTS_FEED_PAGE_SIZE", "250")))
    feed_open_max_age: int = field(default_factory=lambda: int(_env("PASSPORTS_FEED_OPEN_MAX_AGE", "60")))
    # `passports harvest`: seconds to wait for a peer's answer, the largest page it takes in (bytes
    # and members).
    harvest_timeout: float = field(default_factory=lambda: float(_env("PASSPORTS_HARVEST_TIMEOUT", "30")))
    harvest_max_page_bytes: int = field(default_factory=lambda: int(_env("PASSPORTS_HARVEST_MAX_PAGE_BYTES",
                                                                         str(64 * 2**20))))
    harvest_max_page_members: int = field(default_factory=lambda: int(_env("PASSPORTS_HARVEST_MAX_PAGE_MEMBERS",
                                                                           "10000")))
    # `passports harvest --from-dump`: the largest dump file it downloads (bytes, as sent: gzip)
    harvest_max_dump_bytes: int = field(default_factory=lambda: int(_env("PASSPORTS_HARVEST_MAX_DUMP_BYTES",
                                                                         str(4 * 2**30))))
    # The store of current versions: "embedded" (pyoxigraph in DATA/main) or "sparql" (an existing
    # SPARQL 1.1 server at these URLs: registry/store/remote.py, docs/deployment.md).
    backend: str = field(default_factory=lambda: _env("PASSPORTS_BACKEND", "embedded"))
    sparql_query_url: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_QUERY_URL", ""))
    sparql_update_url: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_UPDATE_URL", ""))
    # its Graph Store Protocol endpoint (Fuseki: /ds/data): new graphs are sent there as N-Quads,
    # one request, one transaction (not on Virtuoso, whose /sparql-graph-crud takes one graph a request)
    sparql_graph_store_url: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_GRAPH_STORE_URL", ""))
    # the superseded versions on a dataset of their own (another server, or a second Fuseki dataset;
    # never the current versions' one) instead of DATA/history: docs/deployment.md
    sparql_history_query_url: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_HISTORY_QUERY_URL", ""))
    sparql_history_update_url: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_HISTORY_UPDATE_URL", ""))
    sparql_history_graph_store_url: str = field(
        default_factory=lambda: _env("PASSPORTS_SPARQL_HISTORY_GRAPH_STORE_URL", ""))
    sparql_user: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_USER", ""))
    sparql_password: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_PASSWORD", ""))
    sparql_auth: str = field(default_factory=lambda: _env("PASSPORTS_SPARQL_AUTH", "basic"))  # or "digest"

    def __post_init__(self) -> None:
        if self.base_given is None:
            object.__setattr__(self, "base_given", bool(self.base_iri))
        if not self.base_iri:
            object.__setattr__(self, "base_iri", DEFAULT_BASE)
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
    def base_path(self) -> Path:
        """The file that holds the base IRI chosen for this data (registry.store.stored_base)."""
        return self.data_dir / "base-iri"

    @property
    def tokens_path(self) -> Path:
        return self.data_dir / "tokens.json"
