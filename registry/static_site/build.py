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
passports whose fingerprint changed (and the predecessors they name); when the store generation
moved it re-renders the aggregate pages but writes only those whose bytes changed, and re-dumps.
A change of templates, UI strings, static files, ontology, page code or options rebuilds
everything.

Work: passports (in tasks of ``CHUNK``) and overview pages (a task per municipality, material,
object kind or concept list) go to ``--workers`` processes, each with a read-only store; a
passport's current-version page is rendered from the view, graph and RDF documents of its
passport page. Meanwhile this process writes the dumps: the workers send the N-Quads of the
graphs they read (see ``_Dumps``), so a full build reads the store once.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import resource
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox
import typer
from markupsafe import Markup
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from registry.core.settings import Settings
from registry.model.terms import Terms, get_terms
from registry.model.uris import PassportRef, owning_passport
from registry.model.vocab import (
    CONTENT_HASH,
    MODIFIED,
    MP,
    MPV,
    RDF_TYPE,
    RETIRED_AT,
    RETIRED_PASSPORT,
    VERSION_NUMBER,
)
from registry.store.registry import Registry, StoreError, iter_passport_iris
from registry.views.negotiation import JSON_LD, N_TRIPLES, TURTLE
from registry.views.pages import contexts as pages
from registry.views.pages.contexts import Page
from registry.views.pages.history import history_rows
from registry.views.pages.links import Links, static_file
from registry.views.pages.lists import iter_concept, iter_kind, iter_material, iter_municipality
from registry.views.pages.paging import PAGE_SIZE
from registry.views.pages.render import STATIC_DIR, render, templates_fingerprint
from registry.views.pages.search import SearchForm
from registry.views.serialization import CONTEXT_PATH, context_bytes, serialize

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
    cpu_seconds: float = 0.0  # this process and its worker processes, user + system
    workers: int = 1
    errors: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        """HTML pages written per second of the whole build."""
        return self.pages_written / self.seconds if self.seconds else 0.0

    @property
    def files_per_second(self) -> float:
        """HTML pages and RDF files written per second of the whole build."""
        return (self.pages_written + self.rdf_files) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"pages_written": self.pages_written, "pages_unchanged": self.pages_unchanged,
                "rdf_files": self.rdf_files, "passports_built": self.passports_built,
                "passports_unchanged": self.passports_unchanged, "versions_built": self.versions_built,
                "dumps_written": self.dumps_written, "seconds": round(self.seconds, 3),
                "passport_seconds": round(self.passport_seconds, 3),
                "cpu_seconds": round(self.cpu_seconds, 3), "workers": self.workers,
                "pages_per_second": round(self.pages_per_second, 1),
                "files_per_second": round(self.files_per_second, 1)}


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

    def has_passports(self) -> bool:
        with self.lock:
            return self.db.execute("SELECT 1 FROM passports LIMIT 1").fetchone() is not None

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
    """Writes files under the output folder with plain ``os`` calls (the innermost loop of a
    build): a folder is made only when opening a file in it fails."""

    _FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC

    def __init__(self, root: Path):
        self.root = str(root) + "/"

    def write(self, rel: str, body: bytes) -> None:
        target = self.root + rel
        try:
            fd = os.open(target, self._FLAGS, 0o644)
        except FileNotFoundError:
            os.makedirs(target.rpartition("/")[0], exist_ok=True)
            fd = os.open(target, self._FLAGS, 0o644)
        try:
            written = os.write(fd, body)
            if written < len(body):
                view = memoryview(body)[written:]
                while view:
                    view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def _digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


_FINGERPRINT = tuple(p.value for p in (VERSION_NUMBER, CONTENT_HASH, MODIFIED, RETIRED_AT))


def _fingerprint_of(status: str, node: ox.NamedNode, statements) -> str:
    """What decides whether a passport's files are up to date: its status and the version,
    content hash, modified and retired values of its own node (from triples or quads)."""
    values = {}
    for statement in statements:
        predicate = statement.predicate.value
        if predicate in _FINGERPRINT and statement.subject == node:
            values[predicate] = statement.object.value
    return "|".join([status] + [values.get(p, "") for p in _FINGERPRINT])


# ---------------------------------------------------------------------------------------------
# The work: tasks run in worker processes (each with a read-only store) or in this process
# ---------------------------------------------------------------------------------------------
CHUNK = 100  # passports per task


@dataclass
class TaskResult:
    """What one task wrote, for the report and the manifest of the main process."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, fingerprint, page file)
    pages: int = 0  # HTML pages written
    pages_unchanged: int = 0
    rdf_files: int = 0
    versions: int = 0
    predecessors: list[str] = field(default_factory=list)
    files: list[tuple[str, str, int]] = field(default_factory=list)  # aggregate files written
    seen: list[str] = field(default_factory=list)  # aggregate files of this task, written or not
    dump: bytes = b""  # gzip member: N-Quads of the stored graphs of the passports built
    dump_quads: int = 0
    overview: int = 0  # overview tasks done (progress)


def render_static(page: Page, lang: str, base: str, terms: Terms, object_kinds: frozenset,
                  languages: tuple[str, ...], shared: dict[str, dict[str, str]] | None = None
                  ) -> tuple[str, bytes]:
    """(file path, HTML bytes) of one page in one language, with relative links.

    ``shared``: parts of the page already rendered for the same view, per language (see
    ``shared_parts``)."""
    prefix = "" if lang == "nl" else f"{lang}/"
    number = page.page if page.page > 1 else None
    rel = prefix + static_file(page.path, number)
    links = Links(base, lang, current=rel, current_path=page.path, current_page=number,
                  object_kinds=object_kinds)
    other = "en" if lang == "nl" else "nl"
    switch = links.switch(other if other in languages else lang)
    extra = {}
    if shared is not None:
        up = links.file("")
        extra = {name: Markup(html.replace(UP, up)) for name, html in shared[lang].items()}
    html = render(page.template, lang, links, terms, switch_url=switch, **page.context, **extra)
    return rel, html.encode("utf-8")


UP = "\ue000up\ue001"  # stands for the way up to the site root in HTML shared by pages of any depth
# The parts of passport.html (variable, template) that are the same on the page of the current version
SHARED_PARTS = (("facts_html", "passport_facts.html"), ("sections_html", "passport_sections.html"))


class _PlaceholderLinks(Links):
    """Links from a page whose depth is not known yet: the way up to the site root is ``UP``,
    which each page that includes the HTML replaces with its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._up = UP


def shared_parts(page: Page, base: str, terms: Terms, object_kinds: frozenset,
                 languages: tuple[str, ...]) -> dict[str, dict[str, str]] | None:
    """What a passport page and the page of its current version have in common (object and
    location, materials, components, valuations), rendered once per language."""
    if page.template != "passport.html":
        return None
    found = {}
    for lang in languages:
        links = _PlaceholderLinks(base, lang, current="", current_path=page.path, object_kinds=object_kinds)
        found[lang] = {name: render(template, lang, links, terms, p=page.context["view"], **page.context)
                       for name, template in SHARED_PARTS}
    return found


def _without(shared: dict[str, dict[str, str]] | None, name: str) -> dict[str, dict[str, str]] | None:
    if shared is None:
        return None
    return {lang: {k: v for k, v in parts.items() if k != name} for lang, parts in shared.items()}


class Writer:
    """Writes the files of passports (page, version pages, their RDF documents) and of overview
    pages (written only when their bytes changed since the last build, per ``old_files``)."""

    def __init__(self, registry: Registry, out: Path, site_url: str, languages: tuple[str, ...],
                 list_pages: int = STATIC_LIST_PAGES, old_files: dict[str, str] | None = None):
        self.registry = registry
        self.base = registry.base
        self.out = out
        self.output = Output(out)
        self.terms = get_terms()
        self.object_kinds = frozenset(self.terms.object_kinds)
        self.languages = languages
        self.list_pages = list_pages
        self.old_files = old_files or {}
        self.context_url = site_url + CONTEXT_PATH
        self.current: dict[str, bool] = {}  # graph name -> a current passport (the store is a snapshot)

    def run(self, task: tuple) -> TaskResult:
        kind, arg = task[0], task[1]
        if kind == "passports":
            return self.passports(arg, collect_dump=task[2])
        result = TaskResult(overview=1)
        self.overview(kind, arg, result)
        return result

    # -- passports -------------------------------------------------------------------------
    def passports(self, items: list[tuple[str, str, str | None]], collect_dump: bool = False) -> TaskResult:
        """Every file of these passports; ``collect_dump``: also their stored graphs as N-Quads."""
        result = TaskResult()
        dump: list[bytes] | None = [] if collect_dump else None
        for iri, status, fingerprint in items:
            built = self.passport(iri, status, result, dump)
            if built:
                result.rows.append((iri, built[1] if fingerprint is None else fingerprint, built[0]))
        if dump:
            data = b"".join(dump)
            result.dump_quads = data.count(b"\n")
            result.dump = gzip.compress(data, compresslevel=5, mtime=0)
        return result

    def passport(self, iri: str, status: str, result: TaskResult,
                 dump: list[bytes] | None = None) -> tuple[str, str] | None:
        """Write one passport's files; (page file, fingerprint), or None when it is gone."""
        from registry.web.routers.linked_data import passport_document

        ref = owning_passport(self.base, iri)
        current = PassportRef(self.base, ref.municipality, ref.key)
        node = ox.NamedNode(current.iri)
        doc = passport_document(self.registry, current)
        if doc is None:
            return None
        history = history_rows(self.registry, current)
        triples = doc.materialize()
        page = pages.passport(self.registry, self.terms, current, triples=triples, status=status,
                              history=history)
        path = f"/doc/passport/{ref.municipality}/{ref.key}"
        shared = shared_parts(page, self.base, self.terms, self.object_kinds, self.languages)
        current_rdf = self._files(page, path, doc, result, shared=shared)
        if dump is not None:
            if doc.source == (self.registry.store, node):  # the document is the stored graph
                dump.append(current_rdf[N_TRIPLES.suffix].replace(b" .\n", f" <{iri}> .\n".encode()))
            else:  # a tombstone document adds what the store does not hold
                dump.append(ox.serialize(self.registry.store.quads_for_pattern(None, None, None, node),
                                         format=ox.RdfFormat.N_QUADS))
        view = page.context.get("view", {})
        number = view.get("version_number") if status == "current" else None
        # a version page names no successors (it never changes): their facts differ then
        vshared = _without(shared, "facts_html") if view.get("successors") else shared
        for row in history:
            version = current.at(row["number"])
            if row["number"] == number:
                # the current version: the same graph, view and RDF documents, built once
                vpage = pages.passport(self.registry, self.terms, version, status="version",
                                       history=history, view=view)
                self._files(vpage, f"{path}/v/{row['number']}", doc, result, rdf=current_rdf, shared=vshared)
            else:
                vdoc = passport_document(self.registry, version)
                if vdoc is None:
                    continue
                vpage = pages.passport(self.registry, self.terms, version, triples=vdoc.materialize(),
                                       status="version", history=history)
                self._files(vpage, f"{path}/v/{row['number']}", vdoc, result)
            result.versions += 1
        result.predecessors += view.get("predecessors", [])
        return static_file(path), _fingerprint_of(status, node, triples)

    def _files(self, page: Page, path: str, doc, result: TaskResult, rdf: dict | None = None,
               shared: dict[str, dict[str, str]] | None = None) -> dict:
        """The page in every language, and the RDF documents as the linked-data URIs serve them
        (``rdf``: bodies already serialised for the same graph; ``shared``: parts already
        rendered for the same view). Returns the RDF bodies."""
        write = self.output.write
        for lang in self.languages:
            rel, body = render_static(page, lang, self.base, self.terms, self.object_kinds,
                                      self.languages, shared)
            write(rel, body)
        result.pages += len(self.languages)
        if rdf is None:
            rdf = {fmt.suffix: doc.serialize(fmt, context_url=self.context_url) for fmt in RDF_FORMATS}
        stem = path[1:]
        for suffix, body in rdf.items():
            write(stem + suffix, body)
        result.rdf_files += len(rdf)
        return rdf

    # -- overview pages and vocabulary documents -------------------------------------------
    def file(self, result: TaskResult, rel: str, body: bytes, *, html: bool, digest: str | None = None) -> None:
        """An overview file: written only when its bytes (or ``digest``) changed since the last build."""
        result.seen.append(rel)
        digest = digest or _digest(body)
        if self.old_files.get(rel) == digest and os.path.exists(self.output.root + rel):
            if html:
                result.pages_unchanged += 1
            return
        self.output.write(rel, body)
        result.files.append((rel, digest, 1 if html else 0))
        if html:
            result.pages += 1
        else:
            result.rdf_files += 1

    def page(self, result: TaskResult, page: Page) -> None:
        for lang in self.languages:
            rel, body = render_static(page, lang, self.base, self.terms, self.object_kinds,
                                      self.languages)
            self.file(result, rel, body, html=True)

    def rdf_aggregate(self, result: TaskResult, path: str, triples) -> None:
        """RDF documents of vocabulary: rewritten only when the statements changed (blank node
        labels differ from run to run, so the bytes are not compared)."""
        triples = list(triples)
        digest = _digest("\n".join(sorted(
            str(ox.Triple(_no_bnode(t.subject), t.predicate, _no_bnode(t.object)))
            for t in triples)).encode())
        for fmt in RDF_FORMATS:
            rel = path.lstrip("/") + fmt.suffix
            if self.old_files.get(rel) == digest and os.path.exists(self.output.root + rel):
                result.seen.append(rel)
                continue
            self.file(result, rel, serialize(triples, fmt, context_url=self.context_url),
                      html=False, digest=digest)

    def listing(self, result: TaskResult, make, iris, limit: int | None = -1) -> None:
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
            if len(chunk) > PAGE_SIZE:
                last = limit is not None and page >= limit
                self.page(result, make(page, (chunk[:PAGE_SIZE], not last)))
                if last:
                    return
                chunk = chunk[PAGE_SIZE:]
                page += 1
        self.page(result, make(page, (chunk, False)))

    def overview(self, kind: str, arg, result: TaskResult) -> None:
        """One overview task (see ``SiteBuilder._overview_tasks``)."""
        registry, terms, store = self.registry, self.terms, self.registry.store
        if kind == "fixed":
            fixed = [pages.home(registry, terms, wait=None), pages.municipalities(registry, terms, wait=None),
                     pages.materials(registry, terms, wait=None), pages.concepts(terms), pages.ontology(terms),
                     pages.search(registry, terms, SearchForm()),
                     Page("not_found.html", {"path": "", "suggestion": ""}, 404, "/404")]
            for name, _ in pages.concept_schemes(terms):
                found = pages.scheme(registry, terms, name[len(MPV):], wait=None)
                if found is not None:
                    fixed.append(found)
            for page in fixed:
                self.page(result, page)
        elif kind == "municipality":
            self.listing(result, lambda page, listing: pages.municipality(
                registry, terms, arg, page, wait=None, listing=listing),
                iter_municipality(store, arg), limit=None)
        elif kind == "material":
            self.listing(result, lambda page, listing: pages.material(
                registry, terms, arg, page, wait=None, listing=listing), iter_material(store, arg, self.current))
        elif kind == "objectkind":
            self.listing(result, lambda page, listing: pages.objectkind(
                registry, terms, arg, page, wait=None, listing=listing), iter_kind(store, arg, self.current))
        elif kind == "concept":
            self.listing(result, lambda page, listing: pages.concept(
                registry, terms, arg, page, wait=None, listing=listing), iter_concept(store, arg, self.current))
        elif kind == "concepts":  # concepts that list no passports: one page each
            for iri in arg:
                self.page(result, pages.concept(registry, terms, iri, 1, wait=None, listing=([], False)))
        elif kind == "vocabulary":
            from registry.web.routers.linked_data import ontology_triples, vocabulary_triples

            self.rdf_aggregate(result, "/def", ontology_triples())
            for iri in terms.vocabulary_iris():
                triples = vocabulary_triples(iri)
                if triples:
                    self.rdf_aggregate(result, "/doc/" + iri[len(MPV):], triples)
            for iri in terms.object_kinds:
                triples = vocabulary_triples(iri)
                if triples:
                    self.rdf_aggregate(result, f"/doc/objectkind/{iri[len(MP):]}", triples)
        else:
            raise ValueError(f"unknown site build task {kind!r}")


_worker: Writer | None = None


def _init_worker(settings: Settings, out: str, site_url: str, languages: tuple[str, ...],
                 list_pages: int, old_files: dict[str, str]) -> None:
    global _worker
    registry = Registry.open(settings, read_only=True)
    _worker = Writer(registry, Path(out), site_url, languages, list_pages, old_files)


def _run_task(task: tuple) -> TaskResult:
    return _worker.run(task)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
        self.manifest = Manifest(out / ".build" / "manifest.sqlite")
        self.report = BuildReport()
        fingerprint = self._build_fingerprint()
        if force or self.manifest.meta("build") != fingerprint:
            self.manifest.reset()
        self.manifest.set_meta("build", fingerprint)
        self.old_files = self.manifest.file_hashes()
        self.writer = Writer(registry, out, self.site_url, languages, list_pages, self.old_files)
        self.output = self.writer.output
        self.new_files: list[tuple[str, str, int]] = []
        self.seen_files: set[str] = set()
        self.predecessors: set[str] = set()
        self.built: set[str] = set()
        self.dump_quads = 0
        self.dump_graphs: set[str] = set()

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

    # -- the build -------------------------------------------------------------------------
    def build(self) -> BuildReport:
        """Passports and overview pages in one stream of tasks over the worker processes, while
        this process writes the dumps; then the downloads page, stale files and the sitemap."""
        started, cpu = time.perf_counter(), _cpu_seconds()
        self.report.workers = self.workers
        self.generation = _generation(self.registry.settings)  # read once: what this build shows
        with self._progress() as progress:
            self.progress = progress
            self.passport_task = progress.add_task("passports", total=None)
            overview = [] if self._overview_done() else self._overview_tasks()
            self.overview_task = progress.add_task("overview pages", total=len(overview))
            self._local(self._copy_static)
            first_build = not self.manifest.has_passports()
            dumps = _Dumps(self, first_build)
            tasks = chain(overview, (("passports", chunk, dumps.collecting)
                                     for chunk in _chunks(self._dirty(first_build), CHUNK)))
            t0 = time.perf_counter()
            try:
                self._run(tasks, dumps)
            except BaseException:
                dumps.close()
                raise
            self.manifest.set_meta("overview", self.generation)
            self._refresh_predecessors()
            self.report.passport_seconds = time.perf_counter() - t0
            dumps.finish()
            self._local(lambda result: self.writer.page(result, self._downloads_page()))
            self._retire_stale_files()
            self._sitemap()
        self.manifest.commit()
        self.report.seconds = time.perf_counter() - started
        self.report.cpu_seconds = _cpu_seconds() - cpu
        return self.report

    def _progress(self) -> Progress:
        return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=not self.progress_enabled,
                        transient=False)

    def _local(self, work) -> None:
        """Run ``work(result)`` in this process and record what it wrote."""
        result = TaskResult()
        work(result)
        self._record(result)

    def _copy_static(self, result: TaskResult) -> None:
        for path in sorted(STATIC_DIR.rglob("*")):
            if path.is_file():
                rel = "static/" + path.relative_to(STATIC_DIR).as_posix()
                self.writer.file(result, rel, path.read_bytes(), html=False)
        self.writer.file(result, CONTEXT_PATH, context_bytes(), html=False)

    def _overview_tasks(self) -> list[tuple]:
        """Overview pages in tasks of about equal size; the vocabulary documents in one."""
        terms = self.terms
        tasks: list[tuple] = [("fixed", None), ("vocabulary", None)]
        tasks += [("municipality", iri) for iri in terms.municipalities]
        tasks += [("material", iri) for iri in terms.members(MPV + "material")]
        tasks += [("objectkind", iri) for iri in terms.object_kinds]
        plain = []
        for iri in terms.vocabulary_iris():
            if iri.startswith(MPV + "material/") or iri in terms.municipalities:
                continue
            if pages.concept_lists_passports(iri):
                tasks.append(("concept", iri))
            else:
                plain.append(iri)
        tasks += [("concepts", tuple(plain[i:i + 20])) for i in range(0, len(plain), 20)]
        return tasks

    def _overview_done(self) -> bool:
        """Whether the last build's overview pages and vocabulary documents still hold: written
        for this store generation (a change of templates, code or options resets the manifest)
        and all still there. Then none is rendered again."""
        if self.generation == "0" or self.manifest.meta("overview") != self.generation:
            return False  # "0": no generation file, so changes cannot be told
        root = self.output.root
        if not all(os.path.exists(root + rel) for rel in self.old_files):
            return False
        self.seen_files.update(self.old_files)
        return True

    def _run(self, tasks, dumps: _Dumps) -> None:
        """The tasks in the worker processes; in this process when there is only one (starting
        workers costs more than a small rebuild)."""
        tasks = iter(tasks)
        head = list(islice(tasks, 2))
        tasks = chain(head, tasks)
        if self.workers > 1 and len(head) > 1:
            import multiprocessing

            context = multiprocessing.get_context("spawn")  # nothing inherited: no open stores
            with context.Pool(self.workers, initializer=_init_worker,
                              initargs=(self.registry.settings, str(self.out), self.site_url,
                                        self.languages, self.list_pages, self.old_files)) as pool:
                for result in pool.imap_unordered(_run_task, tasks):
                    self._record(result, dumps)
        else:
            for task in tasks:
                self._record(self.writer.run(task), dumps)

    def _record(self, result: TaskResult, dumps: _Dumps | None = None) -> None:
        report = self.report
        report.pages_written += result.pages
        report.pages_unchanged += result.pages_unchanged
        report.rdf_files += result.rdf_files
        report.versions_built += result.versions
        report.passports_built += len(result.rows)
        self.seen_files.update(result.seen)
        self.new_files += result.files
        self.predecessors.update(result.predecessors)
        if result.rows:
            self.built.update(row[0] for row in result.rows)
            self.manifest.set_passports(result.rows)
            self.manifest.commit()
            self.progress.update(self.passport_task,
                                 completed=report.passports_built + report.passports_unchanged)
        if result.overview:
            self.progress.advance(self.overview_task, result.overview)
        if result.dump and dumps is not None:
            dumps.add(result)

    # -- passports -------------------------------------------------------------------------
    def _all_passports(self) -> Iterator[tuple[str, str]]:
        for iri in iter_passport_iris(self.registry):
            yield iri, "current"
        for quad in self.registry.store.quads_for_pattern(None, RDF_TYPE, RETIRED_PASSPORT, None):
            if isinstance(quad.subject, ox.NamedNode) and quad.subject == quad.graph_name:
                yield quad.subject.value, "retired"

    def _fingerprint(self, iri: str, status: str) -> str:
        node = ox.NamedNode(iri)
        return _fingerprint_of(status, node, self.registry.store.quads_for_pattern(node, None, None, node))

    def _dirty(self, first_build: bool) -> Iterator[tuple[str, str, str | None]]:
        """(iri, status, fingerprint) of every passport whose files are out of date; on a first
        build every passport, with the fingerprint left to the worker that reads the graph."""
        for iri, status in self._all_passports():
            if first_build:
                yield iri, status, None
                continue
            fingerprint = self._fingerprint(iri, status)
            if self.manifest.fingerprint(iri) == fingerprint:
                self.report.passports_unchanged += 1
                continue
            yield iri, status, fingerprint

    def _refresh_predecessors(self) -> None:
        """A passport's page lists the passports that name it as predecessor: refresh those."""
        extra = []
        for iri in sorted(self.predecessors - self.built):
            ref = owning_passport(self.base, iri)
            if ref is not None and ref.iri == iri:
                status = self.registry.status(ref)
                if status in ("current", "retired"):
                    extra.append((iri, status, self._fingerprint(iri, status)))
        if extra:
            self._record(self.writer.passports(extra))
        self.progress.update(self.passport_task, total=self.report.passports_built + self.report.passports_unchanged,
                             completed=self.report.passports_built + self.report.passports_unchanged)

    def _downloads_page(self) -> Page:
        dumps = []
        for name, rel in (("registry.nq.gz", "dumps/registry.nq.gz"), ("history.nq.gz", "dumps/history.nq.gz")):
            target = self.out / rel
            if target.exists():
                dumps.append((name, "/" + rel, f"{target.stat().st_size / 2**20:.1f} MB"))
        dumps.append(("def.ttl", "/def.ttl", ""))
        return Page("downloads.html", {"dumps": dumps, "built": self.manifest.meta("dumped_at") or "–",
                                       "active": "downloads"}, 200, "/downloads")

    # -- stale files, sitemap --------------------------------------------------------------
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


class _Dumps:
    """``dumps/registry.nq.gz`` and ``dumps/history.nq.gz``, written while the pages are built,
    when the store moved on since the last dump (or a dump is missing).

    On a first build (every passport is read by the workers anyway) the main store's dump is
    made of what the workers send: each passport task its graphs as one gzip member of N-Quads;
    then the provenance graph is added. If the workers did not cover the whole store after all,
    and on incremental builds, pyoxigraph dumps the main store. pyoxigraph dumps run in threads
    (they release the GIL), next to the page work.
    """

    MAIN, HISTORY = "dumps/registry.nq.gz", "dumps/history.nq.gz"

    def __init__(self, builder: SiteBuilder, first_build: bool):
        self.builder = builder
        self.registry = builder.registry
        self.out = builder.out
        self.generation = builder.generation
        self.stores = {rel: store for rel, store in ((self.MAIN, self.registry.store),
                                                     (self.HISTORY, self.registry.history_store))
                       if store is not None}
        builder.seen_files.update(self.stores)
        self.needed = builder.manifest.meta("generation") != self.generation or not all(
            (self.out / rel).exists() for rel in self.stores)
        self.collecting = self.needed and first_build and self.MAIN in self.stores
        self.graphs: set[str] = set()
        self.quads = 0
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        if not self.needed:
            return
        (self.out / "dumps").mkdir(parents=True, exist_ok=True)
        if self.collecting:
            self.collected = self.out / (self.MAIN + ".collect")
            self.stream = open(self.collected, "wb")  # noqa: SIM115 (closed in finish or close)
        for rel, store in self.stores.items():
            if not (rel == self.MAIN and self.collecting):
                self._start(store, rel)

    def _start(self, store: ox.Store, rel: str) -> None:
        thread = threading.Thread(target=self._dump_in_thread, name=f"dump {rel}",
                                  args=(store, self.out / rel), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _dump_in_thread(self, store: ox.Store, target: Path) -> None:
        try:
            _dump_store(store, target)
        except Exception as exc:  # noqa: BLE001 (re-raised in finish())
            self.errors.append(exc)

    def add(self, result: TaskResult) -> None:
        if self.collecting:
            self.stream.write(result.dump)
            self.quads += result.dump_quads
            self.graphs.update(row[0] for row in result.rows)

    def finish(self) -> None:
        if not self.needed:
            return
        if self.collecting:
            complete = self._complete()
            self.stream.close()
            if complete:
                self.collected.replace(self.out / self.MAIN)
            else:
                self.collected.unlink()
                _dump_store(self.registry.store, self.out / self.MAIN)
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        manifest = self.builder.manifest
        manifest.set_meta("generation", self.generation)
        manifest.set_meta("dumped_at", datetime.now(UTC).isoformat(timespec="seconds"))
        self.builder.report.dumps_written = True

    def close(self) -> None:
        """When the build failed: drop what was collected."""
        if self.collecting and not self.stream.closed:
            self.stream.close()
            self.collected.unlink(missing_ok=True)

    def _complete(self) -> bool:
        """Whether the collected graphs and the provenance graph are the whole store; if so the
        provenance graph is appended."""
        store = self.registry.store
        provenance = self.registry.provenance_graph
        others = [g for g in store.named_graphs() if g.value not in self.graphs]
        if any(g != provenance for g in others):
            return False
        if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
            return False
        rest = b""
        if others:
            rest = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=provenance).replace(
                b" .\n", f" <{provenance.value}> .\n".encode())
        if self.quads + rest.count(b"\n") != len(store):
            return False
        self.stream.write(gzip.compress(rest, compresslevel=5, mtime=0))
        return True


def _dump_store(store: ox.Store, target: Path) -> None:
    partial = target.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=5) as stream:
        store.dump(stream, ox.RdfFormat.N_QUADS)
    partial.replace(target)


_BNODE = ox.BlankNode("b")


def _no_bnode(term):
    return _BNODE if isinstance(term, ox.BlankNode) else term


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that ended (the worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


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
        f"({report.pages_per_second:.0f} pages/s, {report.files_per_second:.0f} files/s; "
        f"{report.cpu_seconds:.1f} s CPU in {report.workers} worker processes and this one)")
