"""``passports site build OUT/``: the whole site as static files, from the same templates.

What is written (links are relative, so the site works from disk or from any folder of any web
server; Dutch at the root, other languages under ``en/``):

- HTML for every page: home, municipalities, materials, concepts, R-ladder and the other
  schemes, ontology, every municipality (all its passports, paged), material, object kind and
  concept (the first ``--list-pages`` pages of passports), every passport, every version
  (``doc/passport/GM0153/brug-0042/v/3.html``) and a 410 page for each retired passport;
- RDF per resource next to its page: ``.ttl``, ``.jsonld`` (compacted, ``context.jsonld``) and
  ``.nt`` for passports, versions and vocabulary;
- ``dumps/registry.nq.gz`` (current passports and provenance) and ``dumps/history.nq.gz``;
- ``sitemap.xml`` (a sitemap index over ``sitemaps/*.xml`` of at most 50,000 URLs each).

Incremental: ``OUT/.build/manifest.sqlite`` keeps each passport's fingerprint (status, version,
``mp:contentHash``, modified) and a hash of every other file. A second run re-renders only the
passports whose fingerprint changed (and the predecessors they name), re-renders the aggregate
pages but writes only those whose bytes changed, and re-dumps only when the store generation
moved. A change of templates, UI strings, static files, ontology, page code or options
rebuilds everything.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import page_contexts as pages
from . import page_data as data
from .config import Settings
from .negotiation import JSON_LD, N_TRIPLES, TURTLE
from .page_contexts import Page
from .page_links import Links, static_file
from .page_render import STATIC_DIR, render, templates_fingerprint
from .serialization import CONTEXT_PATH, context_bytes, serialize
from .store import Registry, StoreError, iter_passport_iris
from .terms import Terms, get_terms
from .uris import PassportRef, owning_passport
from .vocab import (
    CONTENT_HASH,
    MODIFIED,
    MP,
    MPV,
    RDF_TYPE,
    RETIRED_AT,
    RETIRED_PASSPORT,
    VERSION_NUMBER,
)

RDF_FORMATS = (TURTLE, JSON_LD, N_TRIPLES)
STATIC_LIST_PAGES = 20  # pages of passports on material, object kind and concept pages
SITEMAP_CHUNK = 50_000
PREDECESSOR = ox.NamedNode(MP + "predecessor")
_CODE_FILES = ("page_contexts.py", "page_data.py", "page_links.py", "page_render.py", "site_build.py",
               "i18n.py", "terms.py", "serialization.py")

cli = typer.Typer(help="Static copy of the site / Statische kopie van de website", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True, highlight=False)


@dataclass
class BuildReport:
    pages_written: int = 0
    pages_unchanged: int = 0
    rdf_files: int = 0
    passports_built: int = 0
    passports_unchanged: int = 0
    versions_built: int = 0
    dumps_written: bool = False
    seconds: float = 0.0
    passport_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.pages_written / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"pages_written": self.pages_written, "pages_unchanged": self.pages_unchanged,
                "rdf_files": self.rdf_files, "passports_built": self.passports_built,
                "passports_unchanged": self.passports_unchanged, "versions_built": self.versions_built,
                "dumps_written": self.dumps_written, "seconds": round(self.seconds, 3),
                "pages_per_second": round(self.pages_per_second, 1)}


# ---------------------------------------------------------------------------------------------
class Manifest:
    """What the last build wrote: passport fingerprints, file hashes, build options."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # The pool's feeder thread reads while the main thread writes: one connection, one lock.
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.lock = threading.RLock()
        self.db.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE IF NOT EXISTS passports(iri TEXT PRIMARY KEY, fingerprint TEXT, page TEXT);"
            "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, hash TEXT, html INTEGER);")

    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
            return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def fingerprint(self, iri: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT fingerprint FROM passports WHERE iri=?", (iri,)).fetchone()
            return row[0] if row else None

    def set_passports(self, rows: list[tuple[str, str, str]]) -> None:
        with self.lock:
            self.db.executemany("INSERT OR REPLACE INTO passports VALUES (?, ?, ?)", rows)

    def file_hashes(self) -> dict[str, str]:
        with self.lock:
            return dict(self.db.execute("SELECT path, hash FROM files"))

    def set_files(self, rows: list[tuple[str, str, int]]) -> None:
        with self.lock:
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", rows)

    def drop_files(self, paths: list[str]) -> None:
        with self.lock:
            self.db.executemany("DELETE FROM files WHERE path=?", [(p,) for p in paths])

    def reset(self) -> None:
        with self.lock:
            self.db.executescript("DELETE FROM passports; DELETE FROM files; DELETE FROM meta;")

    def html_pages(self) -> Iterator[str]:
        for (path,) in self.db.execute("SELECT path FROM files WHERE html=1 ORDER BY path"):
            yield path
        for (page,) in self.db.execute("SELECT page FROM passports ORDER BY iri"):
            yield page

    def commit(self) -> None:
        with self.lock:
            self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


class Output:
    """Writes files under the output folder, creating folders once (plain ``os`` calls: this is
    the innermost loop of a build)."""

    _FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC

    def __init__(self, root: Path):
        self.root = str(root)
        self._dirs: set[str] = set()

    def write(self, rel: str, body: bytes) -> None:
        target = f"{self.root}/{rel}"
        parent = target.rpartition("/")[0]
        if parent not in self._dirs:
            os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        fd = os.open(target, self._FLAGS, 0o644)
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def _digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


# ---------------------------------------------------------------------------------------------
class SiteBuilder:
    def __init__(self, registry: Registry, out: Path, *, site_url: str | None = None,
                 languages: tuple[str, ...] = ("nl", "en"), force: bool = False,
                 list_pages: int = STATIC_LIST_PAGES, progress: bool = True, workers: int = 1):
        self.registry = registry
        self.base = registry.base
        self.out = out
        self.site_url = (site_url or self.base).rstrip("/") + "/"
        self.languages = languages
        self.list_pages = list_pages
        self.progress_enabled = progress
        self.workers = max(1, workers)
        self.terms: Terms = get_terms()
        self.object_kinds = frozenset(self.terms.object_kinds)
        self.output = Output(out)
        self.manifest = Manifest(out / ".build" / "manifest.sqlite")
        self.report = BuildReport()
        self.context_url = self.site_url + CONTEXT_PATH
        fingerprint = self._build_fingerprint()
        if force or self.manifest.meta("build") != fingerprint:
            self.manifest.reset()
        self.manifest.set_meta("build", fingerprint)
        self.old_files = self.manifest.file_hashes()
        self.new_files: list[tuple[str, str, int]] = []
        self.seen_files: set[str] = set()

    def _build_fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(templates_fingerprint().encode())
        code_dir = Path(__file__).parent
        for name in _CODE_FILES:
            path = code_dir / name
            if path.exists():
                digest.update(path.read_bytes())
        digest.update(self.terms.fingerprint.encode())
        digest.update(repr((self.base, self.site_url, self.languages, self.list_pages)).encode())
        return digest.hexdigest()

    # -- writing ---------------------------------------------------------------------------
    def _file(self, rel: str, body: bytes, *, html: bool) -> None:
        """An aggregate file: written only when its bytes changed since the last build."""
        self.seen_files.add(rel)
        digest = _digest(body)
        if self.old_files.get(rel) == digest and (self.out / rel).exists():
            if html:
                self.report.pages_unchanged += 1
            return
        self.output.write(rel, body)
        self.new_files.append((rel, digest, 1 if html else 0))
        if html:
            self.report.pages_written += 1
        else:
            self.report.rdf_files += 1

    def _page(self, page: Page) -> None:
        for lang in self.languages:
            rel, body = render_static(page, lang, self.base, self.terms, self.object_kinds,
                                      self.languages)
            self._file(rel, body, html=True)

    def _rdf_aggregate(self, path: str, triples) -> None:
        """RDF documents of vocabulary: rewritten only when the statements changed (blank node
        labels differ from run to run, so the bytes are not compared)."""
        triples = list(triples)
        digest = _digest("\n".join(sorted(
            str(ox.Triple(_no_bnode(t.subject), t.predicate, _no_bnode(t.object)))
            for t in triples)).encode())
        for fmt in RDF_FORMATS:
            rel = path.lstrip("/") + fmt.suffix
            self.seen_files.add(rel)
            if self.old_files.get(rel) == digest and (self.out / rel).exists():
                continue
            self.output.write(rel, serialize(triples, fmt, context_url=self.context_url))
            self.new_files.append((rel, digest, 0))
            self.report.rdf_files += 1

    # -- the build -------------------------------------------------------------------------
    def build(self) -> BuildReport:
        started = time.perf_counter()
        with self._progress() as progress:
            self._copy_static()
            self._file(CONTEXT_PATH, context_bytes(), html=False)
            task = progress.add_task("passports", total=None)
            t0 = time.perf_counter()
            self._passports(progress, task)
            self.report.passport_seconds = time.perf_counter() - t0
            self._dumps()
            agg = progress.add_task("overview pages", total=None)
            self._aggregates(progress, agg)
            self._retire_stale_files()
            self._sitemap()
        self.manifest.commit()
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _progress(self) -> Progress:
        return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=not self.progress_enabled,
                        transient=False)

    def _copy_static(self) -> None:
        for path in sorted(STATIC_DIR.rglob("*")):
            if path.is_file():
                rel = "static/" + path.relative_to(STATIC_DIR).as_posix()
                self._file(rel, path.read_bytes(), html=False)

    # -- passports -------------------------------------------------------------------------
    def _all_passports(self) -> Iterator[tuple[str, str]]:
        for iri in iter_passport_iris(self.registry):
            yield iri, "current"
        for quad in self.registry.store.quads_for_pattern(None, RDF_TYPE, RETIRED_PASSPORT, None):
            if isinstance(quad.subject, ox.NamedNode) and quad.subject == quad.graph_name:
                yield quad.subject.value, "retired"

    def _fingerprint(self, iri: str, status: str) -> str:
        node = ox.NamedNode(iri)
        values = {}
        for quad in self.registry.store.quads_for_pattern(node, None, None, node):
            if quad.predicate in (VERSION_NUMBER, CONTENT_HASH, MODIFIED, RETIRED_AT):
                values[quad.predicate.value] = quad.object.value
        return "|".join([status] + [values.get(p.value, "") for p in
                                    (VERSION_NUMBER, CONTENT_HASH, MODIFIED, RETIRED_AT)])

    def _dirty(self) -> Iterator[tuple[str, str, str]]:
        """(iri, status, fingerprint) of every passport whose files are out of date."""
        for iri, status in self._all_passports():
            fingerprint = self._fingerprint(iri, status)
            if self.manifest.fingerprint(iri) == fingerprint:
                self.report.passports_unchanged += 1
                continue
            yield iri, status, fingerprint

    def _passports(self, progress: Progress, task) -> None:
        done = 0
        built: set[str] = set()
        predecessors: set[str] = set()

        def record(result: ChunkResult) -> None:
            nonlocal done
            self.report.pages_written += result.pages
            self.report.rdf_files += result.rdf_files
            self.report.versions_built += result.versions
            self.report.passports_built += len(result.rows)
            predecessors.update(result.predecessors)
            self.manifest.set_passports(result.rows)
            done += len(result.rows)
            progress.update(task, completed=done + self.report.passports_unchanged)

        chunks = _chunks(self._dirty(), CHUNK)
        if self.workers > 1:
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            with context.Pool(self.workers, initializer=_init_worker,
                              initargs=(self.registry.settings, str(self.out), self.site_url,
                                        self.languages)) as pool:
                for result in pool.imap_unordered(_build_chunk, chunks):
                    built.update(r[0] for r in result.rows)
                    record(result)
                    self.manifest.commit()
        else:
            writer = PassportWriter(self.registry, self.out, self.site_url, self.languages)
            for chunk in chunks:
                result = writer.build_chunk(chunk)
                built.update(r[0] for r in result.rows)
                record(result)
                self.manifest.commit()
        # A passport's page lists the passports that name it as predecessor: refresh those.
        extra = []
        for iri in sorted(predecessors - built):
            ref = owning_passport(self.base, iri)
            if ref is not None and ref.iri == iri and self.registry.status(ref) in ("current", "retired"):
                status = self.registry.status(ref)
                extra.append((iri, status, self._fingerprint(iri, status)))
        if extra:
            record(PassportWriter(self.registry, self.out, self.site_url, self.languages).build_chunk(extra))
        progress.update(task, total=done + self.report.passports_unchanged,
                        completed=done + self.report.passports_unchanged)

    # -- overview pages --------------------------------------------------------------------
    def _aggregates(self, progress: Progress, task) -> None:
        registry, terms = self.registry, self.terms
        fixed = [pages.home(registry, terms, wait=None), pages.municipalities(registry, terms, wait=None),
                 pages.materials(registry, terms, wait=None), pages.concepts(terms), pages.ontology(terms),
                 pages.search(registry, terms, data.SearchForm()), self._downloads_page(),
                 Page("not_found.html", {"path": "", "suggestion": ""}, 404, "/404")]
        for name, _ in pages.concept_schemes(terms):
            found = pages.scheme(registry, terms, name[len(MPV):], wait=None)
            if found is not None:
                fixed.append(found)
        for page in fixed:
            self._page(page)
            progress.advance(task)
        from .linked_data import ontology_triples, vocabulary_triples

        self._rdf_aggregate("/def", ontology_triples())
        for iri in terms.municipalities:
            self._listing(lambda page, listing, iri=iri: pages.municipality(
                registry, terms, iri, page, wait=None, listing=listing),
                data.iter_municipality(registry.store, iri), limit=None)
            progress.advance(task)
        for iri in terms.members(MPV + "material"):
            self._listing(lambda page, listing, iri=iri: pages.material(
                registry, terms, iri, page, wait=None, listing=listing),
                data.iter_material(registry.store, iri))
            progress.advance(task)
        for iri in terms.object_kinds:
            self._listing(lambda page, listing, iri=iri: pages.objectkind(
                registry, terms, iri, page, wait=None, listing=listing),
                data.iter_kind(registry.store, iri))
            progress.advance(task)
        for iri in terms.vocabulary_iris():
            if iri.startswith(MPV + "material/") or iri in terms.municipalities:
                pass
            elif pages.concept_lists_passports(iri):
                self._listing(lambda page, listing, iri=iri: pages.concept(
                    registry, terms, iri, page, wait=None, listing=listing),
                    data.iter_concept(registry.store, iri))
            else:
                self._page(pages.concept(registry, terms, iri, 1, wait=None, listing=([], False)))
            triples = vocabulary_triples(iri)
            if triples:
                self._rdf_aggregate("/doc/" + iri[len(MPV):], triples)
            progress.advance(task)
        for iri in terms.object_kinds:
            triples = vocabulary_triples(iri)
            if triples:
                self._rdf_aggregate(f"/doc/objectkind/{iri[len(MP):]}", triples)

    def _listing(self, make, iris, limit: int | None = -1) -> None:
        """All pages of one list from a single pass over its index (no OFFSET per page)."""
        limit = self.list_pages if limit == -1 else limit
        seen: set[str] = set()
        chunk: list[str] = []
        page = 1
        for iri in iris:
            if iri in seen:
                continue
            seen.add(iri)
            chunk.append(iri)
            if len(chunk) > data.PAGE_SIZE:
                last = limit is not None and page >= limit
                self._page(make(page, (chunk[:data.PAGE_SIZE], not last)))
                if last:
                    return
                chunk = chunk[data.PAGE_SIZE:]
                page += 1
        self._page(make(page, (chunk, False)))

    def _downloads_page(self) -> Page:
        dumps = []
        for name, rel in (("registry.nq.gz", "dumps/registry.nq.gz"), ("history.nq.gz", "dumps/history.nq.gz")):
            target = self.out / rel
            if target.exists():
                dumps.append((name, "/" + rel, f"{target.stat().st_size / 2**20:.1f} MB"))
        dumps.append(("def.ttl", "/def.ttl", ""))
        return Page("downloads.html", {"dumps": dumps, "built": self.manifest.meta("dumped_at") or "–",
                                       "active": "downloads"}, 200, "/downloads")

    # -- dumps, stale files, sitemap -------------------------------------------------------
    def _dumps(self) -> None:
        generation = _generation(self.registry.settings)
        targets = {"dumps/registry.nq.gz": self.registry.store,
                   "dumps/history.nq.gz": self.registry.history_store}
        if self.manifest.meta("generation") == generation and all(
                (self.out / rel).exists() for rel, store in targets.items() if store is not None):
            for rel in targets:
                self.seen_files.add(rel)
            return
        for rel, store in targets.items():
            if store is None:
                continue
            target = self.out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            with gzip.open(partial, "wb", compresslevel=5) as stream:
                store.dump(stream, ox.RdfFormat.N_QUADS)
            partial.replace(target)
            self.seen_files.add(rel)
        self.manifest.set_meta("generation", generation)
        self.manifest.set_meta("dumped_at", datetime.now(UTC).isoformat(timespec="seconds"))
        self.report.dumps_written = True

    def _retire_stale_files(self) -> None:
        """Aggregate pages the last build wrote but this one did not (a shorter list)."""
        self.manifest.set_files(self.new_files)
        stale = [rel for rel in self.old_files if rel not in self.seen_files]
        for rel in stale:
            try:
                (self.out / rel).unlink()
            except FileNotFoundError:
                pass
        self.manifest.drop_files(stale)

    def _sitemap(self) -> None:
        today = datetime.now(UTC).date().isoformat()
        chunks: list[str] = []
        lines: list[str] = []

        def flush() -> None:
            name = f"sitemaps/sitemap-{len(chunks) + 1}.xml"
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    + "".join(lines) + "</urlset>\n")
            self.output.write(name, body.encode("utf-8"))
            chunks.append(name)

        for page in self.manifest.html_pages():
            if page.endswith(("404.html",)):
                continue
            for prefix in self._language_prefixes(page):
                lines.append(f"<url><loc>{escape(self.site_url + prefix + page)}</loc></url>\n")
            if len(lines) >= SITEMAP_CHUNK:
                flush()
                lines = []
        if lines or not chunks:
            flush()
        index = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                 + "".join(f"<sitemap><loc>{escape(self.site_url + c)}</loc><lastmod>{today}</lastmod></sitemap>\n"
                           for c in chunks) + "</sitemapindex>\n")
        self.output.write("sitemap.xml", index.encode("utf-8"))

    def _language_prefixes(self, page: str) -> list[str]:
        # Aggregate pages are stored per language already; passport pages once for all languages.
        if any(page.startswith(f"{lang}/") for lang in self.languages if lang != "nl"):
            return [""]
        if page.startswith("doc/passport/"):
            return [("" if lang == "nl" else f"{lang}/") for lang in self.languages]
        return [""]

    def close(self) -> None:
        self.manifest.close()


# ---------------------------------------------------------------------------------------------
# Passport pages: in this process, or in worker processes each with a read-only store
# ---------------------------------------------------------------------------------------------
CHUNK = 200


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def render_static(page: Page, lang: str, base: str, terms: Terms, object_kinds: frozenset,
                  languages: tuple[str, ...]) -> tuple[str, bytes]:
    """(file path, HTML bytes) of one page in one language, with relative links."""
    prefix = "" if lang == "nl" else f"{lang}/"
    number = page.page if page.page > 1 else None
    rel = prefix + static_file(page.path, number)
    links = Links(base, lang, current=rel, current_path=page.path, current_page=number,
                  object_kinds=object_kinds)
    other = "en" if lang == "nl" else "nl"
    switch = links.switch(other if other in languages else lang)
    html = render(page.template, lang, links, terms, switch_url=switch, **page.context)
    return rel, html.encode("utf-8")


@dataclass
class ChunkResult:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, fingerprint, page file)
    pages: int = 0
    rdf_files: int = 0
    versions: int = 0
    predecessors: list[str] = field(default_factory=list)


class PassportWriter:
    """Writes every file of a passport: its page, its versions' pages, their RDF documents."""

    def __init__(self, registry: Registry, out: Path, site_url: str, languages: tuple[str, ...]):
        self.registry = registry
        self.base = registry.base
        self.output = Output(out)
        self.terms = get_terms()
        self.object_kinds = frozenset(self.terms.object_kinds)
        self.languages = languages
        self.context_url = site_url + CONTEXT_PATH

    def build_chunk(self, items: list[tuple[str, str, str]]) -> ChunkResult:
        result = ChunkResult()
        for iri, status, fingerprint in items:
            page_file = self.build(iri, status, result)
            if page_file:
                result.rows.append((iri, fingerprint, page_file))
        return result

    def build(self, iri: str, status: str, result: ChunkResult) -> str:
        from .linked_data import passport_document

        ref = owning_passport(self.base, iri)
        current = PassportRef(self.base, ref.municipality, ref.key)
        history = data.history_rows(self.registry, current)
        doc = passport_document(self.registry, current)
        if doc is None:
            return ""
        triples = list(doc.materialize())
        page = pages.passport(self.registry, self.terms, current, triples=triples, status=status,
                              history=history)
        path = f"/doc/passport/{ref.municipality}/{ref.key}"
        current_rdf = self._files(page, path, doc, result)
        number = page.context.get("view", {}).get("version_number") if status == "current" else None
        for row in history:
            version = current.at(row["number"])
            if row["number"] == number:
                # the current version: the same graph and view, read and built once
                vdoc = doc
                vpage = pages.passport(self.registry, self.terms, version, status="version",
                                       history=history, view=page.context["view"])
            else:
                vdoc = passport_document(self.registry, version)
                if vdoc is None:
                    continue
                vpage = pages.passport(self.registry, self.terms, version, triples=list(vdoc.materialize()),
                                       status="version", history=history)
            self._files(vpage, f"{path}/v/{row['number']}", vdoc, result,
                        rdf=current_rdf if vdoc is doc else None)
            result.versions += 1
        result.predecessors += page.context.get("view", {}).get("predecessors", [])
        return static_file(path)

    def _files(self, page: Page, path: str, doc, result: ChunkResult,
               rdf: dict | None = None) -> dict:
        """The page in every language, and the RDF documents as the linked-data URIs serve them
        (``rdf``: bodies already serialised for the same graph). Returns the RDF bodies."""
        for lang in self.languages:
            rel, body = render_static(page, lang, self.base, self.terms, self.object_kinds,
                                      self.languages)
            self.output.write(rel, body)
            result.pages += 1
        bodies = {}
        for fmt in RDF_FORMATS:
            body = bodies[fmt.suffix] = (rdf or {}).get(fmt.suffix) or doc.serialize(
                fmt, context_url=self.context_url)
            self.output.write(path.lstrip("/") + fmt.suffix, body)
            result.rdf_files += 1
        return bodies


_worker: PassportWriter | None = None


def _init_worker(settings: Settings, out: str, site_url: str, languages: tuple[str, ...]) -> None:
    global _worker
    registry = Registry.open(settings, read_only=True)
    _worker = PassportWriter(registry, Path(out), site_url, languages)


def _build_chunk(items: list[tuple[str, str, str]]) -> ChunkResult:
    return _worker.build_chunk(items)


_BNODE = ox.BlankNode("b")


def _no_bnode(term):
    return _BNODE if isinstance(term, ox.BlankNode) else term


def _generation(settings: Settings) -> str:
    try:
        return (settings.data_dir / "generation").read_text().strip() or "0"
    except OSError:
        return "0"


def build_site(settings: Settings, out: Path, **options) -> BuildReport:
    """Build (or bring up to date) the static site in ``out`` from the registry in ``settings``."""
    registry = Registry.open(settings, read_only=True)
    builder = None
    try:
        builder = SiteBuilder(registry, Path(out), **options)
        return builder.build()
    finally:
        if builder is not None:
            builder.close()
        try:
            registry.close()
        except RuntimeError:  # read-only stores cannot flush (Registry.close expects OSError)
            pass


@cli.command("build")
def build_command(
        out: Path = typer.Argument(..., help="output folder (created if missing)"),
        data_dir: Path | None = typer.Option(None, "--data", envvar="PASSPORTS_DATA",
                                             help="data directory of the registry (default ./data)"),
        base: str | None = typer.Option(None, "--base", envvar="PASSPORTS_BASE",
                                        help="base IRI of the registry's data"),
        site_url: str | None = typer.Option(None, "--site-url",
                                            help="URL where the site will be published (for sitemap.xml "
                                                 "and the JSON-LD context); default: the base IRI"),
        languages: str = typer.Option("nl,en", "--languages", help="page languages, comma-separated"),
        list_pages: int = typer.Option(STATIC_LIST_PAGES, "--list-pages", min=1,
                                       help="pages of passports per material, object kind and concept"),
        force: bool = typer.Option(False, "--force", help="rebuild everything"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
        workers: int = typer.Option(0, "--workers", min=0,
                                    help="processes rendering passports (0: one per CPU core)"),
) -> None:
    """Write the whole site (HTML, RDF per resource, dumps, sitemap) into OUT, incrementally."""
    langs = tuple(lang.strip() for lang in languages.split(",") if lang.strip())
    unknown = [lang for lang in langs if lang not in ("nl", "en")]
    if not langs or unknown:
        console.print(f"[red]error:[/red] --languages takes nl and/or en, not {', '.join(unknown) or 'nothing'}")
        raise typer.Exit(2)
    kwargs = {}
    if data_dir:
        kwargs["data_dir"] = data_dir
    if base:
        kwargs["base_iri"] = base
    settings = Settings(**kwargs)
    if out.exists() and not out.is_dir():
        console.print(f"[red]error:[/red] {out} is a file; give a folder for the site")
        raise typer.Exit(2)
    try:
        report = build_site(settings, out, site_url=site_url, languages=langs, force=force,
                            list_pages=list_pages, progress=progress,
                            workers=workers or os.cpu_count() or 1)
    except StoreError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(
        f"site in {out}: {report.pages_written} pages written, {report.pages_unchanged} unchanged, "
        f"{report.rdf_files} RDF files; passports {report.passports_built} built, "
        f"{report.passports_unchanged} unchanged; {report.seconds:.1f} s "
        f"({report.pages_per_second:.0f} pages/s)")
